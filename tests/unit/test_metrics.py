"""Evaluation metrics."""

from __future__ import annotations

import pytest

from countermark.eval.metrics import binary_scores, precision_recall_f1


def test_precision_recall_f1_on_overlapping_sets() -> None:
    scores = precision_recall_f1({1, 2, 3, 4}, {3, 4, 5})
    assert scores["precision"] == pytest.approx(0.5)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_empty_prediction_against_non_empty_truth_has_zero_precision_and_recall() -> None:
    assert precision_recall_f1(set(), {1}) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_binary_scores_count_false_positives_over_negatives() -> None:
    flags = {"a": True, "b": True, "c": False, "d": False, "z": True}
    truth = {"a": True, "b": False, "c": True, "d": False}
    scores = binary_scores(flags, truth)
    assert scores["precision"] == pytest.approx(0.5)
    assert scores["recall"] == pytest.approx(0.5)
    assert scores["false_positive_rate"] == pytest.approx(0.5)
    assert scores["evaluated"] == 4
