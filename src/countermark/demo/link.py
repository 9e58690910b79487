"""The demo's linking step: link each organisation's stored listings, accounts and consignments
(`link.store_reads`, which `countermark link run` and the server's jobs call too)."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.link.store_reads import link_organisation, organisations_with_records
from countermark.observe.models import Account


def run_linking_step(ctx: AppContext, session: Session, progress: Callable[[int, int], None]) -> str:
    """The demo's step: link each organisation's stored listings, accounts and consignments."""
    started = time.perf_counter()
    owners = organisations_with_records(session)
    if not owners:
        return "nothing stored to link"
    notes = []
    for position, owner in enumerate(owners, start=1):
        summary = link_organisation(session=session, owner_org_id=owner, actor="demo")
        progress(position, len(owners))
        if summary.parties:
            notes.append(
                f"org {owner}: {summary.parties} parties, {summary.networks} networks, "
                f"{summary.operator_groups} same-owner groups, {summary.hubs} hubs"
            )
    total = session.scalar(select(func.count()).select_from(Account)) or 0
    return "; ".join(notes) + f" ({total} accounts, {time.perf_counter() - started:.1f} s)"
