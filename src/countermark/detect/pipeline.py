"""Choosing the operating threshold and turning evidence into scored, explained results. Pure."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import clone  # type: ignore[import-untyped]
from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

from countermark.detect.scorer import ListingScorer

DEFAULT_THRESHOLD = 0.9


def threshold_for_precision(probabilities: ArrayLike, labels: ArrayLike, precision: float) -> float:
    """The lowest score down to which every threshold keeps at least this precision (1.0 when none does).

    Precision is not monotone in the threshold: a lower score can reach the target again after a dip.
    Stopping at the first dip is the cautious choice, since the threshold then also holds on sellers
    not seen (a dip is where a few sellers' listings crowd in).
    """
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels).astype(bool)
    order = np.argsort(-p, kind="stable")
    hits = np.cumsum(y[order])
    flagged = np.arange(1, len(order) + 1)
    best = 1.0
    for index in range(len(order)):
        # Only thresholds between distinct scores are real: a tie is flagged together.
        if index + 1 < len(order) and p[order[index + 1]] == p[order[index]]:
            continue
        if hits[index] / flagged[index] < precision:
            break
        best = float(p[order[index]])
    return best


def cautious_threshold(
    probabilities: ArrayLike,
    labels: ArrayLike,
    groups: ArrayLike,
    precision: float,
    *,
    confidence: float = 0.9,
    resamples: int = 200,
    seed: int = 0,
) -> float:
    """The threshold that keeps `precision` on `confidence` of resamples of the sellers (with replacement).

    A seller's listings err together (a mixer's genuine stock, a parody shop's range), so the threshold
    that exactly reaches the target on one set of sellers falls short on others about half the time.
    Resampling whole sellers and taking the `confidence` quantile of their thresholds leaves that margin.
    """
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels).astype(bool)
    sellers, seller_index = np.unique(np.asarray(groups), return_inverse=True)
    rows_of = [np.flatnonzero(seller_index == k) for k in range(len(sellers))]
    rng = np.random.default_rng(seed)
    thresholds = []
    for _ in range(resamples):
        rows = np.concatenate([rows_of[k] for k in rng.integers(0, len(sellers), len(sellers))])
        thresholds.append(threshold_for_precision(p[rows], y[rows], precision))
    return float(np.quantile(thresholds, confidence))


def out_of_fold_scores(
    scorer: ListingScorer,
    X: ArrayLike,  # noqa: N803 - the scikit-learn name
    y: ArrayLike,
    groups: ArrayLike,
    folds: int = 4,
) -> NDArray[np.float64]:
    """Each training listing's probability from a copy of the scorer fitted without its seller.

    The scorer is refitted per fold (grouped by seller, each fold calibrating on its own sellers), so no
    listing is scored by a model that saw it or its seller.
    """
    features = np.asarray(X, dtype=float)
    labels = np.asarray(y).astype(int)
    group_ids = np.asarray(groups)
    out = np.zeros(len(labels))
    for fit_rows, held in GroupKFold(n_splits=folds).split(features, labels, group_ids):
        model = clone(scorer).fit(features[fit_rows], labels[fit_rows], group_ids[fit_rows])
        out[held] = model.predict_proba(features[held])[:, 1]
    return out
