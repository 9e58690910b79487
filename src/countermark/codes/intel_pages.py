"""Signed-in pages: one consumer report with its matches and threads; one fake cluster with its case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from countermark.codes import cluster_case_service, match_reads, matching_service
from countermark.codes.intel_api import visible_report
from countermark.core.errors import Forbidden
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.orgs.deps import PageViewer, check_csrf
from countermark.orgs.visibility import owns, require_owner
from countermark.rights.service import product_summaries

router = APIRouter(include_in_schema=False)
ClusterKey = Annotated[str, Path(pattern="^[0-9a-f]{20}$")]
# Where each kind of matched record is shown in the web interface.
RECORD_PAGES = {
    "listing": "/listings/{id}",
    "account": "/accounts/{id}",
    "shipment": "/shipments/{id}",
    "right": "/rights/{id}",
    "product": "/products/{id}",
    "report": "/codes/reports/{id}",
    "fingerprint_bank": "/fingerprint/banks/{id}",
}


def record_link(subject_type: str, subject_id: int | None) -> str | None:
    """The page of a matched record, when it has one."""
    page = RECORD_PAGES.get(subject_type)
    return page.format(id=subject_id) if page and subject_id is not None else None


def _writer(viewer: Any, csrf_token: str | None) -> None:
    check_csrf(viewer.web_session, csrf_token)
    if "write" not in viewer.principal.scopes:
        raise Forbidden("this needs the 'write' scope")


@router.get("/codes/reports/{record_id}")
def report_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """A consumer report: what was reported, and the listings, accounts, rights and threads it matches."""
    report = visible_report(session, viewer.principal, record_id)
    matches = match_reads.matches_of(session=session, principal=viewer.principal, report_id=report.id)
    product = (
        product_summaries(session=session, ids=[report.product_id]).get(report.product_id)
        if report.product_id
        else None
    )
    return render(
        request,
        "codes_report_detail.html",
        {
            "viewer": viewer,
            "active": "codes",
            "report": report,
            "product": product,
            "matches": matches,
            "threads": matching_service.threads_of(matches),
            "link": record_link,
            "owner": owns(viewer.principal, report.owner_org_id),
        },
    )


@router.post("/codes/reports/{record_id}/match")
def rematch_report(
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Match the report again against today's listings, rights and banks."""
    _writer(viewer, csrf_token)
    report = require_owner(
        visible_report(session, viewer.principal, record_id), viewer.principal, what="report"
    )
    matching_service.match_report(
        ctx=app_context(request), session=session, report=report, actor=viewer.principal.email
    )
    return RedirectResponse(f"/codes/reports/{report.id}", status_code=303)


@router.get("/codes/clusters/{key}")
def cluster_page(key: ClusterKey, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """A fake cluster: its copied serials, scans and reports, and its case (or a button to open one)."""
    view = cluster_case_service.view_cluster(session=session, principal=viewer.principal, key=key)
    case = (
        cluster_case_service.case_of(session=session, principal=viewer.principal, row=view.case)
        if view.case
        else None
    )
    return render(
        request,
        "codes_cluster.html",
        {
            "viewer": viewer,
            "active": "codes",
            "view": view,
            "case": case,
            "confirmed_min": cluster_case_service.CONFIRMED_MIN,
        },
    )


@router.post("/codes/clusters/{key}/case")
def open_case(
    key: ClusterKey,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Open the cluster's case (or find the one already opened) and show the cluster."""
    _writer(viewer, csrf_token)
    cluster_case_service.open_cluster_case(
        session=session,
        blobs=app_context(request).blobs,
        principal=viewer.principal,
        key=key,
        actor=viewer.principal.email,
    )
    return RedirectResponse(f"/codes/clusters/{key}", status_code=303)
