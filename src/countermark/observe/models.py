"""Observations: accounts, listings, their images, and the identifiers found in them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import get_args

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base
from countermark.core.marking import MarkedMixin
from countermark.core.records import IngestedMixin
from countermark.observe.identifiers import IdentifierKind

IDENTIFIER_KINDS = tuple(get_args(IdentifierKind))


class Account(IngestedMixin, MarkedMixin, Base):
    """A seller account, page or shop on one platform."""

    __tablename__ = "accounts"
    __table_args__: tuple[UniqueConstraint | Index, ...] = (  # type: ignore[assignment]
        UniqueConstraint("owner_org_id", "source", "external_id"),
        Index("ix_accounts_platform_handle", "platform", "handle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(100))
    handle: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(300))
    profile_url: Mapped[str | None] = mapped_column(String(2000))
    country: Mapped[str | None] = mapped_column(String(2))
    bio: Mapped[str | None] = mapped_column(Text)
    joined_at: Mapped[datetime | None]


class Listing(IngestedMixin, MarkedMixin, Base):
    """An offer seen online: a marketplace listing, a social post, a shop page, a dark-web ad."""

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(100), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    seller_handle: Mapped[str | None] = mapped_column(String(200))
    ships_from: Mapped[str | None] = mapped_column(String(2))
    observed_at: Mapped[datetime] = mapped_column(index=True)
    snapshot_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))


class ListingImage(Base):
    """An image shown in a listing, stored in the blob store."""

    __tablename__ = "listing_images"
    __table_args__ = (UniqueConstraint("listing_id", "blob_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class Identifier(Base):
    """A normalised identifier (e-mail, phone, wallet...) that can join records across sources."""

    __tablename__ = "identifiers"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(1000))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class IdentifierSighting(Base):
    """Where an identifier was seen: which record, which field, and the raw text."""

    __tablename__ = "identifier_sightings"
    __table_args__ = (
        UniqueConstraint("identifier_id", "subject_type", "subject_id", "field"),
        Index("ix_identifier_sightings_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique key, which starts with it (a separate index cost every sighting a write).
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id"))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(String(1000))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
