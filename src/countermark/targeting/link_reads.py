"""What the linker reads of targeting's tables: the consignments an organisation may see, by their
consignor (name, address, country, day) and the marketplace seller a declaration names.

Composed with observe's accounts and listings by `link.store_reads`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as day_time
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from countermark.orgs.visibility import Principal, visible_clause
from countermark.targeting.models import Shipment


@dataclass(frozen=True, slots=True)
class ConsignorRead:
    """A consignment's sender side as the linker reads it."""

    id: int
    name: str
    address: str
    country: str
    declared_on: datetime | None
    marketplace: str
    seller_id: str


def _as_time(day: date | None) -> datetime | None:
    return datetime.combine(day, day_time(), tzinfo=UTC) if day else None


def _clause(principal: Principal, shipment_ids: Collection[int] | None) -> ColumnElement[bool]:
    seen = visible_clause(Shipment, principal)
    return seen if shipment_ids is None else and_(seen, Shipment.id.in_(sorted(shipment_ids)))


def consignors_for_linking(
    *, session: Session, principal: Principal, shipment_ids: Collection[int] | None = None
) -> list[ConsignorRead]:
    """The consignments the principal may see (only these ids, when given), in id order."""
    rows = session.execute(
        select(
            Shipment.id, Shipment.consignor_name, Shipment.consignor_address, Shipment.consignor_country,
            Shipment.declared_on, Shipment.attributes,
        ).where(_clause(principal, shipment_ids)).order_by(Shipment.id)
    )  # fmt: skip
    found = []
    for shipment_id, name, address, country, declared_on, attributes in rows:
        extra = attributes if isinstance(attributes, dict) else {}
        found.append(
            ConsignorRead(
                id=shipment_id, name=name or "", address=address or "", country=country or "",
                declared_on=_as_time(declared_on), marketplace=str(extra.get("marketplace") or ""),
                seller_id=str(extra.get("seller_id") or ""),
            )
        )  # fmt: skip
    return found


def shipment_ids_query(*, principal: Principal, shipment_ids: Collection[int] | None = None) -> Select[Any]:
    """A SELECT of the ids of those consignments."""
    return select(Shipment.id).where(_clause(principal, shipment_ids))


def changed_shipment_ids(*, session: Session, principal: Principal, since: datetime) -> set[int]:
    """The visible consignments stored or changed since the moment."""
    changed = and_(
        visible_clause(Shipment, principal), or_(Shipment.created_at > since, Shipment.updated_at > since)
    )
    return set(session.scalars(select(Shipment.id).where(changed)))


def declared_seller_ids(*, session: Session, shipment_ids: Collection[int]) -> set[str]:
    """The marketplace seller ids these declarations name (lower-cased)."""
    return {
        str((attributes or {}).get("seller_id") or "").strip().lower()
        for attributes in session.scalars(
            select(Shipment.attributes).where(Shipment.id.in_(sorted(shipment_ids)))
        )
        if isinstance(attributes, dict)
    } - {""}


def shipment_owners(*, session: Session) -> set[int]:
    """The organisations that own consignments (a system read)."""
    return set(session.scalars(select(Shipment.owner_org_id).distinct()))
