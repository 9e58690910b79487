"""Field validators shared by the ingestion schemas: countries, currencies, GTINs, HS codes, and the
checks every ingested value passes (text that can be stored, JSON of bounded depth and size)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, cast

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import SchemaValidator

_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries) | {"EU", "XK"}
_CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)
# Free-form JSON (shipment attributes...) is kept as sent: bound it so it can be stored, indexed and shown.
MAX_JSON_DEPTH = 8
MAX_JSON_BYTES = 65_536
# Anything deeper than this is refused before any other check walks it (no recursion on attacker input).
_MAX_WALK_DEPTH = 64


def encodable(text: str) -> str:
    """The text if it can be encoded as UTF-8 (no lone surrogate, which JSON's \\ud800 escape can carry)."""
    if text.isascii():  # constant time in CPython: the common case costs no encoding
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"text cannot be encoded as UTF-8 (a lone surrogate at character {exc.start}): send valid Unicode"
        ) from None
    return text


_FLAT_TYPES = (int, float, bool, type(None))


def _flat_ascii(value: dict[Any, Any]) -> bool:
    """True when the object's keys are ASCII text and its values ASCII text or numbers (nothing in it
    to refuse, one level deep)."""
    for key, child in value.items():
        if type(key) is not str or not key.isascii():
            return False
        if type(child) is str:
            if not child.isascii():
                return False
        elif type(child) not in _FLAT_TYPES:
            return False
    return True


def _json_depth(value: Any, *, limit: int) -> int:
    """The nesting depth of a JSON-like value (0 for a scalar), checking every string is encodable.

    Iterative, and stops at `limit` levels, so a value nested thousands deep costs nothing to refuse.
    """
    if limit >= 1 and isinstance(value, dict) and _flat_ascii(value):
        return 1  # the common case (a flat object of ASCII text and numbers) told in one pass
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


def _json_size_bound(value: Any) -> int | None:
    """An upper bound of the bytes of `json.dumps(value, ensure_ascii=False)` in UTF-8, or None when it
    cannot be told without serialising (a value of another type, a very large integer). The value has
    passed `_json_depth` (bounded depth, strings encodable), so this walk ends."""
    bound = 0
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            bound += 6 * len(item) + 2  # a character is at most 6 bytes (\u001f), plus the quotes
        elif isinstance(item, bool) or item is None:
            bound += 5
        elif isinstance(item, int):
            if not -(10**18) < item < 10**18:
                return None
            bound += 20
        elif isinstance(item, float):
            bound += 24  # the longest repr of a float
        elif isinstance(item, dict):
            bound += 2 + 4 * len(item)  # braces, ": " and ", "
            for key, child in item.items():
                if not isinstance(key, str):
                    return None
                bound += 6 * len(key) + 2
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            bound += 2 + 2 * len(item)
            stack.extend(item)
        else:
            return None
    return bound


def _bounded_json(value: dict[str, Any]) -> dict[str, Any]:
    _json_depth(value, limit=MAX_JSON_DEPTH)
    bound = _json_size_bound(value)
    if bound is not None and bound <= MAX_JSON_BYTES:  # surely small enough: no need to serialise it
        return value
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
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first representable instant
        raise ValueError(f"{value.isoformat()} is out of range once converted to UTC") from None


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
        if isinstance(value, str) and value.isascii():
            return value
        if isinstance(value, (str, dict, list, tuple)):
            _json_depth(value, limit=_MAX_WALK_DEPTH)
        return value


_STORABLE = TextIn._storable.__func__  # type: ignore[attr-defined]


class RecordIn(TextIn):
    """Fields every ingested record has: its source, its id there and its version."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str = Field(default="", max_length=100, description="Feed or system the record comes from.")
    external_id: str = Field(min_length=1, max_length=200, description="The record's id in its source.")
    version: int = Field(default=1, ge=1, le=2_147_483_647, description="Higher versions replace lower ones.")


ModelT = TypeVar("ModelT", bound=BaseModel)


def _without_storable_checks(node: Any) -> tuple[Any, int]:
    """A copy of a core schema without the `TextIn._storable` before-validators; and how many it had."""
    if isinstance(node, dict):
        if node.get("type") == "function-before":
            function = node.get("function", {}).get("function")
            if getattr(function, "__func__", None) is _STORABLE:
                inner, count = _without_storable_checks(node["schema"])
                return inner, count + 1
        copied, total = {}, 0
        for key, value in node.items():
            copied[key], count = _without_storable_checks(value)
            total += count
        return copied, total
    if isinstance(node, list):
        pairs = [_without_storable_checks(value) for value in node]
        return [value for value, _ in pairs], sum(count for _, count in pairs)
    return node, 0


def _storable_row(data: Any) -> bool:
    """True when every value of the row passes `TextIn._storable` (strings encodable, at most
    `_MAX_WALK_DEPTH` levels): one walk of the row instead of one validator call per field."""
    if not isinstance(data, dict):
        return False
    try:
        for value in data.values():
            if isinstance(value, str):
                if not value.isascii():
                    encodable(value)
            elif isinstance(value, (dict, list, tuple)):
                _json_depth(value, limit=_MAX_WALK_DEPTH)
    except ValueError:
        return False
    return True


_ROW_VALIDATORS: dict[type[BaseModel], Callable[[Any], Any]] = {}


def row_validator(schema: type[ModelT]) -> Callable[[Any], ModelT]:
    """The schema's validation of one input row, compiled once: the same record or the same
    `ValidationError` as `schema.model_validate`, faster for rows of many fields.

    `TextIn` checks each field's value before the field's own checks, a Python call per field (19 for a
    shipment, a third of its validation). Here the row is walked once, and when every value passes, it is
    validated by the schema compiled without those calls (everything else is the schema's own: types,
    bounds, the field and model validators). A row with a value that fails the walk is validated by the
    schema itself, so its reasons are exactly the schema's."""
    known = _ROW_VALIDATORS.get(schema)
    if known is None:
        known = _ROW_VALIDATORS[schema] = _compile_row_validator(schema)
    return cast(Callable[[Any], ModelT], known)


def _compile_row_validator(schema: type[ModelT]) -> Callable[[Any], ModelT]:
    full = schema.model_validate
    if not issubclass(schema, TextIn):
        return full
    core, stripped = _without_storable_checks(schema.__pydantic_core_schema__)
    if not stripped:
        return full
    fast = SchemaValidator(core)

    def validate_row(data: Any) -> ModelT:
        if _storable_row(data):
            return cast(ModelT, fast.validate_python(data))
        return full(data)

    return validate_row
