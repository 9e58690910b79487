"""Tables owned by the core: blob metadata and exchange rates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base


class Blob(Base):
    """Metadata of a stored blob; the bytes live in the blob store under the same digest."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(100))
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExchangeRate(Base):
    """A reference exchange rate: units of `currency` one euro bought on `day`, as the ECB quotes it.

    Reference data of the whole installation (public rates), imported by an operator (`core/rates.py`).
    """

    __tablename__ = "exchange_rates"
    __table_args__ = (Index("ix_exchange_rates_day", "day"),)

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    per_eur: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(40))
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)
