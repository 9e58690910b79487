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
    from countermark.targeting.pipeline import run_targeting

    pipelines.append(Pipeline("shipment targeting", run_targeting))
    from countermark.codes.pipeline import run_authentication

    pipelines.append(Pipeline("product codes and clones", run_authentication))
    from countermark.ledger.pipeline import record_rights

    pipelines.append(Pipeline("ledger: record rights", record_rights))
    from countermark.cases.pipeline import run_cases

    pipelines.append(Pipeline("border cases and deadlines", run_cases))
    from countermark.cases.relisting import check_relistings

    pipelines.append(Pipeline("relisted takedowns", check_relistings))
    from countermark.cases.package_pipeline import export_demo_package

    pipelines.append(Pipeline("evidence package", export_demo_package))
    return pipelines
