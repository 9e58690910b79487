"""Running totals of past results and declarations per party, looked up by binary search on integer codes.

Every key value (an importer, an HS6 code, an importer×HS6 pair) gets a dense integer code; each event
table is sorted by `code · 2^20 + day`, so "the totals of this key strictly before this day" is one
`searchsorted` over the whole batch. The same code serves one declaration and a million.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.targeting.frames import COMBINED, DATE, KEY, PARTY_COLUMNS, History

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
BASE_KEYS = tuple(
    sorted(
        {k for k in (*HISTORY_KEYS, *ACTIVITY_KEYS) if k not in COMBINED}
        | {column for pair in COMBINED.values() for column in pair}
    )
)
_DAY_BITS = 20
_DAY_OFFSET = 1 << (_DAY_BITS - 1)  # days since 1970 shifted positive: dates from the year 535 to 3405

Columns = Mapping[str, np.ndarray]


def day_numbers(dates: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of datetime64 values, as int64."""
    days: np.ndarray = np.asarray(dates).astype("datetime64[D]").astype("int64")
    return days


SMALL = 8  # up to this many values, hash look-ups one by one beat building an index of the query


def positions(vocabulary: pd.Index, values: Any) -> np.ndarray:
    """Where each value sits in the vocabulary (-1: absent); objects stay objects (no string inference)."""
    if len(values) <= SMALL:
        return np.array([_position(vocabulary, value) for value in values], dtype="int64").reshape(
            len(values)
        )
    query = pd.Index(np.asarray(values, dtype=object), dtype=object, copy=False)
    found: np.ndarray = np.asarray(vocabulary.get_indexer(query), dtype="int64")
    return found


def _position(vocabulary: pd.Index, value: Any) -> int:
    if value is None or (isinstance(value, float) and value != value):
        return -1
    try:
        found = vocabulary.get_loc(value)
    except (KeyError, TypeError, pd.errors.InvalidIndexError):
        return -1
    return found if isinstance(found, int) else -1


@dataclass
class EventTable:
    """Events of one key: composite `code · 2^20 + day` sorted, and running totals up to each of them."""

    composite: np.ndarray
    totals: np.ndarray

    @classmethod
    def build(cls, codes: np.ndarray, days: np.ndarray, values: np.ndarray) -> EventTable:
        """Sum values per (code, day), then accumulate per code in date order; code -1 rows are dropped."""
        known = codes >= 0
        composite = codes[known] * (1 << _DAY_BITS) + (days[known] + _DAY_OFFSET)
        unique, inverse = np.unique(composite, return_inverse=True)
        sums = np.zeros((len(unique), values.shape[1]))
        np.add.at(sums, inverse, values[known])
        running = np.cumsum(sums, axis=0)
        if len(unique):
            group = unique >> _DAY_BITS
            starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
            # Totals restart at each key: subtract what the keys sorted before it had accumulated.
            carried = np.vstack([np.zeros((1, values.shape[1])), running[starts[1:] - 1]])
            running = running - np.repeat(carried, np.diff(np.r_[starts, len(unique)]), axis=0)
        return cls(unique, running)

    def before(self, codes: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Totals of each (code, day) from events dated strictly before the day; zeros where none."""
        out = np.zeros((len(codes), self.totals.shape[1]))
        if not len(self.composite):
            return out
        query = codes * (1 << _DAY_BITS) + (days + _DAY_OFFSET)
        position = np.searchsorted(self.composite, query, side="left") - 1
        clipped = np.maximum(position, 0)
        hit = (codes >= 0) & (position >= 0) & ((self.composite[clipped] >> _DAY_BITS) == codes)
        out[hit] = self.totals[clipped[hit]]
        return out


@dataclass
class KeyCodes:
    """Dense integer codes of key values (single columns, and pairs of them) seen in the history."""

    vocabularies: dict[str, pd.Index] = field(default_factory=dict)
    pairs: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(cls, columns: Columns) -> KeyCodes:
        """Vocabularies of the history's values; pair vocabularies of the combined keys."""
        built = cls()
        for key in BASE_KEYS:
            values = pd.Index(pd.unique(np.asarray(columns[key], dtype=object)), dtype=object)
            built.vocabularies[key] = values[~values.isna()]
        base = built.base_codes(columns)
        for name in COMBINED:
            pair = built._pair(name, base)
            built.pairs[name] = np.unique(pair[pair >= 0])
        return built

    def base_codes(self, columns: Columns) -> dict[str, np.ndarray]:
        """Codes of every base key column (-1 for a missing or never-seen value)."""
        return {key: positions(vocabulary, columns[key]) for key, vocabulary in self.vocabularies.items()}

    def _pair(self, name: str, base: Mapping[str, np.ndarray]) -> np.ndarray:
        left, right = COMBINED[name]
        a, b = base[left], base[right]
        pair: np.ndarray = np.where((a >= 0) & (b >= 0), a * len(self.vocabularies[right]) + b, -1)
        return pair

    def codes(self, columns: Columns) -> dict[str, np.ndarray]:
        """Codes of every key, base and combined, for a set of declarations."""
        out = self.base_codes(columns)
        for name, known in self.pairs.items():
            pair = self._pair(name, out)
            if not len(known):
                out[name] = np.full(len(pair), -1, dtype="int64")
                continue
            position = np.searchsorted(known, pair)
            found = (pair >= 0) & (known[np.minimum(position, len(known) - 1)] == pair)
            out[name] = np.where(found, position, -1)
        return out


@dataclass
class HistoryIndex:
    """Running totals of results (n, positives) and of declarations per key, built once, queried often."""

    keys: KeyCodes = field(default_factory=KeyCodes)
    results: dict[str, EventTable] = field(default_factory=dict)
    activity: dict[str, EventTable] = field(default_factory=dict)

    def lookup(self, columns: Columns) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Per history key its (n, positives) strictly before each row's date; per activity key its count."""
        codes = self.keys.codes(columns)
        days = day_numbers(columns[DATE])
        results = {key: self.results[key].before(codes[key], days) for key in HISTORY_KEYS}
        activity = {key: self.activity[key].before(codes[key], days)[:, 0] for key in ACTIVITY_KEYS}
        return results, activity

    @classmethod
    def build(cls, history: History) -> HistoryIndex:
        """Index a history: results joined to the parties of the declarations they concern."""
        declarations = history.declarations
        columns = {c: declarations[c].to_numpy() for c in (KEY, DATE, *BASE_KEYS)}
        keys = KeyCodes.build(columns)
        codes = keys.codes(columns)
        days = day_numbers(columns[DATE])
        index = cls(keys=keys)
        # A result counts against the last row of its declaration; results of unknown shipments are ignored.
        rows_by_key = pd.Series(np.arange(len(declarations)), index=declarations[KEY].to_numpy())
        rows_by_key = rows_by_key[~rows_by_key.index.duplicated(keep="last")]
        position = positions(rows_by_key.index, history.results[KEY].to_numpy())
        known = position >= 0
        rows = rows_by_key.to_numpy()[position[known]]
        result_days = day_numbers(history.results["inspected_on"].to_numpy()[known])
        found = history.results["found"].to_numpy(dtype="float64")[known]
        values = np.column_stack([np.ones(len(rows)), found])
        for key in HISTORY_KEYS:
            index.results[key] = EventTable.build(codes[key][rows], result_days, values)
        seen = np.ones((len(declarations), 1))
        for key in ACTIVITY_KEYS:
            index.activity[key] = EventTable.build(codes[key], days, seen)
        return index
