"""A trained targeting model: features plus classifier, stored as JSON and LightGBM text (no pickle)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.target.features import CATEGORICAL, DeclarationFeatures, HistoryIndex
from countermark.target.frames import DATE, KEY, History, labels_for
from countermark.target.model import ShipmentRiskClassifier

FORMAT = "countermark-targeting/1"
# Words an officer can put in a report, for the feature families the model reads.
FEATURE_WORDS = {
    "hist_": "past inspection results of",
    "seen_": "how often we have seen",
    "cat_": "declared",
    "value_per_kg": "declared value per kilogram against its HS code",
    "value_per_unit": "declared value per unit against its HS code",
    "mass_per_unit": "mass per unit against its HS code",
    "log_value": "declared value",
    "log_mass_kg": "declared mass",
    "log_quantity": "declared quantity",
    "tax_rate": "tax rate",
    "origin_not_departure": "origin differs from the country of departure",
    "description_": "goods description",
    "weekday": "day of declaration",
}


def describe_feature(name: str) -> str:
    """A feature's name in words."""
    for prefix, words in FEATURE_WORDS.items():
        if name.startswith(prefix):
            rest = name.removeprefix(prefix).removesuffix("_rate").removesuffix("_n").replace("_", " ")
            return f"{words} {rest}".strip() if prefix in ("hist_", "seen_", "cat_") else words
    return name.replace("_", " ")


@dataclass
class TargetingModel:
    """What `retrain` produces and `score` uses."""

    features: DeclarationFeatures
    classifier: ShipmentRiskClassifier
    trained_through: str = ""
    metrics: dict[str, float] = field(default_factory=dict)

    def score(self, frame: pd.DataFrame, index: HistoryIndex, *, explain: int = 0) -> pd.DataFrame:
        """Model probability per declaration and, when explain > 0, its strongest reasons in words."""
        matrix = self.features.transform(frame, index)
        out = pd.DataFrame({KEY: frame[KEY].to_numpy()}, index=frame.index)
        out["model_score"] = self.classifier.predict_proba(matrix)[:, 1]
        if explain:
            contrib = self.classifier.contributions(matrix)[:, :-1]
            names = matrix.columns
            reasons = []
            for row in contrib:
                top = np.argsort(-row)[:explain]
                reasons.append([(describe_feature(names[i]), float(row[i])) for i in top if row[i] > 0])
            out["model_reasons"] = reasons
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
        )


def train(history: History, *, params: dict[str, Any] | None = None) -> TargetingModel:
    """Fit features and classifier on every inspected declaration of the history."""
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
