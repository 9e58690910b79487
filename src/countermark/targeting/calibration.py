"""Calibrated probabilities and lane cut-offs: Platt scaling fitted on held-out weeks, cut-offs from shares.

A raw boosted score ranks well but its value is not a probability. At retrain the latest weeks are held
out, a model fitted on the earlier ones scores them, and a logistic map from log-odds to the observed
outcomes is kept with the final model. The held-out declarations' calibrated probabilities are kept as a
reference distribution: "red for the top 5 %" becomes the probability above which 5 % of them fell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.core.errors import InvalidInput
from countermark.targeting.frames import DATE, History, labels_for

if TYPE_CHECKING:
    from countermark.targeting.scoring import TargetingModel

HOLDOUT_SHARE = 0.2
MIN_HOLDOUT = 100  # held-out results needed to calibrate, with at least MIN_CLASS of each outcome
MIN_CLASS = 10
QUANTILES = 1001
# Defaults when an organisation has no recent selections: 5 % red and 5 % yellow (the demo's capacity).
DEFAULT_RED_SHARE = 0.05
DEFAULT_YELLOW_SHARE = 0.05


def sigmoid(margin: np.ndarray) -> np.ndarray:
    """The logistic function, element-wise."""
    value: np.ndarray = np.exp(-np.logaddexp(0.0, -np.asarray(margin, dtype="float64")))
    return value


@dataclass(frozen=True)
class Calibration:
    """p = sigmoid(slope · log-odds + intercept), fitted on held-out results, and where its scores fell."""

    slope: float
    intercept: float
    reference: tuple[float, ...]  # calibrated probabilities of the held-out declarations at even quantiles
    holdout_from: str
    rows: int
    positives: int
    brier: float

    def probability(self, margin: np.ndarray) -> np.ndarray:
        """Calibrated probability of a find for raw log-odds."""
        return sigmoid(self.slope * np.asarray(margin, dtype="float64") + self.intercept)

    def cutoff(self, share: float) -> float:
        """The probability above which `share` of the held-out declarations fell."""
        share = min(max(share, 0.0), 1.0)
        grid = np.linspace(0.0, 1.0, len(self.reference))
        return float(np.interp(1.0 - share, grid, np.asarray(self.reference)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible state."""
        return {
            "slope": self.slope,
            "intercept": self.intercept,
            "reference": list(self.reference),
            "holdout_from": self.holdout_from,
            "rows": self.rows,
            "positives": self.positives,
            "brier": self.brier,
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Calibration:
        """Rebuild from `to_dict` output."""
        return cls(
            slope=float(state["slope"]),
            intercept=float(state["intercept"]),
            reference=tuple(float(v) for v in state["reference"]),
            holdout_from=str(state["holdout_from"]),
            rows=int(state["rows"]),
            positives=int(state["positives"]),
            brier=float(state["brier"]),
        )


def fit_platt(margin: np.ndarray, outcome: np.ndarray, *, iterations: int = 100) -> tuple[float, float]:
    """Slope and intercept of the logistic regression of outcomes on log-odds (damped Newton steps)."""
    x = np.column_stack([np.asarray(margin, dtype="float64"), np.ones(len(margin))])
    y = np.asarray(outcome, dtype="float64")
    # Platt's smoothed targets keep the fit finite when the held-out outcomes are perfectly separable.
    positives = float(y.sum())
    negatives = float(len(y) - positives)
    target = np.where(y > 0, (positives + 1.0) / (positives + 2.0), 1.0 / (negatives + 2.0))

    def loss(weights: np.ndarray) -> float:
        z = x @ weights
        return float(np.sum(np.logaddexp(0.0, z) - target * z))

    weights = np.array([1.0, 0.0])
    current = loss(weights)
    for _ in range(iterations):
        p = sigmoid(x @ weights)
        gradient = x.T @ (p - target)
        hessian = (x * (p * (1.0 - p))[:, None]).T @ x + np.eye(2) * 1e-9
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        # Halve the step until the loss falls: a full Newton step overshoots on extreme log-odds.
        while scale > 1e-10 and loss(weights - scale * step) > current:
            scale /= 2.0
        weights = weights - scale * step
        previous, current = current, loss(weights)
        if previous - current < 1e-12 * max(1.0, abs(previous)):
            break
    return float(weights[0]), float(weights[1])


def calibrate_on_holdout(
    history: History,
    fit: Callable[[History], TargetingModel],
    *,
    holdout_share: float = HOLDOUT_SHARE,
) -> Calibration | None:
    """Fit on all but the latest `holdout_share` of inspected declarations; calibrate on those held out."""
    from countermark.targeting.history import HistoryIndex

    labels = labels_for(history.declarations, history.results)
    inspected_dates = history.declarations.loc[labels.notna(), DATE]
    if len(inspected_dates) < MIN_HOLDOUT / holdout_share:
        return None
    start = pd.Timestamp(
        np.quantile(inspected_dates.to_numpy(dtype="int64"), 1.0 - holdout_share)
    ).normalize()
    if start <= inspected_dates.min():
        return None
    held = history.declarations[history.declarations[DATE] >= start].reset_index(drop=True)
    outcome = labels_for(held, history.results).to_numpy()
    known = ~np.isnan(outcome)
    positives = int(np.nansum(outcome))
    if known.sum() < MIN_HOLDOUT or positives < MIN_CLASS or known.sum() - positives < MIN_CLASS:
        return None
    try:
        earlier = fit(history.before(start))
    except ValueError:
        return None
    # Held-out declarations see every result dated before their own day, as they would when scored live.
    margin = earlier.classifier.margin(earlier.matrix(held, HistoryIndex.build(history)))
    slope, intercept = fit_platt(margin[known], outcome[known])
    calibrated = sigmoid(slope * margin + intercept)
    brier = float(np.mean((calibrated[known] - outcome[known]) ** 2))
    return Calibration(
        slope=slope,
        intercept=intercept,
        reference=tuple(float(v) for v in np.quantile(calibrated, np.linspace(0.0, 1.0, QUANTILES))),
        holdout_from=str(start.date()),
        rows=int(known.sum()),
        positives=positives,
        brier=brier,
    )


@dataclass(frozen=True)
class LaneCutoffs:
    """Combined-score thresholds of the red and yellow lanes for a single score, and what they rest on."""

    red: float
    yellow: float
    basis: str

    def lane(self, score: float, rule_lane: str | None) -> str:
        """A rule's lane first, then the thresholds."""
        if rule_lane in ("red", "yellow"):
            return rule_lane
        return "red" if score >= self.red else "yellow" if score >= self.yellow else "green"


# Without a calibrated model (rules and intelligence only, or too few results) the old fixed thresholds.
UNCALIBRATED = LaneCutoffs(0.7, 0.4, "fixed thresholds 0.7 / 0.4 (no calibrated model yet)")


def cutoffs_from_shares(
    calibration: Calibration, red_share: float, yellow_share: float, source: str
) -> LaneCutoffs:
    """Cut-offs so that `red_share` of declarations go red and `yellow_share` yellow (on held-out scores)."""
    if not (0.0 <= red_share <= 1.0 and 0.0 <= yellow_share <= 1.0 and red_share + yellow_share <= 1.0):
        raise InvalidInput.of("lane shares are between 0 and 1 and add up to at most 1")
    red = calibration.cutoff(red_share)
    yellow = min(calibration.cutoff(red_share + yellow_share), red)
    return LaneCutoffs(
        red, yellow, f"{source}: red {red_share:.1%}, yellow {yellow_share:.1%} of declarations"
    )


def cutoffs_from_hit_rates(red_rate: float, yellow_rate: float) -> LaneCutoffs:
    """Cut-offs on the calibrated probability itself: red when a find is at least `red_rate` likely."""
    if not (0.0 < yellow_rate <= red_rate <= 1.0):
        raise InvalidInput.of("target hit rates are above 0, at most 1, and red's at least yellow's")
    return LaneCutoffs(
        red_rate, yellow_rate, f"target hit rates: red {red_rate:.0%}, yellow {yellow_rate:.0%}"
    )
