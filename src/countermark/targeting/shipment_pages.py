"""List and detail pages of declarations and consignments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from countermark.core.http.deps import DbSession
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.observe.identifier_service import identifiers_seen_in
from countermark.orgs.deps import PageViewer
from countermark.orgs.resources import choices, get_visible_or_404, list_page
from countermark.targeting.api import SHIPMENTS
from countermark.targeting.models import Shipment

router = APIRouter(include_in_schema=False)

def _page(request: Request, template: str, viewer: PageViewer, active: str, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": active, **values})


@router.get("/shipments")
def shipments_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Declarations and consignments the viewer may see, newest first."""
    page = list_page(request, session, SHIPMENTS, viewer.principal)
    options = {name: choices(session, Shipment, name, viewer.principal)
               for name in ("kind", "transport_mode", "origin_country", "office")}
    return _page(request, "shipments.html", viewer, "shipments", page=page, options=options)


@router.get("/shipments/{record_id}")
def shipment_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One shipment with its parties, route, goods and the identifiers found in it."""
    shipment = get_visible_or_404(session, SHIPMENTS, viewer.principal, record_id)
    return _page(request, "shipment.html", viewer, "shipments", shipment=shipment,
                 identifiers=identifiers_seen_in(session, "shipment", shipment.id))
