"""Product-code API under /api/v1/codes: keys, batches (issued as a job), EPCIS, scans, alerts, reports.

`GET /api/v1/codes/verify` and `GET /api/v1/codes/public-keys` are public: anyone may check a code.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Query, Request
from fastapi.responses import Response

from countermark.codes import cluster_case_service, history_service, report_service, service
from countermark.codes.intel_api import router as intel_router
from countermark.codes.issuing_service import run_issue_job
from countermark.codes.models import CloneAlert, CodeBatch, CodeScan, ConsumerReport
from countermark.codes.scan_service import stored_keys
from countermark.codes.schemas import BatchIn, DecisionIn, RewardIn
from countermark.codes.throttle import client_address, device_fingerprint, limiter
from countermark.codes.verify import VerificationResult
from countermark.core.errors import NotFound
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.params import RecordId
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal, visible

router = APIRouter(prefix="/api/v1/codes", tags=["product codes"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
Writer = Annotated[Principal, Depends(require_scope("write"))]
Admin = Annotated[Principal, Depends(require_scope("admin"))]
VERIFY_LIMIT = (120, 60.0)
router.include_router(intel_router)








def verdict_payload(result: VerificationResult) -> dict[str, Any]:
    """A verdict as JSON."""
    code = result.code
    return {
        "verdict": result.verdict.value,
        "safe": result.safe,
        "reasons": result.reasons,
        "key_id": result.key_id,
        "offline": result.offline,
        "gtin": code.gtin if code else None,
        "serial": code.serial if code else None,
    }


@router.get("/verify")
def verify(
    request: Request,
    session: DbSession,
    uri: Annotated[str, Query(max_length=400)],
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> dict[str, Any]:
    """Check a scanned code (public); the scan is kept with a ~1 km place and a hashed device, once an hour
    per code, device, place and verdict."""
    limiter(request).hit("verify", client_address(request), limit=VERIFY_LIMIT[0], window=VERIFY_LIMIT[1])
    ctx = app_context(request)
    result, _ = service.verify_and_record(
        session=session,
        uri=uri,
        keys=stored_keys(session=session),
        salt=ctx.cached("codes.scanner_salt", lambda: service.scanner_salt(ctx.settings.keys_dir)),
        lat=lat,
        lon=lon,
        device=device_fingerprint(request),
        channel="api",
    )
    return verdict_payload(result)


@router.get("/public-keys")
def public_key_list(session: DbSession) -> Response:
    """Every issuer's public keys with their status, for offline verifiers (public)."""
    return Response(service.export_keys(session=session), media_type="application/json")


def _key(key: Any) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "status": key.status,
        "public_key": key.public_key,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


@router.get("/keys")
def list_keys(session: DbSession, principal: Reader) -> list[dict[str, Any]]:
    """Your organisation's signing keys."""
    return [_key(k) for k in service.list_signing_keys(session=session, org_id=principal.org_id or -1)]


@router.post("/keys", status_code=201)
def create_key(request: Request, session: DbSession, principal: Admin) -> dict[str, Any]:
    """A new signing key; the previous active key is retired (its codes still verify)."""
    directory = app_context(request).settings.keys_dir
    return _key(
        service.create_signing_key(
            session=session, directory=directory, org_id=principal.org_id or -1, actor=principal.email
        )
    )


@router.post("/keys/{key_id}/revoke")
def revoke_key(
    key_id: str,
    session: DbSession,
    principal: Admin,
    reason: Annotated[str, Body(embed=True, max_length=500)] = "",
) -> dict[str, Any]:
    """Revoke a key: codes signed with it no longer verify."""
    return _key(
        service.revoke_signing_key(
            session=session,
            org_id=principal.org_id or -1,
            key_id=key_id[:6],
            reason=reason,
            actor=principal.email,
        )
    )


def _batch(batch: CodeBatch) -> dict[str, Any]:
    return {
        **service.batch_progress(batch),
        "product_id": batch.product_id,
        "gtin": batch.gtin,
        "key_id": batch.key_id,
        "label": batch.label,
        "created_at": batch.created_at,
    }


@router.post("/batches", status_code=202)
def create_batch(
    request: Request, body: BatchIn, session: DbSession, principal: Writer, tasks: BackgroundTasks
) -> dict[str, Any]:
    """Queue a batch; codes are issued in the background (poll the batch for its percentage)."""
    ctx = app_context(request)
    batch = service.create_batch(
        session=session,
        principal=principal,
        product_id=body.product_id,
        quantity=body.quantity,
        resolver=body.resolver or request.url.netloc,
        actor=principal.email,
        label=body.label,
    )
    session.commit()
    tasks.add_task(run_issue_job, ctx.sessions, ctx.settings.keys_dir, batch.id)
    return _batch(batch)


def visible_batch(session: DbSession, principal: Principal, batch_id: RecordId) -> CodeBatch:
    """A batch the principal may see, or the same 404 whether absent or not theirs."""
    batch: CodeBatch | None = session.scalar(visible(CodeBatch, principal).where(CodeBatch.id == batch_id))
    if batch is None:
        raise NotFound.of("no such batch")
    return batch


@router.get("/batches")
def list_batches(session: DbSession, principal: Reader) -> list[dict[str, Any]]:
    """Batches you may see, newest first."""
    return [
        _batch(b)
        for b in session.scalars(visible(CodeBatch, principal).order_by(CodeBatch.id.desc()).limit(500))
    ]


@router.get("/batches/{batch_id}")
def get_batch(batch_id: RecordId, session: DbSession, principal: Reader) -> dict[str, Any]:
    """One batch with its issuing progress."""
    return _batch(visible_batch(session, principal, batch_id))


@router.get("/batches/{batch_id}/codes")
def batch_codes(
    batch_id: RecordId,
    session: DbSession,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=service.MAX_BATCH)] = 1000,
) -> list[dict[str, Any]]:
    """The codes of a batch with the URIs to print."""
    batch = visible_batch(session, principal, batch_id)
    return [
        {"serial": c.serial, "state": c.state, "uri": uri}
        for c, uri in service.batch_codes(session=session, batch=batch, limit=limit)
    ]


@router.post("/events")
def ingest_events(session: DbSession, principal: Writer, document: Annotated[Any, Body()]) -> dict[str, Any]:
    """Store an EPCIS 2.0 document's events about your codes; rejected events come back with reasons."""
    return history_service.ingest_epcis(
        session=session, document=document, owner_org_id=principal.org_id or -1, actor=principal.email
    ).as_dict()


@router.get("/scans")
def list_scans(
    session: DbSession, principal: Reader, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    """Scans of codes you may see, newest first (coarse place, hashed device)."""
    rows = session.scalars(visible(CodeScan, principal).order_by(CodeScan.scanned_at.desc()).limit(limit))
    return [
        {
            "id": s.id,
            "gtin": s.gtin,
            "serial": s.serial,
            "scanned_at": s.scanned_at,
            "lat": s.lat,
            "lon": s.lon,
            "device": s.scanner_hash,
            "verdict": s.verdict,
            "channel": s.channel,
        }
        for s in rows
    ]


@router.post("/detect")
def detect(session: DbSession, principal: Writer) -> dict[str, int]:
    """Assess your scanned codes and open clone alerts."""
    return history_service.detect_clones(session=session, owner_org_id=principal.org_id or -1)


@router.get("/alerts")
def list_alerts(session: DbSession, principal: Reader) -> list[dict[str, Any]]:
    """Clone alerts you may see, highest score first."""
    rows = session.scalars(visible(CloneAlert, principal).order_by(CloneAlert.score.desc()).limit(500))
    return [
        {
            "id": a.id,
            "code_id": a.code_id,
            "score": a.score,
            "reasons": a.reasons,
            "reason_codes": a.reason_codes,
            "status": a.status,
            "decided_by": a.decided_by,
        }
        for a in rows
    ]


@router.post("/alerts/{alert_id}")
def decide(
    request: Request, alert_id: RecordId, body: DecisionIn, session: DbSession, principal: Writer
) -> dict[str, Any]:
    """Confirm or dismiss a clone alert; a cluster with enough confirmed alerts opens its case."""
    alert = history_service.decide_alert(
        session=session,
        principal=principal,
        alert_id=alert_id,
        decision=body.decision,
        actor=principal.email,
        note=body.note,
    )
    opened = []
    if alert.status == "confirmed":
        opened = cluster_case_service.open_cases_for_confirmed_clusters(
            session=session,
            blobs=app_context(request).blobs,
            org_id=alert.owner_org_id,
            actor=principal.email,
        )
    return {"id": alert.id, "status": alert.status, "cases_opened": [row.case_id for row in opened]}


@router.get("/clusters")
def clusters(session: DbSession, principal: Reader) -> list[dict[str, Any]]:
    """Fake clusters: flagged codes of one batch, region and seller, close in time."""
    found = []
    for c in history_service.clusters_of_fakes(session=session, principal=principal):
        case = cluster_case_service.find_cluster_case(session=session, principal=principal, cluster=c)
        found.append(
            {
                "key": cluster_case_service.cluster_key(c),
                "batch_id": c.batch_id,
                "region": c.region,
                "seller": c.seller,
                "code_ids": c.code_ids,
                "first": c.first,
                "last": c.last,
                "case_id": case.case_id if case else None,
            }
        )
    return found


@router.get("/reports")
def list_reports(session: DbSession, principal: Reader) -> list[dict[str, Any]]:
    """Consumer reports you may see, newest first."""
    rows = session.scalars(visible(ConsumerReport, principal).order_by(ConsumerReport.id.desc()).limit(500))
    return [
        {
            "id": r.id,
            "product_id": r.product_id,
            "gtin": r.gtin,
            "serial": r.serial,
            "bought_at": r.bought_at_kind,
            "shop": r.shop,
            "url": r.url,
            "description": r.description,
            "photos": r.photos,
            "lat": r.lat,
            "lon": r.lon,
            "reward_status": r.reward_status,
            "created_at": r.created_at,
            "matched_at": r.matched_at,
        }
        for r in rows
    ]


@router.post("/reports/{report_id}/reward")
def reward(
    report_id: RecordId,
    session: DbSession,
    principal: Writer,
    status: Annotated[str, Body(embed=True, max_length=16)],
) -> dict[str, Any]:
    """Move a report's reward along: eligible, approved, paid or refused."""
    row = report_service.set_reward_status(
        session=session, principal=principal, report_id=report_id, status=status, actor=principal.email
    )
    return {"id": row.id, "reward_status": row.reward_status}


@router.post("/rewards", status_code=201)
def create_reward(body: RewardIn, session: DbSession, principal: Writer) -> dict[str, Any]:
    """Offer a reward for useful reports of fakes of your products."""
    scheme = report_service.create_reward_scheme(
        session=session,
        principal=principal,
        name=body.name,
        amount=body.amount,
        currency=body.currency,
        description=body.description,
        actor=principal.email,
    )
    return {"id": scheme.id, "name": scheme.name, "amount": scheme.amount, "currency": scheme.currency}


@router.get("/hotspots")
def hotspots(
    session: DbSession, principal: Reader, radius_km: Annotated[float, Query(gt=0, le=500)] = 25.0
) -> list[dict[str, Any]]:
    """Hot spots of consumer reports you may see."""
    return [
        {"lat": s.lat, "lon": s.lon, "radius_km": s.radius_km, "reports": s.report_ids}
        for s in report_service.report_hot_spots(session=session, principal=principal, eps_km=radius_km)
    ]
