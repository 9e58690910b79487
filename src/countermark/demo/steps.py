"""The steps the demo runs after ingestion, in order; each composes capabilities' service functions.

A step takes the application context and an open session (the caller owns the transaction) and
returns a one-line summary of what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from countermark.core.context import AppContext

StepProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Step:
    """A named batch step of the demo."""

    name: str
    run: Callable[[AppContext, Session, StepProgress], str]


def demo_steps() -> list[Step]:
    """Every step of the demo, in the order it runs them."""
    # Imports are local so that a capability's heavy dependencies load only when its step runs.
    steps: list[Step] = []
    from countermark.demo.genuine_banks import build_genuine_banks, match_listing_images

    steps += [
        Step("genuine image banks", build_genuine_banks),
        Step("match listing images", match_listing_images),
    ]
    from countermark.demo.detect import run_detection  # listing detection (issue 15)

    steps.append(Step("listing detection", run_detection))
    from countermark.demo.targeting import run_targeting

    steps.append(Step("shipment targeting", run_targeting))
    from countermark.demo.codes import run_authentication

    steps.append(Step("product codes and clones", run_authentication))
    from countermark.demo.ledger import record_rights

    steps.append(Step("ledger: record rights", record_rights))
    from countermark.demo.border_cases import run_cases

    steps.append(Step("border cases and deadlines", run_cases))
    from countermark.cases.relisting_service import check_relistings

    steps.append(Step("relisted takedowns", check_relistings))
    from countermark.demo.evidence_package import export_demo_package

    steps.append(Step("evidence package", export_demo_package))
    from countermark.demo.monitor import crawl_world

    steps.append(Step("crawl the served world", crawl_world))
    from countermark.demo.link import run_linking_step

    steps.append(Step("network linking", run_linking_step))
    from countermark.demo.share import run_sharing

    steps.append(Step("sharing between two instances", run_sharing))
    return steps
