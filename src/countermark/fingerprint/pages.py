"""Fingerprint pages: the banks you may read, one bank with its pictures, and checking a suspect item."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.heavy import commit_before_waiting, run_heavy
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.fingerprint import deps, lookup_service, service
from countermark.fingerprint.content import MAX_UPLOAD_BYTES
from countermark.fingerprint.imaging import check_pixel_budget
from countermark.orgs.deps import PageViewer, check_csrf
from countermark.rights import service as rights_service

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str, viewer: PageViewer, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": "fingerprint", **values})


@router.get("/fingerprint")
def banks_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The banks the viewer's organisation may read, with their number of entries."""
    org = deps.org_of(viewer.principal)
    banks = service.list_banks(session=session, principal_org_id=org)
    return _page(request, "fingerprint_banks.html", viewer, banks=banks)


@router.get("/fingerprint/banks/{record_id}")
def bank_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One readable bank with its entries and their pictures (the same 404 when not readable)."""
    bank = deps.readable_bank(session, viewer.principal, record_id)
    entries = deps.bank_entries(session, bank, limit=200)
    return _page(request, "fingerprint_bank.html", viewer, bank=bank, entries=entries)


@router.get("/fingerprint/check")
def check_form(request: Request, viewer: PageViewer) -> Response:
    """The form where an officer uploads a suspect item."""
    return _page(request, "fingerprint_check.html", viewer, result=None, limit_mb=MAX_UPLOAD_BYTES // 2**20)


@router.post("/fingerprint/check")
async def check_item(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: Annotated[str | None, Form()] = None,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Matches of the uploaded item, side by side with the enrolled content the viewer may see."""
    check_csrf(viewer.web_session, csrf_token)
    await commit_before_waiting(session)
    values = await run_heavy(request, _check, request, session, viewer, file)
    return _page(request, "fingerprint_check.html", viewer, **values, limit_mb=MAX_UPLOAD_BYTES // 2**20)


def _check(request: Request, session: Session, viewer: PageViewer, file: UploadFile | None) -> dict[str, Any]:
    """The matches of an uploaded item with the rights and products they name, in a heavy worker."""
    data = deps.read_upload(file)
    check_pixel_budget([data])
    org = deps.org_of(viewer.principal)
    ctx = app_context(request)
    kind, signals, matches = lookup_service.lookup_upload(
        ctx=ctx, session=session, principal_org_id=org, data=data
    )
    right_ids = {m.right_id for m in matches if m.right_id is not None}
    product_ids = {m.product_id for m in matches if m.product_id is not None}
    rights = rights_service.visible_rights(session=session, principal=viewer.principal, ids=right_ids)
    products = rights_service.visible_products(session=session, principal=viewer.principal, ids=product_ids)
    # The right or product concerned is named even when its record is not visible: the match says which.
    names = rights_service.right_names(session=session, ids=right_ids)
    result = {"kind": kind, "signals": signals, "matches": matches, "filename": file.filename if file else ""}
    return {"result": result, "rights": rights, "products": products, "right_names": names}
