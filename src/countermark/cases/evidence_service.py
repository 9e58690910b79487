"""Evidence of a case: files stored by digest, each with an append-only chain of custody."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.models import Case, CustodyEntry, EvidenceItem
from countermark.cases.service import record_in_ledger
from countermark.core.blobs import BlobStore
from countermark.core.errors import InvalidInput
from countermark.core.storage import store_blob


def add_evidence(
    *,
    session: Session,
    blobs: BlobStore,
    case: Case,
    data: bytes,
    media_type: str,
    description: str,
    source: str,
    actor: str,
    org_id: int | None,
    at: datetime,
    derived_from: str | None = None,
) -> EvidenceItem:
    """Store a file as evidence of the case, by digest, and start its chain of custody."""
    if not data:
        raise InvalidInput.of("the evidence file is empty")
    if not description.strip() or not source.strip():
        raise InvalidInput.of("evidence needs a description and a source (what it was taken from)")
    digest = store_blob(session=session, blobs=blobs, data=data, media_type=media_type)
    existing = session.scalar(
        select(EvidenceItem).where(EvidenceItem.case_id == case.id, EvidenceItem.blob_sha256 == digest)
    )
    if existing is not None:
        record_custody(
            session=session,
            evidence=existing,
            action="resubmitted",
            actor=actor,
            org_id=org_id,
            at=at,
            detail={"source": source},
        )
        return existing
    item = EvidenceItem(
        case_id=case.id,
        blob_sha256=digest,
        description=description.strip()[:1000],
        source=source.strip()[:200],
        derived_from=derived_from,
        added_by=actor,
        added_at=at,
        owner_org_id=org_id or case.owner_org_id,
        tlp=case.tlp,
        sharing_group_id=case.sharing_group_id,
    )
    session.add(item)
    session.flush()
    record_custody(
        session=session,
        evidence=item,
        action="added",
        actor=actor,
        org_id=org_id,
        at=at,
        detail={"source": item.source, "derived_from": derived_from, "sha256": digest},
    )
    record_in_ledger(
        session=session,
        kind="evidence",
        subject_type="case_evidence",
        subject_id=str(item.id),
        content_hash=digest,
        metadata={"case_id": case.id, "evidence_id": item.id},
        marked_like=item,
    )
    return item


def record_custody(
    *,
    session: Session,
    evidence: EvidenceItem,
    action: str,
    actor: str,
    org_id: int | None,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> CustodyEntry:
    """Append one link to an evidence item's chain of custody."""
    entry = CustodyEntry(
        evidence_id=evidence.id, at=at, action=action, actor=actor, org_id=org_id, detail=detail or {}
    )
    session.add(entry)
    session.flush()
    return entry


def custody_of(*, session: Session, evidence: EvidenceItem) -> list[CustodyEntry]:
    """An evidence item's chain of custody, oldest first."""
    return list(
        session.scalars(
            select(CustodyEntry)
            .where(CustodyEntry.evidence_id == evidence.id)
            .order_by(CustodyEntry.at, CustodyEntry.id)
        )
    )
