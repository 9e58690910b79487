"""Keeping an incremental run: new members, edges and networks added to the store, nothing recomputed.

The caller reads the records seen since the organisation's last run and those that share an identifier
with them (`link.store_reads.read_increment`); `link_increment` places them (`link.incremental`) and adds the
result to the standing networks, which keep their keys. The next full run (`link.service.link_records`)
recomputes everything and keeps the keys by overlap, so what an increment added stays where it is unless
the whole graph says otherwise.

Services never commit: the caller owns the transaction.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.marking import DEFAULT_TLP
from countermark.link.evidence import Link, Value
from countermark.link.incremental import attach_increment
from countermark.link.models import LinkEdge, LinkHub, LinkMember, LinkNetwork, LinkRun
from countermark.link.service import edge_row, hub_overrides, next_key_number
from countermark.link.store import (
    Member,
    MemberNotes,
    StoreRecords,
    account_extras,
    account_key,
    listings_by_account,
    parties_of,
    record_members,
)
from countermark.orgs.service import record_audit


@dataclass(frozen=True)
class IncrementSummary:
    """What an incremental run added."""

    run_id: int
    parties: int  # parties seen since the last run
    joined: int  # parties that joined a standing network
    created: int  # networks the increment started
    held: int  # parties tied to two networks, left for the next full run
    members: int  # members added in all (listings and domains included)
    seconds: dict[str, float]


def last_run_at(*, session: Session, owner_org_id: int) -> datetime | None:
    """When the organisation's newest run (full or incremental) read the store, or None."""
    found: datetime | None = session.scalar(
        select(LinkRun.started_at)
        .where(LinkRun.owner_org_id == owner_org_id)
        .order_by(LinkRun.id.desc())
        .limit(1)
    )
    return found


def _detected_hubs(session: Session, owner_org_id: int) -> dict[Value, bool]:
    rows = session.execute(
        select(LinkHub.kind, LinkHub.value).where(
            LinkHub.owner_org_id == owner_org_id, LinkHub.source == "detected", LinkHub.hub.is_(True)
        )
    )
    return {(kind, value): True for kind, value in rows}


class _Writer:
    """Adds members and edges to one network row, skipping members it already has."""

    def __init__(self, session: Session, row: LinkNetwork, notes: MemberNotes) -> None:
        self.session, self.row, self.notes = session, row, notes
        self.present = set(session.scalars(select(LinkMember.key).where(LinkMember.network_id == row.id)))
        self.added = 0

    def edge(self, link: Link) -> int:
        edge = LinkEdge(**edge_row(self.row.id, link))
        self.session.add(edge)
        self.session.flush()
        return edge.id

    def member(self, member: Member, depth: int, via: int | None) -> None:
        if member.key in self.present:
            return
        self.present.add(member.key)
        self.added += 1
        self.session.add(
            LinkMember(
                network_id=self.row.id, key=member.key, kind=member.kind, label=member.label,
                record_type=member.record_type, record_id=member.record_id, depth=depth, via_edge_id=via,
                seen_at=member.seen_at, **self.notes.columns(member, operator=self.row.operator),
            )
        )  # fmt: skip

    def refresh(self, run_id: int, now: datetime) -> None:
        """Size, members by kind, first and last activity from the rows the network now holds."""
        self.session.flush()
        counts = self.session.execute(
            select(LinkMember.kind, func.count())
            .where(LinkMember.network_id == self.row.id)
            .group_by(LinkMember.kind)
        )
        kinds = {kind: int(count) for kind, count in counts}
        first, last = self.session.execute(
            select(func.min(LinkMember.seen_at), func.max(LinkMember.seen_at)).where(
                LinkMember.network_id == self.row.id
            )
        ).one()
        self.row.size, self.row.kinds = sum(kinds.values()), kinds
        self.row.first_seen, self.row.last_seen = first, last
        self.row.run_id, self.row.updated_at = run_id, now


def link_increment(
    *,
    session: Session,
    owner_org_id: int,
    records: StoreRecords,
    new_keys: set[str],
    actor: str,
    read_at: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    marks: Sequence[str] = (),
) -> IncrementSummary:
    """Add the parties named by `new_keys` (read in `records` with their neighbours) to the organisation's
    networks: a party joins the standing network its exact identifiers or seller id tie it to, and keeps
    that network's key; newcomers tied only to each other start a network with a new key."""
    started = time.perf_counter()
    standing: dict[str, str] = {}
    depths: dict[str, int] = {}
    rows: dict[str, LinkNetwork] = {}
    for member_key, depth, network in session.execute(
        select(LinkMember.key, LinkMember.depth, LinkNetwork)
        .join(LinkNetwork, LinkNetwork.id == LinkMember.network_id)
        .where(LinkNetwork.owner_org_id == owner_org_id, LinkNetwork.dissolved_at.is_(None))
    ):
        standing[member_key], depths[member_key], rows[network.key] = network.key, depth, network
    parties = parties_of(records)
    notes = MemberNotes.build(records, marks)
    analyst = hub_overrides(session=session, owner_org_id=owner_org_id)
    increment = attach_increment(
        [p for p in parties if p.key in new_keys],
        [p for p in parties if p.key not in new_keys],
        standing,
        depths=depths,
        operators=frozenset(key for key, row in rows.items() if row.operator),
        hub_overrides={**_detected_hubs(session, owner_org_id), **analyst},
        next_number=next_key_number(session, owner_org_id),
    )
    if progress is not None:
        progress(f"{len(new_keys)} new parties, {len(increment.placements)} networks gain members")
    now = utcnow()
    run = LinkRun(
        owner_org_id=owner_org_id, tlp=DEFAULT_TLP, started_at=read_at or now, parties=len(new_keys),
        next_number=increment.next_number, actor=actor,
    )  # fmt: skip
    session.add(run)
    session.flush()
    accounts = {account_key(a.id): a for a in records.accounts}
    stored = record_members(records)
    listings_of = listings_by_account(records)
    writers: dict[str, _Writer] = {}
    joined = created = 0
    for placement in increment.placements:
        row = rows.get(placement.network)
        if row is None:
            row = LinkNetwork(owner_org_id=owner_org_id, tlp=DEFAULT_TLP, key=placement.network)
            row.score, row.operator = placement.score or 0.0, placement.operator
            session.add(row)
            session.flush()
            rows[placement.network] = row
            created += 1
        else:
            row.operator = row.operator or placement.operator
            joined += sum(1 for m in placement.members if m in stored)
        writer = writers[placement.network] = _Writer(session, row, notes)
        added = set(placement.members)
        edge_ids = {link: writer.edge(link) for link in placement.links if link.a in added or link.b in added}
        for key in placement.members:
            if key in stored:
                link, depth = placement.tie_in.get(key, (None, 0))
                writer.member(stored[key], depth, edge_ids.get(link) if link is not None else None)
            depths[key], standing[key] = placement.tie_in.get(key, (None, 0))[1], placement.network
    # An account placed now, or one already placed that shows new listings, brings its listings and
    # (a shop) its domains.
    for key in sorted(k for k in new_keys if k in accounts and k in standing):
        home = standing[key]
        writer = writers.get(home) or writers.setdefault(home, _Writer(session, rows[home], notes))
        extras, links = account_extras(accounts[key], listings_of.get(key, ()))
        for member, link in zip(extras, links, strict=True):
            if member.key not in writer.present:
                writer.member(member, depths.get(key, 0) + 1, writer.edge(link))
    for writer in writers.values():
        writer.refresh(run.id, now)
    _keep_new_hubs(session, owner_org_id, increment.hubs, actor)
    counts: dict[bool, int] = defaultdict(int)
    for operator, count in session.execute(
        select(LinkNetwork.operator, func.count())
        .where(LinkNetwork.owner_org_id == owner_org_id, LinkNetwork.dissolved_at.is_(None))
        .group_by(LinkNetwork.operator)
    ):
        counts[bool(operator)] = int(count)
    run.networks, run.operator_groups = counts[False], counts[True]
    run.hubs = int(
        session.scalar(
            select(func.count())
            .select_from(LinkHub)
            .where(LinkHub.owner_org_id == owner_org_id, LinkHub.hub.is_(True))
        )
        or 0
    )
    members = sum(w.added for w in writers.values())
    seconds = {"incremental": round(time.perf_counter() - started, 3)}
    run.seconds = {**seconds, "total": seconds["incremental"]}
    detail: dict[str, Any] = {
        "incremental": True, "joined": joined, "created": created, "held": len(increment.held),
        "members": members,
    }  # fmt: skip
    record_audit(
        session=session, actor=actor, action="link.run", subject_type="link_run", subject_id=str(run.id),
        org_id=owner_org_id, detail=detail,
    )  # fmt: skip
    session.flush()
    return IncrementSummary(run.id, len(new_keys), joined, created, len(increment.held), members, run.seconds)


def _keep_new_hubs(session: Session, owner_org_id: int, hubs: Any, actor: str) -> None:
    """Hubs the newcomers made are kept as detected ones (the next full run rewrites the list)."""
    listed = set(
        (kind, value)
        for kind, value in session.execute(
            select(LinkHub.kind, LinkHub.value).where(LinkHub.owner_org_id == owner_org_id)
        )
    )
    for (kind, value), hub in hubs.items():
        if (kind, value) in listed or len(value) > 1000 or not hub.holders:
            continue
        session.add(
            LinkHub(
                owner_org_id=owner_org_id, tlp=DEFAULT_TLP, kind=kind, value=value, hub=True,
                source="detected", holders=hub.holders, reason=hub.reason[:300], created_by=actor,
            )
        )  # fmt: skip
