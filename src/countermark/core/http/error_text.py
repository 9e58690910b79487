"""An error's message in the reader's language, for pages (the API keeps the English `.message`).

An error raised with `CountermarkError.of(template, **values)` is translated by looking its template up in
the locale's catalogue (the one the templates use) and formatting the values into the translation; a value
that is a `Code` (a status, a kind) is shown by its label, translated. An error without a translation, or
whose translation cannot be formatted, is shown in English.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from countermark.core.errors import Code, CountermarkError
from countermark.core.http.labels import label_of
from countermark.core.http.templating import DEFAULT_LOCALE, request_locale, translations


def error_text(exc: CountermarkError, locale: str) -> str:
    """The message of `exc` in `locale`; its English message when the catalogue has no translation."""
    template = getattr(exc, "template", exc.message)
    values: dict[str, Any] = getattr(exc, "values", {})
    if locale == DEFAULT_LOCALE or not template:
        return exc.message
    catalogue = translations(locale)
    translated = catalogue.gettext(template)
    if translated == template:
        return exc.message
    if not values and template == exc.message:
        return translated
    shown = {
        name: catalogue.gettext(label_of(value)) if isinstance(value, Code) else value
        for name, value in values.items()
    }
    try:
        return translated.format(**shown)
    except (KeyError, IndexError, ValueError):
        return exc.message


def page_error(request: Request, exc: CountermarkError) -> str:
    """The message of `exc` in the request's locale, for a page handler that re-renders a refused form."""
    return error_text(exc, request_locale(request))
