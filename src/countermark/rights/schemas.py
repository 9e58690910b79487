"""Ingestion schemas of rights, recordals, products and authorised sellers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from countermark.core.validation import CountryCode, CurrencyCode, Gtin, HsCode, RecordIn, Text300
from countermark.orgs.schemas import MarkedOut


class RightIn(RecordIn):
    """A trademark, copyright, design or patent."""

    kind: Literal["trademark", "copyright", "design", "patent"]
    name: Text300 = Field(description="The mark, the work's title, the design or the invention.")
    brand: str | None = Field(default=None, max_length=200)
    holder_name: Text300
    registration_number: str = Field(min_length=1, max_length=100)
    office: str = Field(min_length=2, max_length=32, description="EUIPO, INPI, USPTO, CNIPA, WIPO...")
    jurisdictions: list[CountryCode] = Field(min_length=1)
    nice_classes: list[int] = Field(default_factory=list, max_length=45)
    filed_on: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    status: Literal["filed", "registered", "expired", "cancelled"] = "registered"

    @model_validator(mode="after")
    def _check(self) -> RightIn:
        if any(not 1 <= c <= 45 for c in self.nice_classes):
            raise ValueError("Nice classes run from 1 to 45")
        if self.nice_classes and self.kind != "trademark":
            raise ValueError("only trademarks have Nice classes")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class RecordalIn(RecordIn):
    """A customs application for action for one right."""

    right: str = Field(min_length=1, description="external_id of the right (same source).")
    jurisdiction: CountryCode
    authority: str = Field(min_length=2, max_length=200)
    application_number: str = Field(min_length=1, max_length=100)
    valid_from: date
    valid_until: date
    products_covered: list[str] = Field(default_factory=list, description="external_ids of products.")
    contacts: list[str] = Field(default_factory=list)
    small_consignments: bool = False
    identification_guide: str | None = None

    @model_validator(mode="after")
    def _check(self) -> RecordalIn:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class ProductIn(RecordIn):
    """A genuine product and its reference images."""

    brand: str = Field(min_length=1, max_length=200)
    gtin: Gtin | None = None
    name: Text300
    category: str = Field(min_length=1, max_length=100)
    hs_code: HsCode | None = None
    price_min: Decimal | None = Field(default=None, ge=0)
    price_max: Decimal | None = Field(default=None, ge=0)
    currency: CurrencyCode | None = None
    description: str | None = None
    rights: list[str] = Field(default_factory=list, description="external_ids of rights (same source).")
    images: list[str] = Field(default_factory=list, description="Image paths relative to the input file.")

    @model_validator(mode="after")
    def _check(self) -> ProductIn:
        if self.price_min is not None and self.price_max is not None and self.price_max < self.price_min:
            raise ValueError("price_max is below price_min")
        if (self.price_min is not None or self.price_max is not None) and self.currency is None:
            raise ValueError("a price range needs a currency")
        return self


class AuthorisedSellerIn(RecordIn):
    """A reseller the brand owner authorises."""

    brand: str = Field(min_length=1, max_length=200)
    name: Text300
    platform: str | None = Field(default=None, max_length=100)
    handle: str | None = Field(default=None, max_length=200)
    domain: str | None = Field(default=None, max_length=253)
    countries: list[CountryCode] = Field(default_factory=list)
    valid_until: date | None = None


class RightOut(MarkedOut):
    """A right as the API returns it."""

    kind: str
    name: str
    brand: str | None
    holder_name: str
    registration_number: str
    office: str
    jurisdictions: list[str]
    nice_classes: list[int]
    filed_on: date | None
    valid_from: date | None
    valid_until: date | None
    status: str


class RecordalOut(MarkedOut):
    """A recordal as the API returns it."""

    right_id: int
    jurisdiction: str
    authority: str
    application_number: str
    valid_from: date
    valid_until: date
    products_covered: list[str]
    contacts: list[str]
    small_consignments: bool
    identification_guide: str | None


class ProductOut(MarkedOut):
    """A product as the API returns it."""

    brand: str
    gtin: str | None
    name: str
    category: str
    hs_code: str | None
    price_min: Decimal | None
    price_max: Decimal | None
    currency: str | None
    description: str | None


class AuthorisedSellerOut(MarkedOut):
    """An authorised seller as the API returns it."""

    brand: str
    name: str
    platform: str | None
    handle: str | None
    domain: str | None
    countries: list[str]
    valid_until: date | None
