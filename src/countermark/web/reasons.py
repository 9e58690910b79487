"""Reasons said in the reader's language: the `reason` filter of the page templates.

Capabilities store a reason as a code with parameters and its English text (`targeting/reason_codes.py`).
At display time the code's English template is looked up in the page's catalogue, filled with the
parameters (numbers formatted for the language, terms and model features translated too). A reason
without a known code, or a plain string (rows stored before reasons had codes), is shown as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_decimal

from countermark.codes.reason_codes import MESSAGES as CODES_MESSAGES
from countermark.core.http.templating import LOCALES, environment, translations
from countermark.targeting.reason_codes import MESSAGES as TARGETING_MESSAGES
from countermark.targeting.reason_codes import render_reason

MESSAGES: dict[str, str] = {**TARGETING_MESSAGES, **CODES_MESSAGES}


def reason_in(value: Any, locale: str) -> str:
    """One reason (coded dict, dict with a text, or string) in words of the locale."""
    if isinstance(value, Mapping):
        if value.get("code") in MESSAGES:
            catalogue = translations(locale)
            return render_reason(
                value,
                MESSAGES,
                translate=catalogue.gettext,
                number=lambda n: _number(n, locale),
            )
        return str(value.get("text", ""))
    return "" if value is None else str(value)


def _number(value: float, locale: str) -> str:
    return format_decimal(value, format="#,##0" if isinstance(value, int) else "#,##0.0", locale=locale)


def install_reason_filter() -> None:
    """Give every locale's template environment the `reason` filter (idempotent)."""
    for locale in LOCALES:
        environment(locale).filters["reason"] = lambda value, _locale=locale: reason_in(value, _locale)
