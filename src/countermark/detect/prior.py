"""The prior: labelled feature rows of synthetic worlds, shipped with the package, that a model is fitted on
beside an organisation's own verdicts.

An organisation starts with few verdicts, and a model fitted on a few hundred sellers ranks the hard
cases (an honest-looking seller's genuine discount stock beside its few fakes) worse than one fitted on
thousands. The prior holds the feature rows of every listing of several medium synthetic worlds
(`scripts/build_detect_prior.py` writes it from their files and truth; none of them is a world the
figures are measured on), each with its label and world. `ListingScorer(prior=True)` fits each model on
its own fitting sellers plus these rows and calibrates on its own sellers only, so the probabilities
stay those of the organisation's listings.

Rows are matched to today's features by name: a feature the prior lacks is missing (NaN) in its rows.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from countermark.detect.signals import FEATURES

log = logging.getLogger(__name__)

PRIOR_FILE = Path(__file__).parent / "prior" / "synthetic.npz"


@dataclass(frozen=True)
class Prior:
    """Feature rows (in FEATURES order), labels (True: infringing) and the world each row comes from."""

    X: NDArray[np.float64]
    labels: NDArray[np.bool_]
    worlds: NDArray[np.str_]

    def __len__(self) -> int:
        return len(self.labels)

    def without(self, worlds: Collection[str]) -> Prior:
        """The rows of every world but these (a world measured on must not be fitted on)."""
        if not worlds:
            return self
        keep = ~np.isin(self.worlds, list(worlds))
        return Prior(self.X[keep], self.labels[keep], self.worlds[keep])


def world_name(scale: str, seed: int) -> str:
    """How the prior names a synthetic world (`medium:102`)."""
    return f"{scale}:{seed}"


def save_prior(
    path: Path,
    X: NDArray[np.float64],  # noqa: N803 - the scikit-learn name
    labels: NDArray[np.bool_],
    worlds: Sequence[str],
    features: Sequence[str] = FEATURES,
) -> None:
    """Write rows as the prior file (compressed; features kept by name, values as float32)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(
            handle,
            X=np.asarray(X, dtype=np.float32),
            labels=np.asarray(labels, dtype=bool),
            worlds=np.asarray(list(worlds), dtype=str),
            features=np.asarray(list(features), dtype=str),
        )


def read_prior(path: Path, features: Sequence[str] = FEATURES) -> Prior | None:
    """The rows of a prior file, columns in `features` order; None when it is absent or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            X, labels, worlds, names = data["X"], data["labels"], data["worlds"], data["features"]  # noqa: N806
    except (OSError, KeyError, ValueError) as exc:
        log.warning("detection prior %s not read (%s): models are fitted on verdicts alone", path, exc)
        return None
    index = {str(name): j for j, name in enumerate(names)}
    out = np.full((len(labels), len(features)), np.nan)
    for j, name in enumerate(features):
        if name in index:
            out[:, j] = X[:, index[name]]
    return Prior(out, labels.astype(bool), worlds.astype(str))


@lru_cache(maxsize=1)
def shipped_prior() -> Prior | None:
    """The prior shipped with the package (read once)."""
    return read_prior(PRIOR_FILE)
