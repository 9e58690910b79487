"""REST routes of shipments (declarations and consignments)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from countermark.observe.identifier_service import identifiers_seen_in
from countermark.orgs.resources import ResourceSpec, resource_router
from countermark.orgs.visibility import Principal
from countermark.targeting.models import Shipment
from countermark.targeting.schemas import ShipmentOut


def _shipment_detail(session: Session, shipment: Shipment, principal: Principal) -> dict[str, Any]:
    return {"identifiers": identifiers_seen_in(session, "shipment", shipment.id)}


SHIPMENTS = ResourceSpec(
    "shipments",
    Shipment,
    ShipmentOut,
    filters={
        "kind": "kind",
        "transport_mode": "transport_mode",
        "origin_country": "origin_country",
        "consignee_country": "consignee_country",
        "hs_code": "hs_code",
        "office": "office",
        "declared_on": "declared_on",
        "source": "source",
    },
    text_fields=("consignor_name", "consignee_name", "description"),
    sort_fields=("id", "declared_on", "created_at"),
    default_sort="-declared_on",
    detail=_shipment_detail,
)

router = resource_router("/api/v1", "shipments", (SHIPMENTS,))
