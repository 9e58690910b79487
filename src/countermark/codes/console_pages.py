"""Signed-in pages: keys and batches (issue, progress, sheets), scans with a map, clone alerts, reports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response

from countermark.codes import cluster_case_service, history_service, report_service, service, sheets
from countermark.codes.api import visible_batch
from countermark.codes.intel_pages import router as intel_router
from countermark.codes.issuing_service import run_issue_job
from countermark.codes.models import (
    REWARD_STATUSES,
    CloneAlert,
    CodeBatch,
    CodeScan,
    ConsumerReport,
    ProductCode,
)
from countermark.core.errors import Forbidden
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.orgs.deps import PageViewer, check_csrf
from countermark.orgs.visibility import visible
from countermark.rights.service import products_with_gtin

router = APIRouter(include_in_schema=False)
router.include_router(intel_router)
MAP_SIZE = (720, 360)


def _page(request: Request, template: str, viewer: PageViewer, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": "codes", **values})


def _writer(viewer: PageViewer, csrf_token: str | None) -> None:
    check_csrf(viewer.web_session, csrf_token)
    if "write" not in viewer.principal.scopes:
        raise Forbidden("this needs the 'write' scope")


@router.get("/codes")
def batches_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Your signing keys, your batches with their progress, and the form to issue a batch."""
    org = viewer.principal.org_id or -1
    batches = session.scalars(
        visible(CodeBatch, viewer.principal).order_by(CodeBatch.id.desc()).limit(200)
    ).all()
    products = products_with_gtin(session=session, owner_org_id=org, limit=500)
    keys = service.list_signing_keys(session=session, org_id=org)
    return _page(
        request,
        "codes_batches.html",
        viewer,
        batches=batches,
        products=products,
        keys=keys,
        progress={b.id: service.batch_progress(b) for b in batches},
    )


@router.post("/codes/keys")
def rotate_key(
    request: Request, session: DbSession, viewer: PageViewer, csrf_token: Annotated[str | None, Form()] = None
) -> Response:
    """Create a new signing key (the previous one is retired)."""
    check_csrf(viewer.web_session, csrf_token)
    if "admin" not in viewer.principal.scopes:
        raise Forbidden.of("only an administrator creates signing keys")
    service.create_signing_key(
        session=session,
        directory=app_context(request).settings.keys_dir,
        org_id=viewer.principal.org_id or -1,
        actor=viewer.principal.email,
    )
    return RedirectResponse("/codes", status_code=303)


@router.post("/codes/batches")
def issue_batch(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    tasks: BackgroundTasks,
    product_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    quantity: Annotated[int, Form(ge=1, le=service.MAX_BATCH)],
    label: Annotated[str | None, Form(max_length=200)] = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Queue a batch and issue it in the background; the batch page shows the percentage."""
    _writer(viewer, csrf_token)
    ctx = app_context(request)
    batch = service.create_batch(
        session=session,
        principal=viewer.principal,
        product_id=product_id,
        quantity=quantity,
        resolver=request.url.netloc,
        actor=viewer.principal.email,
        label=label or None,
    )
    session.commit()
    tasks.add_task(run_issue_job, ctx.sessions, ctx.settings.keys_dir, batch.id)
    return RedirectResponse(f"/codes/batches/{batch.id}", status_code=303)


@router.get("/codes/batches/{record_id}")
def batch_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One batch: issuing progress, the first codes as QR images, and sheet downloads."""
    batch = visible_batch(session, viewer.principal, record_id)
    samples = [
        (code, uri, sheets.qr_svg(uri, scale=2))
        for code, uri in service.batch_codes(session=session, batch=batch, limit=8)
    ]
    return _page(
        request,
        "codes_batch.html",
        viewer,
        batch=batch,
        progress=service.batch_progress(batch),
        samples=samples,
    )


@router.get("/codes/batches/{record_id}/sheet.{fmt}")
def batch_sheet(
    record_id: RecordId, fmt: Literal["svg", "png", "pdf"], session: DbSession, viewer: PageViewer
) -> Response:
    """A printable sheet of the batch's codes (PDF: every page; PNG: the first page; SVG: vector grid)."""
    batch = visible_batch(session, viewer.principal, record_id)
    items = [
        (uri, code.serial)
        for code, uri in service.batch_codes(session=session, batch=batch, limit=sheets.MAX_SHEET_CODES)
    ]
    name = f"codes-batch-{batch.id}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "pdf":
        return Response(sheets.sheet_pdf(items), media_type="application/pdf", headers=headers)
    if fmt == "png":
        return Response(sheets.sheet_png(items), media_type="image/png", headers=headers)
    return Response(sheets.sheet_svg(items), media_type="image/svg+xml", headers=headers)


def map_points(rows: list[tuple[float | None, float | None, str]]) -> list[dict[str, Any]]:
    """Scan places projected onto an equirectangular map of MAP_SIZE, with their verdicts."""
    width, height = MAP_SIZE
    return [
        {
            "x": round((lon + 180) / 360 * width, 1),
            "y": round((90 - lat) / 180 * height, 1),
            "verdict": verdict,
        }
        for lat, lon, verdict in rows
        if lat is not None and lon is not None
    ]


@router.get("/codes/scans")
def scans_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The latest scans you may see, as a table and as points on a map."""
    scans = session.scalars(
        visible(CodeScan, viewer.principal).order_by(CodeScan.scanned_at.desc()).limit(500)
    ).all()
    points = map_points([(s.lat, s.lon, s.verdict) for s in scans])
    return _page(request, "codes_scans.html", viewer, scans=scans[:200], points=points, size=MAP_SIZE)


@router.get("/codes/alerts")
def alerts_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Clone alerts with their reasons, to confirm or dismiss, and the fake clusters they form."""
    alerts = session.scalars(
        visible(CloneAlert, viewer.principal).order_by(CloneAlert.status, CloneAlert.score.desc()).limit(300)
    ).all()
    codes = {
        c.id: c
        for c in session.scalars(
            visible(ProductCode, viewer.principal).where(ProductCode.id.in_([a.code_id for a in alerts]))
        )
    }
    clusters = history_service.clusters_of_fakes(session=session, principal=viewer.principal)
    cases = [
        cluster_case_service.find_cluster_case(session=session, principal=viewer.principal, cluster=c)
        for c in clusters
    ]
    return _page(
        request,
        "codes_alerts.html",
        viewer,
        alerts=alerts,
        codes=codes,
        clusters=clusters,
        cluster_keys=[cluster_case_service.cluster_key(c) for c in clusters],
        cluster_cases=[row.case_id if row else None for row in cases],
    )


@router.post("/codes/alerts/{record_id}")
def decide_alert(
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    decision: Annotated[str, Form(max_length=16)],
    note: Annotated[str | None, Form(max_length=1000)] = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Confirm or dismiss one alert."""
    _writer(viewer, csrf_token)
    alert = history_service.decide_alert(
        session=session,
        principal=viewer.principal,
        alert_id=record_id,
        decision=decision,
        actor=viewer.principal.email,
        note=note,
    )
    if alert.status == "confirmed":
        cluster_case_service.open_cases_for_confirmed_clusters(
            session=session,
            blobs=app_context(request).blobs,
            org_id=alert.owner_org_id,
            actor=viewer.principal.email,
        )
    return RedirectResponse("/codes/alerts", status_code=303)


@router.get("/codes/reports")
def reports_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Consumer reports you may see, their reward status and the hot spots they form."""
    rows = session.scalars(
        visible(ConsumerReport, viewer.principal).order_by(ConsumerReport.id.desc()).limit(300)
    ).all()
    spots = report_service.report_hot_spots(session=session, principal=viewer.principal)
    scale = MAP_SIZE[0] / 360  # pixels per degree
    spot_marks = [
        {**point, "r": round(max(6.0, spot.radius_km / 111 * scale * 4), 1), "n": len(spot.report_ids)}
        for spot, point in zip(spots, map_points([(s.lat, s.lon, "spot") for s in spots]), strict=True)
    ]
    return _page(
        request,
        "codes_reports.html",
        viewer,
        reports=rows,
        spots=spots,
        statuses=REWARD_STATUSES,
        points=map_points([(r.lat, r.lon, "report") for r in rows]),
        spot_marks=spot_marks,
        size=MAP_SIZE,
    )


@router.post("/codes/reports/{record_id}/reward")
def reward_report(
    record_id: RecordId,
    session: DbSession,
    viewer: PageViewer,
    status: Annotated[str, Form(max_length=16)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Change a report's reward status."""
    _writer(viewer, csrf_token)
    report_service.set_reward_status(
        session=session,
        principal=viewer.principal,
        report_id=record_id,
        status=status,
        actor=viewer.principal.email,
    )
    return RedirectResponse("/codes/reports", status_code=303)
