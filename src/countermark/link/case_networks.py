"""Targeting's confirmed records widened to their stored networks: online to border (issue 16).

Targeting flags a declaration whose party is a confirmed infringer's, or shares a phone, an e-mail or an
address with one (`countermark.targeting.intelligence_service`). The records of a confirmed case are
rarely the whole operation: the same people sell through other accounts, shops and consignors that the
linking capability ties together into a network. `NetworkedCaseOutcomes` wraps the cases capability's
outcomes (`countermark.targeting.outcomes.CaseOutcomes`): each record of a standing network that holds a
confirmed record counts as confirmed through that network, and the flag names the network.

Only networks the reader may see count, never an honest same-owner group (`operator`), and never a
network larger than `MAX_NETWORK_SIZE` members (one that big is more likely a merge through a value
the hub list missed than one operation; the analyst sees it on the networks page). A record confirmed by a
case itself keeps that case's direct reason.

Wiring: the top floor calls `provide_case_networks(ctx)` after `provide_case_outcomes(ctx)`.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.link.models import LinkMember, LinkNetwork, LinkRun
from countermark.orgs.visibility import Principal, visible
from countermark.targeting.outcomes import CASE_OUTCOMES, CaseOutcomes, ConfirmedSubject

MAX_NETWORK_SIZE = 500
_CHUNK = 1000
# The newest run and the last change of a network, in one statement built once.
_STAMP = select(
    select(func.max(LinkRun.id)).scalar_subquery(), select(func.max(LinkNetwork.updated_at)).scalar_subquery()
)


class NetworkedCaseOutcomes:
    """Case outcomes whose confirmed records bring the other records of their stored networks."""

    def __init__(self, inner: CaseOutcomes) -> None:
        self.inner = inner

    def confirmed_subjects(
        self, *, session: Session, principal: Principal, subject_types: Collection[str], max_cases: int
    ) -> list[ConfirmedSubject]:
        """The inner outcomes' records, then the records of their networks (named by network), each once
        per network and case as the inner ones come (newest case first)."""
        confirmed = self.inner.confirmed_subjects(
            session=session, principal=principal, subject_types=subject_types, max_cases=max_cases
        )
        if not confirmed:
            return confirmed
        first: dict[tuple[str, int], ConfirmedSubject] = {}
        for subject in confirmed:
            first.setdefault((subject.subject_type, subject.subject_id), subject)
        holding = _networks_holding(session, principal, first)
        if not holding:
            return confirmed
        widened = list(confirmed)
        direct = set(first)
        for network_id, record_type, record_id in _members(session, list(holding), subject_types):
            if (record_type, record_id) in direct:
                continue
            key, case = holding[network_id]
            direct.add((record_type, record_id))  # once, through the first network that names it
            widened.append(
                ConfirmedSubject(record_type, record_id, case.reference, case.outcome, network=key)
            )
        return widened

    def stamp(self, *, session: Session) -> tuple[Hashable, ...]:
        """The inner stamp, the newest link run and the last change of a network."""
        return (*self.inner.stamp(session=session), *session.execute(_STAMP).one())


def _networks_holding(
    session: Session, principal: Principal, first: dict[tuple[str, int], ConfirmedSubject]
) -> dict[int, tuple[str, ConfirmedSubject]]:
    """Standing, visible, not operator networks holding any of the confirmed records: id -> (its key, the
    confirmed record of the newest case it holds). `first` is in newest-case-first order."""
    order = {record: position for position, record in enumerate(first)}
    by_type: dict[str, list[int]] = {}
    for record_type, record_id in first:
        by_type.setdefault(record_type, []).append(record_id)
    networks = visible(LinkNetwork, principal).where(
        LinkNetwork.dissolved_at.is_(None),
        LinkNetwork.operator.is_(False),
        LinkNetwork.size <= MAX_NETWORK_SIZE,
    )
    found: dict[int, tuple[str, tuple[str, int]]] = {}
    for record_type, ids in by_type.items():
        for start in range(0, len(ids), _CHUNK):
            rows = session.execute(
                networks.join(LinkMember, LinkMember.network_id == LinkNetwork.id)
                .where(
                    LinkMember.record_type == record_type,
                    LinkMember.record_id.in_(ids[start : start + _CHUNK]),
                )
                .with_only_columns(LinkNetwork.id, LinkNetwork.key, LinkMember.record_id)
            )
            for network_id, key, member_record in rows:
                record = (record_type, int(member_record or 0))
                kept = found.get(network_id)
                if kept is None or order[record] < order[kept[1]]:
                    found[network_id] = (str(key), record)
    return {network_id: (key, first[record]) for network_id, (key, record) in found.items()}


def _members(
    session: Session, network_ids: list[int], subject_types: Collection[str]
) -> list[tuple[int, str, int]]:
    """(network id, record type, record id) of the networks' stored records of those kinds."""
    found: list[tuple[int, str, int]] = []
    for start in range(0, len(network_ids), _CHUNK):
        rows = session.execute(
            select(LinkMember.network_id, LinkMember.record_type, LinkMember.record_id)
            .where(
                LinkMember.network_id.in_(network_ids[start : start + _CHUNK]),
                LinkMember.record_type.in_(list(subject_types)),
                LinkMember.record_id.is_not(None),
            )
            .order_by(LinkMember.network_id, LinkMember.id)
        )
        found += [(network_id, str(kind), int(record or 0)) for network_id, kind, record in rows]
    return found


def provide_case_networks(ctx: AppContext) -> None:
    """Widen the case outcomes plugged into the context with the stored networks (once)."""
    outcomes = ctx.provided(CASE_OUTCOMES)
    if not isinstance(outcomes, NetworkedCaseOutcomes):
        ctx.provide(CASE_OUTCOMES, NetworkedCaseOutcomes(outcomes))
