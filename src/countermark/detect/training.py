"""Fitting a detection model from labelled listings (analysts' verdicts) and measuring it on held-out sellers.

Sellers are split in two: the model is fitted (and calibrated, inside `ListingScorer.fit`) on one part,
measured on the other. LightGBM and a logistic regression are both fitted; the one with the higher
average precision on out-of-fold scores of the training sellers is kept (the held-out AP of each is
reported beside, never used to choose). The operating threshold keeps the target precision on
out-of-fold scores of the training sellers in 90 % of resamples of those sellers (`cautious_threshold`),
never looking at the held-out ones. With `prior`, every model is also fitted on the shipped prior's rows
(`detect.prior`): the out-of-fold scores, the calibration and the threshold stay the training sellers'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import GroupShuffleSplit  # type: ignore[import-untyped]

from countermark.detect.engine import DetectionModel
from countermark.detect.facts import References
from countermark.detect.pipeline import cautious_threshold, out_of_fold_scores
from countermark.detect.rules import BrandRules
from countermark.detect.scorer import ListingScorer, expected_calibration_error
from countermark.detect.signals import FEATURES, Evidence, parody_shop_rows

# The precision the operating threshold keeps. The issue asks 0.98, and also that no kind of honest listing
# be flagged more than 2 % of the time: a mixer's genuine discount stock scores like its fakes, so 0.98
# left several of them flagged on half the seller splits. With the prior's rows, 0.995 keeps recall
# above 0.80 (docs/detect.md, "A prior of synthetic worlds").
TARGET_PRECISION = 0.995
HELD_OUT_SHARE = 0.3
MODELS = ("lightgbm", "logistic")
# Each model is fitted once per fold of training sellers and calibrated on the fold left out (averaged).
CALIBRATION_FOLDS = 4


@dataclass(frozen=True)
class Split:
    """Row indices fitted on and held out, no seller on both sides."""

    train: NDArray[np.int_]
    held_out: NDArray[np.int_]


def split_by_seller(labels: NDArray[np.bool_], groups: NDArray[np.str_], seed: int = 0) -> Split:
    """A seller-grouped split with both classes on each side."""
    for attempt in range(20):
        splitter = GroupShuffleSplit(n_splits=1, test_size=HELD_OUT_SHARE, random_state=seed + attempt)
        train, held_out = next(splitter.split(labels, labels, groups))
        if (
            labels[train].any()
            and not labels[train].all()
            and labels[held_out].any()
            and not labels[held_out].all()
        ):
            return Split(train, held_out)
    raise ValueError("too few sellers of each kind to hold some out: record more verdicts")


def matrix(evidences: Sequence[Evidence]) -> NDArray[np.float64]:
    """Feature rows in FEATURES order."""
    return np.array([e.row() for e in evidences], dtype=float).reshape(len(evidences), len(FEATURES))


def average_precision(scores: NDArray[np.float64], labels: NDArray[np.bool_]) -> float:
    """Area under the step precision-recall curve (ties flagged together)."""
    positives = int(labels.sum())
    if not positives:
        return math.nan
    order = np.argsort(-scores, kind="stable")
    area = recall_before = 0.0
    hits = 0
    for rank, index in enumerate(order):
        hits += int(labels[index])
        if rank + 1 < len(order) and scores[order[rank + 1]] == scores[index]:
            continue
        recall = hits / positives
        area += (recall - recall_before) * hits / (rank + 1)
        recall_before = recall
    return area


def precision_recall_at(
    threshold: float | NDArray[np.float64], probabilities: NDArray[np.float64], labels: NDArray[np.bool_]
) -> tuple[float, float]:
    """Precision and recall of flagging every score at or above the threshold (one, or one per row)."""
    flagged = probabilities >= threshold
    hits = int((flagged & labels).sum())
    precision = hits / int(flagged.sum()) if flagged.any() else 1.0
    recall = hits / int(labels.sum()) if labels.any() else 1.0
    return precision, recall


def columns_for(
    model: DetectionModel,
    X: NDArray[np.float64],  # noqa: N803 - the scikit-learn name
    names: Sequence[str] = FEATURES,
) -> NDArray[np.float64]:
    """Rows whose columns are `names` as the model's own feature list reads them: a feature the rows lack
    is missing (NaN, as at scoring), one the model does not know is left out. A model saved before a
    feature was added is compared with its successor on the same verdicts (`detect retrain`)."""
    if tuple(model.features) == tuple(names):
        return X
    index = {name: i for i, name in enumerate(names)}
    out = np.full((X.shape[0], len(model.features)), np.nan)
    for j, name in enumerate(model.features):
        if name in index:
            out[:, j] = X[:, index[name]]
    return out


def held_out_figures(
    model: DetectionModel,
    X: NDArray[np.float64],  # noqa: N803 - the scikit-learn name
    labels: NDArray[np.bool_],
) -> dict[str, float]:
    """AP, precision and recall at the model's threshold, calibration error, on these rows (in FEATURES
    order: a model saved with another feature list reads its own columns, `columns_for`)."""
    X = columns_for(model, X)  # noqa: N806 - the scikit-learn name
    probabilities = model.scorer.predict_proba(X)[:, 1]
    precision, recall = precision_recall_at(model.row_thresholds(X), probabilities, labels)
    return {
        "ap": average_precision(probabilities, labels),
        "precision": precision,
        "recall": recall,
        "calibration_error": expected_calibration_error(probabilities, labels),
        "held_out": float(len(labels)),
    }


def fit_model(
    X: NDArray[np.float64],  # noqa: N803 - the scikit-learn name
    labels: NDArray[np.bool_],
    groups: NDArray[np.str_],
    split: Split,
    references: References,
    *,
    rules: dict[str, BrandRules] | None = None,
    target_precision: float = TARGET_PRECISION,
    models: Sequence[str] = MODELS,
    seed: int = 0,
    calibration_folds: int = CALIBRATION_FOLDS,
    prior: bool = False,
    prior_exclude: tuple[str, ...] = (),
) -> DetectionModel:
    """The best of the candidate models fitted on the split's training sellers (and, with `prior`, on the
    shipped prior's rows but those of the worlds in `prior_exclude`: `detect.prior`), with its threshold
    and held-out figures (and each candidate's held-out AP under `<model>_ap`)."""
    train, held_out = split.train, split.held_out
    candidates: dict[str, tuple[ListingScorer, float, NDArray[np.float64]]] = {}
    figures: dict[str, float] = {}
    for name in models:
        scorer = ListingScorer(
            model=name,  # type: ignore[arg-type]
            random_state=seed,
            calibration_folds=calibration_folds,
            prior=prior,
            prior_exclude=prior_exclude,
        )
        # The model is chosen, and its threshold set, on out-of-fold scores of the training sellers: the
        # held-out sellers only measure.
        out_of_fold = out_of_fold_scores(scorer, X[train], labels[train], groups[train])
        candidates[name] = (scorer, average_precision(out_of_fold, labels[train]), out_of_fold)
        figures[f"{name}_training_ap"] = candidates[name][1]
    best = max(candidates, key=lambda n: -1.0 if math.isnan(candidates[n][1]) else candidates[n][1])
    for name, (scorer, _, _) in candidates.items():
        scorer.fit(X[train], labels[train], groups[train])
        figures[f"{name}_ap"] = average_precision(scorer.predict_proba(X[held_out])[:, 1], labels[held_out])
    scorer, _, out_of_fold = candidates[best]
    threshold, parody_threshold = operating_thresholds(
        out_of_fold, X[train], labels[train], groups[train], target_precision, seed=seed
    )
    model = DetectionModel(
        scorer=scorer,
        threshold=threshold,
        references=references,
        rules=dict(rules or {}),
        parody_threshold=parody_threshold,
    )
    figures.update(held_out_figures(model, X[held_out], labels[held_out]))
    figures["lightgbm_chosen"] = float(best == "lightgbm")
    figures["prior_rows"] = float(scorer.prior_rows_)
    figures["threshold"] = threshold
    figures["parody_threshold"] = math.nan if parody_threshold is None else parody_threshold
    figures["target_precision"] = target_precision
    model.figures = figures
    return model


def operating_thresholds(
    out_of_fold: NDArray[np.float64],
    X: NDArray[np.float64],  # noqa: N803 - the scikit-learn name
    labels: NDArray[np.bool_],
    groups: NDArray[np.str_],
    target_precision: float,
    *,
    seed: int = 0,
) -> tuple[float, float | None]:
    """The operating threshold (`cautious_threshold` on the out-of-fold scores of every training
    listing), and that of parody shops' offers, chosen the same way on their own scores and never below it.

    A parody shop's offers infringe or not by the logo on the goods, and their scores mix both kinds: the
    target precision is kept on them by a threshold of their own. The general threshold stays chosen on
    every listing: chosen without the parody shops (on half the training sellers, measured on the other
    half, six times per world) it came lower and kept the target precision in 10 of 12 halves instead of
    12, with more genuine discount offers flagged. None when the training sellers hold no parody shop.
    """
    threshold = cautious_threshold(out_of_fold, labels, groups, target_precision, seed=seed)
    parody = parody_shop_rows(X, FEATURES)
    if not parody.any():
        return threshold, None
    own = cautious_threshold(out_of_fold[parody], labels[parody], groups[parody], target_precision, seed=seed)
    return threshold, max(threshold, own)
