"""Fingerprint API: hash, look up and compare uploads; banks, entries and their switches."""

from __future__ import annotations

import io
import zipfile
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from countermark.core.errors import Code, InvalidInput, NotFound
from countermark.core.http.deps import DbSession, app_context, client_origin
from countermark.core.http.heavy import commit_before_waiting, run_heavy
from countermark.core.http.params import QueryId, RecordId
from countermark.fingerprint import content, deps, lookup_service, mediatools, service
from countermark.fingerprint.imaging import check_pixel_budget
from countermark.fingerprint.models import FingerprintBank, FingerprintEntry
from countermark.fingerprint.schemas import (
    BankIn,
    BankOut,
    BulkIn,
    BulkOut,
    CompareOut,
    ComparisonOut,
    EnabledIn,
    EntryOut,
    HashOut,
    LookupOut,
    SignalOut,
)
from countermark.observe import service as observe_service
from countermark.orgs.deps import require_scope
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal
from countermark.rights import service as rights_service

router = APIRouter(prefix="/api/v1/fingerprint", tags=["fingerprint"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
Writer = Annotated[Principal, Depends(require_scope("write"))]
Upload = Annotated[UploadFile | None, File(description="the content, at most 20 MB")]
Kind = Annotated[str, Form(description="auto, image, video, audio or file")]
MAX_ZIP_MEMBERS = 1000


def _signals(signals: list[content.Signal]) -> list[SignalOut]:
    return [
        SignalOut(
            signal_type=s.signal_type,
            signal=s.signal,
            quality=s.quality,
            threshold=s.threshold,
            source=s.source,
        )
        for s in signals
    ]


def entry_out(entry: FingerprintEntry) -> EntryOut:
    """An entry for readers of its bank."""
    return EntryOut(
        id=entry.id,
        bank_id=entry.bank_id,
        signal_type=entry.signal_type,
        signal=entry.signal,
        quality=entry.quality,
        product_id=entry.product_id,
        right_id=entry.right_id,
        blob_sha256=entry.blob_sha256,
        label=entry.label,
        enabled=entry.enabled,
    )


def _audit(
    request: Request,
    session: DbSession,
    principal: Principal,
    action: str,
    subject: str,
    subject_id: int,
    **detail: object,
) -> None:
    record_audit(
        session=session,
        actor=principal.email,
        action=action,
        subject_type=subject,
        subject_id=str(subject_id),
        org_id=principal.org_id,
        origin=client_origin(request),
        detail=dict(detail) or None,
    )


@router.post("/hash", summary="The signals of an uploaded file")
async def hash_upload(
    request: Request, session: DbSession, principal: Reader, file: Upload = None, kind: Kind = "auto"
) -> HashOut:
    """What the upload is (image, video, audio, file) and its signals, each with its match rule."""

    def work() -> HashOut:
        data = deps.read_upload(file)
        check_pixel_budget([data])
        found_kind, signals = content.signals_of(data, kind)
        return HashOut(kind=found_kind, size=len(data), signals=_signals(signals))

    await commit_before_waiting(session)  # the token's bookkeeping
    return await run_heavy(request, work)


@router.post("/lookup", summary="Matches of an upload or a signal")
async def lookup_content(
    request: Request,
    session: DbSession,
    principal: Reader,
    file: Upload = None,
    kind: Kind = "auto",
    signal_type: Annotated[str | None, Form()] = None,
    signal: Annotated[str | None, Form(max_length=2_000_000)] = None,
) -> LookupOut:
    """Matches in the banks the organisation may match; banks it may only match show no entry details."""
    org = deps.org_of(principal)
    ctx = app_context(request)
    if file is None and not (signal_type and signal):
        raise InvalidInput.of("send a file, or a signal_type (pdq, video, audio, text) and its signal")

    def work() -> LookupOut:
        if file is not None:
            data = deps.read_upload(file)
            check_pixel_budget([data])
            found_kind, signals, matches = lookup_service.lookup_upload(
                ctx=ctx, session=session, principal_org_id=org, data=data, kind=kind
            )
            return LookupOut(kind=found_kind, signals=_signals(signals), matches=matches)
        matches = lookup_service.lookup_signal(
            ctx=ctx, session=session, principal_org_id=org, signal_type=str(signal_type), signal=str(signal)
        )
        return LookupOut(kind="signal", signals=[], matches=matches)

    await commit_before_waiting(session)
    return await run_heavy(request, work)


@router.post("/compare", summary="Two uploads compared signal by signal")
async def compare_uploads(
    request: Request,
    session: DbSession,
    principal: Reader,
    a: Annotated[UploadFile | None, File()] = None,
    b: Annotated[UploadFile | None, File()] = None,
) -> CompareOut:
    """Distance or similarity of two uploads for every signal type they share, with thresholds."""
    await commit_before_waiting(session)  # the token's bookkeeping
    return await run_heavy(request, _compare, a, b)


def _compare(a: UploadFile | None, b: UploadFile | None) -> CompareOut:
    """The comparison of two uploads, in a heavy worker."""
    data_a, data_b = deps.read_upload(a, field="a"), deps.read_upload(b, field="b")
    check_pixel_budget([data_a, data_b])
    kind_a, signals_a = content.signals_of(data_a)
    kind_b, signals_b = content.signals_of(data_b)
    theirs = {s.signal_type: s for s in signals_b}
    measures = {
        "pdq": "Hamming distance",
        "video": "share of matching frames",
        "audio": "bit error rate",
        "sha256": "identical (0) or not (1)",
        "tlsh": "TLSH distance",
    }
    out = []
    for mine in signals_a:
        other = theirs.get(mine.signal_type)
        if other is None:
            continue
        value, is_match = lookup_service.compare(signal_type=mine.signal_type, a=mine.signal, b=other.signal)
        out.append(
            ComparisonOut(
                signal_type=mine.signal_type,
                value=value,
                measure=measures[mine.signal_type],
                is_match=is_match,
                threshold=mine.threshold,
                source=mine.source,
            )
        )
    if not out:
        raise InvalidInput.of(
            "nothing to compare: the first file is {kind_a}, the second {kind_b}",
            kind_a=Code(kind_a),
            kind_b=Code(kind_b),
        )
    return CompareOut(kind_a=kind_a, kind_b=kind_b, comparisons=out)


@router.get("/banks", summary="Banks your organisation may read")
def list_banks(session: DbSession, principal: Reader) -> list[BankOut]:
    """Banks the organisation may read, with their number of entries."""
    org = deps.org_of(principal)
    return [deps.bank_out(b, n) for b, n in service.list_banks(session=session, principal_org_id=org)]


@router.post("/banks", status_code=201, summary="Create a bank")
def create_bank(body: BankIn, request: Request, session: DbSession, principal: Writer) -> BankOut:
    """A new bank owned by your organisation (a sharing group must be one your organisation is in)."""
    org = deps.org_of(principal)
    if body.sharing_group_id is not None and body.sharing_group_id not in principal.group_ids:
        raise InvalidInput.of(
            "your organisation is not in sharing group {group_id}", group_id=body.sharing_group_id
        )
    bank = service.create_bank(
        session=session,
        owner_org_id=org,
        name=body.name,
        purpose=body.purpose,
        tlp=body.tlp,
        sharing_group_id=body.sharing_group_id,
        match_scope=body.match_scope,
        description=body.description,
    )
    _audit(request, session, principal, "create", "fingerprint_bank", bank.id, name=bank.name)
    return deps.bank_out(bank, 0)


@router.get("/banks/{bank_id}", summary="One bank")
def get_bank(bank_id: RecordId, session: DbSession, principal: Reader) -> BankOut:
    """A bank the organisation may read (the same 404 when absent or not readable)."""
    bank = deps.readable_bank(session, principal, bank_id)
    return deps.bank_out(bank, len(deps.bank_entries(session, bank, limit=1_000_000)))


@router.get("/banks/{bank_id}/entries", summary="Entries of a bank")
def list_entries(
    bank_id: RecordId, session: DbSession, principal: Reader, after: QueryId = 0, limit: int = 100
) -> list[EntryOut]:
    """Entries of a readable bank in id order; page with ?after=<last id>."""
    if not 1 <= limit <= 500:
        raise InvalidInput.of("limit must be between 1 and 500")
    bank = deps.readable_bank(session, principal, bank_id)
    return [entry_out(e) for e in deps.bank_entries(session, bank, limit=limit, after=after)]


@router.post("/banks/{bank_id}/entries", status_code=201, summary="Enrol one upload")
async def add_entry(
    bank_id: RecordId,
    request: Request,
    session: DbSession,
    principal: Writer,
    file: Upload = None,
    kind: Kind = "auto",
    product_id: Annotated[int | None, Form()] = None,
    right_id: Annotated[int | None, Form()] = None,
    label: Annotated[str | None, Form(max_length=300)] = None,
) -> list[EntryOut]:
    """Enrol a picture, video, sound or file in a bank your organisation owns (idempotent)."""

    def work() -> list[EntryOut]:
        bank = deps.owned_bank(session, principal, bank_id)
        data = deps.read_upload(file)
        check_pixel_budget([data])
        entries = _enrol(request, session, bank, data, kind, product_id, right_id, label or file_label(file))
        for entry in entries:
            _audit(request, session, principal, "create", "fingerprint_entry", entry.id, bank_id=bank.id)
        return [entry_out(e) for e in entries]

    await commit_before_waiting(session)
    return await run_heavy(request, work)


def file_label(upload: UploadFile | None) -> str | None:
    """The uploaded file's name, as a default label."""
    return (upload.filename or None) if upload is not None else None


def _enrol(
    request: Request,
    session: Session,
    bank: FingerprintBank,
    data: bytes,
    kind: str,
    product_id: int | None,
    right_id: int | None,
    label: str | None,
) -> list[FingerprintEntry]:
    ctx = app_context(request)
    content.check_size(data)
    if kind == "auto":
        kind = content.detect_kind(data)
    elif kind in ("video", "audio"):
        mediatools.check_container(data, kind)  # before any tool is looked for
    about = {"product_id": product_id, "right_id": right_id, "label": label}
    common = {"ctx": ctx, "session": session, "bank": bank, "data": data}
    if kind == "image":
        return [service.add_image(**common, **about)]  # type: ignore[arg-type]
    if kind in ("video", "audio"):
        return [service.add_media(**common, **about, kind=kind)]  # type: ignore[arg-type]
    if kind == "file":
        return service.add_file(**common, **about)  # type: ignore[arg-type]
    raise InvalidInput.of(
        "kind must be one of {kinds}, not {kind!r}", kinds=", ".join(content.KINDS), kind=kind
    )


@router.post("/banks/{bank_id}/entries/bulk", status_code=201, summary="Enrol stored blobs")
async def bulk_add(
    bank_id: RecordId, body: BulkIn, request: Request, session: DbSession, principal: Writer
) -> BulkOut:
    """Enrol blobs already stored (each must belong to a record you may see); one reason per failure."""
    await commit_before_waiting(session)
    return await run_heavy(request, _bulk_add, bank_id, body, request, session, principal)


def _bulk_add(
    bank_id: RecordId, body: BulkIn, request: Request, session: Session, principal: Principal
) -> BulkOut:
    """The bulk enrolment, in a heavy worker (each picture within the decoding limit of one)."""
    bank = deps.owned_bank(session, principal, bank_id)
    entries: list[FingerprintEntry] = []
    problems: list[str] = []
    for item in body.items:
        if not (
            rights_service.blob_is_visible(session=session, principal=principal, digest=item.sha256)
            or observe_service.blob_is_visible(session=session, principal=principal, digest=item.sha256)
        ):
            problems.append(f"{item.sha256[:12]}: no stored file that you may see")
            continue
        data = app_context(request).blobs.get(item.sha256)
        try:
            about = (item.product_id, item.right_id, item.label)
            entries += _enrol(request, session, bank, data, "auto", *about)
        except InvalidInput as exc:
            problems.append(f"{item.sha256[:12]}: {exc.message}")
    _audit(request, session, principal, "bulk_create", "fingerprint_bank", bank.id, added=len(entries))
    return BulkOut(entries=[entry_out(e) for e in entries], problems=problems)


@router.post("/banks/{bank_id}/entries/zip", status_code=201, summary="Enrol the files of a zip")
async def zip_add(
    bank_id: RecordId, request: Request, session: DbSession, principal: Writer, file: Upload = None
) -> BulkOut:
    """Enrol every file of an uploaded zip (at most 20 MB unpacked each); one reason per failure."""
    await commit_before_waiting(session)
    return await run_heavy(request, _zip_add, bank_id, request, session, principal, file)


def _zip_add(
    bank_id: RecordId, request: Request, session: Session, principal: Principal, file: UploadFile | None
) -> BulkOut:
    """The zip enrolment, in a heavy worker (each picture within the decoding limit of one)."""
    bank = deps.owned_bank(session, principal, bank_id)
    try:
        archive = zipfile.ZipFile(io.BytesIO(deps.read_upload(file)))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput.of("not a readable zip file: {problem}", problem=exc) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise InvalidInput.of(
            "the zip holds {count} files; at most {most} at once", count=len(members), most=MAX_ZIP_MEMBERS
        )
    entries: list[FingerprintEntry] = []
    problems: list[str] = []
    for member in members:
        if member.file_size > content.MAX_UPLOAD_BYTES:
            problems.append(f"{member.filename}: larger than the upload limit")
            continue
        try:
            data = archive.read(member)
            entries += _enrol(request, session, bank, data, "auto", None, None, member.filename[-300:])
        except (InvalidInput, zipfile.BadZipFile, OSError, RuntimeError) as exc:
            problems.append(f"{member.filename}: {getattr(exc, 'message', str(exc))}")
    _audit(request, session, principal, "bulk_create", "fingerprint_bank", bank.id, added=len(entries))
    return BulkOut(entries=[entry_out(e) for e in entries], problems=problems)


@router.put("/banks/{bank_id}/enabled", summary="Enable or disable a bank")
def set_bank_enabled(
    bank_id: RecordId, body: EnabledIn, request: Request, session: DbSession, principal: Writer
) -> BankOut:
    """Switch a bank your organisation owns on or off; it stops or starts matching at once."""
    deps.owned_bank(session, principal, bank_id)
    bank = service.set_bank_enabled(
        ctx=app_context(request), session=session, bank_id=bank_id, enabled=body.enabled
    )
    _audit(request, session, principal, "enable" if body.enabled else "disable", "fingerprint_bank", bank.id)
    return deps.bank_out(bank, len(deps.bank_entries(session, bank, limit=1_000_000)))


@router.put("/entries/{entry_id}/enabled", summary="Enable or disable an entry")
def set_entry_enabled(
    entry_id: RecordId, body: EnabledIn, request: Request, session: DbSession, principal: Writer
) -> EntryOut:
    """Switch one entry of a bank your organisation owns on or off."""
    entry = deps.readable_entry(session, principal, entry_id)
    deps.owned_bank(session, principal, entry.bank_id)
    entry = service.set_entry_enabled(
        ctx=app_context(request), session=session, entry_id=entry_id, enabled=body.enabled
    )
    action = "enable" if body.enabled else "disable"
    _audit(request, session, principal, action, "fingerprint_entry", entry.id)
    return entry_out(entry)


@router.get("/entries/{entry_id}/image", summary="The picture of an entry", response_class=Response)
def entry_image(entry_id: RecordId, request: Request, session: DbSession, principal: Reader) -> Response:
    """The enrolled picture, for readers of its bank (the same 404 otherwise)."""
    entry = deps.readable_entry(session, principal, entry_id)
    if entry.signal_type != "pdq" or entry.blob_sha256 is None:
        raise NotFound.of("fingerprint entry {entry_id} has no picture", entry_id=entry_id)
    data = app_context(request).blobs.get(entry.blob_sha256)
    headers = {"cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"}
    media_type = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    return Response(data, media_type=media_type, headers=headers)
