"""Calibration on folds of sellers, the cautious operating threshold, and models saved before either."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from countermark.detect.pipeline import cautious_threshold, threshold_for_precision
from countermark.detect.scorer import ListingScorer


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(400, 4))  # noqa: N806 - the scikit-learn name
    y = (X[:, 0] + 0.7 * rng.normal(size=400) > 0).astype(int)
    groups = np.array([f"s{i // 4}" for i in range(400)])
    return X, y, groups


def test_each_fold_of_sellers_calibrates_the_model_fitted_on_the_others() -> None:
    X, y, groups = _data()  # noqa: N806 - the scikit-learn name
    scorer = ListingScorer(model="logistic", calibration_folds=4).fit(X, y, groups)
    assert len(scorer.members_) == 4
    p = scorer.predict_proba(X)[:, 1]
    assert ((p >= 0) & (p <= 1)).all()
    assert p[y == 1].mean() > 0.7 > 0.3 > p[y == 0].mean()


def test_too_few_sellers_of_a_class_for_every_fold_calibrate_on_one_split() -> None:
    X, y, groups = _data()  # noqa: N806 - the scikit-learn name
    y = np.zeros_like(y)
    y[:12] = 1  # three sellers only: some fold would hold no infringing listing
    scorer = ListingScorer(model="logistic", calibration_folds=4).fit(X, y, groups)
    assert len(scorer.members_) == 1


def test_a_model_saved_with_one_calibrator_still_scores_the_same() -> None:
    X, y, groups = _data()  # noqa: N806 - the scikit-learn name
    scorer = ListingScorer(model="logistic").fit(X, y, groups)
    state = pickle.loads(pickle.dumps(scorer)).__dict__
    model, calibrator = state.pop("members_")[0]
    state.pop("calibration_folds")
    old = ListingScorer.__new__(ListingScorer)
    old.__setstate__({**state, "model_": model, "calibrator_": calibrator})
    assert np.allclose(old.predict_proba(X), scorer.predict_proba(X))


def _mixer_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """180 infringing listings (3 a seller), 200 honest ones (2 a seller), and a mixer's 3 honest listings
    scored like the infringing ones: on these sellers the target is just kept down to 0.8."""
    scores = np.r_[np.linspace(0.8, 1.0, 180), np.linspace(0.0, 0.5, 200), np.full(3, 0.82)]
    labels = np.r_[np.ones(180, bool), np.zeros(200, bool), np.zeros(3, bool)]
    groups = np.r_[[f"p{i // 3}" for i in range(180)], [f"n{i // 2}" for i in range(200)], ["mixer"] * 3]
    return scores, labels, groups


def test_the_cautious_threshold_leaves_a_margin_where_one_seller_crowds_in() -> None:
    scores, labels, groups = _mixer_case()
    assert threshold_for_precision(scores, labels, 0.98) == pytest.approx(0.8)
    # Resampled, the mixer is often drawn twice: the threshold then has to stand above its listings.
    assert cautious_threshold(scores, labels, groups, 0.98) > 0.82
    assert cautious_threshold(scores, labels, groups, 0.98, confidence=0.5) == pytest.approx(0.8)


def test_more_confidence_never_lowers_the_threshold() -> None:
    scores, labels, groups = _mixer_case()
    found = [cautious_threshold(scores, labels, groups, 0.98, confidence=c) for c in (0.5, 0.75, 0.9, 0.99)]
    assert found == sorted(found)
