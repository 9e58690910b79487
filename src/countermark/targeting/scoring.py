"""A trained targeting model: features plus classifier, stored as JSON and LightGBM text (no pickle)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.targeting.calibration import HOLDOUT_SHARE, Calibration, calibrate_on_holdout, sigmoid
from countermark.targeting.classifier import ShipmentRiskClassifier
from countermark.targeting.features import CATEGORICAL, DeclarationFeatures, HistoryIndex
from countermark.targeting.frames import DATE, KEY, History, declaration_columns, labels_for
from countermark.targeting.history import Columns
from countermark.targeting.predictor import Predictor, compiled_or_none
from countermark.targeting.reason_codes import feature_words

FORMAT = "countermark-targeting/1"


def describe_feature(name: str) -> str:
    """A feature's name in words."""
    return feature_words(name)


@dataclass
class TargetingModel:
    """What `retrain` produces and `score` uses."""

    features: DeclarationFeatures
    classifier: ShipmentRiskClassifier
    trained_through: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    calibration: Calibration | None = None
    predictor: Predictor | None = field(default=None, repr=False, compare=False)

    def use_compiled(self, cache_dir: Path, *, n_jobs: int = 2) -> bool:
        """Predict with the trees compiled by lleaves (cached in cache_dir); False if it is unavailable."""
        self.predictor = compiled_or_none(self.classifier.to_text(), cache_dir, n_jobs=n_jobs)
        return self.predictor is not None

    def matrix(self, declarations: pd.DataFrame | Columns, index: HistoryIndex) -> np.ndarray:
        """The feature matrix of declarations (a frame, or numpy columns)."""
        columns = (
            declaration_columns(declarations) if isinstance(declarations, pd.DataFrame) else declarations
        )
        return self.features.matrix(columns, index)

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        """Probability of a find per row: calibrated on held-out weeks when the model has a calibration."""
        margin = (self.predictor or self.classifier).margin(matrix)
        if self.calibration is not None:
            return self.calibration.probability(margin)
        return sigmoid(margin)

    def reasons(
        self, matrix: np.ndarray, explain: int, *, words: bool = True
    ) -> list[list[tuple[str, float]]]:
        """The `explain` strongest positive contributions (SHAP) of each row, in words (or feature names)."""
        contrib = self.classifier.contributions(matrix)[:, :-1]
        names = [describe_feature(n) if words else n for n in self.features.names()]
        top = np.argsort(-contrib, axis=1, kind="stable")[:, :explain]
        return [
            [(names[i], float(row[i])) for i in picks if row[i] > 0]
            for row, picks in zip(contrib, top, strict=True)
        ]

    def score(self, frame: pd.DataFrame, index: HistoryIndex, *, explain: int = 0) -> pd.DataFrame:
        """Model probability per declaration and, when explain > 0, its strongest reasons in words."""
        matrix = self.matrix(frame, index)
        out = pd.DataFrame({KEY: frame[KEY].to_numpy()}, index=frame.index)
        out["model_score"] = self.probability(matrix)
        if explain:
            out["model_reasons"] = self.reasons(matrix, explain)
        return out

    def to_json(self) -> str:
        """The whole model as one JSON document."""
        return json.dumps(
            {
                "format": FORMAT,
                "features": self.features.to_dict(),
                "classes": [int(c) for c in self.classifier.classes_],
                "booster": self.classifier.to_text(),
                "trained_through": self.trained_through,
                "metrics": self.metrics,
                "calibration": None if self.calibration is None else self.calibration.to_dict(),
            }
        )

    @classmethod
    def from_json(cls, text: str, *, n_jobs: int = 1) -> TargetingModel:
        """Load a model written by `to_json`; raises ValueError on anything else."""
        state: dict[str, Any] = json.loads(text)
        if state.get("format") != FORMAT:
            raise ValueError(f"not a targeting model (format {state.get('format')!r})")
        return cls(
            features=DeclarationFeatures.from_dict(state["features"]),
            classifier=ShipmentRiskClassifier.from_text(
                state["booster"], classes=state["classes"], n_jobs=n_jobs
            ),
            trained_through=str(state.get("trained_through", "")),
            metrics={k: float(v) for k, v in state.get("metrics", {}).items()},
            calibration=Calibration.from_dict(state["calibration"]) if state.get("calibration") else None,
        )


def fit_model(history: History, *, params: dict[str, Any] | None = None) -> TargetingModel:
    """Fit features and classifier on every inspected declaration of the history (no calibration)."""
    labels = labels_for(history.declarations, history.results)
    inspected = history.declarations[labels.notna()]
    y = labels[labels.notna()].astype(int).to_numpy()
    if len(inspected) == 0 or len(set(y)) < 2:
        raise ValueError("training needs inspection results with both outcomes (something found and nothing)")
    features = DeclarationFeatures().fit(history.declarations, history.results)
    matrix = features.transform(inspected, HistoryIndex.build(history))
    classifier = ShipmentRiskClassifier(
        categorical_features=tuple(f"cat_{c}" for c in CATEGORICAL), **(params or {})
    ).fit(matrix, y)
    through = history.declarations[DATE].max()
    return TargetingModel(features, classifier, trained_through=str(through.date()) if len(inspected) else "")


def train(
    history: History, *, params: dict[str, Any] | None = None, holdout_share: float = HOLDOUT_SHARE
) -> TargetingModel:
    """Fit on every inspected declaration, with a calibration fitted on the last weeks held out.

    A first model is fitted without the latest `holdout_share` of inspected declarations (by date) and
    scores them; a logistic (Platt) map from its log-odds to the observed outcomes is the calibration of
    the final model, which is then fitted on everything. Too few held-out results: no calibration.
    """
    model = fit_model(history, params=params)
    model.calibration = calibrate_on_holdout(
        history, lambda past: fit_model(past, params=params), holdout_share=holdout_share
    )
    return model
