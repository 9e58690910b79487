"""An error's message in the reader's language, for pages (the API keeps the English `.message`).

An error raised with `CountermarkError.of(template, **values)` is translated by looking its template up in
the locale's catalogue (the one the templates use) and formatting the values into the translation; a value
that is a `Code` (a status, a kind, a workflow step) is shown by its label, translated, and quoted the
locale's way where the template quotes it (`{step!r}`); `Codes` are listed by their labels, and a value
that is itself an error (the reason inside a refusal) is translated in turn. An error without a
translation, or whose translation cannot be formatted, is shown in English.
"""

from __future__ import annotations

from typing import Any

from babel.support import NullTranslations
from fastapi import Request

from countermark.core.errors import Code, Codes, CountermarkError
from countermark.core.http.labels import label_of
from countermark.core.http.templating import DEFAULT_LOCALE, request_locale, translations

# How a locale quotes a label where the English message quotes a code (`{decision!r}`) and lists labels.
QUOTES = {"fr": ("« ", " »"), "zh": ("“", "”")}
SEPARATORS = {"zh": "、"}


class Label(str):
    """A code's label in the reader's language; `{value!r}` quotes it as the locale quotes words."""

    quotes: tuple[str, str]

    def __new__(cls, text: str, quotes: tuple[str, str]) -> Label:
        label = super().__new__(cls, text)
        label.quotes = quotes
        return label

    def __repr__(self) -> str:
        return f"{self.quotes[0]}{self}{self.quotes[1]}"


def _shown(value: Any, catalogue: NullTranslations, locale: str) -> Any:
    """A value as a translated message shows it: a code by its label, a list of codes by their labels, an
    error (the reason inside a refusal) by its own message, translated."""
    if isinstance(value, CountermarkError):
        return error_text(value, locale)
    if isinstance(value, Codes):
        return SEPARATORS.get(locale, ", ").join(_shown(code, catalogue, locale) for code in value.codes)
    if isinstance(value, Code):
        label = catalogue.gettext(value.label or label_of(value))
        return Label(label, QUOTES.get(locale, ("'", "'")))
    return value


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
    shown = {name: _shown(value, catalogue, locale) for name, value in values.items()}
    try:
        return translated.format(**shown)
    except (KeyError, IndexError, ValueError):
        return exc.message


def page_error(request: Request, exc: CountermarkError) -> str:
    """The message of `exc` in the request's locale, for a page handler that re-renders a refused form."""
    return error_text(exc, request_locale(request))
