"""Field validators shared by the ingestion schemas: countries, currencies, GTINs, HS codes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries) | {"EU", "XK"}
_CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of a GTIN body (all digits but the last)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in _COUNTRIES:
        raise ValueError(f"unknown country code {value!r}: use ISO 3166-1 alpha-2, e.g. FR, CN, US")
    return code


def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in _CURRENCIES:
        raise ValueError(f"unknown currency {value!r}: use ISO 4217, e.g. EUR, USD, CNY")
    return code


def _gtin(value: str) -> str:
    digits = value.strip().replace(" ", "").replace("-", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise ValueError(f"GTIN {value!r} must be 8, 12, 13 or 14 digits")
    if gs1_check_digit(digits[:-1]) != int(digits[-1]):
        raise ValueError(f"GTIN {value!r} has a wrong check digit (GS1 mod 10)")
    return digits.zfill(14)


def _hs_code(value: str) -> str:
    digits = value.strip().replace(".", "").replace(" ", "")
    if not digits.isdigit() or not 4 <= len(digits) <= 10:
        raise ValueError(f"HS code {value!r} must be 4 to 10 digits")
    return digits


def _aware(value: datetime) -> datetime:
    # A timestamp without a zone is read as UTC: feeds that omit it are almost always UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


CountryCode = Annotated[str, AfterValidator(_country)]
CurrencyCode = Annotated[str, AfterValidator(_currency)]
Gtin = Annotated[str, AfterValidator(_gtin)]
HsCode = Annotated[str, AfterValidator(_hs_code)]
UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
Text300 = Annotated[str, Field(min_length=1, max_length=300)]


class RecordIn(BaseModel):
    """Fields every ingested record has: its source, its id there and its version."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str = Field(default="", max_length=100, description="Feed or system the record comes from.")
    external_id: str = Field(min_length=1, max_length=200, description="The record's id in its source.")
    version: int = Field(default=1, ge=1, description="Higher versions replace lower ones.")
