"""Writing the detection prior (`detect.prior`) from synthetic worlds: every labelled listing's feature row,
its truth as the label, and the world it comes from."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from countermark.detect.prior import PRIOR_FILE, save_prior
from countermark.detect.training import matrix
from countermark.eval.detect import world_of, world_training_set


def world_rows(
    root: Path, *, workers: int = 2, photo_cache: Path | None = None
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Feature rows and labels of every labelled listing of one world, as `evaluate_detection` computes
    them (the similarity to known offers across folds of its sellers, the linker's network sizes)."""
    training = world_training_set(root, workers=workers, photo_cache=photo_cache)
    return matrix(training.evidences), training.labels


def build_prior(
    roots: Sequence[Path], out: Path = PRIOR_FILE, *, workers: int = 2, cache_dir: Path | None = None
) -> dict[str, int]:
    """Write the rows of these worlds as the prior file; returns rows per world."""
    blocks, labels, worlds = [], [], []
    counts: dict[str, int] = {}
    for root in roots:
        name = world_of(root)
        if name is None:
            raise ValueError(f"{root} holds no world manifest (world.json)")
        cache = cache_dir / f"photos-{name.replace(':', '-')}.json" if cache_dir else None
        X, y = world_rows(root, workers=workers, photo_cache=cache)  # noqa: N806 - the scikit-learn name
        blocks.append(X)
        labels.append(y)
        worlds += [name] * len(y)
        counts[name] = len(y)
    if not blocks:
        raise ValueError("no world given")
    save_prior(out, np.vstack(blocks), np.concatenate(labels), worlds)
    return counts
