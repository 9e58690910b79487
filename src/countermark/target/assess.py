"""The risk engine's three parts combined: model, analysts' rules and intelligence, each contribution kept."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.core.errors import InvalidInput
from countermark.target.features import HistoryIndex
from countermark.target.frames import KEY, party_name
from countermark.target.rules import Rule, apply_rules
from countermark.target.scoring import TargetingModel

INTEL_FIELDS = ("consignor", "consignor_address", "consignee", "seller", "importer")


@dataclass(frozen=True)
class FlaggedParty:
    """A party that intelligence links to an infringing network or a confirmed online seller."""

    field: str
    value: str
    reason: str
    weight: float = 0.6

    def __post_init__(self) -> None:
        if self.field not in INTEL_FIELDS:
            raise InvalidInput(f"a flagged party is one of {', '.join(INTEL_FIELDS)}, not {self.field!r}")


def intelligence(
    frame: pd.DataFrame, flagged: Collection[FlaggedParty]
) -> tuple[np.ndarray, list[list[str]]]:
    """Noisy-or intelligence score per declaration and the reasons of the flags it matches."""
    score = np.zeros(len(frame))
    reasons: list[list[str]] = [[] for _ in range(len(frame))]
    by_field: dict[str, dict[str, FlaggedParty]] = {}
    for party in flagged:
        normalised = party_name(party.value)
        if normalised:
            by_field.setdefault(party.field, {})[normalised] = party
    for field, parties in by_field.items():
        matched = frame[field].map(parties)
        for position in np.flatnonzero(matched.notna().to_numpy()):
            hit: FlaggedParty = matched.iloc[position]
            score[position] = 1.0 - (1.0 - score[position]) * (1.0 - hit.weight)
            reasons[position].append(f"{field.replace('_', ' ')} {hit.value!r}: {hit.reason}")
    return score, reasons


def assess(
    frame: pd.DataFrame,
    *,
    model: TargetingModel | None,
    index: HistoryIndex | None,
    rules: Sequence[Rule] = (),
    flagged: Collection[FlaggedParty] = (),
    explain: int = 3,
    with_reasons: bool = True,
) -> pd.DataFrame:
    """Combined risk per declaration (noisy-or of model, rules and intelligence) with every reason.

    Without a trained model the score rests on rules and intelligence alone, and says so.
    """
    out = pd.DataFrame({KEY: frame[KEY].to_numpy()}, index=frame.index)
    if model is not None and index is not None:
        scored = model.score(frame, index, explain=explain)
        model_score = scored["model_score"].to_numpy()
        model_reasons: list[Any] = scored["model_reasons"].tolist() if explain else [[]] * len(frame)
    else:
        model_score = np.full(len(frame), np.nan)
        model_reasons = [[] for _ in range(len(frame))]
    rule_score, rule_hits = apply_rules(rules, frame)
    intel_score, intel_reasons = intelligence(frame, flagged)
    model_part = np.nan_to_num(model_score, nan=0.0)
    out["model_score"] = model_score
    out["rule_score"] = rule_score
    out["intel_score"] = intel_score
    out["score"] = 1.0 - (1.0 - model_part) * (1.0 - rule_score) * (1.0 - intel_score)
    out["rule_lane"] = [
        "red" if any(h["lane"] == "red" for h in hits) else ("yellow" if hits else None) for hits in rule_hits
    ]
    if not with_reasons:
        return out
    out["reasons"] = [
        _reasons(m, model_score[i], rule_hits[i], intel_reasons[i]) for i, m in enumerate(model_reasons)
    ]
    return out


def _reasons(
    model_reasons: list[tuple[str, float]], model_score: float, hits: list[dict[str, Any]], intel: list[str]
) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = []
    if not np.isnan(model_score):
        reasons.append(
            {
                "part": "model",
                "score": round(float(model_score), 4),
                "text": "risk model: " + "; ".join(name for name, _ in model_reasons)
                if model_reasons
                else "risk model",
            }
        )
    for hit in hits:
        reasons.append({"part": "rule", **hit, "text": f"rule {hit['rule']}: {hit['reason']}"})
    reasons += [{"part": "intelligence", "text": text} for text in intel]
    return reasons
