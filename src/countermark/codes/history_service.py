"""Supply-chain events and scan files through one ingestion path, and clone detection over stored history."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.codes.clones import LifeEvent, ScanPoint, assess_code
from countermark.codes.clusters import FakeCluster, FlaggedCode, fake_clusters
from countermark.codes.epcis import SupplyChainEvent, parse_document
from countermark.codes.keys import PublicKeyInfo
from countermark.codes.models import CloneAlert, CodeScan, ConsumerReport, ProductCode, SupplyEvent
from countermark.codes.service import verify_and_record
from countermark.core.clock import utcnow
from countermark.core.errors import InvalidInput
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, require_owner, visible

STATE_BY_STEP = {
    "commissioning": "commissioned",
    "shipping": "shipped",
    "receiving": "received",
    "retail_selling": "sold",
    "decommissioning": "decommissioned",
    "destroying": "destroyed",
}
DECISIONS = ("confirmed", "dismissed", "open")


@dataclass
class IngestReport:
    """What an ingestion did: rows read, stored, already there, and rejected with reasons."""

    read: int = 0
    stored: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        return {
            "read": self.read,
            "stored": self.stored,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def _new_state(event: SupplyChainEvent) -> str | None:
    if event.disposition in ("destroyed", "disposed"):
        return "destroyed"
    return STATE_BY_STEP.get(event.biz_step or "")


def ingest_epcis(*, session: Session, document: Any, owner_org_id: int, actor: str) -> IngestReport:
    """Store the events of an EPCIS document about the organisation's own codes; bad events are reported."""
    events, rejected = parse_document(document)  # an EpcisError is itself the 422 that says why
    report = IngestReport(
        read=len(events) + len(rejected),
        rejected=[{"event": position, "reason": reason} for position, reason in rejected],
    )
    for position, event in enumerate(events):
        for gtin, serial in event.codes:
            code = session.scalar(
                select(ProductCode).where(
                    ProductCode.gtin == gtin,
                    ProductCode.serial == serial,
                    ProductCode.owner_org_id == owner_org_id,
                )
            )
            if code is None:
                report.rejected.append(
                    {"event": event.key, "reason": f"{gtin}/{serial} is not a code you issued"}
                )
                continue
            exists = session.scalar(
                select(SupplyEvent.id).where(
                    SupplyEvent.owner_org_id == owner_org_id,
                    SupplyEvent.event_key == event.key,
                    SupplyEvent.code_id == code.id,
                )
            )
            if exists is not None:
                report.unchanged += 1
                continue
            session.add(
                SupplyEvent(
                    code_id=code.id,
                    event_key=event.key,
                    event_type=event.event_type,
                    action=event.action,
                    event_time=event.event_time,
                    tz_offset=event.tz_offset,
                    biz_step=event.biz_step,
                    disposition=event.disposition,
                    read_point=event.read_point,
                    lat=event.lat,
                    lon=event.lon,
                    owner_org_id=owner_org_id,
                    tlp=code.tlp,
                    sharing_group_id=code.sharing_group_id,
                )
            )
            report.stored += 1
            state = _new_state(event)
            if event.biz_step == "commissioning":
                code.commissioned = True
            if state and (code.state_at is None or event.event_time >= code.state_at):
                code.state, code.state_at = state, event.event_time
        if position % 500 == 499:
            session.flush()
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="codes.epcis.ingest",
        subject_type="supply_events",
        org_id=owner_org_id,
        detail={"stored": report.stored, "rejected": len(report.rejected)},
    )
    return report


def ingest_scan_rows(
    *,
    session: Session,
    rows: Iterable[dict[str, Any]],
    keys: dict[str, PublicKeyInfo],
    salt: bytes,
    source: str,
    actor: str,
) -> IngestReport:
    """Scans from a file (objects: external_id, uri, scanned_at, lat, lon, device) through verification."""
    report = IngestReport()
    for line, row in enumerate(rows, start=1):
        report.read += 1
        try:
            at = datetime.fromisoformat(str(row["scanned_at"]))
            if at.tzinfo is None:
                raise ValueError("scanned_at needs an offset")
            result, scan = verify_and_record(
                session=session,
                uri=str(row["uri"]),
                keys=keys,
                salt=salt,
                at=at,
                lat=row.get("lat"),
                lon=row.get("lon"),
                device=row.get("device"),
                channel=str(row.get("channel", "consumer")),
                source=source,
                external_id=str(row["external_id"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            report.rejected.append({"line": line, "reason": f"{type(exc).__name__}: {exc}"})
            continue
        if scan is not None:
            report.stored += 1
        elif result.code is None:
            report.rejected.append({"line": line, "reason": "; ".join(result.reasons)})
        else:
            report.unchanged += 1
    record_audit(
        session=session,
        actor=actor,
        action="codes.scans.ingest",
        subject_type="code_scans",
        detail={"source": source, "stored": report.stored},
    )
    return report


def read_jsonl(text: str) -> list[dict[str, Any]]:
    """The JSON objects of a JSON Lines text (blank lines skipped)."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            value = json.loads(line)
            if not isinstance(value, dict):
                raise InvalidInput.of("line {number} is not a JSON object", number=number)
            rows.append(value)
    return rows


def detect_clones(
    *, session: Session, owner_org_id: int | None = None, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Assess every scanned code (of one organisation, or all) and open or update clone alerts."""
    scan_query = select(CodeScan).where(CodeScan.code_id.is_not(None))
    if owner_org_id is not None:
        scan_query = scan_query.where(CodeScan.owner_org_id == owner_org_id)
    scans: dict[int, list[ScanPoint]] = defaultdict(list)
    for scan in session.scalars(scan_query):
        assert scan.code_id is not None
        scans[scan.code_id].append(ScanPoint(scan.scanned_at, scan.lat, scan.lon, scan.scanner_hash))
    code_ids = sorted(scans)
    events: dict[int, list[LifeEvent]] = defaultdict(list)
    codes: dict[int, ProductCode] = {}
    alerts: dict[int, CloneAlert] = {}
    for start in range(0, len(code_ids), 500):
        part = code_ids[start : start + 500]
        for row in session.scalars(select(SupplyEvent).where(SupplyEvent.code_id.in_(part))):
            events[row.code_id].append(LifeEvent(row.event_time, row.biz_step, row.disposition))
        codes.update({c.id: c for c in session.scalars(select(ProductCode).where(ProductCode.id.in_(part)))})
        alerts.update(
            {a.code_id: a for a in session.scalars(select(CloneAlert).where(CloneAlert.code_id.in_(part)))}
        )
    counts = {"assessed": 0, "opened": 0, "updated": 0}
    for done, code_id in enumerate(code_ids, start=1):
        code = codes[code_id]
        ended = code.state_at if code.state in ("destroyed", "decommissioned") else None
        finding = assess_code(scans[code_id], events[code_id], ended_at=ended)
        counts["assessed"] += 1
        alert = alerts.get(code_id)
        if alert is not None:
            if alert.score != finding.score or alert.reasons != finding.reasons:
                alert.score, alert.reasons, alert.updated_at = finding.score, finding.reasons, utcnow()
                counts["updated"] += 1
            if alert.reason_codes != finding.reason_codes:  # rows stored before reasons had codes
                alert.reason_codes = finding.reason_codes
        elif finding.suspected:
            session.add(
                CloneAlert(
                    code_id=code_id,
                    score=finding.score,
                    reasons=finding.reasons,
                    reason_codes=finding.reason_codes,
                    owner_org_id=code.owner_org_id,
                    tlp=code.tlp,
                    sharing_group_id=code.sharing_group_id,
                )
            )
            counts["opened"] += 1
        if progress is not None and (done % 200 == 0 or done == len(code_ids)):
            progress(done, len(code_ids))
    session.flush()
    return counts


def decide_alert(
    *,
    session: Session,
    principal: Principal,
    alert_id: int,
    decision: str,
    actor: str,
    note: str | None = None,
) -> CloneAlert:
    """A person confirms or dismisses a clone alert (or reopens it); only its owner decides."""
    if decision not in DECISIONS:
        raise InvalidInput.of("decision must be one of {decisions}", decisions=", ".join(DECISIONS))
    found: CloneAlert | None = session.scalar(visible(CloneAlert, principal).where(CloneAlert.id == alert_id))
    alert = require_owner(found, principal, what="clone alert")
    alert.status, alert.decided_by, alert.decided_at = decision, actor, utcnow()
    alert.note = (note or "")[:1000] or None
    record_audit(
        session=session,
        actor=actor,
        action=f"codes.alert.{decision}",
        subject_type="clone_alert",
        subject_id=str(alert.id),
        org_id=principal.org_id,
    )
    return alert


def clusters_of_fakes(*, session: Session, principal: Principal) -> list[FakeCluster]:
    """Open or confirmed alerts the principal may see, grouped by batch, region, seller and time."""
    flagged = []
    alerts = session.scalars(visible(CloneAlert, principal).where(CloneAlert.status != "dismissed"))
    for alert in alerts:
        code = session.get(ProductCode, alert.code_id)
        last = session.scalar(
            select(CodeScan)
            .where(CodeScan.code_id == alert.code_id)
            .order_by(CodeScan.scanned_at.desc())
            .limit(1)
        )
        if code is None or last is None:
            continue
        seller = session.scalar(
            select(ConsumerReport.shop)
            .where(ConsumerReport.code_id == code.id, ConsumerReport.shop.is_not(None))
            .limit(1)
        )
        flagged.append(FlaggedCode(code.id, code.batch_id, last.lat, last.lon, seller, last.scanned_at))
    return fake_clusters(flagged)
