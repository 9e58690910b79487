"""Banks of fingerprints (genuine reference content, known infringing content) and listing-image matches."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base
from countermark.core.marking import MarkedMixin

BANK_PURPOSES = ("genuine", "infringing")
# Who may match against a bank without reading it: only its readers, its sharing group, or everyone.
MATCH_SCOPES = ("readers", "sharing_group", "everyone")
SIGNAL_TYPES = ("pdq", "video", "audio", "sha256", "tlsh", "text")
MATCH_STAGES = ("pdq", "geometric")


def signal_digest(signal: str) -> str:
    """SHA-256 of a signal's text: how an entry is found again (signals may be too long to index)."""
    return hashlib.sha256(signal.encode("utf-8")).hexdigest()


class FingerprintBank(MarkedMixin, Base):
    """A named set of fingerprints owned by an organisation: genuine content, or infringing content seen."""

    __tablename__ = "fingerprint_banks"
    __table_args__ = (UniqueConstraint("owner_org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    match_scope: Mapped[str] = mapped_column(String(16), default="readers")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FingerprintEntry(MarkedMixin, Base):
    """One fingerprint in a bank, linked to the product or right it concerns and to its source file."""

    __tablename__ = "fingerprint_entries"
    __table_args__ = (
        UniqueConstraint("bank_id", "signal_type", "signal_digest"),
        Index("ix_fingerprint_entries_signal_type_signal_digest", "signal_type", "signal_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("fingerprint_banks.id", ondelete="CASCADE"), index=True)
    signal_type: Mapped[str] = mapped_column(String(16))
    # The signal as text: hex for PDQ and SHA-256, the TLSH digest, JSON for the others (frames, audio, text).
    signal: Mapped[str] = mapped_column(Text)
    # SHA-256 of the signal text: long signals (video, audio) exceed what a B-tree index may hold.
    signal_digest: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int | None]
    # Region hashes of a picture (the crop/pad/rotation stage), hex strings.
    regions: Mapped[list[Any]] = mapped_column(default=list)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    right_id: Mapped[int | None] = mapped_column(ForeignKey("rights.id", ondelete="SET NULL"), index=True)
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    label: Mapped[str | None] = mapped_column(String(300))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImageHash(Base):
    """The PDQ hash of a stored image blob (listing photos are hashed once, whichever listing shows them)."""

    __tablename__ = "image_hashes"

    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    pdq: Mapped[str | None] = mapped_column(String(64))
    quality: Mapped[int | None]
    # The hash of the picture inside its flat frame (padding, letterbox, border), when it has one
    # (`fingerprint.frames`); rows hashed before migration 0030 have none.
    pdq_inner: Mapped[str | None] = mapped_column(String(64))
    # The picture's colour signature (`fingerprint.colour`: PDQ reads luma only); rows hashed before
    # migration 0031 get theirs the next time listing images are matched.
    colour: Mapped[str | None] = mapped_column(String(32))
    # Why the blob could not be hashed (not an image, truncated...), so it is not retried forever.
    error: Mapped[str | None] = mapped_column(String(500))
    hashed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListingImageMatch(Base):
    """A listing image that matches a bank entry: how (stage), how close (distance) and how sure (score)."""

    __tablename__ = "listing_image_matches"
    __table_args__ = (UniqueConstraint("listing_id", "blob_sha256", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("fingerprint_entries.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16))
    distance: Mapped[int]
    score: Mapped[float]
    inliers: Mapped[int] = mapped_column(default=0)
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)
