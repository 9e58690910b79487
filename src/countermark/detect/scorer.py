"""The listing scorer: a classifier over the signal features, calibrated on sellers it was not fitted on.

Follows the scikit-learn estimator contract (`__init__` stores parameters, `fit` returns self, learned
attributes end in `_`). `fit` holds out a share of the sellers (groups), fits the model on the rest and
calibrates its scores on the held-out sellers (isotonic regression, or Platt's sigmoid), so that a
score of 0.9 means about nine listings in ten confirmed. With `calibration_folds` > 1 it does so once per
fold of sellers (each fold calibrating the model fitted on the others) and averages the calibrated
probabilities, as scikit-learn's `CalibratedClassifierCV(ensemble=True)` does: every seller serves both
to fit and to calibrate, and one unlucky calibration split no longer decides the scores' steps. With
`prior`, every model is also fitted on the labelled rows of synthetic worlds shipped with the package
(`detect.prior`), and calibrated on the organisation's own sellers only.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin  # type: ignore[import-untyped]
from sklearn.impute import SimpleImputer  # type: ignore[import-untyped]
from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.model_selection import GroupKFold, GroupShuffleSplit  # type: ignore[import-untyped]
from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

from countermark.detect.prior import Prior, shipped_prior

Model = Literal["lightgbm", "logistic"]
Calibration = Literal["isotonic", "sigmoid"]
TIE_BREAK = 1e-6  # the raw score's weight in the probability: orders the listings of one calibrated step


def _base(model: str, random_state: int) -> Any:
    if model == "lightgbm":
        from lightgbm import LGBMClassifier

        return LGBMClassifier(
            n_estimators=300,
            learning_rate=0.05,
            num_leaves=15,
            min_child_samples=10,
            subsample=0.9,
            subsample_freq=1,
            colsample_bytree=0.9,
            random_state=random_state,
            n_jobs=1,
            verbose=-1,
        )
    if model == "logistic":
        return make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True),
            StandardScaler(),
            LogisticRegression(max_iter=2000, C=1.0),
        )
    raise ValueError(f"unknown model {model!r}: use 'lightgbm' or 'logistic'")


class ListingScorer(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Probability that a listing infringes, from its feature row (NaN for unknown values)."""

    def __init__(
        self,
        model: Model = "lightgbm",
        calibration: Calibration = "isotonic",
        calibration_share: float = 0.25,
        random_state: int = 0,
        calibration_folds: int = 1,
        prior: bool = False,
        prior_exclude: tuple[str, ...] = (),
    ) -> None:
        self.model = model
        self.calibration = calibration
        self.calibration_share = calibration_share
        self.random_state = random_state
        self.calibration_folds = calibration_folds
        self.prior = prior
        self.prior_exclude = prior_exclude

    def fit(self, X: ArrayLike, y: ArrayLike, groups: ArrayLike | None = None) -> ListingScorer:  # noqa: N803 - the scikit-learn name
        """Fit on some groups, calibrate on the others; both classes needed on each side. With `prior`, each
        model is also fitted on the shipped prior's rows (less the worlds in `prior_exclude`), never
        calibrated on them."""
        features = np.asarray(X, dtype=float)
        labels = np.asarray(y).astype(int)
        if features.ndim != 2 or len(features) != len(labels):
            raise ValueError("X must be 2-D with one row per label")
        if len(set(labels.tolist())) < 2:
            raise ValueError("training needs both infringing and legitimate examples")
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = features.shape[1]
        group_ids = np.asarray(groups) if groups is not None else np.arange(len(labels))
        extra = self._prior_rows(features.shape[1])
        self.prior_rows_ = 0 if extra is None else len(extra)
        self.members_: list[tuple[Any, Any]] = []
        for fit_rows, calibration_rows in self._splits(labels, group_ids):
            fit_x, fit_y = features[fit_rows], labels[fit_rows]
            if extra is not None:
                fit_x = np.vstack([fit_x, extra.X])
                fit_y = np.concatenate([fit_y, extra.labels.astype(int)])
            model = _base(self.model, self.random_state).fit(fit_x, fit_y)
            raw = np.asarray(model.predict_proba(features[calibration_rows])[:, 1], dtype=float)
            self.members_.append((model, self._calibrator(raw, labels[calibration_rows])))
        return self

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Models saved before calibration folds kept one fitted model and its calibrator.
        if "model_" in state and "members_" not in state:
            state["members_"] = [(state.pop("model_"), state.pop("calibrator_"))]
        state.setdefault("calibration_folds", 1)
        state.setdefault("prior", False)
        state.setdefault("prior_exclude", ())
        state.setdefault("prior_rows_", 0)
        self.__dict__.update(state)

    def _prior_rows(self, columns: int) -> Prior | None:
        """The prior's rows to fit on, or None (not asked for, not shipped, or every world excluded)."""
        if not self.prior:
            return None
        prior = shipped_prior()
        if prior is None or not len(prior):
            return None
        if columns != prior.X.shape[1]:
            raise ValueError(f"the prior has {prior.X.shape[1]} features, these rows {columns}")
        kept = prior.without(self.prior_exclude)
        return kept if len(kept) else None

    def _calibrator(self, raw: NDArray[np.float64], labels: NDArray[np.int_]) -> Any:
        if self.calibration == "isotonic":
            return IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, labels)
        if self.calibration == "sigmoid":
            return LogisticRegression(C=1e6).fit(_logit(raw)[:, None], labels)
        raise ValueError(f"unknown calibration {self.calibration!r}: use 'isotonic' or 'sigmoid'")

    def _splits(
        self, labels: NDArray[np.int_], groups: NDArray[Any]
    ) -> list[tuple[NDArray[np.int_], NDArray[np.int_]]]:
        """(fit, calibrate) row indices: one per fold of sellers, or one split when there are too few
        sellers of each class to have both on every side of every fold."""
        if self.calibration_folds > 1 and len(set(groups.tolist())) >= self.calibration_folds:
            folds = list(GroupKFold(n_splits=self.calibration_folds).split(labels, labels, groups))
            if all(len(set(labels[rows].tolist())) == 2 for pair in folds for rows in pair):
                return folds
        return [self._split(labels, groups)]

    def _split(
        self, labels: NDArray[np.int_], groups: NDArray[Any]
    ) -> tuple[NDArray[np.int_], NDArray[np.int_]]:
        """Row indices to fit and to calibrate on, no group on both sides, both classes on each."""
        for attempt in range(20):
            splitter = GroupShuffleSplit(
                n_splits=1, test_size=self.calibration_share, random_state=self.random_state + attempt
            )
            fit_rows, calibration_rows = next(splitter.split(labels, labels, groups))
            if len(set(labels[fit_rows].tolist())) == 2 and len(set(labels[calibration_rows].tolist())) == 2:
                return fit_rows, calibration_rows
        raise ValueError("too few sellers of each class to hold some out for calibration")

    def _raw(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        raws = [np.asarray(model.predict_proba(features)[:, 1], dtype=float) for model, _ in self.members_]
        return np.asarray(np.mean(raws, axis=0), dtype=float)

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:  # noqa: N803 - the scikit-learn name
        """Calibrated probabilities, one row [legitimate, infringing] per listing."""
        features = np.asarray(X, dtype=float)
        raws, calibrated = [], []
        for model, calibrator in self.members_:
            raw = np.asarray(model.predict_proba(features)[:, 1], dtype=float)
            raws.append(raw)
            if self.calibration == "isotonic":
                calibrated.append(np.asarray(calibrator.predict(raw), dtype=float))
            else:
                calibrated.append(calibrator.predict_proba(_logit(raw)[:, None])[:, 1])
        # Isotonic steps are flat: within one, listings keep the models' order. The raw score is mixed in
        # (not added) so the top step, where every calibrator says 1, is ordered too and stays below 1: a
        # cautious threshold can then take part of it instead of all or none.
        positive = (1 - TIE_BREAK) * np.mean(calibrated, axis=0) + TIE_BREAK * np.mean(raws, axis=0)
        positive = np.clip(positive, 0.0, 1.0)
        return np.column_stack([1 - positive, positive])

    def predict(self, X: ArrayLike) -> NDArray[np.int_]:  # noqa: N803 - the scikit-learn name
        """1 where the calibrated probability is at least one half."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def raw_scores(self, X: ArrayLike) -> NDArray[np.float64]:  # noqa: N803 - the scikit-learn name
        """The uncalibrated model's scores (for the held-out comparison of models)."""
        return self._raw(np.asarray(X, dtype=float))


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


def expected_calibration_error(probabilities: ArrayLike, labels: ArrayLike, bins: int = 10) -> float:
    """Mean gap between predicted and observed rates over equal-width bins, weighted by bin size."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels, dtype=float)
    if not len(p):
        return math.nan
    edges = np.minimum((p * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        mask = edges == b
        if mask.any():
            error += mask.mean() * abs(p[mask].mean() - y[mask].mean())
    return float(error)
