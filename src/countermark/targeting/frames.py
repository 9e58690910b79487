"""Canonical declaration and inspection-result frames: the one shape every targeting step reads."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

KEY = "shipment_key"
DATE = "declared_on"

# Party and route columns whose history (past inspection results, past declarations) feeds the features.
PARTY_COLUMNS = (
    "importer",
    "declarant",
    "seller",
    "courier",
    "consignor",
    "consignor_address",
    "consignee",
    "office",
)
CATEGORY_COLUMNS = (
    "kind",
    "transport_mode",
    "import_type",
    "payment_type",
    "tax_type",
    "origin_indicator",
    "import_use",
    "process_type",
    "currency",
    "marketplace",
    "hs6",
    "hs4",
    "hs2",
    "origin_country",
    "departure_country",
)
NUMBER_COLUMNS = ("quantity", "mass_kg", "value", "tax_rate")
TEXT_COLUMNS = ("description",)
# Pairs whose joint history says more than either alone (an importer new to a product, a route).
COMBINED = {
    "importer_hs6": ("importer", "hs6"),
    "declarant_importer": ("declarant", "importer"),
    "seller_importer": ("seller", "importer"),
    "hs6_origin": ("hs6", "origin_country"),
    "route": ("departure_country", "origin_country"),
}
STRING_COLUMNS = (KEY, *PARTY_COLUMNS, *CATEGORY_COLUMNS, *TEXT_COLUMNS)
COLUMNS = (KEY, DATE, *PARTY_COLUMNS, *CATEGORY_COLUMNS, *NUMBER_COLUMNS, *TEXT_COLUMNS)
RESULT_COLUMNS = (KEY, "inspected_on", "found", "severity")

_PUNCTUATION = re.compile(r"[^0-9a-z]+")


def party_name(value: Any) -> str | None:
    """A party's name or code, lower-cased with punctuation folded, so spelling noise does not split it."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    folded = _PUNCTUATION.sub(" ", str(value).casefold()).strip()
    return folded or None


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float:
    if value is None or value == "":
        return float("nan")
    try:
        return float(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return float("nan")


def declaration_row(record: Mapping[str, Any], *, key: str) -> dict[str, Any]:
    """The canonical row of one shipment, given as the fields of ShipmentIn (attributes included)."""
    attributes: Mapping[str, Any] = record.get("attributes") or {}
    hs_code = _text(record.get("hs_code")) or ""
    mass = record.get("gross_mass_kg")
    if mass is None:
        mass = attributes.get("net_mass_kg")
    declared_on = record["declared_on"]
    return {
        KEY: key,
        DATE: declared_on if isinstance(declared_on, date) else date.fromisoformat(str(declared_on)),
        "importer": party_name(attributes.get("importer_id") or record.get("consignee_name")),
        "declarant": party_name(record.get("declarant")),
        "seller": party_name(attributes.get("seller_id")),
        "courier": party_name(record.get("courier")),
        "consignor": party_name(record.get("consignor_name")),
        "consignor_address": party_name(record.get("consignor_address")),
        "consignee": party_name(record.get("consignee_address")),
        "office": _text(record.get("office")),
        "kind": _text(record.get("kind")),
        "transport_mode": _text(record.get("transport_mode")),
        "import_type": _text(attributes.get("import_type")),
        "payment_type": _text(attributes.get("payment_type")),
        "tax_type": _text(attributes.get("tax_type")),
        "origin_indicator": _text(attributes.get("origin_indicator")),
        "import_use": _text(attributes.get("import_use")),
        "process_type": _text(attributes.get("process_type")),
        "currency": _text(record.get("currency")),
        "marketplace": _text(attributes.get("marketplace")),
        "hs6": hs_code[:6] or None,
        "hs4": hs_code[:4] or None,
        "hs2": hs_code[:2] or None,
        "origin_country": _text(record.get("origin_country")),
        "departure_country": _text(record.get("departure_country")),
        "quantity": _number(record.get("quantity")),
        "mass_kg": _number(mass),
        "value": _number(record.get("declared_value")),
        "tax_rate": _number(attributes.get("tax_rate")),
        "description": _text(record.get("description")),
    }


def declaration_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A frame of canonical rows with fixed dtypes (dates as datetime64, strings as object)."""
    frame = pd.DataFrame(list(rows), columns=list(COLUMNS))
    return normalise_declarations(frame)


def normalise_declarations(frame: pd.DataFrame) -> pd.DataFrame:
    """Fix the dtypes of a canonical frame and add the combined keys; raises if a column is missing."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"declaration frame lacks columns: {', '.join(missing)}")
    out = frame.loc[:, list(COLUMNS)].copy()
    out[DATE] = pd.to_datetime(out[DATE]).astype("datetime64[ns]")
    for column in STRING_COLUMNS:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    for column in NUMBER_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for name, (left, right) in COMBINED.items():
        both = out[left].notna() & out[right].notna()
        out[name] = (out[left].astype(str) + "|" + out[right].astype(str)).where(both, None)
    return out.reset_index(drop=True)


def result_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A frame of inspection results: shipment key, inspection date, found (0/1) and severity (0-2)."""
    frame = pd.DataFrame(list(rows), columns=list(RESULT_COLUMNS))
    frame["inspected_on"] = pd.to_datetime(frame["inspected_on"]).astype("datetime64[ns]")
    frame["found"] = frame["found"].astype("int64")
    frame["severity"] = pd.to_numeric(frame["severity"]).fillna(0).astype("int64")
    return frame


@dataclass(frozen=True)
class History:
    """What is known when scoring: every stored declaration and every recorded inspection result."""

    declarations: pd.DataFrame
    results: pd.DataFrame

    def before(self, cutoff: pd.Timestamp) -> History:
        """The history as it stood on the morning of `cutoff` (everything dated strictly earlier)."""
        return History(
            self.declarations[self.declarations[DATE] < cutoff],
            self.results[self.results["inspected_on"] < cutoff],
        )


def labels_for(frame: pd.DataFrame, results: pd.DataFrame) -> pd.Series:
    """The inspection outcome of each declaration (NaN where it was not inspected)."""
    outcome = results.drop_duplicates(KEY, keep="last").set_index(KEY)["found"]
    return frame[KEY].map(outcome).astype("float64")


def declaration_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Canonical declarations as numpy columns: dates as datetime64[D], strings as objects (None: absent)."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"declaration frame lacks columns: {', '.join(missing)}")
    columns: dict[str, np.ndarray] = {
        DATE: np.asarray(pd.to_datetime(frame[DATE]).to_numpy(dtype="datetime64[ns]"), dtype="datetime64[D]")
    }
    for column in STRING_COLUMNS:
        columns[column] = frame[column].to_numpy(dtype=object, na_value=None)
    for column in NUMBER_COLUMNS:
        columns[column] = pd.to_numeric(frame[column], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
    return columns


def arrow_columns(batch: Any) -> dict[str, np.ndarray]:
    """Canonical columns of a pyarrow RecordBatch or Table read with `plan_sql` (no pandas on the way)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    columns: dict[str, np.ndarray] = {}
    for column in COLUMNS:
        array = batch.column(column)
        if column == DATE:
            days = array.cast(pa.int32()).to_numpy(zero_copy_only=False)
            columns[column] = np.asarray(days, dtype="int64").astype("datetime64[D]")
        elif column in NUMBER_COLUMNS:
            columns[column] = np.asarray(array.to_numpy(zero_copy_only=False), dtype="float64")
        else:
            columns[column] = np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)
    return columns


def row_columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Numpy columns straight from canonical rows (`declaration_row` output), without building a frame."""
    columns: dict[str, np.ndarray] = {
        DATE: np.array([row[DATE] for row in rows], dtype="datetime64[D]").reshape(len(rows))
    }
    for column in STRING_COLUMNS:
        columns[column] = np.array([_text_or_none(row[column]) for row in rows] + [None], dtype=object)[:-1]
    for column in NUMBER_COLUMNS:
        columns[column] = np.array([_float(row[column]) for row in rows], dtype="float64").reshape(len(rows))
    return columns


def _text_or_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)
