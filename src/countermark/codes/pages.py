"""Public pages: what a phone opens when it scans a code (the resolver path), and the report form."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from countermark.codes import matching_service, report_service, service
from countermark.codes.console_pages import router as console_router
from countermark.codes.models import CodeBatch
from countermark.codes.scan_service import stored_keys
from countermark.codes.signed import resolver_path
from countermark.codes.throttle import client_address, device_fingerprint, limiter
from countermark.core.errors import CountermarkError, InvalidInput
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.error_text import page_error
from countermark.core.http.heavy import commit_before_waiting, run_heavy
from countermark.core.http.security import tokens_match
from countermark.core.http.templating import render
from countermark.fingerprint.imaging import check_pixel_budget

router = APIRouter(include_in_schema=False)
router.include_router(console_router)
log = logging.getLogger(__name__)
REPORT_LIMIT = (8, 3600.0)
VERIFY_LIMIT = (60, 60.0)
MIN_FILL_SECONDS = 3.0
MAX_FORM_AGE = 6 * 3600


def _form_token(salt: bytes, issued: int) -> str:
    mac = hmac.new(salt, f"report-form:{issued}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"{issued}.{mac}"


def _form_age(salt: bytes, token: str | None) -> float:
    """Seconds since the form was served; raises InvalidInput when the token was not ours."""
    issued_text, _, _ = (token or "").partition(".")
    if not issued_text.isdigit() or not tokens_match(_form_token(salt, int(issued_text)), token):
        raise InvalidInput.of("the form expired: reload the page and try again")
    return time.time() - int(issued_text)


def _salt(request: Request) -> bytes:
    ctx = app_context(request)
    return ctx.cached("codes.scanner_salt", lambda: service.scanner_salt(ctx.settings.keys_dir))


def _public_info(session: Session, gtin: str, serial: str) -> dict[str, str]:
    code = service.find_code(session=session, gtin=gtin, serial=serial)
    batch = session.get(CodeBatch, code.batch_id) if code is not None else None
    return {str(k): str(v) for k, v in (batch.public_info if batch is not None else {}).items()}


@router.get("/01/{gtin}/21/{serial}")
def code_page(
    gtin: str,
    serial: str,
    request: Request,
    session: DbSession,
    signature: Annotated[str | None, Query(alias="8030", max_length=200)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> Response:
    """The verdict on a scanned code, the product facts its holder chose to show, and a report button."""
    limiter(request).hit("verify", client_address(request), limit=VERIFY_LIMIT[0], window=VERIFY_LIMIT[1])
    uri = f"https://{request.url.netloc}{resolver_path(gtin, serial)}" + (
        f"?8030={signature}" if signature else ""
    )
    result, _ = service.verify_and_record(
        session=session,
        uri=uri,
        keys=stored_keys(session=session),
        salt=_salt(request),
        lat=lat,
        lon=lon,
        device=device_fingerprint(request),
    )
    info = _public_info(session, result.code.gtin, result.code.serial) if result.code else {}
    status = 200 if result.code is not None else 404
    return render(
        request, "codes_verify.html", {"result": result, "info": info, "uri": uri}, status_code=status
    )


@router.get("/codes/report")
def report_form(
    request: Request,
    code: Annotated[str | None, Query(max_length=400)] = None,
    gtin: Annotated[str | None, Query(max_length=14)] = None,
) -> Response:
    """The public report form (no account needed)."""
    return render(
        request,
        "codes_report.html",
        {
            "code": code or "",
            "gtin": gtin or "",
            "token": _form_token(_salt(request), int(time.time())),
            "kinds": report_service.BOUGHT_AT,
            "max_mb": report_service.MAX_PHOTO_BYTES // 2**20,
            "done": False,
            "error": None,
        },
    )


async def _read_photos(files: list[UploadFile]) -> tuple[bytes, ...]:
    photos = []
    for upload in files:
        if not upload.filename:
            continue
        data = await upload.read(report_service.MAX_PHOTO_BYTES + 1)
        if len(data) > report_service.MAX_PHOTO_BYTES:
            raise InvalidInput.of(
                "a photo may be at most {mb} MB", mb=report_service.MAX_PHOTO_BYTES // 2**20
            )
        photos.append(data)
        if len(photos) > report_service.MAX_PHOTOS:
            raise InvalidInput.of("at most {most} photos", most=report_service.MAX_PHOTOS)
    return tuple(photos)


def _float(text: str | None, bound: float) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError as exc:
        raise InvalidInput.of("a coordinate must be a number") from exc
    if value is not None and not -bound <= value <= bound:
        raise InvalidInput.of("that place is not on Earth")
    return value


@router.post("/codes/report")
async def submit_report(
    request: Request,
    session: DbSession,
    token: Annotated[str | None, Form(max_length=100)] = None,
    website: Annotated[str | None, Form(max_length=200)] = None,
    code: Annotated[str | None, Form(max_length=400)] = None,
    gtin: Annotated[str | None, Form(max_length=14)] = None,
    bought_at: Annotated[str, Form(max_length=16)] = "other",
    shop: Annotated[str | None, Form(max_length=200)] = None,
    url: Annotated[str | None, Form(max_length=500)] = None,
    description: Annotated[str | None, Form(max_length=2000)] = None,
    lat: Annotated[str | None, Form(max_length=20)] = None,
    lon: Annotated[str | None, Form(max_length=20)] = None,
    contact: Annotated[str | None, Form(max_length=254)] = None,
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """Store a report; bots that fill the hidden field or post too fast are refused or ignored.

    The throttle and the form's checks run in the ordinary thread pool; storing the photos and matching
    them (decoding, hashing) in a heavy worker within the request's pixel budget: never on the event loop.
    """
    typed = {
        "bought_at": bought_at,
        "shop": shop or "",
        "url": url or "",
        "description": description or "",
        "lat": lat or "",
        "lon": lon or "",
        "contact": contact or "",
    }
    try:
        return await _submit(request, session, token, website, code, gtin, photos, typed)
    except CountermarkError as exc:
        if exc.status >= 500:
            raise
        # The form comes back with the reason and what the person typed (files cannot be kept by a browser).
        await run_in_threadpool(session.rollback)
        salt = await run_in_threadpool(_salt, request)
        context = {
            "code": code or "",
            "gtin": gtin or "",
            "token": _form_token(salt, int(time.time())),
            "kinds": report_service.BOUGHT_AT,
            "max_mb": report_service.MAX_PHOTO_BYTES // 2**20,
            "error": page_error(request, exc),
            "form": typed,
            "done": False,
        }
        return render(request, "codes_report.html", context, status_code=exc.status)


async def _submit(
    request: Request,
    session: Session,
    token: str | None,
    website: str | None,
    code: str | None,
    gtin: str | None,
    photos: list[UploadFile] | None,
    typed: dict[str, str],
) -> Response:
    address = client_address(request)
    salt = await run_in_threadpool(_admit, request, address, token)
    context = {
        "code": code or "",
        "gtin": gtin or "",
        "token": _form_token(salt, int(time.time())),
        "kinds": report_service.BOUGHT_AT,
        "max_mb": report_service.MAX_PHOTO_BYTES // 2**20,
        "error": None,
    }
    if website:  # the honeypot: people never see this field, so whoever fills it is a robot
        return render(request, "codes_report.html", {**context, "done": True})
    shop, url, description = typed["shop"] or None, typed["url"] or None, typed["description"] or None
    lat, lon, contact = typed["lat"] or None, typed["lon"] or None, typed["contact"] or None
    bought_at = typed["bought_at"]
    data = report_service.ReportInput(
        code_uri=code or None,
        gtin=gtin or None,
        bought_at_kind=bought_at,
        shop=shop,
        url=url,
        description=description,
        lat=_float(lat, 90),
        lon=_float(lon, 180),
        contact=contact,
        photos=await _read_photos(photos or []),
    )
    await commit_before_waiting(session)
    await run_heavy(request, _store_and_match, request, session, data, service.scanner_hash(salt, address))
    return render(request, "codes_report.html", {**context, "done": True})


def _admit(request: Request, address: str, token: str | None) -> bytes:
    """Count the report against the address's limit and check the form's age; the scanner salt."""
    limiter(request).hit("report", address, limit=REPORT_LIMIT[0], window=REPORT_LIMIT[1])
    salt = _salt(request)
    age = _form_age(salt, token)
    if age < MIN_FILL_SECONDS or age > MAX_FORM_AGE:
        raise InvalidInput.of("the form was sent too quickly or too late: reload the page and try again")
    return salt


def _store_and_match(
    request: Request, session: Session, data: report_service.ReportInput, reporter: str | None
) -> None:
    """Store the report and match it now (heavy: its photos are decoded and hashed), within the budget."""
    check_pixel_budget(data.photos)
    ctx = app_context(request)
    row = report_service.submit_report(session=session, blobs=ctx.blobs, report=data, reporter=reporter)
    # The report is kept whatever matching does, and SQLite's one write lock is not held while the photos
    # are decoded and compared (matching writes only at its end).
    session.commit()
    try:
        with session.begin_nested():
            matching_service.match_report(ctx=ctx, session=session, report=row, actor="public")
    except Exception:  # the report is kept either way; the pipeline's pass matches it again later
        log.exception("consumer report %s could not be matched now", row.id)
