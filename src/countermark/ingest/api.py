"""POST records to the same ingestion path as files: validated, idempotent, rejects reported."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from countermark.core.errors import InvalidInput
from countermark.core.http.deps import DbSession, app_context
from countermark.ingest.kinds import KINDS
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.orgs.deps import require_scope
from countermark.orgs.service import organisation_summary
from countermark.orgs.visibility import Principal

router = APIRouter(prefix="/api/v1", tags=["ingestion"])
MAX_RECORDS = 5000


@router.post("/ingest/{kind}", summary="Ingest records of one kind (JSON array)")
def ingest_records(
    kind: str,
    request: Request,
    session: DbSession,
    records: list[Any] = Body(..., description="Records in the kind's schema (see docs/INGEST.md)."),
    tlp: str | None = None,
    source: str | None = None,
    principal: Principal = Depends(require_scope("write")),
) -> dict[str, Any]:
    """Store the records for the principal's organisation; the summary and rejects with reasons."""
    if kind not in KINDS:
        raise InvalidInput.of("unknown kind {kind!r}: use one of {kinds}", kind=kind, kinds=", ".join(KINDS))
    if len(records) > MAX_RECORDS:
        raise InvalidInput.of("send at most {most} records a request", most=MAX_RECORDS)
    if principal.org_id is None:
        raise InvalidInput.of("records need an owning organisation: use a user's token")
    org = organisation_summary(session=session, org_id=principal.org_id)
    rows = [
        RawRow(
            index,
            record if isinstance(record, dict) else None,
            None if isinstance(record, dict) else "each record must be a JSON object",
            repr(record)[:500],
        )
        for index, record in enumerate(records, start=1)
    ]
    report = ingest_rows(
        session=session,
        blobs=app_context(request).blobs,
        kind=kind,
        rows=rows,
        owner_org_id=principal.org_id,
        actor=principal.email,
        label=f"api:{principal.email}",
        tlp=tlp or (org.default_tlp if org else app_context(request).settings.default_tlp),
        source=source,
    )
    return {
        "read": report.read,
        "stored": report.stored,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "rejects": report.rejects,
    }
