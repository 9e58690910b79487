"""The steps the demo runs after ingestion, in order; each composes capabilities' service functions.

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
    from countermark.demo.genuine_banks import build_genuine_banks, match_listing_images

    pipelines += [
        Pipeline("genuine image banks", build_genuine_banks),
        Pipeline("match listing images", match_listing_images),
    ]
    from countermark.demo.targeting import run_targeting

    pipelines.append(Pipeline("shipment targeting", run_targeting))
    from countermark.demo.codes import run_authentication

    pipelines.append(Pipeline("product codes and clones", run_authentication))
    from countermark.demo.ledger import record_rights

    pipelines.append(Pipeline("ledger: record rights", record_rights))
    from countermark.demo.border_cases import run_cases

    pipelines.append(Pipeline("border cases and deadlines", run_cases))
    from countermark.cases.relisting import check_relistings

    pipelines.append(Pipeline("relisted takedowns", check_relistings))
    from countermark.demo.evidence_package import export_demo_package

    pipelines.append(Pipeline("evidence package", export_demo_package))
    return pipelines
