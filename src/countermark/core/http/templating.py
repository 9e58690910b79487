"""Jinja2 rendering with gettext catalogues (English, French, Chinese) and locale-aware formatting."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from countermark.core.http.labels import label_of

LOCALES = {"en": "English", "fr": "Français", "zh": "中文"}
DEFAULT_LOCALE = "en"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of a locale (compiled from its .po file once per process)."""
    po_path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


@cache
def environment(locale: str) -> Environment:
    """One Jinja2 environment per locale, so concurrent requests never share a translation state."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = lambda value: _format_date(value, locale)
    env.filters["datetime"] = lambda value: _format_datetime(value, locale)
    env.filters["number"] = lambda value, digits=0: _format_number(value, locale, digits)
    catalogue = translations(locale)
    env.filters["label"] = lambda code: catalogue.gettext(label_of(code)) if code not in (None, "") else ""
    env.filters["country"] = lambda code: _country_name(code, locale)
    env.globals["LOCALES"] = LOCALES
    return env


def _format_date(value: date | datetime | None, locale: str) -> str:
    if value is None:
        return ""
    return format_date(value.date() if isinstance(value, datetime) else value, format="medium", locale=locale)


def _format_datetime(value: datetime | None, locale: str) -> str:
    return "" if value is None else format_datetime(value, format="medium", locale=locale, tzinfo=None)


def country_name(code: str, locale: str) -> str | None:
    """The name of the country of an ISO code in the reader's language; None for a code it does not know."""
    name = Locale.parse(locale).territories.get(code.upper())
    return str(name) if name else None


def _country_name(code: str | None, locale: str) -> str:
    """A country code as the reader names the country, the code kept beside it ("Chine (CN)"); "" for none,
    and a code the locale does not know as it is."""
    if not code:
        return ""
    name = country_name(code, locale)
    return f"{name} ({code.upper()})" if name else code


def _format_number(value: int | float | Decimal | None, locale: str, digits: int) -> str:
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale)


def request_locale(request: Request) -> str:
    """The locale of a request: ?lang=, then the cookie, then the signed-in user's, then English."""
    from countermark.core.http.deps import LOCALE_COOKIE

    for candidate in (request.query_params.get("lang"), request.cookies.get(LOCALE_COOKIE)):
        if candidate in LOCALES:
            return candidate
    principal = getattr(request.state, "principal", None)
    locale = getattr(principal, "locale", DEFAULT_LOCALE)
    return locale if locale in LOCALES else DEFAULT_LOCALE


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a page in the request's locale, with the principal and CSRF token available to templates."""
    locale = request_locale(request)
    page = environment(locale).get_template(template)
    values = {
        "request": request,
        "locale": locale,
        "principal": getattr(request.state, "principal", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        **context,
    }
    response = HTMLResponse(page.render(values), status_code=status_code)
    if request.query_params.get("lang") in LOCALES:
        from countermark.core.http.deps import LOCALE_COOKIE

        response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, httponly=True, samesite="lax")
    return response
