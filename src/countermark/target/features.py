"""Declaration features, leakage-safe: history counts only results dated strictly before a declaration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.target.frames import COMBINED, DATE, KEY, PARTY_COLUMNS, History

# Keys whose past inspection results become time-ordered target statistics.
HISTORY_KEYS = (
    *PARTY_COLUMNS,
    "hs6",
    "hs4",
    "origin_country",
    "departure_country",
    *COMBINED,
)
# Keys whose past declarations (not their outcomes) are counted: a party never seen before is a signal.
ACTIVITY_KEYS = ("importer", "seller", "consignor", "consignor_address", "declarant", "importer_hs6")
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


_GENERIC_PATTERN = r"\s*(?:(?:" + "|".join(sorted(GENERIC_WORDS)) + r")\s*)+"


def _log(values: pd.Series) -> np.ndarray:
    logged: np.ndarray = np.log1p(values.clip(lower=0).to_numpy(dtype="float64"))
    return logged


def _cumulative(events: pd.DataFrame, key: str, date: str, value_columns: list[str]) -> pd.DataFrame:
    """Per key, running totals of the value columns up to and including each event date."""
    daily = events.dropna(subset=[key]).groupby([key, date], sort=True)[value_columns].sum().reset_index()
    totals = daily.groupby(key, sort=False)[value_columns].cumsum()
    daily[value_columns] = totals
    # One string dtype for keys on both sides: pandas refuses to match object keys against its string dtype.
    daily[key] = daily[key].astype("str")
    return daily.rename(columns={date: "_event_date"}).sort_values("_event_date", kind="stable")


# Below this many rows a frame is looked up key by key (fast for single declarations); above, merged.
SMALL_FRAME = 64


def _lookup_table(
    table: pd.DataFrame, key: str, columns: list[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per key value: its event dates (sorted) and running totals, for binary search (built vectorised)."""
    ordered = table.sort_values([key, "_event_date"], kind="stable")
    names = ordered[key].to_numpy(dtype=object)
    dates = ordered["_event_date"].to_numpy(dtype="datetime64[ns]")
    values = ordered[columns].to_numpy(dtype="float64")
    if len(names) == 0:
        return {}
    starts = np.flatnonzero(np.r_[True, names[1:] != names[:-1]])
    ends = np.r_[starts[1:], len(names)]
    return {str(names[a]): (dates[a:b], values[a:b]) for a, b in zip(starts, ends, strict=True)}


def _as_of_small(
    frame: pd.DataFrame, lookup: dict[str, tuple[np.ndarray, np.ndarray]], key: str, columns: list[str]
) -> pd.DataFrame:
    values = np.zeros((len(frame), len(columns)))
    dates = frame[DATE].to_numpy(dtype="datetime64[ns]")
    for row, party in enumerate(frame[key].to_numpy()):
        found = lookup.get(str(party)) if party is not None else None
        if found is None:
            continue
        position = int(np.searchsorted(found[0], dates[row], side="left")) - 1
        if position >= 0:
            values[row] = found[1][position]
    return pd.DataFrame(values, index=frame.index, columns=columns)


def _as_of(frame: pd.DataFrame, table: pd.DataFrame, key: str, columns: list[str]) -> pd.DataFrame:
    """For each row of frame, the key's running totals from events dated strictly before the row's date."""
    left = frame[[key, DATE]].reset_index().sort_values(DATE, kind="stable")
    known = left[key].notna()
    out = pd.DataFrame(0.0, index=frame.index, columns=columns)
    if not known.any() or table.empty:
        return out
    query = left[known]
    query = query.assign(**{key: query[key].astype("str")})
    merged = pd.merge_asof(
        query,
        table,
        left_on=DATE,
        right_on="_event_date",
        by=key,
        allow_exact_matches=False,
        direction="backward",
    )
    out.loc[merged["index"].to_numpy(), columns] = merged[columns].fillna(0.0).to_numpy()
    return out


@dataclass
class HistoryIndex:
    """Running totals of results and declarations per key, built once and queried for any frame."""

    results: dict[str, pd.DataFrame] = field(default_factory=dict)
    activity: dict[str, pd.DataFrame] = field(default_factory=dict)
    _lookups: dict[tuple[str, str], dict[str, tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)

    def totals(self, frame: pd.DataFrame, part: str, key: str, columns: list[str]) -> pd.DataFrame:
        """Running totals strictly before each row's date, for `part` "results" or "activity"."""
        table = (self.results if part == "results" else self.activity)[key]
        if len(frame) >= SMALL_FRAME:
            return _as_of(frame, table, key, columns)
        if (part, key) not in self._lookups:
            self._lookups[(part, key)] = _lookup_table(table, key, columns)
        return _as_of_small(frame, self._lookups[(part, key)], key, columns)

    @classmethod
    def build(cls, history: History) -> HistoryIndex:
        """Index a history: results joined to the parties of the declarations they concern."""
        keys = sorted(set(HISTORY_KEYS) | set(ACTIVITY_KEYS))
        parties = history.declarations[[KEY, *keys]].drop_duplicates(KEY, keep="last")
        events = history.results.merge(parties, on=KEY, how="inner")
        events = events.assign(n=1.0, pos=events["found"].astype("float64"))
        index = cls()
        for key in HISTORY_KEYS:
            index.results[key] = _cumulative(events, key, "inspected_on", ["n", "pos"])
        seen = history.declarations.assign(seen=1.0)
        for key in ACTIVITY_KEYS:
            index.activity[key] = _cumulative(seen, key, DATE, ["seen"])
        return index


@dataclass
class DeclarationFeatures:
    """Turns canonical declarations into model features; `fit` learns reference statistics, never labels."""

    smoothing: float = 20.0
    min_category_count: int = 5
    prior_: float = field(default=0.0, init=False)
    categories_: dict[str, dict[str, int]] = field(default_factory=dict, init=False)
    unit_values_: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict, init=False)

    def fit(self, declarations: pd.DataFrame, results: pd.DataFrame) -> DeclarationFeatures:
        """Learn category codes, unit-value distributions per HS code, and the prior hit rate."""
        self.prior_ = float(results["found"].mean()) if len(results) else 0.0
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
        features: dict[str, Any] = {}
        for key in HISTORY_KEYS:
            totals = index.totals(frame, "results", key, ["n", "pos"])
            n, pos = totals["n"].to_numpy(), totals["pos"].to_numpy()
            features[f"hist_{key}_n"] = np.log1p(n)
            features[f"hist_{key}_rate"] = (pos + self.prior_ * self.smoothing) / (n + self.smoothing)
        for key in ACTIVITY_KEYS:
            seen = index.totals(frame, "activity", key, ["seen"])["seen"].to_numpy()
            features[f"seen_{key}"] = np.where(frame[key].isna(), np.nan, np.log1p(seen))
        for column in CATEGORICAL:
            codes = self.categories_.get(column, {})
            features[f"cat_{column}"] = frame[column].map(codes).astype("float64").to_numpy()
        for column in ("value", "mass_kg", "quantity"):
            features[f"log_{column}"] = _log(frame[column])
        features["tax_rate"] = frame["tax_rate"].to_numpy(dtype="float64")
        for name, numerator, denominator in _RATIOS:
            ratio = _log_ratio(frame[numerator], frame[denominator]).to_numpy()
            median, spread = self._reference(frame, name)
            features[f"{name}_log"] = ratio
            features[f"{name}_z"] = (ratio - median) / spread
        features["origin_not_departure"] = (
            (frame["origin_country"] != frame["departure_country"])
            & frame["origin_country"].notna()
            & frame["departure_country"].notna()
        ).to_numpy(dtype="float64")
        text = frame["description"].fillna("").astype("str").str.casefold()
        features["description_words"] = text.str.count(r"\S+").to_numpy(dtype="float64")
        features["description_generic"] = text.str.fullmatch(_GENERIC_PATTERN).to_numpy(dtype="float64")
        features["weekday"] = frame[DATE].dt.day_of_week.to_numpy(dtype="float64")
        return pd.DataFrame(features, index=frame.index)

    def _reference(self, frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The unit-value median and spread of each row's most specific HS level that has enough data."""
        table = self.unit_values_.get(name, {})
        fallback = table.get("*", (0.0, 1.0))
        median = np.full(len(frame), fallback[0])
        spread = np.full(len(frame), fallback[1])
        medians = {k: v[0] for k, v in table.items()}
        spreads = {k: v[1] for k, v in table.items()}
        for level in ("hs2", "hs4", "hs6"):
            codes = (level + ":" + frame[level].astype("str")).where(frame[level].notna())
            found_median = codes.map(medians).to_numpy(dtype="float64")
            has = ~np.isnan(found_median)
            median[has] = found_median[has]
            spread[has] = codes.map(spreads).to_numpy(dtype="float64")[has]
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
