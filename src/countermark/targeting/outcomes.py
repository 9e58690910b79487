"""What targeting needs from cases, declared here and provided from above: the confirmed case outcomes.

Cases sits above targeting (it opens border cases from shipments), so targeting cannot read the cases
tables. It declares what its intelligence needs instead — the records of the cases an organisation may
see whose outcome confirmed infringement, and a cheap stamp that changes when a case is decided or
linked — and the cases capability implements it (`countermark.cases.outcome_service.StoredCaseOutcomes`).

The linking capability, above cases, widens the implementation: a record in the same stored network as
a confirmed record counts too, named with its network (`countermark.link.case_networks`).

Wiring: the implementation is plugged into the application context's `CASE_OUTCOMES` slot by the top
floor — the app factory (`countermark.web.app.create_app`) and the command line's context
(`countermark.cli.common.app_context`, which the demo runs in) call `countermark.cases.outcome_service.
provide_case_outcomes(ctx)`. Callers without a context (the evaluation) pass the implementation as
an argument. A context nobody wired fails loudly (`AppContext.provided`): the intelligence flags are
never lost silently.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from countermark.core.context import AppContext, Slot
from countermark.orgs.visibility import Principal


@dataclass(frozen=True)
class ConfirmedSubject:
    """A record (listing, account, shipment) of a case whose outcome confirmed infringement."""

    subject_type: str
    subject_id: int
    reference: str  # the case's reference, for the reason shown with a flag
    outcome: str
    # The key of the stored network (N-000012) through which the record is tied to the case's records,
    # when it is not itself one of them (see `countermark.link.case_networks`).
    network: str | None = None


class CaseOutcomes(Protocol):
    """The confirmed case outcomes targeting's intelligence is fed by."""

    def confirmed_subjects(
        self, *, session: Session, principal: Principal, subject_types: Collection[str], max_cases: int
    ) -> list[ConfirmedSubject]:
        """The records of that kind in the principal's visible confirmed cases (at most the newest
        `max_cases` cases), newest case first; a record in several cases comes once per case."""
        ...

    def stamp(self, *, session: Session) -> tuple[Hashable, ...]:
        """Cheap signs that a case was decided, changed or linked: equal stamps mean nothing changed."""
        ...


CASE_OUTCOMES: Slot[CaseOutcomes] = Slot("targeting.case_outcomes")


def case_outcomes(ctx: AppContext) -> CaseOutcomes:
    """The case outcomes the top floor plugged into the context (LookupError if it did not)."""
    return ctx.provided(CASE_OUTCOMES)
