"""What the fingerprint API and pages share: reading uploads within the limit, bank and entry access."""

from __future__ import annotations

from fastapi import UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.errors import CountermarkError, Forbidden, InvalidInput, NotFound
from countermark.fingerprint.access import can_read_bank
from countermark.fingerprint.content import MAX_UPLOAD_BYTES
from countermark.fingerprint.models import FingerprintBank, FingerprintEntry
from countermark.fingerprint.schemas import BankOut
from countermark.orgs.service import group_ids_of
from countermark.orgs.visibility import Principal


class TooLarge(CountermarkError):
    """An upload beyond the size limit."""

    status = 413
    code = "too_large"


def read_upload(upload: UploadFile | None, *, field: str = "file") -> bytes:
    """The bytes of an uploaded file; 413 beyond the limit, 422 when missing or empty."""
    if upload is None:
        raise InvalidInput.of("send the file to fingerprint as the multipart field {field!r}", field=field)
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge.of(
            "{name} is larger than the {mb} MB limit",
            name=upload.filename or field,
            mb=MAX_UPLOAD_BYTES // 2**20,
        )
    if not data:
        raise InvalidInput.of("{name} is empty: nothing to fingerprint", name=upload.filename or field)
    return data


def org_of(principal: Principal) -> int:
    """The principal's organisation; fingerprint banks always belong to one."""
    if principal.org_id is None:
        raise Forbidden.of("banks are used on behalf of an organisation: use an organisation's token")
    return principal.org_id


def readable_bank(session: Session, principal: Principal, bank_id: int) -> FingerprintBank:
    """The bank if the principal's organisation may read it; the same 404 when absent or not readable."""
    bank = session.get(FingerprintBank, bank_id)
    memberships = set(group_ids_of(session, org_of(principal)))
    if bank is None or not can_read_bank(org_of(principal), bank, memberships):
        raise NotFound.of("no fingerprint bank {bank_id} that you may read", bank_id=bank_id)
    return bank


def owned_bank(session: Session, principal: Principal, bank_id: int) -> FingerprintBank:
    """The bank if the principal's organisation owns it (403 for readers who do not, 404 for others)."""
    bank = readable_bank(session, principal, bank_id)
    if bank.owner_org_id != principal.org_id:
        raise Forbidden.of("only the organisation that owns a bank may change it")
    return bank


def readable_entry(session: Session, principal: Principal, entry_id: int) -> FingerprintEntry:
    """The entry if its bank is readable by the principal; the same 404 otherwise."""
    entry = session.get(FingerprintEntry, entry_id)
    if entry is None:
        raise NotFound.of("no fingerprint entry {entry_id} that you may read", entry_id=entry_id)
    try:
        readable_bank(session, principal, entry.bank_id)
    except NotFound:
        raise NotFound.of("no fingerprint entry {entry_id} that you may read", entry_id=entry_id) from None
    return entry


def bank_out(bank: FingerprintBank, entries: int) -> BankOut:
    """A bank as its readers see it."""
    return BankOut(
        id=bank.id, name=bank.name, purpose=bank.purpose, description=bank.description,
        owner_org_id=bank.owner_org_id, tlp=bank.tlp, match_scope=bank.match_scope, enabled=bank.enabled,
        entries=entries,
    )  # fmt: skip


def bank_entries(
    session: Session, bank: FingerprintBank, *, limit: int = 100, after: int = 0
) -> list[FingerprintEntry]:
    """Entries of a bank (the caller checked it may read it), in id order from `after`."""
    return list(
        session.scalars(
            select(FingerprintEntry)
            .where(FingerprintEntry.bank_id == bank.id, FingerprintEntry.id > after)
            .order_by(FingerprintEntry.id)
            .limit(limit)
        )
    )
