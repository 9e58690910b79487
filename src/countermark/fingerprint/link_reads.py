"""What the linker reads of fingerprint's tables: the hashes of listing photos, and the rights holders'
own shots (genuine bank entries, and the posted photos matched to one only through a flip, a turn or a
frame) that a group of posted photos may be. Composed by `link.store_reads`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from countermark.fingerprint.access import can_match_bank
from countermark.fingerprint.models import FingerprintBank, FingerprintEntry, ImageHash, ListingImageMatch
from countermark.fingerprint.pdq import MATCH_THRESHOLD
from countermark.fingerprint.pdq import distance as pdq_distance
from countermark.orgs.visibility import Principal

# (listing id, PDQ hash, PDQ hash of the picture inside a flat frame or None, colour signature or None)
PhotoHashRow = tuple[int, str, str | None, str | None]


def listing_photo_hashes(*, session: Session, photos: Select[Any, Any]) -> list[PhotoHashRow]:
    """The hashes of the photos `photos` selects as (listing id, blob SHA-256) rows, for those hashed
    (`countermark fingerprint listings`)."""
    shown = photos.subquery()
    listing_id, blob = shown.c
    query = (
        select(listing_id, ImageHash.pdq, ImageHash.pdq_inner, ImageHash.colour)
        .join(ImageHash, ImageHash.blob_sha256 == blob)
        .where(ImageHash.pdq.is_not(None))
    )
    return [(row[0], row[1], row[2], row[3]) for row in session.execute(query) if row[1]]


def reference_photos_for_linking(*, session: Session, principal: Principal) -> list[str]:
    """The PDQ hashes in the genuine banks the organisation may match against: a group of posted photos
    near one of them is a rights holder's own shot that resellers and counterfeiters alike reuse.

    With them, the listing photos the fingerprint step matched to one of those entries by whole-picture
    hash through a flip or quarter turn only (the step hashes all eight; the photo's own hash is beyond the
    match distance of the entry's): a mirrored genuine shot is still the holder's (PDQ is not
    mirror-invariant), and two sellers who each mirror it post one picture without knowing each other.
    A photo matched straight but farther than the linker's photo distance (an edited copy, which a ring
    may have made once and reused) stays evidence, as in the evaluation's run on a world's files, and so
    does one matched through the picture inside its flat frame (a padded copy; the linker joins such
    copies within `link.photos.DERIVED_THRESHOLD` only, reading the inner hashes)."""
    memberships = principal.group_ids
    banks = [
        bank.id
        for bank in session.scalars(
            select(FingerprintBank).where(FingerprintBank.purpose == "genuine", FingerprintBank.enabled)
        )
        if principal.org_id is not None and can_match_bank(principal.org_id, bank, memberships)
    ]
    if not banks:
        return []
    query = select(FingerprintEntry.signal).where(
        FingerprintEntry.bank_id.in_(banks), FingerprintEntry.signal_type == "pdq"
    )
    references = {signal for signal in session.scalars(query) if signal}
    matched = (
        select(ImageHash.pdq, ImageHash.pdq_inner, FingerprintEntry.signal)
        .join(ListingImageMatch, ListingImageMatch.blob_sha256 == ImageHash.blob_sha256)
        .join(FingerprintEntry, FingerprintEntry.id == ListingImageMatch.entry_id)
        .where(
            FingerprintEntry.bank_id.in_(banks),
            FingerprintEntry.signal_type == "pdq",
            ListingImageMatch.stage == "pdq",
            ImageHash.pdq.is_not(None),
        )
        .distinct()
    )
    for posted, inner, entry in session.execute(matched):
        if not (posted and entry) or pdq_distance(posted, entry) <= MATCH_THRESHOLD:
            continue
        # Matched through the picture inside its frame (a padded copy): the seller's edit, which a ring
        # may reuse, stays evidence, as in the world-files run (which groups photos by their own hash).
        if inner and pdq_distance(inner, entry) <= MATCH_THRESHOLD:
            continue
        references.add(posted)
    return sorted(references)
