"""Ingestion schema of shipments (declarations and consignments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from countermark.core.validation import CountryCode, CurrencyCode, HsCode, RecordIn
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
    consignor_contact: str | None = Field(default=None, description="Phone or e-mail as declared.")
    consignee_name: str | None = Field(default=None, max_length=300)
    consignee_address: str | None = Field(default=None, max_length=500)
    consignee_country: CountryCode | None = None
    consignee_contact: str | None = None
    declarant: str | None = Field(default=None, max_length=200)
    courier: str | None = Field(default=None, max_length=200)
    hs_code: HsCode | None = None
    origin_country: CountryCode | None = None
    departure_country: CountryCode | None = None
    quantity: int | None = Field(default=None, ge=0)
    gross_mass_kg: Decimal | None = Field(default=None, ge=0)
    declared_value: Decimal | None = Field(default=None, ge=0)
    currency: CurrencyCode | None = None
    description: str | None = None
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        description="Further declared fields kept as they are (import type, tax type...).",
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


class RuleIn(BaseModel):
    """An analyst's rule profile as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    expression: str = Field(min_length=1, max_length=2000)
    reason: str = Field(min_length=1, max_length=2000, description="Why it is risky, for reports.")
    instruction: str = Field(min_length=1, max_length=2000, description="What the examining officer must do.")
    lane: Literal["red", "yellow"] = "red"
    weight: float = Field(default=0.5, gt=0, le=1)
    active: bool = True
