"""Pure metrics: precision, recall, F1 over sets and labelled predictions; ranking and pairwise scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
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


def _ranked(scores: Sequence[float], labels: Sequence[bool]) -> list[tuple[float, int, int]]:
    """(threshold, positives, flagged) at every distinct score, highest first: ties are flagged together."""
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    order = sorted(zip(scores, labels, strict=True), key=lambda pair: -pair[0])
    points: list[tuple[float, int, int]] = []
    hits = 0
    for index, (score, label) in enumerate(order):
        hits += bool(label)
        if index + 1 == len(order) or order[index + 1][0] != score:
            points.append((score, hits, index + 1))
    return points


def average_precision(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the step precision-recall curve (sklearn's definition); nan with no positive label."""
    positives = sum(bool(label) for label in labels)
    if not positives:
        return float("nan")
    area, recall_before = 0.0, 0.0
    for _, hits, flagged in _ranked(scores, labels):
        recall = hits / positives
        area += (recall - recall_before) * hits / flagged
        recall_before = recall
    return area


def precision_at_recall(scores: Sequence[float], labels: Sequence[bool], recall: float) -> float:
    """The best precision of any score threshold that reaches at least this recall (0.0 if none does)."""
    positives = sum(bool(label) for label in labels)
    if not positives:
        return float("nan")
    reached = [hits / flagged for _, hits, flagged in _ranked(scores, labels) if hits / positives >= recall]
    return max(reached, default=0.0)


def pairwise_scores(
    clusters: Mapping[str, Hashable],
    groups: Mapping[str, Hashable | None],
    ignored: Mapping[str, Hashable | None] | None = None,
) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering of items against true groups.

    A pair of items is predicted when both sit in one cluster and true when both sit in one group
    (items with group None belong to none). A pair whose two items share a non-None `ignored` key
    (and no group) counts neither way. Items missing from `clusters` are singletons.
    """
    ignored = ignored or {}
    members: dict[Hashable, list[str]] = {}
    for item, cluster in clusters.items():
        members.setdefault(cluster, []).append(item)
    predicted = true_positive = skipped = 0
    for items in members.values():
        predicted += _pairs(len(items))
        true_positive += sum(
            _pairs(n) for n in Counter(groups.get(i) for i in items if groups.get(i) is not None).values()
        )
        skipped += sum(
            _pairs(n)
            for n in Counter(
                ignored.get(i) for i in items if ignored.get(i) is not None and groups.get(i) is None
            ).values()
        )
    actual = sum(_pairs(n) for n in Counter(g for g in groups.values() if g is not None).values())
    predicted -= skipped
    precision = true_positive / predicted if predicted else (1.0 if not actual else 0.0)
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "predicted_pairs": float(predicted),
        "true_pairs": float(actual),
    }


def _pairs(count: int) -> int:
    return count * (count - 1) // 2
