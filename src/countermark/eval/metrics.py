"""Pure metrics: precision, recall, F1 over sets and labelled predictions."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

KeyT = TypeVar("KeyT", bound=Hashable)


def precision_recall_f1(predicted: Iterable[Hashable], actual: Iterable[Hashable]) -> dict[str, float]:
    """Precision, recall and F1 of a predicted set against the true set (1.0 for empty against empty)."""
    pred, true = set(predicted), set(actual)
    hits = len(pred & true)
    precision = hits / len(pred) if pred else (1.0 if not true else 0.0)
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def binary_scores(flags: Mapping[KeyT, bool], truth: Mapping[KeyT, bool]) -> dict[str, float]:
    """Precision, recall, F1 and false-positive rate of boolean flags over the keys both sides know."""
    keys = flags.keys() & truth.keys()
    predicted = {k for k in keys if flags[k]}
    actual = {k for k in keys if truth[k]}
    scores = precision_recall_f1(predicted, actual)
    negatives = len(keys) - len(actual)
    scores["false_positive_rate"] = len(predicted - actual) / negatives if negatives else 0.0
    scores["evaluated"] = float(len(keys))
    return scores
