"""Signing keys, code batches and issuing, verification and scan recording; keyword-only, never commits."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from countermark.codes.keys import (
    PublicKeyInfo,
    export_public_keys,
    generate_private_key,
    load_private_key,
    new_key_id,
    public_key_from_text,
    public_key_text,
    save_private_key,
)
from countermark.codes.models import CloneAlert, CodeBatch, CodeScan, ProductCode, SigningKey
from countermark.codes.scan_service import repeated_scan
from countermark.codes.signed import (
    ParsedCode,
    build_uri,
    normalise_gtin,
    random_serial,
    sign_code,
)
from countermark.codes.verify import (
    CodeState,
    VerificationResult,
    parsed_or_malformed,
    verify_code,
)
from countermark.core.clock import utcnow
from countermark.core.errors import Conflict, InvalidInput, NotFound
from countermark.core.marking import DEFAULT_TLP
from countermark.orgs.service import organisation_names, organisation_summary, record_audit
from countermark.orgs.visibility import Principal, require_owner
from countermark.rights.service import product_for_gtin, visible_products

MAX_BATCH = 100_000
COORDINATE_DIGITS = 2  # 0.01° ≈ 1.1 km: where a scan happened, never where a person lives


def instance_secret(path: Path) -> bytes:
    """32 random bytes kept in a file made once (0600); concurrent first callers all read the same."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        except FileExistsError:
            pass
    return path.read_bytes()


def scanner_salt(directory: Path) -> bytes:
    """The instance's secret for hashing devices, created once (0600)."""
    return instance_secret(directory / "scanner.salt")


def scanner_hash(salt: bytes, fingerprint: str | None) -> str | None:
    """A keyed hash of a device fingerprint: the same device links, the raw value is never stored."""
    if not fingerprint:
        return None
    return hmac.new(salt, fingerprint.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def coarse(value: float | None, bound: float) -> float | None:
    """A coordinate rounded to about a kilometre, or None when absent or impossible."""
    if value is None or not -bound <= value <= bound:
        return None
    return round(value, COORDINATE_DIGITS)


def create_signing_key(*, session: Session, directory: Path, org_id: int, actor: str) -> SigningKey:
    """A new active key for the organisation; the previous active key is retired (rotation)."""
    if organisation_summary(session=session, org_id=org_id) is None:
        raise NotFound.of("no such organisation")
    private_key = generate_private_key()
    key_id = new_key_id()
    while session.scalar(select(SigningKey.id).where(SigningKey.key_id == key_id)) is not None:
        key_id = new_key_id()
    save_private_key(directory, org_id, key_id, private_key)
    now = utcnow()
    for old in session.scalars(
        select(SigningKey).where(SigningKey.owner_org_id == org_id, SigningKey.status == "active")
    ):
        old.status, old.retired_at = "retired", now
    key = SigningKey(
        key_id=key_id,
        owner_org_id=org_id,
        public_key=public_key_text(private_key.public_key()),
        status="active",
        created_at=now,
    )
    session.add(key)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="codes.key.create",
        subject_type="signing_key",
        subject_id=key_id,
        org_id=org_id,
    )
    return key


def revoke_signing_key(*, session: Session, org_id: int, key_id: str, reason: str, actor: str) -> SigningKey:
    """Revoke one of the organisation's keys: every code it signed stops verifying."""
    key = session.scalar(
        select(SigningKey).where(SigningKey.key_id == key_id, SigningKey.owner_org_id == org_id)
    )
    if key is None:
        raise NotFound.of("no such key in your organisation")
    if key.status != "revoked":
        key.status, key.revoked_at, key.revocation_reason = "revoked", utcnow(), reason[:500]
        record_audit(
            session=session,
            actor=actor,
            action="codes.key.revoke",
            subject_type="signing_key",
            subject_id=key_id,
            org_id=org_id,
            detail={"reason": reason[:500]},
        )
    return key


def list_signing_keys(*, session: Session, org_id: int | None = None) -> list[SigningKey]:
    """Keys of one organisation (or all), newest first."""
    query = select(SigningKey).order_by(SigningKey.id.desc())
    if org_id is not None:
        query = query.where(SigningKey.owner_org_id == org_id)
    return list(session.scalars(query))


def _keys_with_owners(session: Session) -> list[tuple[SigningKey, str]]:
    """Every key of the instance, oldest first, with the name of the organisation that holds it."""
    keys = list(session.scalars(select(SigningKey).order_by(SigningKey.id)))
    names = organisation_names(session=session, ids=[key.owner_org_id for key in keys])
    return [(key, names[key.owner_org_id]) for key in keys if key.owner_org_id in names]


def public_keys(*, session: Session) -> dict[str, PublicKeyInfo]:
    """Every key of the instance as verifiers see it, by key id."""
    return {
        key.key_id: PublicKeyInfo(
            key.key_id, name, public_key_from_text(key.public_key), key.status, key.revoked_at
        )
        for key, name in _keys_with_owners(session)
    }


def export_keys(*, session: Session) -> str:
    """The public key list as JSON, for offline verifiers."""
    rows = _keys_with_owners(session)
    return export_public_keys(
        [
            {
                "key_id": key.key_id,
                "org": name,
                "public_key": key.public_key,
                "status": key.status,
                "created_at": key.created_at.isoformat(),
                "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
            }
            for key, name in rows
        ]
    )


def create_batch(
    *,
    session: Session,
    principal: Principal,
    product_id: int,
    quantity: int,
    resolver: str,
    actor: str,
    label: str | None = None,
    public_info: dict[str, str] | None = None,
) -> CodeBatch:
    """A queued batch of codes for one of the organisation's own products; issuing runs as a job."""
    if principal.org_id is None:
        raise InvalidInput.of("codes are issued by an organisation")
    if not 1 <= quantity <= MAX_BATCH:
        raise InvalidInput.of("a batch holds 1 to {most} codes", most=MAX_BATCH)
    product = require_owner(
        visible_products(session=session, principal=principal, ids=[product_id]).get(product_id),
        principal,
        what="product",
    )
    if not product.gtin:
        raise InvalidInput.of("this product has no GTIN: record one before issuing codes")
    gtin = normalise_gtin(product.gtin)  # a CodeError is itself the 422 that says why
    key = session.scalar(
        select(SigningKey).where(SigningKey.owner_org_id == principal.org_id, SigningKey.status == "active")
    )
    if key is None:
        raise Conflict.of("your organisation has no active signing key: create one first")
    info = public_info or {"name": product.name, "brand": product.brand}
    batch = CodeBatch(
        product_id=product.id,
        gtin=gtin,
        key_id=key.key_id,
        resolver=resolver,
        label=label,
        quantity=quantity,
        public_info=info,
        created_by=actor,
        owner_org_id=principal.org_id,
        tlp=product.tlp,
        sharing_group_id=product.sharing_group_id,
    )
    session.add(batch)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="codes.batch.create",
        subject_type="code_batch",
        subject_id=str(batch.id),
        org_id=principal.org_id,
        detail={"quantity": quantity},
    )
    return batch


def issue_next_codes(*, session: Session, directory: Path, batch: CodeBatch, count: int) -> int:
    """Issue up to `count` more codes of the batch (fresh random serials, signed); how many were issued."""
    todo = min(count, batch.quantity - batch.issued_count)
    if todo <= 0:
        return 0
    private_key = load_private_key(directory, batch.owner_org_id, batch.key_id)
    serials: set[str] = set()
    while len(serials) < todo:
        serials.add(random_serial())
    taken = set(
        session.scalars(
            select(ProductCode.serial).where(ProductCode.gtin == batch.gtin, ProductCode.serial.in_(serials))
        )
    )
    fresh = sorted(serials - taken)
    session.add_all(
        [
            ProductCode(
                batch_id=batch.id,
                gtin=batch.gtin,
                serial=serial,
                signature=sign_code(private_key, batch.key_id, batch.gtin, serial),
                owner_org_id=batch.owner_org_id,
                tlp=batch.tlp,
                sharing_group_id=batch.sharing_group_id,
            )
            for serial in fresh
        ]
    )
    batch.issued_count += len(fresh)
    batch.status = "done" if batch.issued_count >= batch.quantity else "running"
    if batch.status == "done":
        batch.finished_at = utcnow()
    session.flush()
    return len(fresh)


def issue_batch(
    *,
    session: Session,
    directory: Path,
    batch: CodeBatch,
    chunk: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> CodeBatch:
    """Issue every code of a batch in one transaction (the command line and the demo)."""
    while batch.issued_count < batch.quantity:
        issue_next_codes(session=session, directory=directory, batch=batch, count=chunk)
        if progress is not None:
            progress(batch.issued_count, batch.quantity)
    return batch


def code_uri(code: ProductCode, batch: CodeBatch) -> str:
    """The printed URI of a code."""
    return build_uri(batch.resolver, code.gtin, code.serial, code.signature)


def batch_codes(
    *, session: Session, batch: CodeBatch, limit: int | None = None
) -> list[tuple[ProductCode, str]]:
    """The codes of a batch with their URIs, in serial order."""
    query = select(ProductCode).where(ProductCode.batch_id == batch.id).order_by(ProductCode.id)
    if limit is not None:
        query = query.limit(limit)
    return [(code, code_uri(code, batch)) for code in session.scalars(query)]


def find_code(*, session: Session, gtin: str, serial: str) -> ProductCode | None:
    """The issued code of this GTIN and serial, if any (system lookup: verification is public)."""
    return session.scalar(select(ProductCode).where(ProductCode.gtin == gtin, ProductCode.serial == serial))


def find_code_state(
    *, session: Session, gtin: str, serial: str
) -> tuple[ProductCode | None, CodeState | None]:
    """The issued code of this GTIN and serial and what verification needs to know of it, in one query."""
    found = session.execute(
        select(ProductCode, CloneAlert.score, CloneAlert.status)
        .outerjoin(CloneAlert, CloneAlert.code_id == ProductCode.id)
        .where(ProductCode.gtin == gtin, ProductCode.serial == serial)
    ).first()
    if found is None:
        return None, None
    code, score, status = found
    return code, CodeState(code.state, code.state_at, score, status)


def verify_and_record(
    *,
    session: Session,
    uri: str,
    keys: Mapping[str, PublicKeyInfo],
    salt: bytes,
    at: datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    device: str | None = None,
    channel: str = "consumer",
    source: str | None = None,
    external_id: str | None = None,
) -> tuple[VerificationResult, CodeScan | None]:
    """The verdict on a scanned URI, and the scan stored with its owner when the code or product is known."""
    # Parsed once and the signature checked once, with the code's stored state (a malformed URI needs none).
    parsed = parsed_or_malformed(uri, online=False)
    code_row: ProductCode | None = None
    if isinstance(parsed, VerificationResult):
        result = parsed
    else:
        code_row, state = find_code_state(session=session, gtin=parsed.gtin, serial=parsed.serial)
        result = verify_code(parsed, keys, state)
    return result, record_scan(
        session=session,
        code=result.code,
        code_row=code_row,
        result=result,
        salt=salt,
        at=at,
        lat=lat,
        lon=lon,
        device=device,
        channel=channel,
        source=source,
        external_id=external_id,
    )


def record_scan(
    *,
    session: Session,
    code: ParsedCode | None,
    code_row: ProductCode | None,
    result: VerificationResult,
    salt: bytes,
    at: datetime | None,
    lat: float | None,
    lon: float | None,
    device: str | None,
    channel: str,
    source: str | None,
    external_id: str | None,
) -> CodeScan | None:
    """Store one scan (coarse place, hashed device); None when nobody here owns the code or product.

    A live scan repeating one already stored (same code, device, place and verdict within the hour) is
    not stored again: the stored one is returned (see `scan_service`).
    """
    if code is None:
        return None
    owner, tlp, group = None, str(DEFAULT_TLP), None
    if code_row is not None:
        owner, tlp, group = code_row.owner_org_id, code_row.tlp, code_row.sharing_group_id
    else:
        product = product_for_gtin(session=session, gtin=code.gtin)
        if product is not None:
            owner, tlp, group = product.owner_org_id, product.tlp, product.sharing_group_id
    if owner is None:
        return None
    if (
        source
        and external_id
        and session.scalar(
            select(CodeScan.id).where(CodeScan.source == source, CodeScan.external_id == external_id)
        )
        is not None
    ):
        return None
    moment, device_hash = at or utcnow(), scanner_hash(salt, device)
    place = (coarse(lat, 90), coarse(lon, 180))
    if external_id is None and device_hash is not None:
        repeated = repeated_scan(
            session=session,
            gtin=code.gtin,
            serial=code.serial,
            scanner=device_hash,
            lat=place[0],
            lon=place[1],
            verdict=result.verdict.value,
            at=moment,
        )
        if repeated is not None:
            return repeated  # the same device, place and verdict within the hour: nothing new to keep
    scan = CodeScan(
        code_id=code_row.id if code_row else None,
        gtin=code.gtin,
        serial=code.serial,
        scanned_at=moment,
        lat=place[0],
        lon=place[1],
        scanner_hash=device_hash,
        channel=channel,
        verdict=result.verdict.value,
        source=source,
        external_id=external_id,
        owner_org_id=owner,
        tlp=tlp,
        sharing_group_id=group,
    )
    session.add(scan)
    try:
        if external_id is None:
            # A live scan is its request's only write: no savepoint (two round trips a verification);
            # a failure fails the request, whose transaction is rolled back.
            session.flush()
        else:
            with session.begin_nested():  # an imported scan: the rest of the file goes on
                session.flush()
    except IntegrityError as exc:
        raise Conflict.of("the scan could not be stored") from exc
    return scan


def batch_progress(batch: CodeBatch) -> dict[str, object]:
    """A batch's job status and percentage, for pages and the API."""
    percent = round(100 * batch.issued_count / batch.quantity) if batch.quantity else 100
    return {
        "id": batch.id,
        "status": batch.status,
        "issued": batch.issued_count,
        "quantity": batch.quantity,
        "percent": percent,
        "error": batch.error,
    }
