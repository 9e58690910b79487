"""API of reports joined to the intelligence (matches, threads) and of fake clusters' cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from countermark.codes import cluster_case_service, match_reads, matching_service
from countermark.codes.models import ConsumerReport, ReportMatch
from countermark.core.errors import NotFound
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.params import RecordId
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal, require_owner, visible

router = APIRouter()  # included under /api/v1/codes by codes.api
Reader = Annotated[Principal, Depends(require_scope("read"))]
Writer = Annotated[Principal, Depends(require_scope("write"))]
ReportId = RecordId
ClusterKey = Annotated[str, Path(pattern="^[0-9a-f]{20}$")]


def visible_report(session: DbSession, principal: Principal, report_id: RecordId) -> ConsumerReport:
    """A report the principal may see, or the same 404 whether absent or not theirs."""
    row: ConsumerReport | None = session.scalar(
        visible(ConsumerReport, principal).where(ConsumerReport.id == report_id)
    )
    if row is None:
        raise NotFound.of("no such report")
    return row


def match_payload(match: ReportMatch) -> dict[str, Any]:
    """A stored match as JSON."""
    return {
        "kind": match.kind,
        "subject_type": match.subject_type,
        "subject_id": match.subject_id,
        "label": match.label,
        "reason": match.reason,
        "reason_codes": match.reason_codes,
        "strength": match.strength,
        "detail": match.detail,
    }


def report_payload(session: DbSession, principal: Principal, row: ConsumerReport) -> dict[str, Any]:
    """A report with its matches and the identifier threads it joins."""
    matches = match_reads.matches_of(session=session, principal=principal, report_id=row.id)
    return {
        "id": row.id,
        "product_id": row.product_id,
        "gtin": row.gtin,
        "serial": row.serial,
        "bought_at": row.bought_at_kind,
        "shop": row.shop,
        "url": row.url,
        "description": row.description,
        "photos": row.photos,
        "lat": row.lat,
        "lon": row.lon,
        "reward_status": row.reward_status,
        "created_at": row.created_at,
        "matched_at": row.matched_at,
        "matches": [match_payload(m) for m in matches],
        "threads": [
            {
                "identifier": t["kind"],
                "value": t["value"],
                "records": [
                    {"type": m.subject_type, "id": m.subject_id, "label": m.label} for m in t["members"]
                ],
            }
            for t in matching_service.threads_of(matches)
        ],
    }


@router.get("/reports/{report_id}")
def get_report(report_id: ReportId, session: DbSession, principal: Reader) -> dict[str, Any]:
    """One consumer report with what it was matched to (listings, accounts, rights, bank entries) and why."""
    return report_payload(session, principal, visible_report(session, principal, report_id))


@router.post("/reports/{report_id}/match")
def rematch_report(
    request: Request, report_id: ReportId, session: DbSession, principal: Writer
) -> dict[str, Any]:
    """Match the report again (after new listings, rights or bank entries arrived); only its holder may."""
    row = require_owner(visible_report(session, principal, report_id), principal, what="report")
    ctx = app_context(request)
    matching_service.match_report(ctx=ctx, session=session, report=row, actor=principal.email)
    return report_payload(session, principal, row)


def cluster_payload(view: cluster_case_service.ClusterView) -> dict[str, Any]:
    """A fake cluster with its codes, confirmation count and case."""
    cluster = view.cluster
    return {
        "key": view.key,
        "batch_id": cluster.batch_id,
        "region": cluster.region,
        "seller": cluster.seller,
        "code_ids": cluster.code_ids,
        "serials": sorted(c.serial for c in view.codes),
        "first": cluster.first,
        "last": cluster.last,
        "confirmed_alerts": view.confirmed,
        "scans": len(view.scans),
        "reports": [r.id for r in view.reports],
        "listing_ids": view.listing_ids,
        "case_id": view.case.case_id if view.case else None,
    }


@router.get("/clusters/{key}")
def get_cluster(key: ClusterKey, session: DbSession, principal: Reader) -> dict[str, Any]:
    """One fake cluster, with its case if one was opened."""
    return cluster_payload(cluster_case_service.view_cluster(session=session, principal=principal, key=key))


@router.post("/clusters/{key}/case")
def open_cluster_case(
    request: Request, key: ClusterKey, session: DbSession, principal: Writer
) -> dict[str, Any]:
    """Open the cluster's case (once: asking again returns the same case)."""
    row, new = cluster_case_service.open_cluster_case(
        session=session, blobs=app_context(request).blobs, principal=principal, key=key, actor=principal.email
    )
    return {"key": key, "case_id": row.case_id, "opened": new, "trigger": row.trigger}
