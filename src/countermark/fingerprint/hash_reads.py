"""What listing detection reads of hashed images: the PDQ hash of stored blobs, when the fingerprint step
has computed one, and the genuine products' enrolled reference photos."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from countermark.fingerprint.models import FingerprintBank, FingerprintEntry, ImageHash, ListingImageMatch
from countermark.orgs.visibility import Principal, visible_clause


def pdq_of_blobs(*, session: Session, digests: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Blob digest → PDQ hashes for the blobs among these that were hashed (listing images: the picture's
    own hash, then the hash inside its flat frame when it has one) or enrolled in a bank (reference
    images: the enrolled hash)."""
    wanted = sorted(set(digests))
    found: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(ImageHash.blob_sha256, ImageHash.pdq, ImageHash.pdq_inner).where(
                ImageHash.blob_sha256.in_(wanted[start : start + 500]), ImageHash.pdq.is_not(None)
            )
        )
        found.update({digest: (pdq, inner) if inner else (pdq,) for digest, pdq, inner in rows if pdq})
        enrolled = session.execute(
            select(FingerprintEntry.blob_sha256, FingerprintEntry.signal).where(
                FingerprintEntry.blob_sha256.in_(wanted[start : start + 500]),
                FingerprintEntry.signal_type == "pdq",
            )
        )
        for digest, signal in enrolled:
            if digest and signal:
                found.setdefault(digest, (signal,))
    return found


def genuine_photo_matches(
    *, session: Session, principal: Principal, listing_id: int, limit: int = 4
) -> list[tuple[str, str, str | None, int]]:
    """(listing photo, matched genuine photo, label, distance) for the listing's stored image matches whose
    bank entry the principal may see and which keep their image, closest first."""
    query = (
        select(
            ListingImageMatch.blob_sha256,
            FingerprintEntry.blob_sha256,
            FingerprintEntry.label,
            ListingImageMatch.distance,
        )
        .join(FingerprintEntry, FingerprintEntry.id == ListingImageMatch.entry_id)
        .where(
            ListingImageMatch.listing_id == listing_id,
            FingerprintEntry.blob_sha256.is_not(None),
            visible_clause(FingerprintEntry, principal),
        )
        .order_by(ListingImageMatch.distance, ListingImageMatch.id)
        .limit(limit)
    )
    return [
        (photo, genuine or "", label, distance) for photo, genuine, label, distance in session.execute(query)
    ]


def product_photo_hashes(
    *, session: Session, principal: Principal, product_ids: Iterable[int]
) -> dict[int, tuple[str, ...]]:
    """Product id → the PDQ hashes of its reference photos enrolled in enabled genuine banks that the
    principal may match against (readable, or open to `everyone`, or to a sharing group it is in)."""
    matchable = [visible_clause(FingerprintBank, principal), FingerprintBank.match_scope == "everyone"]
    if principal.group_ids:
        matchable.append(
            and_(
                FingerprintBank.match_scope == "sharing_group",
                FingerprintBank.sharing_group_id.in_(sorted(principal.group_ids)),
            )
        )
    wanted = sorted(set(product_ids))
    found: dict[int, list[str]] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(FingerprintEntry.product_id, FingerprintEntry.signal)
            .join(FingerprintBank, FingerprintBank.id == FingerprintEntry.bank_id)
            .where(
                FingerprintEntry.product_id.in_(wanted[start : start + 500]),
                FingerprintEntry.signal_type == "pdq",
                FingerprintEntry.enabled.is_(True),
                FingerprintBank.enabled.is_(True),
                FingerprintBank.purpose == "genuine",
                or_(*matchable),
            )
            .order_by(FingerprintEntry.id)
        )
        for product_id, signal in rows:
            if product_id is not None and signal and signal not in found.setdefault(product_id, []):
                found[product_id].append(signal)
    return {product_id: tuple(hashes) for product_id, hashes in found.items()}
