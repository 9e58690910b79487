"""Storing shipments and the parties' identifiers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.ingestion import (
    IngestContext,
    Outcome,
    Prepared,
    RowRejected,
    content_hash,
    upsert_versioned,
)
from countermark.observe.identifier_service import (
    Sighting,
    record_sightings,
    sighting_of_value,
    sightings_in_text,
)
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, visible
from countermark.targeting.frames import KEY, History, declaration_frame, declaration_row, result_frame
from countermark.targeting.models import InspectionResult, RuleProfile, Shipment
from countermark.targeting.rules import Rule
from countermark.targeting.schemas import InspectionIn, RuleIn, ShipmentIn


def ingest_shipment(ctx: IngestContext, record: ShipmentIn) -> Outcome:
    """Insert or update one shipment and the identifiers of its consignor and consignee."""
    shipment, outcome = upsert_versioned(
        ctx,
        Shipment,
        record,
        label="shipment",
        fields=(
            "kind",
            "declared_on",
            "office",
            "transport_mode",
            "consignor_name",
            "consignor_address",
            "consignor_country",
            "consignee_name",
            "consignee_address",
            "consignee_country",
            "declarant",
            "courier",
            "hs_code",
            "origin_country",
            "departure_country",
            "quantity",
            "gross_mass_kg",
            "declared_value",
            "currency",
            "description",
            "attributes",
        ),
    )
    if outcome == "unchanged" or shipment is None:
        return outcome
    sightings = list(ctx.prepared.sightings) if ctx.prepared else shipment_sightings(record)
    record_sightings(
        ctx, subject_type="shipment", subject_id=shipment.id, sightings=sightings, new=outcome == "stored"
    )
    return outcome


def shipment_sightings(record: ShipmentIn) -> list[Sighting]:
    """The identifiers of a shipment's consignor and consignee (pure: run ahead by `prepare_shipment`)."""
    sightings = []
    for party in ("consignor", "consignee"):
        region = getattr(record, f"{party}_country")
        sightings += sighting_of_value(f"{party}_name", "name", getattr(record, f"{party}_name"))
        sightings += sighting_of_value(
            f"{party}_address", "postal_address", getattr(record, f"{party}_address")
        )
        sightings += sightings_in_text(f"{party}_contact", getattr(record, f"{party}_contact"), region=region)
    return sightings


def prepare_shipment(record: ShipmentIn, base_dir: Path | None = None) -> Prepared:
    """What storing a shipment computes without the database: its content hash and the parties'
    identifiers, so that a back-fill computes them in worker processes (`ingest/parallel.py`)."""
    return Prepared(content_hash(record), tuple(shipment_sightings(record)))


def ingest_inspection(ctx: IngestContext, record: InspectionIn) -> Outcome:
    """Insert or update one inspection result of a stored shipment."""
    # Only the organisation's own shipments: another's record of the key is "not stored" (issue 12).
    shipment_id = ctx.session.scalar(
        select(Shipment.id).where(
            Shipment.owner_org_id == ctx.owner_org_id,
            Shipment.source == record.shipment_source,
            Shipment.external_id == record.shipment_external_id,
        )
    )
    if shipment_id is None:
        raise RowRejected(
            f"shipment {record.shipment_source}:{record.shipment_external_id} is not stored; ingest it first"
        )
    _, outcome = upsert_versioned(
        ctx,
        InspectionResult,
        record,
        label="inspection",
        fields=("inspected_on", "lane", "found", "severity", "finding", "officer", "notes"),
        values={"shipment_id": shipment_id},
    )
    return outcome


def save_rule(*, session: Session, owner_org_id: int, rule: RuleIn, actor: str) -> RuleProfile:
    """Create or replace the organisation's rule of that name, after checking its expression."""
    Rule(rule.name, rule.expression, rule.reason, rule.instruction, rule.lane, rule.weight)
    profile = session.scalar(
        select(RuleProfile).where(RuleProfile.owner_org_id == owner_org_id, RuleProfile.name == rule.name)
    ) or RuleProfile(owner_org_id=owner_org_id, name=rule.name, created_by=actor)
    for name in ("expression", "reason", "instruction", "lane", "weight", "active"):
        setattr(profile, name, getattr(rule, name))
    if rule.tlp is not None:
        profile.tlp = rule.tlp
    session.add(profile)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        org_id=owner_org_id,
        action="save_rule",
        subject_type="rule_profile",
        subject_id=str(profile.id),
        detail={"name": rule.name},
    )
    return profile


def active_rules(*, session: Session, owner_org_id: int) -> list[Rule]:
    """The organisation's active rules, ready to apply."""
    profiles = session.scalars(
        select(RuleProfile)
        .where(RuleProfile.owner_org_id == owner_org_id, RuleProfile.active.is_(True))
        .order_by(RuleProfile.name)
    )
    return [Rule(p.name, p.expression, p.reason, p.instruction, p.lane, p.weight) for p in profiles]


def shipment_key(source: str, external_id: str) -> str:
    """The key of a shipment in targeting frames: '<source>:<external_id>'."""
    return f"{source}:{external_id}"


_SHIPMENT_FIELDS = tuple(c.name for c in Shipment.__table__.columns if c.name not in ("id", "source"))


def load_history(*, session: Session, owner_org_id: int | None = None) -> History:
    """Every stored declaration and inspection result (of one organisation, when given) as frames."""
    query = select(Shipment)
    if owner_org_id is not None:
        query = query.where(Shipment.owner_org_id == owner_org_id)
    rows = []
    for shipment in session.scalars(query).yield_per(5000):
        record = {name: getattr(shipment, name) for name in _SHIPMENT_FIELDS}
        rows.append(declaration_row(record, key=shipment_key(shipment.source, shipment.external_id)))
    results_query = select(
        Shipment.source,
        Shipment.external_id,
        InspectionResult.inspected_on,
        InspectionResult.found,
        InspectionResult.severity,
    ).join(Shipment, Shipment.id == InspectionResult.shipment_id)
    if owner_org_id is not None:
        results_query = results_query.where(InspectionResult.owner_org_id == owner_org_id)
    results = [
        {KEY: shipment_key(source, ext), "inspected_on": on, "found": int(found), "severity": severity}
        for source, ext, on, found, severity in session.execute(results_query)
    ]
    return History(declaration_frame(rows), result_frame(results))


@dataclass(frozen=True)
class ShipmentSummary:
    """What another capability may show of a shipment: its reference and how it travels."""

    id: int
    external_id: str
    transport_mode: str


def visible_shipment_summaries(
    *, session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, ShipmentSummary]:
    """The shipments among these ids that the principal may see, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(visible(Shipment, principal).where(Shipment.id.in_(wanted)))
    return {s.id: ShipmentSummary(s.id, s.external_id, s.transport_mode) for s in rows}


@dataclass(frozen=True)
class ShipmentFacts:
    """What a border case is opened from: a shipment's kind, office, transport, size, owner and marking."""

    id: int
    kind: str
    external_id: str
    office: str | None
    transport_mode: str
    quantity: int | None
    gross_mass_kg: Decimal | None
    owner_org_id: int
    tlp: str


def shipment_facts(*, session: Session, principal: Principal, shipment_id: int) -> ShipmentFacts | None:
    """The facts of a shipment the principal may see; None otherwise (the same for absent and not theirs)."""
    s = session.scalar(visible(Shipment, principal).where(Shipment.id == shipment_id))
    if s is None:
        return None
    how = (s.kind, s.external_id, s.office, s.transport_mode, s.quantity, s.gross_mass_kg)
    return ShipmentFacts(s.id, *how, s.owner_org_id, s.tlp)
