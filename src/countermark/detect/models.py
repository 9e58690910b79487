"""Tables of the detect capability: models, each stored listing's latest score, alerts and verdicts.

Scores, alerts and verdicts are not marked themselves: they belong to the organisation that owns the
listing they are about (`owner_org_id`, copied from the listing, which never changes owner), are read
against that organisation's view of the registry, and are shown to it alone (queries also go through
`observe.listing_reads.visible_listing_ids`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base

ALERT_STATUSES = ("new", "confirmed", "dismissed", "cleared")
VERDICTS = ("confirm", "dismiss")


class DetectionModelRecord(Base):
    """A trained detection model kept in the blob store (by digest): the version scores refer to."""

    __tablename__ = "detect_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    threshold: Mapped[float]
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True, index=True)


class ListingScore(Base):
    """A stored listing's latest score: which model, its probability, reasons (codes and values), signals,
    and the feature row the model read (kept so that a verdict becomes a training example as seen)."""

    __tablename__ = "detect_scores"
    __table_args__ = (Index("ix_detect_scores_owner_score", "owner_org_id", "score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), unique=True)
    listing_version: Mapped[int]
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    model_version: Mapped[str] = mapped_column(String(64))
    score: Mapped[float]
    threshold: Mapped[float]
    alert: Mapped[bool]
    brand: Mapped[str | None] = mapped_column(String(200), index=True)
    product: Mapped[str | None] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    seller: Mapped[str | None] = mapped_column(String(200))
    rule: Mapped[str | None] = mapped_column(String(32))
    # [{"code": "mark_exact", "params": {"mark": "Lunavelle"}}, ...]: rendered in the reader's language.
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    # [{"name": ..., "strength": ..., evidence...}, ...]
    signals: Mapped[list[Any]] = mapped_column(default=list)
    signal_names: Mapped[str] = mapped_column(String(1000), default="")
    features: Mapped[list[Any]] = mapped_column(default=list)
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The registry it was scored against and which currencies had a rate (`store_references.
    # references_digest`): when the owner's differ now, `detect run` scores the listing again.
    references_digest: Mapped[str | None] = mapped_column(String(64))


class DetectionAlert(Base):
    """A listing scored above the operating threshold, waiting for (or having had) a person's verdict."""

    __tablename__ = "detect_alerts"
    __table_args__ = (Index("ix_detect_alerts_owner_status", "owner_org_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), unique=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(String(16), default="new")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DetectionVerdict(Base):
    """A person's verdict on an alert: confirm or dismiss, why, who and when, and what the model read."""

    __tablename__ = "detect_verdicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("detect_alerts.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    seller: Mapped[str] = mapped_column(String(300))
    model_version: Mapped[str] = mapped_column(String(64))
    features: Mapped[list[Any]] = mapped_column(default=list)
