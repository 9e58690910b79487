"""The home page (the organisation's work queue, then counts, chart and activity) and the search."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.http.charts import observations_chart
from countermark.core.http.deps import DbSession
from countermark.core.http.params import clean_text
from countermark.core.http.templating import environment, render, request_locale, translations
from countermark.observe.models import Account, Listing
from countermark.orgs.deps import PageViewer
from countermark.orgs.models import AuditEntry
from countermark.orgs.resources import count_visible
from countermark.orgs.visibility import Principal, visible_clause
from countermark.rights.models import Product, Recordal, Right
from countermark.targeting.models import Shipment
from countermark.web import queue_pages  # noqa: F401 - registers the built-in work queues
from countermark.web.queue import work_queue
from countermark.web.search import search_everything

router = APIRouter(include_in_schema=False)
MIN_SEARCH = 2

COUNTED: tuple[tuple[str, Any], ...] = (
    ("rights", Right), ("recordals", Recordal), ("products", Product),
    ("listings", Listing), ("accounts", Account), ("shipments", Shipment),
)


def listings_per_day(session: Session, principal: Principal) -> dict[date, int]:
    """How many visible listings were observed on each day."""
    day = func.date(Listing.observed_at)
    rows = session.execute(
        select(day, func.count()).where(visible_clause(Listing, principal)).group_by(day)
    )
    # SQLite returns the day as text and PostgreSQL as a date: both start with YYYY-MM-DD.
    return {date.fromisoformat(str(value)[:10]): count for value, count in rows if value is not None}


@router.get("/")
def dashboard(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """What needs the viewer's organisation today (its work queue), then counts of what it may see, the chart
    of observations and the organisation's recent activity."""
    principal = viewer.principal
    kind = viewer.organisation.kind if viewer.organisation else None
    queue = work_queue(session, principal, kind, utcnow())
    counts = {name: count_visible(session, model, principal) for name, model in COUNTED}
    activity = list(session.scalars(
        select(AuditEntry).where(AuditEntry.org_id == principal.org_id)
        .order_by(AuditEntry.id.desc()).limit(15)
    )) if principal.org_id is not None else []
    locale = request_locale(request)
    env, gettext = environment(locale), translations(locale).gettext
    chart = observations_chart(
        listings_per_day(session, principal),
        title=gettext("Listings observed over time"),
        empty_text=gettext("No listings observed yet."),
        date_label=env.filters["date"], number_label=env.filters["number"],
    )
    return render(request, "dashboard.html", {"viewer": viewer, "counts": counts, "activity": activity,
                                              "chart": chart, "queue": queue, "active": "dashboard"})


@router.get("/search")
def search_page(request: Request, session: DbSession, viewer: PageViewer, q: str = "") -> Response:
    """Records of every kind, and identifiers, containing the text."""
    text = clean_text(q)
    results = search_everything(session, viewer.principal, text) if len(text) >= MIN_SEARCH else None
    total = sum(len(items) for items in results.values()) if results else 0
    return render(request, "search.html", {"viewer": viewer, "q": text, "results": results, "total": total,
                                           "min_search": MIN_SEARCH, "active": "search"})
