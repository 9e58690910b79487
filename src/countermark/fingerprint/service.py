"""Fingerprint services: banks and enrolment (lookups: lookup.py). Keyword-only; the caller commits."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.errors import Conflict, InvalidInput, NotFound
from countermark.core.marking import DEFAULT_TLP, TLP_LEVELS
from countermark.core.storage import store_blob as core_store_blob
from countermark.fingerprint import audio, files, geometric, pdq, text, video
from countermark.fingerprint.access import can_match_bank, can_read_bank
from countermark.fingerprint.imaging import open_image

# Lookups live in lookup.py; these names stay importable from here for the command line.
from countermark.fingerprint.lookup_service import compare as compare
from countermark.fingerprint.lookup_service import lookup_file as lookup_file
from countermark.fingerprint.lookup_service import lookup_image as lookup_image
from countermark.fingerprint.lookup_service import lookup_pdq as lookup_pdq
from countermark.fingerprint.lookup_service import lookup_text as lookup_text
from countermark.fingerprint.matcher_service import live_matcher
from countermark.fingerprint.models import (
    BANK_PURPOSES,
    MATCH_SCOPES,
    FingerprintBank,
    FingerprintEntry,
    ImageHash,
    ListingImageMatch,
    signal_digest,
)
from countermark.orgs.service import group_ids_of


def check_match_scope(match_scope: str) -> None:
    """InvalidInput unless the scope is one a bank may have."""
    if match_scope not in MATCH_SCOPES:
        raise InvalidInput.of(
            "match scope must be one of {scopes}, not {scope!r}",
            scopes=", ".join(MATCH_SCOPES),
            scope=match_scope,
        )


def create_bank(
    *,
    session: Session,
    owner_org_id: int,
    name: str,
    purpose: str,
    tlp: str = DEFAULT_TLP,
    sharing_group_id: int | None = None,
    match_scope: str = "readers",
    description: str | None = None,
) -> FingerprintBank:
    """A new bank owned by the organisation; Conflict when it already has a bank of that name."""
    if purpose not in BANK_PURPOSES:
        raise InvalidInput.of(
            "purpose must be one of {purposes}, not {purpose!r}",
            purposes=", ".join(BANK_PURPOSES),
            purpose=purpose,
        )
    check_match_scope(match_scope)
    if tlp not in TLP_LEVELS:
        raise InvalidInput.of(
            "TLP must be one of {levels}, not {tlp!r}", levels=", ".join(TLP_LEVELS), tlp=tlp
        )
    if get_bank_by_name(session=session, owner_org_id=owner_org_id, name=name) is not None:
        raise Conflict.of("the organisation already has a bank named {name!r}", name=name)
    bank = FingerprintBank(
        owner_org_id=owner_org_id,
        name=name,
        purpose=purpose,
        tlp=tlp,
        sharing_group_id=sharing_group_id,
        match_scope=match_scope,
        description=description,
    )
    session.add(bank)
    session.flush()
    return bank


def get_bank_by_name(*, session: Session, owner_org_id: int, name: str) -> FingerprintBank | None:
    """The organisation's bank of that name, if any."""
    return session.scalar(
        select(FingerprintBank).where(
            FingerprintBank.owner_org_id == owner_org_id, FingerprintBank.name == name
        )
    )


def get_bank_or_raise(*, session: Session, bank_id: int) -> FingerprintBank:
    """The bank with this id; NotFound otherwise."""
    bank = session.get(FingerprintBank, bank_id)
    if bank is None:
        raise NotFound.of("no fingerprint bank {bank_id}", bank_id=bank_id)
    return bank


def matchable_bank_ids(
    *, session: Session, principal_org_id: int | None, bank_ids: Iterable[int]
) -> set[int]:
    """Those of these banks the organisation may learn its content matches (`access.can_match_bank`): none
    for a principal of no organisation."""
    wanted = sorted(set(bank_ids))
    if principal_org_id is None or not wanted:
        return set()
    memberships = set(group_ids_of(session, principal_org_id))
    banks = session.scalars(select(FingerprintBank).where(FingerprintBank.id.in_(wanted)))
    return {b.id for b in banks if can_match_bank(principal_org_id, b, memberships)}


def list_banks(*, session: Session, principal_org_id: int) -> list[tuple[FingerprintBank, int]]:
    """Banks the organisation may read, with their number of entries."""
    memberships = set(group_ids_of(session, principal_org_id))
    counts: dict[int, int] = {
        bank_id: count
        for bank_id, count in session.execute(
            select(FingerprintEntry.bank_id, func.count()).group_by(FingerprintEntry.bank_id)
        )
    }
    banks = session.scalars(select(FingerprintBank).order_by(FingerprintBank.id))
    return [(b, counts.get(b.id, 0)) for b in banks if can_read_bank(principal_org_id, b, memberships)]


def set_bank_enabled(*, ctx: AppContext, session: Session, bank_id: int, enabled: bool) -> FingerprintBank:
    """Enable or disable a bank and all its entries; disabled entries stop matching at once."""
    bank = get_bank_or_raise(session=session, bank_id=bank_id)
    bank.enabled = enabled
    entries = list(session.scalars(select(FingerprintEntry).where(FingerprintEntry.bank_id == bank_id)))
    for entry in entries:
        entry.enabled = enabled
    session.flush()
    _apply_enabled(ctx, session, [e.id for e in entries if e.signal_type == "pdq"], enabled)
    return bank


def set_entry_enabled(*, ctx: AppContext, session: Session, entry_id: int, enabled: bool) -> FingerprintEntry:
    """Enable or disable one entry; a disabled entry stops matching at once."""
    entry = session.get(FingerprintEntry, entry_id)
    if entry is None:
        raise NotFound.of("no fingerprint entry {entry_id}", entry_id=entry_id)
    entry.enabled = enabled
    session.flush()
    if entry.signal_type == "pdq":
        _apply_enabled(ctx, session, [entry.id], enabled)
    return entry


def _apply_enabled(ctx: AppContext, session: Session, entry_ids: list[int], enabled: bool) -> None:
    live = live_matcher(ctx, session)
    if enabled:
        live.matcher.enable(entry_ids)
    else:
        live.matcher.disable(entry_ids)


def store_blob(
    *,
    ctx: AppContext,
    session: Session,
    data: bytes,
    media_type: str,
    width: int | None = None,
    height: int | None = None,
) -> str:
    """Put the bytes in the blob store and record their metadata once; their SHA-256."""
    return core_store_blob(
        session=session, blobs=ctx.blobs, data=data, media_type=media_type, width=width, height=height
    )


def _entry(bank: FingerprintBank, signal_type: str, signal: str, **fields: object) -> FingerprintEntry:
    return FingerprintEntry(
        bank_id=bank.id,
        signal_type=signal_type,
        signal=signal,
        signal_digest=signal_digest(signal),
        owner_org_id=bank.owner_org_id,
        tlp=bank.tlp,
        sharing_group_id=bank.sharing_group_id,
        **fields,
    )


def _existing(session: Session, bank_id: int, signal_type: str, signal: str) -> FingerprintEntry | None:
    return session.scalar(
        select(FingerprintEntry).where(
            FingerprintEntry.bank_id == bank_id,
            FingerprintEntry.signal_type == signal_type,
            FingerprintEntry.signal_digest == signal_digest(signal),
        )
    )


def add_image(
    *,
    ctx: AppContext,
    session: Session,
    bank: FingerprintBank,
    data: bytes,
    product_id: int | None = None,
    right_id: int | None = None,
    label: str | None = None,
) -> FingerprintEntry:
    """Enrol a picture in a bank (idempotent); it is matchable as soon as this returns.

    InvalidInput when the bytes are not a readable image or too flat to match (PDQ quality < 50 and fewer
    than MIN_ENROL_FEATURES ORB features); a picture with a flat PDQ hash but enough features is matched by
    the geometric stage only.
    """
    img = open_image(data)
    whole = pdq.hash_pixels(img)
    features = geometric.orb_features(img)
    # A soft picture whose PDQ hash is too flat to trust can still be matched by its local features.
    if not whole.usable and len(features.points) < geometric.MIN_ENROL_FEATURES:
        raise InvalidInput.of(
            "picture too flat to fingerprint (PDQ quality {quality} < {least_quality} and "
            "{features} ORB features < {least_features})",
            quality=whole.quality,
            least_quality=pdq.MIN_QUALITY,
            features=len(features.points),
            least_features=geometric.MIN_ENROL_FEATURES,
        )
    existing = _existing(session, bank.id, "pdq", whole.hex)
    if existing is not None:
        return existing
    width, height = _dimensions(data)
    digest = store_blob(ctx=ctx, session=session, data=data, media_type="image", width=width, height=height)
    entry = _entry(
        bank,
        "pdq",
        whole.hex,
        quality=whole.quality,
        regions=[],  # retired: ORB descriptor votes find cropped copies (docs/fingerprint.md)
        product_id=product_id,
        right_id=right_id,
        blob_sha256=digest,
        label=label,
    )
    session.add(entry)
    session.flush()
    live_matcher(ctx, session).enrol(entry, features, session=session)
    return entry


def _dimensions(data: bytes) -> tuple[int | None, int | None]:
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # the picture was already decoded once; size is only metadata
        return None, None


def add_file(
    *,
    ctx: AppContext,
    session: Session,
    bank: FingerprintBank,
    data: bytes,
    product_id: int | None = None,
    right_id: int | None = None,
    label: str | None = None,
) -> list[FingerprintEntry]:
    """Enrol any file by SHA-256 and, when it is long enough, TLSH (idempotent)."""
    if not data:
        raise InvalidInput.of("empty file: nothing to fingerprint")
    digest = store_blob(ctx=ctx, session=session, data=data, media_type="application/octet-stream")
    signals = [("sha256", files.sha256_signal(data))]
    # Short or uniform files get no TLSH digest; they are still matched exactly by SHA-256.
    with contextlib.suppress(InvalidInput):
        signals.append(("tlsh", files.tlsh_signal(data)))
    out = []
    for signal_type, signal in signals:
        entry = _existing(session, bank.id, signal_type, signal) or _entry(
            bank,
            signal_type,
            signal,
            product_id=product_id,
            right_id=right_id,
            blob_sha256=digest,
            label=label,
        )
        session.add(entry)
        out.append(entry)
    session.flush()
    return out


def add_text(
    *,
    session: Session,
    bank: FingerprintBank,
    content: str,
    product_id: int | None = None,
    right_id: int | None = None,
    label: str | None = None,
) -> FingerprintEntry:
    """Enrol a text (a listing's title and description) for near-duplicate lookup (idempotent)."""
    signal = text.text_signal(content)
    entry = _existing(session, bank.id, "text", signal) or _entry(
        bank, "text", signal, product_id=product_id, right_id=right_id, label=label or content[:300]
    )
    session.add(entry)
    session.flush()
    return entry


def add_media(
    *,
    ctx: AppContext,
    session: Session,
    bank: FingerprintBank,
    data: bytes,
    kind: str,
    product_id: int | None = None,
    right_id: int | None = None,
    label: str | None = None,
) -> FingerprintEntry:
    """Enrol a video (frame PDQ) or a sound (Chromaprint) in a bank (idempotent).

    InvalidInput when the bytes are not readable as that kind; ToolMissing (503) when ffmpeg or fpcalc
    is not installed.
    """
    if kind == "video":
        signal = video.video_signal(data)
    elif kind == "audio":
        signal = audio.audio_signal(data)
    else:
        raise InvalidInput.of("kind must be video or audio, not {kind!r}", kind=kind)
    existing = _existing(session, bank.id, kind, signal)
    if existing is not None:
        return existing
    digest = store_blob(ctx=ctx, session=session, data=data, media_type=kind)
    entry = _entry(bank, kind, signal, product_id=product_id, right_id=right_id, blob_sha256=digest,
                   label=label)  # fmt: skip
    session.add(entry)
    session.flush()
    return entry


def pdq_hashes(*, session: Session, exclude: list[str], limit: int) -> list[tuple[str, str]]:
    """(digest, PDQ hex) of up to `limit` hashed images other than these: candidates for a near-duplicate
    search (every image hashed so far, listing pictures among them)."""
    rows = session.execute(
        select(ImageHash.blob_sha256, ImageHash.pdq)
        .where(ImageHash.pdq.is_not(None), ImageHash.blob_sha256.not_in(exclude))
        .limit(limit)
    ).all()
    return [(digest, value) for digest, value in rows if value]


def listings_sharing_matches(*, session: Session, listing_ids: Iterable[int]) -> set[int]:
    """Listings whose images matched a bank entry that an image of these listings matched (these included)."""
    wanted = sorted(set(listing_ids))
    if not wanted:
        return set()
    entries = select(ListingImageMatch.entry_id).where(ListingImageMatch.listing_id.in_(wanted))
    shared = ListingImageMatch.entry_id.in_(entries.scalar_subquery())
    return set(session.scalars(select(ListingImageMatch.listing_id).where(shared)))
