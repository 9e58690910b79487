"""Shipments: customs declarations and postal or express consignments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base
from countermark.core.marking import MarkedMixin
from countermark.core.records import IngestedMixin

TRANSPORT_MODES = ("post", "express", "air", "sea", "road", "rail", "other")


class Shipment(IngestedMixin, MarkedMixin, Base):
    """A declaration or consignment presented to customs."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="declaration")
    declared_on: Mapped[date] = mapped_column(index=True)
    office: Mapped[str | None] = mapped_column(String(64))
    transport_mode: Mapped[str] = mapped_column(String(16))
    consignor_name: Mapped[str | None] = mapped_column(String(300))
    consignor_address: Mapped[str | None] = mapped_column(String(500))
    consignor_country: Mapped[str | None] = mapped_column(String(2))
    consignee_name: Mapped[str | None] = mapped_column(String(300))
    consignee_address: Mapped[str | None] = mapped_column(String(500))
    consignee_country: Mapped[str | None] = mapped_column(String(2))
    declarant: Mapped[str | None] = mapped_column(String(200))
    courier: Mapped[str | None] = mapped_column(String(200))
    hs_code: Mapped[str | None] = mapped_column(String(10), index=True)
    origin_country: Mapped[str | None] = mapped_column(String(2))
    departure_country: Mapped[str | None] = mapped_column(String(2))
    quantity: Mapped[int | None]
    gross_mass_kg: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    declared_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


LANES = ("red", "yellow", "blue", "green")


class InspectionResult(IngestedMixin, MarkedMixin, Base):
    """What an examination of a shipment found; these results train the next model."""

    __tablename__ = "inspection_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    inspected_on: Mapped[date] = mapped_column(index=True)
    lane: Mapped[str] = mapped_column(String(8))
    found: Mapped[bool]
    severity: Mapped[int] = mapped_column(default=0)
    finding: Mapped[str | None] = mapped_column(String(200))
    officer: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)


class RuleProfile(MarkedMixin, Base):
    """An analyst's risk rule: a safe expression, the reason shown to officers and what they must do.

    Owned and marked: only the owning organisation's active rules score its declarations and only it may
    change them; others see a rule only as its marking allows (orgs.visibility).
    """

    __tablename__ = "rule_profiles"
    __table_args__ = (UniqueConstraint("owner_org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    expression: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    instruction: Mapped[str] = mapped_column(Text)
    lane: Mapped[str] = mapped_column(String(8), default="red")
    weight: Mapped[float] = mapped_column(default=0.5)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TargetingModelVersion(MarkedMixin, Base):
    """A trained risk model kept in the registry; the owner's newest active one scores its declarations."""

    __tablename__ = "targeting_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_through: Mapped[date | None]
    training_rows: Mapped[int]
    positives: Mapped[int]
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    document: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TargetingDecision(MarkedMixin, Base):
    """A shipment's score on a selection day, the lane chosen and every reason behind it.

    Owned by the organisation that selected (always the shipment's owner: a day's selection takes only
    the organisation's own declarations) and marked, so that seeing a shipment does not show its lane.
    """

    __tablename__ = "targeting_decisions"
    __table_args__ = (UniqueConstraint("shipment_id", "selected_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    selected_on: Mapped[date] = mapped_column(index=True)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("targeting_models.id"))
    score: Mapped[float]
    model_score: Mapped[float | None]
    lane: Mapped[str] = mapped_column(String(8))
    exploration: Mapped[bool] = mapped_column(default=False)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
