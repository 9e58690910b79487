"""Field validators shared by the ingestion schemas: countries, currencies, GTINs, HS codes, and the
checks every ingested value passes (text that can be stored, JSON of bounded depth and size)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries) | {"EU", "XK"}
_CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)
# Free-form JSON (shipment attributes...) is kept as sent: bound it so it can be stored, indexed and shown.
MAX_JSON_DEPTH = 8
MAX_JSON_BYTES = 65_536
# Anything deeper than this is refused before any other check walks it (no recursion on attacker input).
_MAX_WALK_DEPTH = 64


def encodable(text: str) -> str:
    """The text if it can be encoded as UTF-8 (no lone surrogate, which JSON's \\ud800 escape can carry)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"text cannot be encoded as UTF-8 (a lone surrogate at character {exc.start}): send valid Unicode"
        ) from None
    return text


def _json_depth(value: Any, *, limit: int) -> int:
    """The nesting depth of a JSON-like value (0 for a scalar), checking every string is encodable.

    Iterative, and stops at `limit` levels, so a value nested thousands deep costs nothing to refuse.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            encodable(item)
        elif isinstance(item, (dict, list, tuple)):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                raise ValueError(f"the value is nested more than {limit} levels deep")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth) for child in item.values())
            else:
                stack.extend((child, depth) for child in item)
    return deepest


def _bounded_json(value: dict[str, Any]) -> dict[str, Any]:
    _json_depth(value, limit=MAX_JSON_DEPTH)
    size = len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_JSON_BYTES:
        raise ValueError(f"the value is too large: {size} bytes of JSON, at most {MAX_JSON_BYTES}")
    return value


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
# A free-form JSON object (nested at most MAX_JSON_DEPTH levels, at most MAX_JSON_BYTES once serialised).
JsonObject = Annotated[dict[str, Any], AfterValidator(_bounded_json)]


class TextIn(BaseModel):
    """Base of every schema whose values are stored: text that cannot be encoded is refused (422) here,
    in any field and at any depth, instead of failing in the database driver (a 500)."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if isinstance(value, (str, dict, list, tuple)):
            _json_depth(value, limit=_MAX_WALK_DEPTH)
        return value


class RecordIn(TextIn):
    """Fields every ingested record has: its source, its id there and its version."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str = Field(default="", max_length=100, description="Feed or system the record comes from.")
    external_id: str = Field(min_length=1, max_length=200, description="The record's id in its source.")
    version: int = Field(default=1, ge=1, le=2_147_483_647, description="Higher versions replace lower ones.")
