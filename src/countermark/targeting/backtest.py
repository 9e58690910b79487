"""Time-split backtest: retrain on results known before each week, measure precision on that week."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from countermark.targeting.features import HistoryIndex
from countermark.targeting.frames import DATE, History, labels_for
from countermark.targeting.scoring import TargetingModel, train

Trainer = Callable[[History], TargetingModel]


def precision_at(scores: np.ndarray, labels: np.ndarray, share: float) -> float:
    """Share of positives among the top `share` of declarations by score (at least one declaration)."""
    if len(scores) == 0:
        return float("nan")
    k = max(1, round(len(scores) * share))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(labels[top].mean())


def recall_at(scores: np.ndarray, labels: np.ndarray, share: float) -> float:
    """Share of all positives found in the top `share` of declarations by score."""
    positives = labels.sum()
    if len(scores) == 0 or positives == 0:
        return float("nan")
    k = max(1, round(len(scores) * share))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(labels[top].sum() / positives)


def value_at(scores: np.ndarray, weights: np.ndarray, share: float) -> float:
    """Share of the total weight (e.g. value of fraudulent declarations) held by the top `share`."""
    total = weights.sum()
    if len(scores) == 0 or total <= 0:
        return float("nan")
    k = max(1, round(len(scores) * share))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(weights[top].sum() / total)


@dataclass(frozen=True)
class WeekResult:
    """One week of the backtest."""

    week: str
    declarations: int
    inspected: int
    positives: int
    precision: float
    model_rows: int


def weekly_backtest(
    history: History,
    *,
    share: float = 0.05,
    min_train_weeks: int = 4,
    trainer: Trainer | None = None,
    params: dict[str, Any] | None = None,
) -> list[WeekResult]:
    """For each week after the first `min_train_weeks`, train on earlier results and score that week.

    Precision is measured among the inspected declarations of the week (the only ones with an outcome):
    the top `share` of them by score.
    """
    fit: Trainer = trainer or (lambda h: train(h, params=params))
    declarations = history.declarations
    if declarations.empty:
        return []
    weeks = declarations[DATE].dt.to_period("W-SUN")
    ordered = sorted(weeks.unique())
    results = []
    for period in ordered[min_train_weeks:]:
        start = period.start_time.normalize()
        past = history.before(start)
        in_week = declarations[weeks == period]
        labels = labels_for(in_week, history.results)
        inspected = in_week[labels.notna()]
        y = labels[labels.notna()].to_numpy(dtype="float64")
        try:
            model = fit(past)
        except ValueError:
            continue  # not yet enough results of both kinds to learn from
        # Results recorded earlier in the same week are known when a later day is scored.
        index = HistoryIndex.build(
            History(declarations[declarations[DATE] <= in_week[DATE].max()], history.results)
        )
        scores = model.score(inspected, index)["model_score"].to_numpy() if len(inspected) else np.array([])
        results.append(
            WeekResult(
                week=str(period.start_time.date()),
                declarations=len(in_week),
                inspected=len(inspected),
                positives=int(y.sum()),
                precision=precision_at(scores, y, share),
                model_rows=int(labels_for(past.declarations, past.results).notna().sum()),
            )
        )
    return results
