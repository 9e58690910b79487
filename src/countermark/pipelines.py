"""The batch pipelines the demo runs after ingestion, in order; each capability registers its own.

A pipeline takes the application context and an open session (the caller owns the transaction) and
returns a one-line summary of what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from countermark.core.context import AppContext

StepProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Pipeline:
    """A named batch step of the demo."""

    name: str
    run: Callable[[AppContext, Session, StepProgress], str]


def registered_pipelines() -> list[Pipeline]:
    """Every pipeline that exists, in the order the demo runs them."""
    # Imports are local so that a capability's heavy dependencies load only when its pipeline runs.
    pipelines: list[Pipeline] = []
    from countermark.fingerprint.pipeline import build_genuine_banks, match_listing_images

    pipelines += [
        Pipeline("genuine image banks", build_genuine_banks),
        Pipeline("match listing images", match_listing_images),
    ]
    from countermark.target.pipeline import run_targeting

    pipelines.append(Pipeline("shipment targeting", run_targeting))
    return pipelines
