"""Verdicts as training data: each alerted listing's latest verdict (confirm 1, dismiss 0) with the feature
row the model read when it was scored, grouped by seller, so that a retrain splits by seller as the
world's training does."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.detect.models import DetectionVerdict
from countermark.detect.signals import FEATURES


@dataclass(frozen=True)
class LabelledRows:
    """Feature rows, labels (True: infringing) and seller groups."""

    X: NDArray[np.float64]
    labels: NDArray[np.bool_]
    groups: NDArray[np.str_]

    def __len__(self) -> int:
        return len(self.labels)


def empty_rows() -> LabelledRows:
    """No rows."""
    return LabelledRows(np.zeros((0, len(FEATURES))), np.zeros(0, dtype=bool), np.zeros(0, dtype=str))


def verdict_rows(*, session: Session) -> LabelledRows:
    """The latest verdict of every listing that has one, as a training row (rows of another feature
    layout than today's are left out)."""
    latest = select(func.max(DetectionVerdict.id)).group_by(DetectionVerdict.listing_id).scalar_subquery()
    rows = session.execute(
        select(DetectionVerdict.features, DetectionVerdict.verdict, DetectionVerdict.seller).where(
            DetectionVerdict.id.in_(latest)
        )
    ).all()
    kept = [(f, v, s) for f, v, s in rows if isinstance(f, list) and len(f) == len(FEATURES)]
    if not kept:
        return empty_rows()
    X = np.array([[math.nan if x is None else float(x) for x in f] for f, _, _ in kept], dtype=float)  # noqa: N806
    labels = np.array([v == "confirm" for _, v, _ in kept], dtype=bool)
    groups = np.array([s for _, _, s in kept])
    return LabelledRows(X, labels, groups)


def combine(first: LabelledRows, second: LabelledRows) -> LabelledRows:
    """Both sets of rows, one after the other."""
    return LabelledRows(
        np.vstack([first.X, second.X])
        if len(first) and len(second)
        else (first.X if len(first) else second.X),
        np.concatenate([first.labels, second.labels]),
        np.concatenate([first.groups.astype(str), second.groups.astype(str)]),
    )
