"""Rights, recordals (applications for action), products and authorised sellers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.db import Base
from countermark.core.marking import MarkedMixin
from countermark.core.records import IngestedMixin

RIGHT_KINDS = ("trademark", "copyright", "design", "patent")


class Right(IngestedMixin, MarkedMixin, Base):
    """An intellectual property right held in one or more jurisdictions."""

    __tablename__ = "rights"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300))
    brand: Mapped[str | None] = mapped_column(String(200), index=True)
    holder_name: Mapped[str] = mapped_column(String(300))
    registration_number: Mapped[str] = mapped_column(String(100), index=True)
    office: Mapped[str] = mapped_column(String(32))
    jurisdictions: Mapped[list[Any]] = mapped_column(default=list)
    nice_classes: Mapped[list[Any]] = mapped_column(default=list)
    filed_on: Mapped[date | None]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(32), default="registered")


class Recordal(IngestedMixin, MarkedMixin, Base):
    """A customs application for action: a right recorded with an authority for a period."""

    __tablename__ = "recordals"

    id: Mapped[int] = mapped_column(primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("rights.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(8))
    authority: Mapped[str] = mapped_column(String(200))
    application_number: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    products_covered: Mapped[list[Any]] = mapped_column(default=list)
    contacts: Mapped[list[Any]] = mapped_column(default=list)
    small_consignments: Mapped[bool] = mapped_column(default=False)
    identification_guide: Mapped[str | None] = mapped_column(Text)


class Product(IngestedMixin, MarkedMixin, Base):
    """A genuine product: brand, GTIN, category, HS code and its genuine price range."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(String(200), index=True)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(100))
    hs_code: Mapped[str | None] = mapped_column(String(10))
    price_min: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    price_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(Text)


class ProductRight(Base):
    """Which rights protect which product."""

    __tablename__ = "product_rights"
    __table_args__ = (UniqueConstraint("product_id", "right_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("rights.id"), index=True)


class ProductImage(Base):
    """A reference image of a genuine product, stored in the blob store."""

    __tablename__ = "product_images"
    __table_args__ = (UniqueConstraint("product_id", "blob_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class AuthorisedSeller(IngestedMixin, MarkedMixin, Base):
    """A reseller or distributor the brand owner authorises, on a platform or a domain."""

    __tablename__ = "authorised_sellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(300))
    platform: Mapped[str | None] = mapped_column(String(100))
    handle: Mapped[str | None] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    countries: Mapped[list[Any]] = mapped_column(default=list)
    valid_until: Mapped[date | None]
