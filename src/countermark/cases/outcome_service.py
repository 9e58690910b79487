"""The case outcomes targeting's intelligence is fed by, read from the cases tables.

Targeting declares what it needs (`countermark.targeting.outcomes.CaseOutcomes`); this is the cases
capability's implementation. The top floor plugs it into the application context with
`provide_case_outcomes(ctx)` (see targeting/outcomes.py for the wiring).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.cases.models import Case, CaseLink
from countermark.core.context import AppContext
from countermark.orgs.visibility import Principal, visible
from countermark.targeting.outcomes import CASE_OUTCOMES, CaseOutcomes, ConfirmedSubject

# Outcomes that confirm that what the case is about infringed.
CONFIRMED_OUTCOMES = frozenset(
    {"destruction", "confiscation", "forfeiture", "exclusion", "takedown", "proceedings", "prosecution"}
)
# The last change of a case (a decision, a marking) and the newest link, in one statement built once.
_STAMP = select(
    select(func.max(Case.updated_at)).scalar_subquery(), select(func.max(CaseLink.id)).scalar_subquery()
)


class StoredCaseOutcomes:
    """Confirmed case outcomes as the cases tables hold them."""

    def confirmed_subjects(
        self, *, session: Session, principal: Principal, subject_types: Collection[str], max_cases: int
    ) -> list[ConfirmedSubject]:
        """The records of that kind in the principal's newest visible confirmed cases, newest case first."""
        cases = (
            visible(Case, principal)
            .where(Case.outcome.in_(CONFIRMED_OUTCOMES))
            .order_by(Case.id.desc())
            .with_only_columns(Case.id)
            .limit(max_cases)
        )
        rows = session.execute(
            select(CaseLink.subject_type, CaseLink.subject_id, Case.reference, Case.outcome)
            .join(Case, Case.id == CaseLink.case_id)
            .where(CaseLink.case_id.in_(cases.scalar_subquery()), CaseLink.subject_type.in_(subject_types))
            .order_by(Case.id.desc(), CaseLink.id)
        )
        return [
            ConfirmedSubject(subject_type, subject_id, reference, str(outcome))
            for subject_type, subject_id, reference, outcome in rows
        ]

    def stamp(self, *, session: Session) -> tuple[Hashable, ...]:
        """The last change of a case (a decision, a marking) and the newest link, in one round trip."""
        return tuple(session.execute(_STAMP).one())


def provide_case_outcomes(ctx: AppContext) -> None:
    """Plug the stored case outcomes into the context for targeting (the top floor calls it)."""
    outcomes: CaseOutcomes = StoredCaseOutcomes()
    ctx.provide(CASE_OUTCOMES, outcomes)
