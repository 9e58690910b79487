"""The risk engine's three parts combined: model, analysts' rules and intelligence, each contribution kept."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.core.errors import InvalidInput
from countermark.targeting.frames import DATE, KEY, declaration_columns, party_name
from countermark.targeting.history import Columns, HistoryIndex, positions
from countermark.targeting.reason_codes import MESSAGES, Reason, coded, said
from countermark.targeting.rules import Rule, rule_hits, rule_masks, rule_score
from countermark.targeting.scoring import TargetingModel

INTEL_FIELDS = ("consignor", "consignor_address", "consignee", "seller", "importer")


@dataclass(frozen=True)
class FlaggedParty:
    """A party that intelligence links to an infringing network or a confirmed online seller."""

    field: str
    value: str
    reason: str
    weight: float = 0.6
    # The reason as a code and its parameters (targeting/reason_codes.py), for pages in other languages.
    code: str = ""
    params: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.field not in INTEL_FIELDS:
            raise InvalidInput.of(
                "a flagged party is one of {fields}, not {field!r}",
                fields=", ".join(INTEL_FIELDS),
                field=self.field,
            )


def intelligence(
    columns: Columns, flagged: Collection[FlaggedParty]
) -> tuple[np.ndarray, dict[int, list[Reason]]]:
    """Noisy-or intelligence score per declaration and, by row position, the reasons of matching flags."""
    rows = len(columns[DATE])
    score = np.zeros(rows)
    reasons: dict[int, list[Reason]] = {}
    by_field: dict[str, dict[str, FlaggedParty]] = {}
    for party in flagged:
        normalised = party_name(party.value)
        if normalised:
            by_field.setdefault(party.field, {})[normalised] = party
    for field, parties in by_field.items():
        values = columns[field]
        for position in np.flatnonzero(positions(pd.Index(list(parties), dtype=object), values) >= 0):
            hit = parties[values[position]]
            score[position] = 1.0 - (1.0 - score[position]) * (1.0 - hit.weight)
            why = coded(hit.code, **dict(hit.params)) if hit.code in MESSAGES else {"text": hit.reason}
            reasons.setdefault(int(position), []).append(
                said("targeting.intelligence", field={"term": field}, value=repr(hit.value), why=why)
            )
    return score, reasons


def assess(
    declarations: pd.DataFrame | Columns,
    *,
    model: TargetingModel | None,
    index: HistoryIndex | None,
    rules: Sequence[Rule] = (),
    flagged: Collection[FlaggedParty] = (),
    explain: int = 3,
    with_reasons: bool = True,
) -> pd.DataFrame:
    """Combined risk per declaration (noisy-or of model, rules and intelligence) with every reason.

    Declarations come as a canonical frame or as its numpy columns (the batch path). Without a trained
    model the score rests on rules and intelligence alone, and says so.
    """
    is_frame = isinstance(declarations, pd.DataFrame)
    columns = declaration_columns(declarations) if is_frame else declarations
    rows = len(columns[DATE])
    model_reasons: list[list[tuple[str, float]]] | None = None
    if model is not None and index is not None:
        matrix = model.features.matrix(columns, index)
        model_score = model.probability(matrix)
        if explain and with_reasons and rows:
            model_reasons = model.reasons(matrix, explain, words=False)
    else:
        model_score = np.full(rows, np.nan)
    masks = rule_masks(rules, columns)
    rules_part = rule_score(rules, masks, rows)
    intel_score, intel_reasons = intelligence(columns, flagged)
    model_part = np.nan_to_num(model_score, nan=0.0)
    red = np.zeros(rows, dtype=bool)
    any_hit = np.zeros(rows, dtype=bool)
    for rule, mask in zip(rules, masks, strict=True):
        any_hit |= mask
        red |= mask & (rule.lane == "red")
    lanes = np.full(rows, None, dtype=object)
    lanes[any_hit] = "yellow"
    lanes[red] = "red"
    parts: dict[str, Any] = {
        KEY: columns[KEY],
        "model_score": model_score,
        "rule_score": rules_part,
        "intel_score": intel_score,
        "score": 1.0 - (1.0 - model_part) * (1.0 - rules_part) * (1.0 - intel_score),
        "rule_lane": lanes,
    }
    if with_reasons:
        hits = rule_hits(rules, masks, rows)
        reasons = np.empty(rows, dtype=object)
        for i in range(rows):
            model_part_reasons = model_reasons[i] if model_reasons else []
            reasons[i] = _reasons(model_part_reasons, model_score[i], hits[i], intel_reasons.get(i, []))
        parts["reasons"] = reasons
    return pd.DataFrame(parts, index=declarations.index if isinstance(declarations, pd.DataFrame) else None)


def _reasons(
    model_reasons: list[tuple[str, float]],
    model_score: float,
    hits: list[dict[str, Any]],
    intel: list[Reason],
) -> list[dict[str, Any]]:
    """Each part's reasons, as a code with parameters and the English text (targeting/reason_codes.py)."""
    reasons: list[dict[str, Any]] = []
    if not np.isnan(model_score):
        features = [{"feature": name} for name, _ in model_reasons]
        said_of_model = (
            said("targeting.model", features=features) if features else said("targeting.model_alone")
        )
        reasons.append({"part": "model", "score": round(float(model_score), 4), **said_of_model})
    for hit in hits:
        reasons.append(
            {"part": "rule", **hit, **said("targeting.rule", rule=hit["rule"], reason=hit["reason"])}
        )
    reasons += [{"part": "intelligence", **reason} for reason in intel]
    return reasons
