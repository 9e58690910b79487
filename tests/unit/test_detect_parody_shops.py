"""Parody shops' offers get an operating threshold of their own, chosen on their own out-of-fold scores."""

from __future__ import annotations

import math
import pickle
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np

from countermark.detect.engine import DetectionModel, score
from countermark.detect.facts import ListingFacts, References
from countermark.detect.pipeline import cautious_threshold
from countermark.detect.scorer import ListingScorer
from countermark.detect.signals import FEATURES, is_parody_shop
from countermark.detect.training import operating_thresholds

REFERENCES = References(marks={"Kelondo": ("Kelondo",)})
PARODY_SHARE = FEATURES.index("seller_parody_share")


def _rows(parody: np.ndarray) -> np.ndarray:
    rows = np.full((len(parody), len(FEATURES)), math.nan)
    rows[:, PARODY_SHARE] = np.where(parody, 1.0, 0.0)
    return rows


def test_a_parody_shop_needs_a_threshold_its_mixed_offers_keep_the_precision_at() -> None:
    # Ordinary listings are well ranked; two parody shops' offers score 0.72-0.9 whether they infringe or not.
    scores = np.r_[np.linspace(0.7, 1.0, 300), np.linspace(0.0, 0.5, 300), [0.75, 0.8, 0.85, 0.9, 0.72, 0.78]]
    labels = np.r_[np.ones(300, bool), np.zeros(300, bool), np.arange(6) % 2 == 0]
    groups = np.r_[[f"p{i // 3}" for i in range(300)], [f"n{i // 3}" for i in range(300)]]
    groups = np.r_[groups, ["parody0"] * 4, ["parody1"] * 2]
    parody = np.r_[np.zeros(600, bool), np.ones(6, bool)]
    general, own = operating_thresholds(scores, _rows(parody), labels, groups, 0.98)
    # The general threshold is chosen on every listing, as without parody shops.
    assert general == cautious_threshold(scores, labels, groups, 0.98)
    assert general < 0.95
    # The highest-scored parody offer is honest: no threshold below 1 keeps the precision on them.
    assert own == 1.0
    # Without parody shops among the training sellers there is one threshold.
    ordinary = slice(0, 600)
    assert operating_thresholds(
        scores[ordinary], _rows(parody[ordinary]), labels[ordinary], groups[ordinary], 0.98
    ) == (cautious_threshold(scores[ordinary], labels[ordinary], groups[ordinary], 0.98), None)


class _Fixed:
    """A scorer that gives every listing the same probability."""

    def __init__(self, probability: float) -> None:
        self.probability = probability

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: N803 - the scikit-learn name
        p = np.full(len(X), self.probability)
        return np.column_stack([1 - p, p])


def _listing(key: str, seller: str, title: str) -> ListingFacts:
    return ListingFacts(
        key=key,
        platform="ShopMarket",
        title=title,
        seller=seller,
        observed_at=datetime(2026, 6, 1, tzinfo=UTC),
    )


def test_a_parody_shops_offer_is_decided_by_its_own_threshold_and_says_so_first() -> None:
    model = DetectionModel(
        scorer=cast(ListingScorer, _Fixed(0.8)), threshold=0.5, references=REFERENCES, parody_threshold=0.95
    )
    listings = [
        _listing("t:1", "dupeshop", "Dupe of Kelondo Ondine, smells like the original"),
        _listing("t:2", "dupeshop", "Kelondo Ondine dupe, 30ml"),
        _listing("t:3", "shop2", "Kelondo Ondine EDP 30ml"),
    ]
    parody, _, ordinary = score(model, [(f, None) for f in listings], language="fr")
    assert not parody.alert and parody.threshold == 0.95 and parody.rule == "parody_shop"
    assert parody.reasons[0].startswith("Le vendeur présente sa gamme comme des parodies")
    assert "0,95" in parody.reasons[0]  # the French way
    assert ordinary.alert and ordinary.threshold == 0.5 and ordinary.rule is None
    assert list(model.row_thresholds(_rows(np.array([True, False])))) == [0.95, 0.5]
    assert is_parody_shop({"seller_parody_share": 0.5}) and not is_parody_shop({"seller_parody_share": 0.4})
    assert not is_parody_shop({"seller_parody_share": math.nan})


def test_a_model_saved_before_parody_thresholds_uses_one_threshold_for_all() -> None:
    model = DetectionModel(scorer=cast(ListingScorer, _Fixed(0.8)), threshold=0.5, references=REFERENCES)
    state = pickle.loads(pickle.dumps(model)).__dict__
    state.pop("parody_threshold")
    old = DetectionModel.__new__(DetectionModel)
    old.__dict__.update(state)
    assert old.parody_threshold is None
    assert old.threshold_for({"seller_parody_share": 1.0}) == 0.5
    assert list(old.row_thresholds(_rows(np.array([True, False])))) == [0.5, 0.5]
