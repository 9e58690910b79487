"""The alert queue pages: `/alerts` (filters, order by score or uncertain first) and `/alerts/{id}` (the
listing, its photo beside the matched genuine photo, each signal with its evidence, the snapshot, and
confirm / dismiss forms with keyboard shortcuts served from `/alerts/keys.js`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from countermark.core.clock import utcnow
from countermark.core.errors import Forbidden
from countermark.core.http.deps import DbSession, app_context, client_origin
from countermark.core.http.labels import label_of
from countermark.core.http.params import RecordId
from countermark.core.http.templating import country_name, render, request_locale, translations
from countermark.detect.alert_keys import KEYS_JS
from countermark.detect.alert_service import (
    STATUSES,
    AlertFilters,
    facets,
    get_alert,
    give_verdict,
    list_alerts,
    neighbours,
    verdicts_of,
)
from countermark.detect.alerts_api import Filters
from countermark.detect.reasons import LANGUAGES, quoted_for
from countermark.detect.reasons import render as render_reasons
from countermark.fingerprint.hash_reads import genuine_photo_matches
from countermark.observe.listing_reads import stored_listings
from countermark.orgs.deps import PageViewer, check_csrf
from countermark.orgs.visibility import owns

router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a message translated later
    """Mark a message id for the catalogue without translating it here."""
    return message


# The reasons offered in one click each (stored in English, shown in the reader's language).
DISMISS_REASONS = (
    N_("genuine product"),
    N_("authorised seller"),
    N_("parody or commentary"),
    N_("second-hand"),
    N_("unrelated"),
)
CONFIRM_REASONS = (N_("counterfeit"), N_("piracy"), N_("lookalike mark"), N_("stolen photos"))
# A verdict's reason is one of these codes (translated on the page) or text typed through the API (shown
# as typed).
KNOWN_REASONS = frozenset(DISMISS_REASONS + CONFIRM_REASONS)

# The words for what each signal saw (the keys of its evidence, `detect/signals.py`); a key without one is
# shown humanised by the `label` filter's rule.
EVIDENCE_LABELS = {
    "mark": N_("mark"),
    "text": N_("as written"),
    "distance": N_("image distance"),
    "price": N_("price"),
    "low": N_("lowest genuine price"),
    "ratio": N_("share of the genuine price"),
    "product": N_("product"),
    "currency": N_("currency"),
    "seller": N_("seller"),
    "ships_from": N_("ships from"),
    "declared": N_("declared country"),
    "count": N_("count"),
    "listings": N_("listings of the seller"),
    "size": N_("accounts in the network"),
    "terms": N_("terms"),
    "language": N_("language"),
    "goods": N_("goods named"),
    "similarity": N_("similarity"),
    "brands": N_("brands"),
    "percent": N_("share of the seller's usual price"),
}
_MONEY = frozenset({"price", "low"})  # amounts in the evidence's `currency`
_SHARES = frozenset({"ratio", "similarity"})  # fractions of one, shown as percentages
_COUNTS = frozenset({"distance", "count", "listings", "size"})
_COUNTRIES = frozenset({"ships_from", "declared"})


def _language(locale: str | None) -> str:
    chosen = (locale or "en").split("-")[0]
    return chosen if chosen in LANGUAGES else "en"


def _filters(raw: AlertFilters) -> AlertFilters:
    """The query's filters, an empty select (a form's "all") meaning no filter and an empty status the
    default one, checked."""
    return replace(
        raw,
        status=raw.status or AlertFilters().status,
        brand=raw.brand or None,
        platform=raw.platform or None,
        country=raw.country or None,
        language=raw.language or None,
        signal=raw.signal or None,
    ).check()


def _number(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _evidence_value(key: str, raw: Any, currency: str | None, locale: str) -> str:
    """One value of a signal's evidence in the reader's way: numbers with the locale's separators, shares
    as percentages, countries and languages by their names; text as it was seen, its quotation marks the
    reader's (`reasons.quoted_for`)."""
    text = "" if raw is None else str(raw)
    number = _number(text) if key in _MONEY | _SHARES | _COUNTS | {"percent"} else None
    if number is not None:
        if key in _MONEY:
            amount = format_decimal(number, format="#,##0.00", locale=locale)
            return f"{amount} {currency}" if currency else amount
        if key in _SHARES:
            return format_percent(number, locale=locale)
        if key == "percent":
            return format_percent(number / 100, locale=locale)
        return format_decimal(number, format="#,##0.##", locale=locale)
    if key in _COUNTRIES:
        return country_name(text, locale) or text
    if key == "language":
        return str(Locale.parse(locale).languages.get(text.lower(), text))
    return quoted_for(text, locale)


def evidence_of(signal: Mapping[str, Any], locale: str) -> list[tuple[str, str]]:
    """What a stored signal saw, as (label, value) pairs in the reader's language: its name and strength
    left out (they have their own columns), the currency said with the amounts it is the unit of."""
    gettext = translations(locale).gettext
    evidence = {k: v for k, v in signal.items() if k not in ("name", "strength")}
    currency = str(evidence["currency"]) if evidence.get("currency") else None
    if currency and _MONEY & evidence.keys():
        del evidence["currency"]
    shown = []
    for key, raw in evidence.items():
        label = gettext(EVIDENCE_LABELS.get(key) or label_of(key))
        shown.append((label, _evidence_value(key, raw, currency, locale)))
    return shown


def shortcuts_of(*, previous: int | None, following: int | None, writer: bool, locale: str) -> str:
    """The keyboard shortcuts that work on this alert's page for this reader, as one phrase ("" if none):
    j and k where there is a next and a previous alert, c and d where the reader may give a verdict."""
    keys = []
    if following:
        keys.append(N_("j next alert"))
    if previous:
        keys.append(N_("k previous alert"))
    if writer:
        keys += [N_("c confirm"), N_("d dismiss")]
    gettext = translations(locale).gettext
    return format_list([gettext(k) for k in keys], locale=locale) if keys else ""


def _query(filters: AlertFilters) -> str:
    values = {k: v for k, v in vars(filters).items() if v}
    return urlencode(values)


@router.get("/alerts/keys.js")
def keys_script() -> Response:
    """The review shortcuts (a file of this site: the pages allow no inline script)."""
    return Response(KEYS_JS, media_type="text/javascript", headers={"cache-control": "max-age=3600"})


@router.get("/alerts")
def alerts_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    raw: Filters,
) -> Response:
    """Alerts you may see, by score or uncertain first, filterable by brand, platform, country, language
    and signal."""
    filters = _filters(raw)
    rows = list_alerts(session=session, principal=viewer.principal, filters=filters, limit=200)
    lang = _language(request_locale(request))
    items = [(a, s, render_reasons(s.reasons[:3], lang)) for a, s in rows]
    return render(
        request,
        "alerts.html",
        {
            "viewer": viewer,
            "active": "alerts",
            "alert_rows": items,
            "filters": filters,
            "query": _query(filters),
            "facets": facets(session=session, principal=viewer.principal),
            "statuses": STATUSES,
        },
    )


@router.get("/alerts/{alert_id}")
def alert_page(
    alert_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    raw: Filters,
) -> Response:
    """One alert: the listing, photos, signals with their evidence, snapshot, verdict forms."""
    filters = _filters(raw)
    alert, score = get_alert(session=session, principal=viewer.principal, alert_id=alert_id)
    listing = next(iter(stored_listings(session=session, ids=[alert.listing_id])), None)
    previous, following = neighbours(
        session=session, principal=viewer.principal, filters=filters, alert_id=alert.id
    )
    locale = request_locale(request)
    lang = _language(locale)
    writer = "write" in viewer.principal.scopes and owns(viewer.principal, alert.owner_org_id)
    return render(
        request,
        "alert_detail.html",
        {
            "viewer": viewer,
            "active": "alerts",
            "alert": alert,
            "score": score,
            "listing": listing,
            "reasons": render_reasons(score.reasons, lang),
            "photos": genuine_photo_matches(
                session=session, principal=viewer.principal, listing_id=alert.listing_id
            ),
            "verdicts": verdicts_of(session=session, alert_id=alert.id),
            "previous": previous,
            "following": following,
            "query": _query(filters),
            "writer": writer,
            "shortcuts": shortcuts_of(previous=previous, following=following, writer=writer, locale=locale),
            "signals": [(s, evidence_of(s, locale)) for s in score.signals],
            "dismiss_reasons": DISMISS_REASONS,
            "confirm_reasons": CONFIRM_REASONS,
            "known_reasons": KNOWN_REASONS,
        },
    )


@router.post("/alerts/{alert_id}/verdict")
def verdict_form(
    alert_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    verdict: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=1000)] = "",
    next_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    back: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Confirm or dismiss, then go to the next alert of the queue (or back to the queue)."""
    check_csrf(viewer.web_session, csrf_token)
    if "write" not in viewer.principal.scopes:
        raise Forbidden.of("this needs the 'write' scope")
    give_verdict(
        session=session,
        blobs=app_context(request).blobs,
        principal=viewer.principal,
        alert_id=alert_id,
        verdict=verdict,
        reason=reason,
        at=utcnow(),
        origin=client_origin(request),
    )
    query = back if back and "//" not in back and not back.startswith(("/", "\\")) else ""
    target = f"/alerts/{next_id}" if next_id else "/alerts"
    return RedirectResponse(f"{target}?{query}" if query else target, status_code=303)
