"""Declaration features, leakage-safe: history counts only results dated strictly before a declaration."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.targeting.frames import COMBINED, DATE, declaration_columns
from countermark.targeting.history import (
    ACTIVITY_KEYS,
    HISTORY_KEYS,
    Columns,
    HistoryIndex,
    day_numbers,
    positions,
)

__all__ = ["ACTIVITY_KEYS", "CATEGORICAL", "HISTORY_KEYS", "DeclarationFeatures", "HistoryIndex"]
CATEGORICAL = (
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
    "hs2",
    "origin_country",
    "departure_country",
    "office",
)
GENERIC_WORDS = frozenset(
    [
        "gift",
        "sample",
        "samples",
        "personal",
        "items",
        "goods",
        "parts",
        "accessories",
        "clothing",
        "cadeau",
        "present",
        "stuff",
    ]
)


_GENERIC = re.compile(r"\s*(?:(?:" + "|".join(sorted(GENERIC_WORDS)) + r")\s*)+")


def _missing(columns: Columns, key: str) -> np.ndarray:
    """True where the key's value is absent (for a pair: where either part is)."""
    parts = COMBINED.get(key, (key,))
    missing: np.ndarray = np.zeros(len(columns[DATE]), dtype=bool)
    for part in parts:
        missing |= pd.isna(columns[part])
    return missing


def _description_features(descriptions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Word count and "only generic words" flag of each description, computed once per distinct text."""
    codes, uniques = pd.factorize(np.asarray(descriptions, dtype=object), use_na_sentinel=False)
    texts = ["" if pd.isna(text) else str(text).casefold() for text in uniques]
    words = np.asarray([len(text.split()) for text in texts], dtype="float64")
    generic = np.asarray([_GENERIC.fullmatch(text) is not None for text in texts], dtype="float64")
    return words[codes], generic[codes]


def _log_ratio_array(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    valid = (numerator > 0) & (denominator > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: np.ndarray = np.where(valid, np.log(numerator / denominator), np.nan)
    return ratio


@dataclass
class DeclarationFeatures:
    """Turns canonical declarations into model features; `fit` learns reference statistics, never labels."""

    smoothing: float = 20.0
    min_category_count: int = 5
    prior_: float = field(default=0.0, init=False)
    categories_: dict[str, dict[str, int]] = field(default_factory=dict, init=False)
    unit_values_: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict, init=False)
    _lookups: dict[tuple[str, str], tuple[pd.Index, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def fit(self, declarations: pd.DataFrame, results: pd.DataFrame) -> DeclarationFeatures:
        """Learn category codes, unit-value distributions per HS code, and the prior hit rate."""
        self.prior_ = float(results["found"].mean()) if len(results) else 0.0
        self._lookups = {}
        self.categories_ = {}
        for column in CATEGORICAL:
            counts = declarations[column].value_counts()
            kept = counts[counts >= self.min_category_count].index
            self.categories_[column] = {str(v): i for i, v in enumerate(sorted(map(str, kept)))}
        self.unit_values_ = {}
        for name, numerator, denominator in _RATIOS:
            ratio = _log_ratio(declarations[numerator], declarations[denominator])
            table: dict[str, tuple[float, float]] = {}
            for level in ("hs2", "hs4", "hs6"):
                grouped = ratio.groupby(declarations[level]).agg(["median", _iqr, "count"])
                grouped = grouped[grouped["count"] >= self.min_category_count]
                for code, row in grouped.iterrows():
                    table[f"{level}:{code}"] = (float(row["median"]), max(float(row["_iqr"]), 0.1))
            table["*"] = (float(ratio.median()), max(float(_iqr(ratio.dropna())), 0.1))
            self.unit_values_[name] = table
        return self

    def to_dict(self) -> dict[str, Any]:
        """The fitted state as plain JSON-compatible values (to store beside the model)."""
        return {
            "smoothing": self.smoothing,
            "min_category_count": self.min_category_count,
            "prior": self.prior_,
            "categories": self.categories_,
            "unit_values": {k: {c: list(v) for c, v in t.items()} for k, t in self.unit_values_.items()},
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> DeclarationFeatures:
        """Rebuild a fitted feature builder from `to_dict` output."""
        built = cls(smoothing=float(state["smoothing"]), min_category_count=int(state["min_category_count"]))
        built.prior_ = float(state["prior"])
        built.categories_ = {
            k: {str(c): int(i) for c, i in v.items()} for k, v in state["categories"].items()
        }
        built.unit_values_ = {
            k: {c: (float(v[0]), float(v[1])) for c, v in t.items()} for k, t in state["unit_values"].items()
        }
        return built

    def transform(self, frame: pd.DataFrame, index: HistoryIndex) -> pd.DataFrame:
        """One row of float features per declaration, in the frame's order."""
        matrix = self.matrix(declaration_columns(frame), index)
        return pd.DataFrame(matrix, index=frame.index, columns=self.names())

    def names(self) -> list[str]:
        """The feature names, in the matrix's column order."""
        names = [f"hist_{key}_{part}" for key in HISTORY_KEYS for part in ("n", "rate")]
        names += [f"seen_{key}" for key in ACTIVITY_KEYS]
        names += [f"cat_{column}" for column in CATEGORICAL]
        names += ["log_value", "log_mass_kg", "log_quantity", "tax_rate"]
        names += [f"{name}_{part}" for name, _, _ in _RATIOS for part in ("log", "z")]
        names += ["origin_not_departure", "description_words", "description_generic", "weekday"]
        return names

    def matrix(self, columns: Columns, index: HistoryIndex) -> np.ndarray:
        """The C-contiguous float64 feature matrix of declarations given as numpy columns."""
        rows = len(columns[DATE])
        out = np.empty((rows, len(self.names())))
        results, activity = index.lookup(columns)
        at = 0
        for key in HISTORY_KEYS:
            n, pos = results[key][:, 0], results[key][:, 1]
            out[:, at] = np.log1p(n)
            out[:, at + 1] = (pos + self.prior_ * self.smoothing) / (n + self.smoothing)
            at += 2
        for key in ACTIVITY_KEYS:
            out[:, at] = np.where(_missing(columns, key), np.nan, np.log1p(activity[key]))
            at += 1
        for column in CATEGORICAL:
            vocabulary, codes = self._category_codes(column)
            position = positions(vocabulary, columns[column])
            out[:, at] = np.where(position >= 0, np.r_[codes, np.nan][position], np.nan)
            at += 1
        for column in ("value", "mass_kg", "quantity"):
            out[:, at] = np.log1p(np.maximum(columns[column], 0.0))
            at += 1
        out[:, at] = columns["tax_rate"]
        at += 1
        for name, numerator, denominator in _RATIOS:
            ratio = _log_ratio_array(columns[numerator], columns[denominator])
            median, spread = self._reference(columns, name)
            out[:, at] = ratio
            out[:, at + 1] = (ratio - median) / spread
            at += 2
        origin, departure = columns["origin_country"], columns["departure_country"]
        known = ~pd.isna(origin) & ~pd.isna(departure)
        out[:, at] = (known & (origin != departure)).astype("float64")
        out[:, at + 1], out[:, at + 2] = _description_features(columns["description"])
        out[:, at + 3] = (day_numbers(columns[DATE]) + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
        return out

    def _category_codes(self, column: str) -> tuple[pd.Index, np.ndarray]:
        cached = self._lookups.get(("cat", column))
        if cached is None:
            codes = self.categories_.get(column, {})
            cached = (pd.Index(list(codes), dtype=object), np.asarray(list(codes.values()), dtype="float64"))
            self._lookups[("cat", column)] = cached
        return cached

    def _reference(self, columns: Columns, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The unit-value median and spread of each row's most specific HS level that has enough data."""
        table = self.unit_values_.get(name, {})
        fallback = table.get("*", (0.0, 1.0))
        rows = len(columns[DATE])
        median = np.full(rows, fallback[0])
        spread = np.full(rows, fallback[1])
        for level in ("hs2", "hs4", "hs6"):
            cached = self._lookups.get((name, level))
            if cached is None:
                entries = [(k.split(":", 1)[1], v) for k, v in table.items() if k.startswith(level + ":")]
                cached = (
                    pd.Index([code for code, _ in entries], dtype=object),
                    np.asarray([v for _, v in entries], dtype="float64").reshape(-1, 2),
                )
                self._lookups[(name, level)] = cached
            vocabulary, stats = cached
            position = positions(vocabulary, columns[level])
            has = position >= 0
            median[has] = stats[position[has], 0]
            spread[has] = stats[position[has], 1]
        return median, spread

    @property
    def is_fitted(self) -> bool:
        """True once `fit` has run."""
        return bool(self.categories_)


def _log_ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    valid = (numerator > 0) & (denominator > 0)
    ratio: pd.Series = np.log(numerator.where(valid) / denominator.where(valid))
    return ratio


def _iqr(values: pd.Series) -> float:
    if values.empty:
        return float("nan")
    return float(values.quantile(0.75) - values.quantile(0.25)) / 1.349


_RATIOS = (
    ("value_per_kg", "value", "mass_kg"),
    ("value_per_unit", "value", "quantity"),
    ("mass_per_unit", "mass_kg", "quantity"),
)
