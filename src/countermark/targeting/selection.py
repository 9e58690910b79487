"""Choosing lanes within today's inspection capacity, with a share kept for exploration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.core.errors import InvalidInput

Exploration = Literal["random", "uncertainty"]


@dataclass(frozen=True)
class Capacity:
    """How many declarations can be examined today, and how the exploration share is drawn."""

    red: int
    yellow: int = 0
    exploration_share: float = 0.10
    exploration: Exploration = "random"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.red < 0 or self.yellow < 0:
            raise InvalidInput.of("inspection capacities cannot be negative")
        if not 0.0 <= self.exploration_share <= 1.0:
            raise InvalidInput.of("the exploration share is between 0 and 1")
        if self.exploration not in ("random", "uncertainty"):
            raise InvalidInput.of("exploration is 'random' or 'uncertainty'")


def select_lanes(scored: pd.DataFrame, capacity: Capacity) -> pd.DataFrame:
    """Lane (red, yellow, green) and exploration flag for each row of `scored`.

    `scored` needs `score` (combined risk), `model_score` (for uncertainty) and `rule_lane`
    ("red", "yellow" or None: the strictest lane a matching rule asks for).
    Red slots go first to rule-forced declarations, then by score; `exploration_share` of the red
    capacity goes to declarations the model would not have picked, so that its blind spots get examined.
    """
    n = len(scored)
    lane = np.full(n, "green", dtype=object)
    explored = np.zeros(n, dtype=bool)
    score = scored["score"].to_numpy(dtype="float64")
    rule_lane = scored["rule_lane"].to_numpy(dtype=object) if "rule_lane" in scored else np.full(n, None)
    explore_slots = min(round(capacity.red * capacity.exploration_share), capacity.red)
    exploit_slots = capacity.red - explore_slots
    # Stable order: forced red first, then by score, ties by position, so a run is reproducible.
    priority = np.lexsort((np.arange(n), -score, rule_lane != "red"))
    chosen = priority[:exploit_slots]
    lane[chosen] = "red"
    remaining = np.flatnonzero(lane == "green")
    if explore_slots and remaining.size:
        if capacity.exploration == "random":
            rng = np.random.default_rng(capacity.seed)
            picks = rng.choice(remaining, size=min(explore_slots, remaining.size), replace=False)
        else:
            model = scored["model_score"].fillna(0.5).to_numpy(dtype="float64")[remaining]
            picks = remaining[np.argsort(-(model * (1.0 - model)), kind="stable")[:explore_slots]]
        lane[picks] = "red"
        explored[picks] = True
    if capacity.yellow:
        remaining = np.flatnonzero(lane == "green")
        order = np.lexsort((remaining, -score[remaining], rule_lane[remaining] == None))  # noqa: E711
        lane[remaining[order[: capacity.yellow]]] = "yellow"
    return pd.DataFrame({"lane": lane, "exploration": explored}, index=scored.index)
