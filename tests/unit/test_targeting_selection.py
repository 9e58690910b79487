"""Selection fills the inspection capacity, keeps the exploration share and puts rule-forced cases first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from countermark.core.errors import InvalidInput
from countermark.targeting.selection import Capacity, select_lanes


def _scored(n: int = 100) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    score = rng.random(n)
    return pd.DataFrame({"score": score, "model_score": score, "rule_lane": [None] * n})


def test_lanes_never_exceed_capacity_and_the_rest_is_green() -> None:
    lanes = select_lanes(_scored(), Capacity(red=10, yellow=5))
    assert (lanes["lane"] == "red").sum() == 10
    assert (lanes["lane"] == "yellow").sum() == 5
    assert (lanes["lane"] == "green").sum() == 85


def test_exploration_takes_its_share_from_outside_the_top_scores() -> None:
    scored = _scored()
    lanes = select_lanes(scored, Capacity(red=20, exploration_share=0.1, seed=4))
    explored = lanes["exploration"]
    assert explored.sum() == 2
    top18 = scored["score"].rank(ascending=False) <= 18
    assert (lanes.loc[top18, "lane"] == "red").all()
    assert not (explored & top18).any()


def test_without_exploration_red_is_exactly_the_top_scores() -> None:
    scored = _scored()
    lanes = select_lanes(scored, Capacity(red=10, exploration_share=0.0))
    top10 = scored["score"].rank(ascending=False) <= 10
    assert (lanes["lane"] == "red").equals(top10)


def test_uncertainty_exploration_picks_scores_nearest_one_half() -> None:
    scored = pd.DataFrame(
        {
            "score": [0.9, 0.8, 0.5, 0.1, 0.45],
            "model_score": [0.9, 0.8, 0.5, 0.1, 0.45],
            "rule_lane": [None] * 5,
        }
    )
    lanes = select_lanes(scored, Capacity(red=2, exploration_share=0.5, exploration="uncertainty"))
    assert lanes["lane"].tolist() == ["red", "green", "red", "green", "green"]
    assert lanes["exploration"].tolist() == [False, False, True, False, False]


def test_rule_forced_red_goes_first_even_with_a_low_score() -> None:
    scored = pd.DataFrame(
        {"score": [0.9, 0.8, 0.05], "model_score": [0.9, 0.8, 0.0], "rule_lane": [None, None, "red"]}
    )
    lanes = select_lanes(scored, Capacity(red=1, exploration_share=0.0))
    assert lanes["lane"].tolist() == ["green", "green", "red"]


def test_capacity_larger_than_the_day_selects_everything_once() -> None:
    lanes = select_lanes(_scored(5), Capacity(red=8, yellow=3))
    assert (lanes["lane"] == "red").sum() == 5


def test_negative_capacity_or_share_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidInput):
        Capacity(red=-1)
    with pytest.raises(InvalidInput):
        Capacity(red=1, exploration_share=1.5)
