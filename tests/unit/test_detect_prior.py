"""The detection prior: rows read by feature name, worlds left out, fitted on beside the organisation's
own rows and never calibrated on, and the shipped file in today's feature layout."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from countermark.detect import prior as prior_module
from countermark.detect import scorer as scorer_module
from countermark.detect.prior import PRIOR_FILE, Prior, read_prior, save_prior, shipped_prior, world_name
from countermark.detect.scorer import ListingScorer
from countermark.detect.signals import FEATURES
from countermark.detect.training import average_precision


def test_rows_are_read_by_feature_name_and_a_feature_the_file_lacks_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "prior.npz"
    save_prior(path, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([True, False]), ["a:1", "a:2"], ("b", "a"))
    read = read_prior(path, features=("a", "c", "b"))
    assert read is not None
    assert read.X[:, 0].tolist() == [2.0, 4.0]
    assert all(math.isnan(v) for v in read.X[:, 1])
    assert read.X[:, 2].tolist() == [1.0, 3.0]
    assert read.labels.tolist() == [True, False]
    assert read.without(["a:1"]).labels.tolist() == [False]


def test_an_unreadable_prior_is_none(tmp_path: Path) -> None:
    path = tmp_path / "prior.npz"
    path.write_bytes(b"not a numpy file")
    assert read_prior(path) is None
    assert read_prior(tmp_path / "absent.npz") is None


def _rule(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 3))  # noqa: N806 - the scikit-learn name
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    return X, y


def _use_prior(monkeypatch: pytest.MonkeyPatch, prior: Prior) -> None:
    monkeypatch.setattr(scorer_module, "shipped_prior", lambda: prior)


def test_a_model_fitted_with_the_prior_ranks_better_on_few_sellers(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    X, y = _rule(rng, 80)  # noqa: N806 - the scikit-learn name
    groups = np.array([f"s{i // 2}" for i in range(80)])
    PX, py = _rule(rng, 4000)  # noqa: N806 - the scikit-learn name
    _use_prior(monkeypatch, Prior(PX, py.astype(bool), np.array(["medium:1"] * 4000)))
    TX, ty = _rule(rng, 2000)  # noqa: N806 - the scikit-learn name
    alone = ListingScorer(model="lightgbm").fit(X, y, groups)
    helped = ListingScorer(model="lightgbm", prior=True).fit(X, y, groups)
    assert alone.prior_rows_ == 0 and helped.prior_rows_ == 4000
    ap_alone = average_precision(alone.predict_proba(TX)[:, 1], ty.astype(bool))
    ap_helped = average_precision(helped.predict_proba(TX)[:, 1], ty.astype(bool))
    assert ap_helped > ap_alone + 0.03


def test_the_prior_is_fitted_on_never_calibrated_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Own listings are infringing one time in five; the prior's every other time. Calibrated on the
    own sellers, the mean probability stays near the own rate."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(600, 2))  # noqa: N806 - the scikit-learn name
    y = (X[:, 0] > 0.84).astype(int)  # about 20 %
    groups = np.array([f"s{i // 3}" for i in range(600)])
    PX = rng.normal(size=(3000, 2))  # noqa: N806 - the scikit-learn name
    _use_prior(monkeypatch, Prior(PX, PX[:, 0] > 0, np.array(["medium:1"] * 3000)))
    helped = ListingScorer(model="logistic", prior=True).fit(X, y, groups)
    assert helped.prior_rows_ == 3000
    mean = helped.predict_proba(rng.normal(size=(3000, 2)))[:, 1].mean()
    assert abs(mean - 0.2) < 0.05


def test_a_world_left_out_of_the_prior_is_not_fitted_on(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    X, y = _rule(rng, 200)  # noqa: N806 - the scikit-learn name
    groups = np.array([f"s{i // 2}" for i in range(200)])
    worlds = np.array(["medium:7"] * 100 + ["medium:9"] * 50)
    _use_prior(monkeypatch, Prior(X[:150], y[:150].astype(bool), worlds))
    scorer = ListingScorer(model="logistic", prior=True, prior_exclude=(world_name("medium", 7),))
    assert scorer.fit(X, y, groups).prior_rows_ == 50
    everything = ListingScorer(model="logistic", prior=True, prior_exclude=("medium:7", "medium:9"))
    assert everything.fit(X, y, groups).prior_rows_ == 0


def test_a_prior_of_another_layout_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    X, y = _rule(rng, 100)  # noqa: N806 - the scikit-learn name
    _use_prior(monkeypatch, Prior(X[:, :2], y.astype(bool), np.array(["medium:1"] * 100)))
    with pytest.raises(ValueError, match="features"):
        ListingScorer(model="logistic", prior=True).fit(X, y, np.arange(100) // 2)


def test_the_shipped_prior_holds_every_feature_of_today() -> None:
    """A feature added without building the prior again (scripts/build_detect_prior.py) fails here."""
    if not PRIOR_FILE.exists():
        pytest.fail(f"{PRIOR_FILE} is missing: run scripts/build_detect_prior.py")
    with np.load(PRIOR_FILE, allow_pickle=False) as data:
        names = [str(n) for n in data["features"]]
        assert data["X"].shape == (len(data["labels"]), len(names))
    assert names == list(FEATURES)
    shipped_prior.cache_clear()
    prior = shipped_prior()
    assert prior is not None and len(prior) > 10_000
    assert 0.2 < prior.labels.mean() < 0.6
    assert not {"medium:7", "medium:8"} & set(prior.worlds.tolist())
    assert prior_module.PRIOR_FILE == PRIOR_FILE
