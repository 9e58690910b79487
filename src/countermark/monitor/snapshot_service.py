"""Snapshots as evidence: those of a listing, verification of their digests, attachment to a case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.access_service import writable_case
from countermark.cases.evidence_service import add_evidence
from countermark.core.blobs import BlobStore, sha256_hex
from countermark.core.errors import InvalidInput, NotFound
from countermark.monitor.models import CrawlSnapshot
from countermark.monitor.warc import verify_fetch
from countermark.orgs.visibility import Principal, can_see, visible


@dataclass
class IntegrityReport:
    """Snapshots checked and the ones whose digests did not verify, with why."""

    checked: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)


def check_snapshot(blobs: BlobStore, snapshot: CrawlSnapshot) -> list[str]:
    """Why a snapshot does not verify (empty when it does): blob digests, WARC digests, page = payload."""
    problems: list[str] = []
    try:
        data = blobs.get(snapshot.warc_sha256)
    except NotFound:
        return ["its WARC file is missing from the blob store"]
    if sha256_hex(data) != snapshot.warc_sha256:
        problems.append("the WARC file's SHA-256 is not the one recorded")
    check = verify_fetch(data, block_digest=snapshot.block_digest)
    problems += list(check.problems)
    if snapshot.payload_sha256:
        try:
            page = blobs.get(snapshot.payload_sha256)
        except NotFound:
            return [*problems, "its page is missing from the blob store"]
        if sha256_hex(page) != snapshot.payload_sha256:
            problems.append("the page's SHA-256 is not the one recorded")
        if check.body is not None and check.body != page:
            problems.append("the page kept is not the body in the WARC response record")
    return problems


def verify_snapshots(*, session: Session, blobs: BlobStore, run_id: int | None = None) -> IntegrityReport:
    """Recompute every digest of the snapshots (of one run, or all) and say which fail."""
    report = IntegrityReport()
    query = select(CrawlSnapshot).order_by(CrawlSnapshot.id)
    if run_id is not None:
        query = query.where(CrawlSnapshot.run_id == run_id)
    for snapshot in session.scalars(query):
        report.checked += 1
        problems = check_snapshot(blobs, snapshot)
        if problems:
            report.failures.append((snapshot.id, "; ".join(problems)))
    return report


def listing_snapshots(
    *, session: Session, principal: Principal, listing_source: str, external_id: str
) -> list[CrawlSnapshot]:
    """The snapshots of a listing the principal may see, newest first."""
    return list(
        session.scalars(
            visible(CrawlSnapshot, principal)
            .where(
                CrawlSnapshot.listing_source == listing_source,
                CrawlSnapshot.listing_external_id == external_id,
            )
            .order_by(CrawlSnapshot.fetched_at.desc(), CrawlSnapshot.id.desc())
        )
    )


def get_visible_snapshot(*, session: Session, principal: Principal, snapshot_id: int) -> CrawlSnapshot:
    """A snapshot the principal may see; NotFound otherwise."""
    snapshot = session.get(CrawlSnapshot, snapshot_id)
    if snapshot is None or not can_see(
        principal,
        owner_org_id=snapshot.owner_org_id,
        tlp=snapshot.tlp,
        sharing_group_id=snapshot.sharing_group_id,
    ):
        raise NotFound.of("no snapshot that you may see")
    return snapshot


def attach_to_case(
    *,
    session: Session,
    blobs: BlobStore,
    principal: Principal,
    snapshot_id: int,
    case_id: int,
    actor: str,
    at: datetime,
) -> int:
    """Add a snapshot's WARC file to a case as evidence, entered in the ledger in the same step; the
    evidence item's id. The principal must see the snapshot and be allowed to write to the case."""
    snapshot = get_visible_snapshot(session=session, principal=principal, snapshot_id=snapshot_id)
    problems = check_snapshot(blobs, snapshot)
    if problems:
        raise InvalidInput.of(
            "snapshot {snapshot_id} does not verify and cannot be evidence: {problems}",
            snapshot_id=snapshot_id,
            problems="; ".join(problems),
        )
    case = writable_case(session=session, principal=principal, case_id=case_id).case
    item = add_evidence(
        session=session,
        blobs=blobs,
        case=case,
        data=blobs.get(snapshot.warc_sha256),
        media_type="application/warc",
        description=f"WARC capture (request and response) of {snapshot.url[:900]} "
        f"fetched {snapshot.fetched_at.isoformat()} — HTTP {snapshot.http_status}, {snapshot.block_digest}",
        source=f"monitor snapshot {snapshot.id}",
        actor=actor,
        org_id=principal.org_id,
        at=at,
        derived_from=snapshot.payload_sha256,
    )
    return item.id
