"""The shipment risk model: LightGBM gradient boosting wrapped as a scikit-learn classifier."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from sklearn.base import BaseEstimator, ClassifierMixin  # type: ignore[import-untyped]
from sklearn.utils.multiclass import unique_labels  # type: ignore[import-untyped]
from sklearn.utils.validation import check_is_fitted, validate_data  # type: ignore[import-untyped]


class ShipmentRiskClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Probability that an inspection of the declaration finds an infringement or fraud."""

    def __init__(
        self,
        *,
        n_estimators: int = 400,
        learning_rate: float = 0.03,
        num_leaves: int = 31,
        min_child_samples: int = 20,
        subsample: float = 0.8,
        colsample_bytree: float = 0.7,
        reg_lambda: float = 1.0,
        categorical_features: tuple[str, ...] = (),
        random_state: int = 0,
        n_jobs: int = 2,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.categorical_features = categorical_features
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _params(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1.0 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            "seed": self.random_state,
            "num_threads": self.n_jobs,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }

    def fit(self, x: Any, y: Any) -> ShipmentRiskClassifier:
        """Train on features x and outcomes y (two classes); returns self."""
        names = list(x.columns) if isinstance(x, pd.DataFrame) else None
        x_checked, y_checked = validate_data(self, x, y, ensure_all_finite="allow-nan", dtype="float64")
        self.classes_ = unique_labels(y_checked)
        if len(self.classes_) != 2:
            raise ValueError(f"the risk model needs two outcome classes, got {len(self.classes_)}")
        target = (y_checked == self.classes_[1]).astype("float64")
        self.feature_names_ = names or [f"f{i}" for i in range(x_checked.shape[1])]
        categorical = [n for n in self.categorical_features if n in self.feature_names_]
        data = lgb.Dataset(
            x_checked,
            label=target,
            feature_name=self.feature_names_,
            categorical_feature=categorical or "auto",
            free_raw_data=True,
        )
        self.booster_ = lgb.train(self._params(), data, num_boost_round=self.n_estimators)
        return self

    def _checked(self, x: Any) -> np.ndarray:
        check_is_fitted(self, "booster_")
        checked: np.ndarray = validate_data(
            self, x, reset=False, ensure_all_finite="allow-nan", dtype="float64"
        )
        return checked

    def predict_proba(self, x: Any) -> np.ndarray:
        """Probabilities of both classes, one row per declaration."""
        positive = np.asarray(
            self.booster_.predict(self._checked(x), num_threads=self.n_jobs), dtype="float64"
        )
        return np.column_stack([1.0 - positive, positive])

    def predict(self, x: Any) -> np.ndarray:
        """The more likely class of each declaration."""
        labels: np.ndarray = self.classes_[(self.predict_proba(x)[:, 1] >= 0.5).astype(int)]
        return labels

    def margin(self, matrix: np.ndarray) -> np.ndarray:
        """Log-odds of each row of a float64 feature matrix in the training column order (no checks)."""
        check_is_fitted(self, "booster_")
        raw = self.booster_.predict(
            np.ascontiguousarray(matrix, dtype="float64"), raw_score=True, num_threads=self.n_jobs
        )
        margin: np.ndarray = np.asarray(raw, dtype="float64")
        return margin

    def contributions(self, x: Any) -> np.ndarray:
        """Per-feature contributions to each log-odds score (SHAP); the last column is the base value."""
        checked = np.ascontiguousarray(x, dtype="float64") if isinstance(x, np.ndarray) else self._checked(x)
        raw = self.booster_.predict(checked, pred_contrib=True, num_threads=self.n_jobs)
        contrib: np.ndarray = np.asarray(raw, dtype="float64")
        return contrib

    def to_text(self) -> str:
        """The fitted booster in LightGBM's text format (safe to store; no pickle)."""
        check_is_fitted(self, "booster_")
        text: str = self.booster_.model_to_string()
        return text

    @classmethod
    def from_text(cls, text: str, *, classes: list[Any], n_jobs: int = 1) -> ShipmentRiskClassifier:
        """A fitted classifier from `to_text` output."""
        model = cls(n_jobs=n_jobs)
        model.booster_ = lgb.Booster(model_str=text)
        model.classes_ = np.asarray(classes)
        model.feature_names_ = list(model.booster_.feature_name())
        model.n_features_in_ = len(model.feature_names_)
        model.feature_names_in_ = np.asarray(model.feature_names_, dtype=object)
        return model
