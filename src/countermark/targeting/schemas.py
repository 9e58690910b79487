"""Ingestion schema of shipments (declarations and consignments)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from countermark.core.marking import Tlp
from countermark.core.validation import CountryCode, CurrencyCode, HsCode, JsonObject, RecordIn, TextIn
from countermark.orgs.schemas import MarkedOut


class ShipmentIn(RecordIn):
    """A customs declaration or a postal/express consignment."""

    kind: Literal["declaration", "consignment"] = "declaration"
    declared_on: date
    office: str | None = Field(default=None, max_length=64)
    transport_mode: Literal["post", "express", "air", "sea", "road", "rail", "other"]
    consignor_name: str | None = Field(default=None, max_length=300)
    consignor_address: str | None = Field(default=None, max_length=500)
    consignor_country: CountryCode | None = None
    consignor_contact: str | None = Field(
        default=None, max_length=300, description="Phone or e-mail as declared."
    )
    consignee_name: str | None = Field(default=None, max_length=300)
    consignee_address: str | None = Field(default=None, max_length=500)
    consignee_country: CountryCode | None = None
    consignee_contact: str | None = Field(default=None, max_length=300)
    declarant: str | None = Field(default=None, max_length=200)
    courier: str | None = Field(default=None, max_length=200)
    hs_code: HsCode | None = None
    origin_country: CountryCode | None = None
    departure_country: CountryCode | None = None
    quantity: int | None = Field(default=None, ge=0, le=2_147_483_647)
    gross_mass_kg: Decimal | None = Field(default=None, ge=0)
    declared_value: Decimal | None = Field(default=None, ge=0)
    currency: CurrencyCode | None = None
    description: str | None = Field(default=None, max_length=2000)
    attributes: JsonObject = Field(
        default_factory=dict,
        description="Further declared fields kept as they are (import type, tax type...); at most 8 levels "
        "deep and 64 KiB of JSON.",
    )

    @model_validator(mode="after")
    def _check(self) -> ShipmentIn:
        if self.declared_value is not None and self.currency is None:
            raise ValueError("a declared value needs a currency")
        return self


class ShipmentOut(MarkedOut):
    """A shipment as the API returns it."""

    kind: str
    declared_on: date
    office: str | None
    transport_mode: str
    consignor_name: str | None
    consignor_address: str | None
    consignor_country: str | None
    consignee_name: str | None
    consignee_address: str | None
    consignee_country: str | None
    declarant: str | None
    courier: str | None
    hs_code: str | None
    origin_country: str | None
    departure_country: str | None
    quantity: int | None
    gross_mass_kg: Decimal | None
    declared_value: Decimal | None
    currency: str | None
    description: str | None
    attributes: dict[str, Any]


class InspectionIn(RecordIn):
    """The result of examining a shipment: what was found, by whom, in which lane."""

    shipment_source: str = Field(min_length=1, max_length=100, description="Source of the shipment examined.")
    shipment_external_id: str = Field(min_length=1, max_length=200, description="Its id in that source.")
    inspected_on: date
    lane: Literal["red", "yellow", "blue"] = "red"
    found: bool = Field(description="True when the examination found an infringement or a fraud.")
    severity: int = Field(default=0, ge=0, le=2, description="0 none, 1 fraud, 2 critical.")
    finding: str | None = Field(default=None, max_length=200, description="counterfeit, undervaluation...")
    officer: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _severity_needs_finding(self) -> InspectionIn:
        if self.severity > 0 and not self.found:
            raise ValueError("a severity above 0 needs found = true")
        return self


class RuleIn(TextIn):
    """An analyst's rule profile as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    expression: str = Field(min_length=1, max_length=2000)
    reason: str = Field(min_length=1, max_length=2000, description="Why it is risky, for reports.")
    instruction: str = Field(min_length=1, max_length=2000, description="What the examining officer must do.")
    lane: Literal["red", "yellow"] = "red"
    weight: float = Field(default=0.5, gt=0, le=1)
    active: bool = True
    tlp: Tlp | None = Field(
        default=None, description="Who else may read the rule (it scores only for its owner); default AMBER."
    )


class ScoreOut(BaseModel):
    """A declaration's combined risk, its three contributions, a suggested lane and every reason."""

    shipment_id: int
    shipment: str
    score: float
    lane: str
    model_score: float | None = Field(
        description="Calibrated probability that an examination finds something."
    )
    rule_score: float
    intel_score: float
    reasons: list[dict[str, Any]]
    lane_basis: str = Field(description="What the suggested lane's cut-offs rest on.")


class LanePolicyIn(BaseModel):
    """Optional cut-offs of the suggested lane: shares of declarations, or target hit rates (not both)."""

    red_share: float | None = Field(default=None, ge=0.0, le=1.0)
    yellow_share: float | None = Field(default=None, ge=0.0, le=1.0)
    red_rate: float | None = Field(default=None, gt=0.0, le=1.0)
    yellow_rate: float | None = Field(default=None, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _one_kind(self) -> LanePolicyIn:
        shares = self.red_share is not None or self.yellow_share is not None
        rates = self.red_rate is not None or self.yellow_rate is not None
        if shares and rates:
            raise ValueError("give lane shares or target hit rates, not both")
        if rates and (self.red_rate is None or self.yellow_rate is None):
            raise ValueError("target hit rates need both red_rate and yellow_rate")
        return self


class SelectIn(BaseModel):
    """The day to select and its inspection capacity."""

    model_config = ConfigDict(extra="forbid")

    day: date
    red: int = Field(ge=0, le=100_000)
    yellow: int = Field(default=0, ge=0, le=100_000)
    exploration_share: float = Field(default=0.10, ge=0.0, le=1.0)
    exploration: Literal["random", "uncertainty"] = "random"


class DecisionOut(BaseModel):
    """A shipment's lane on a selection day with its score and reasons."""

    shipment_id: int
    shipment: str
    selected_on: date
    lane: str
    score: float
    model_score: float | None
    exploration: bool
    reasons: list[dict[str, Any]]


class RuleOut(BaseModel):
    """A stored rule profile."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    expression: str
    reason: str
    instruction: str
    lane: str
    weight: float
    active: bool
    created_by: str
    tlp: str


class ProfileOut(RuleOut):
    """A stored rule profile with its owner and marking (the registry's list, detail and export)."""

    owner_org_id: int
    sharing_group_id: int | None
    created_at: datetime
    updated_at: datetime


class ModelOut(BaseModel):
    """A trained model in the registry: what it learnt from and how it measured (not its document)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_org_id: int
    tlp: str
    sharing_group_id: int | None
    trained_through: date | None
    training_rows: int
    positives: int
    metrics: dict[str, Any]
    active: bool
    created_by: str
    created_at: datetime


class DecisionRecordOut(BaseModel):
    """A stored targeting decision with its owner and marking."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_org_id: int
    tlp: str
    sharing_group_id: int | None
    shipment_id: int
    selected_on: date
    model_id: int | None
    score: float
    model_score: float | None
    lane: str
    exploration: bool
    reasons: list[Any]
    created_at: datetime


class InspectionEntry(TextIn):
    """What an examination found, as an officer enters it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    inspected_on: date | None = Field(default=None, description="Defaults to today.")
    lane: Literal["red", "yellow", "blue"] = "red"
    found: bool
    severity: int = Field(default=0, ge=0, le=2, description="0 none, 1 fraud, 2 critical.")
    finding: str | None = Field(default=None, max_length=200)
    officer: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _severity_needs_finding(self) -> InspectionEntry:
        if self.severity > 0 and not self.found:
            raise ValueError("a severity above 0 needs found = true")
        return self


class InspectionOut(BaseModel):
    """A recorded inspection result."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    shipment_id: int
    inspected_on: date
    lane: str
    found: bool
    severity: int
    finding: str | None
    officer: str | None
