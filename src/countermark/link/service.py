"""Linking over the store: run the engine on an organisation's records, keep the networks with stable
keys, and read them back (lists, one network, why a member is there, the hub list).

Services never commit: the caller owns the transaction. Every read starts from the visible networks or
hub entries (`orgs.visibility`); a network's members and edges are read through it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.db import IN_CHUNK
from countermark.core.errors import InvalidInput, NotFound
from countermark.core.marking import DEFAULT_TLP
from countermark.link.engine import run_linking
from countermark.link.evidence import Link, Value
from countermark.link.hubs import HUB_KINDS
from countermark.link.models import LinkEdge, LinkHub, LinkMember, LinkNetwork, LinkRun
from countermark.link.store import MemberNotes, StoreRecords, grown_networks, parties_of
from countermark.link.visible_parts import networks_holding, seen_records, visible_parts
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, require_owner, visible

KEY_NUMBER = re.compile(r"^N-(\d+)$")
HUB_KINDS_MAX = 32


@dataclass(frozen=True)
class RunSummary:
    """What a stored run found."""

    run_id: int
    parties: int
    networks: int
    operator_groups: int
    hubs: int
    kept: int  # networks that kept a former key
    dissolved: int
    seconds: dict[str, float]


def hub_overrides(*, session: Session, owner_org_id: int) -> dict[Value, bool]:
    """The analyst's word on hub values (value -> hub or not) for the organisation's runs."""
    rows = session.execute(
        select(LinkHub.kind, LinkHub.value, LinkHub.hub).where(
            LinkHub.owner_org_id == owner_org_id, LinkHub.source == "analyst"
        )
    )
    return {(kind, value): bool(hub) for kind, value, hub in rows}


def current_assignment(*, session: Session, owner_org_id: int) -> dict[str, str]:
    """Member key -> network key of the organisation's standing networks (what a rerun keeps keys from)."""
    rows = session.execute(
        select(LinkMember.key, LinkNetwork.key)
        .join(LinkNetwork, LinkNetwork.id == LinkMember.network_id)
        .where(LinkNetwork.owner_org_id == owner_org_id, LinkNetwork.dissolved_at.is_(None))
    )
    return {member: network for member, network in rows}


def next_key_number(session: Session, owner_org_id: int) -> int:
    keys = session.scalars(select(LinkNetwork.key).where(LinkNetwork.owner_org_id == owner_org_id))
    numbers = [int(m.group(1)) for k in keys if (m := KEY_NUMBER.match(k))]
    return max(numbers, default=0) + 1


def edge_row(network_id: int, link: Link) -> dict[str, Any]:
    return {
        "network_id": network_id,
        "a": link.a,
        "b": link.b,
        "evidence": link.evidence[:64],
        "detail": link.detail[:1000],
        "strong": link.strong,
        "probability": float(link.probability),
        "contributions": {k: round(float(v), 4) for k, v in link.contributions.items()},
    }


def link_records(
    *,
    session: Session,
    owner_org_id: int,
    records: StoreRecords,
    actor: str,
    marks: list[str] | None = None,
    consignor_model: bool = True,
    progress: Callable[[str], None] | None = None,
    read_at: datetime | None = None,
) -> RunSummary:
    """Link one organisation's stored records and keep the result as its networks.

    A network keeps its key when the new group shares most members with it (members joining do not
    change it); a former network no run finds any more is dissolved (kept, emptied, `dissolved_at` set).
    Detected hubs replace the former detected ones; the analyst's entries are obeyed and kept. `read_at`
    (when the records were read) is kept as the run's start: an incremental run reads what came after.
    """
    started = time.perf_counter()
    parties = parties_of(records)
    previous = current_assignment(session=session, owner_org_id=owner_org_id)
    run = run_linking(
        parties,
        hub_overrides=hub_overrides(session=session, owner_org_id=owner_org_id),
        previous=previous,
        next_number=next_key_number(session, owner_org_id),
        marks=marks or (),
        references=records.references,
        photo_insides=records.photo_insides,
        consignor_model=consignor_model,
        progress=progress,
    )
    grown = grown_networks(run, records)
    domains = any(m.kind == "domain" for n in grown for m in n.members)
    notes = MemberNotes.build(records, (marks or ()) if domains else ())
    now = utcnow()
    stored = LinkRun(
        owner_org_id=owner_org_id,
        tlp=DEFAULT_TLP,
        started_at=read_at or utcnow(),
        parties=len(parties),
        networks=sum(1 for n in grown if not n.operator),
        operator_groups=sum(1 for n in grown if n.operator),
        hubs=len(run.hubs),
        next_number=run.next_number,
        seconds={k: round(v, 3) for k, v in run.seconds.items()},
        actor=actor,
    )
    session.add(stored)
    session.flush()
    existing = {
        n.key: n for n in session.scalars(select(LinkNetwork).where(LinkNetwork.owner_org_id == owner_org_id))
    }
    standing = {n.key for n in existing.values() if n.dissolved_at is None}
    kept = 0
    for network in grown:
        row = existing.get(network.key)
        if row is None:
            row = LinkNetwork(owner_org_id=owner_org_id, tlp=DEFAULT_TLP, key=network.key)
            session.add(row)
        else:
            kept += int(network.key in standing)
            session.execute(delete(LinkMember).where(LinkMember.network_id == row.id))
            session.execute(delete(LinkEdge).where(LinkEdge.network_id == row.id))
        seen = [m.seen_at for m in network.members if m.seen_at is not None]
        kinds: dict[str, int] = {}
        for member in network.members:
            kinds[member.kind] = kinds.get(member.kind, 0) + 1
        row.score, row.operator, row.size, row.kinds = (
            network.score,
            network.operator,
            len(network.members),
            kinds,
        )
        row.first_seen, row.last_seen = (min(seen), max(seen)) if seen else (None, None)
        row.run_id, row.dissolved_at, row.updated_at = stored.id, None, now
        session.flush()
        added = [(link, LinkEdge(**edge_row(row.id, link))) for link in network.links]
        session.add_all([edge for _, edge in added])
        session.flush()
        edge_ids: dict[tuple[str, str, str, str], int] = {}
        for link, edge in added:
            edge_ids.setdefault((link.a, link.b, link.evidence, link.detail), edge.id)
        for member in network.members:
            chain = network.chains.get(member.key, [])
            last = chain[-1] if chain else None
            via = edge_ids.get((last.a, last.b, last.evidence, last.detail)) if last else None
            session.add(
                LinkMember(
                    network_id=row.id, key=member.key, kind=member.kind, label=member.label,
                    record_type=member.record_type, record_id=member.record_id, depth=len(chain),
                    via_edge_id=via, seen_at=member.seen_at,
                    **notes.columns(member, operator=network.operator),
                )
            )  # fmt: skip
    found = {n.key for n in grown}
    dissolved = 0
    for key in sorted(standing - found):
        row = existing[key]
        session.execute(delete(LinkMember).where(LinkMember.network_id == row.id))
        session.execute(delete(LinkEdge).where(LinkEdge.network_id == row.id))
        row.dissolved_at, row.size, row.updated_at = now, 0, now
        dissolved += 1
    _store_detected_hubs(session, owner_org_id, run.hubs.values(), actor)
    session.flush()
    seconds = {**stored.seconds, "total": round(time.perf_counter() - started, 3)}
    stored.seconds = seconds
    record_audit(
        session=session, actor=actor, action="link.run", subject_type="link_run", subject_id=str(stored.id),
        org_id=owner_org_id, detail={"networks": stored.networks, "kept": kept, "dissolved": dissolved},
    )  # fmt: skip
    return RunSummary(
        stored.id,
        len(parties),
        stored.networks,
        stored.operator_groups,
        stored.hubs,
        kept,
        dissolved,
        seconds,
    )


def _store_detected_hubs(session: Session, owner_org_id: int, hubs: Any, actor: str) -> None:
    session.execute(delete(LinkHub).where(LinkHub.owner_org_id == owner_org_id, LinkHub.source == "detected"))
    analyst = set(hub_overrides(session=session, owner_org_id=owner_org_id))
    for hub in hubs:
        if (hub.kind, hub.value) in analyst or len(hub.value) > 1000:
            continue
        session.add(
            LinkHub(
                owner_org_id=owner_org_id, tlp=DEFAULT_TLP, kind=hub.kind, value=hub.value, hub=True,
                source="detected", holders=hub.holders, reason=hub.reason[:300], created_by=actor,
            )
        )  # fmt: skip


# Reads ---------------------------------------------------------------------------------------------


def visible_networks(
    *,
    session: Session,
    principal: Principal,
    operator: bool | None = None,
    min_score: float | None = None,
    kind: str | None = None,
    include_dissolved: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[LinkNetwork], int]:
    """The networks the principal may see, largest first, with the count before paging."""
    query = visible(LinkNetwork, principal)
    if not include_dissolved:
        query = query.where(LinkNetwork.dissolved_at.is_(None))
    if operator is not None:
        query = query.where(LinkNetwork.operator.is_(operator))
    if min_score is not None:
        query = query.where(LinkNetwork.score >= min_score)
    if kind is not None:
        query = query.where(LinkNetwork.id.in_(networks_holding(principal=principal, kind=kind)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(LinkNetwork.size.desc(), LinkNetwork.score.desc(), LinkNetwork.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


def get_network(*, session: Session, principal: Principal, network_id: int) -> LinkNetwork:
    """One visible network; absent and not-yours are the same 404."""
    row: LinkNetwork | None = session.scalar(
        visible(LinkNetwork, principal).where(LinkNetwork.id == network_id)
    )
    if row is None:
        raise NotFound.of("no network that you may see")
    return row


def network_parts(
    *, session: Session, principal: Principal, network_id: int
) -> tuple[list[LinkMember], list[LinkEdge]]:
    """The members (by depth, then key) and edges of a network the caller has already found visible, as
    far as the principal may see them now (`link.visible_parts`)."""
    members = session.scalars(
        select(LinkMember)
        .where(LinkMember.network_id == network_id)
        .order_by(LinkMember.depth, LinkMember.key)
    )
    edges = session.scalars(select(LinkEdge).where(LinkEdge.network_id == network_id).order_by(LinkEdge.id))
    return visible_parts(session=session, principal=principal, members=list(members), edges=list(edges))


def member_chain(members: list[LinkMember], edges: list[LinkEdge], member_key: str) -> list[LinkEdge]:
    """The edges from the network's root to the member, following each member's `via` edge."""
    by_key = {m.key: m for m in members}
    by_id = {e.id: e for e in edges}
    if member_key not in by_key:
        raise NotFound.of("no such member in this network")
    chain: list[LinkEdge] = []
    current = by_key[member_key]
    for _ in range(len(members)):
        edge = by_id.get(current.via_edge_id) if current.via_edge_id is not None else None
        if edge is None:
            break
        chain.append(edge)
        other = edge.a if edge.b == current.key else edge.b
        if other not in by_key or by_key[other].depth >= current.depth:
            break
        current = by_key[other]
    return list(reversed(chain))


def networks_of_record(
    *, session: Session, principal: Principal, record_type: str, record_id: int
) -> list[LinkNetwork]:
    """The visible standing networks a stored record (listing, account, shipment) is a member of; none
    when the principal may not see the record (as for a record in no network)."""
    if not seen_records(session=session, principal=principal, records=[(record_type, record_id)]):
        return []
    holding = select(LinkMember.network_id).where(
        LinkMember.record_type == record_type, LinkMember.record_id == record_id
    )
    query = visible(LinkNetwork, principal).where(
        LinkNetwork.id.in_(holding), LinkNetwork.dissolved_at.is_(None)
    )
    return list(session.scalars(query.order_by(LinkNetwork.id)))


def networks_of_listings(
    *, session: Session, listings: Iterable[tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    """Listing id -> (network id, accounts and shops) of the largest standing network of the listing's
    owner that holds it (a rights holder's own stores, `operator`, left out); listings in no network are
    left out.

    `listings` are (listing id, owner organisation id) pairs: a system read for detection, which scores
    listings it was handed, and only ever sees the networks their owner's linking found.
    """
    owner_of = dict(listings)
    if not owner_of:
        return {}
    rows = session.execute(
        select(LinkMember.record_id, LinkNetwork.id, LinkNetwork.owner_org_id, LinkNetwork.kinds)
        .join(LinkNetwork, LinkNetwork.id == LinkMember.network_id)
        .where(LinkMember.record_type == "listing", LinkMember.record_id.in_(sorted(owner_of)))
        .where(LinkNetwork.dissolved_at.is_(None), LinkNetwork.operator.is_(False))
        .order_by(LinkNetwork.id)
    )
    found: dict[int, tuple[int, int]] = {}
    for listing_id, network_id, owner, kinds in rows:
        if listing_id is None or owner != owner_of.get(listing_id):
            continue
        accounts = int((kinds or {}).get("account", 0)) + int((kinds or {}).get("shop", 0))
        if accounts > found.get(listing_id, (0, 0))[1]:
            found[listing_id] = (int(network_id), accounts)
    return found


def listings_of_networks(*, session: Session, network_ids: Iterable[int]) -> dict[int, list[int]]:
    """Network id -> the listing ids among its members (a system read for detection, as above: the ids
    are of networks `networks_of_listings` gave)."""
    ids = sorted(set(network_ids))
    found: dict[int, list[int]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        rows = session.execute(
            select(LinkMember.network_id, LinkMember.record_id)
            .where(LinkMember.network_id.in_(ids[start : start + IN_CHUNK]))
            .where(LinkMember.record_type == "listing")
        )
        for network_id, listing_id in rows:
            if listing_id is not None:
                found.setdefault(int(network_id), []).append(int(listing_id))
    return found


def networks_of_member(*, session: Session, principal: Principal, member_key: str) -> list[LinkNetwork]:
    """The visible standing networks with a member of this key (account:12, shipment:3, domain:x.com)
    that the principal may be shown there (`network_parts`)."""
    holding = select(LinkMember.network_id).where(LinkMember.key == member_key)
    query = visible(LinkNetwork, principal).where(
        LinkNetwork.id.in_(holding), LinkNetwork.dissolved_at.is_(None)
    )
    found = list(session.scalars(query.order_by(LinkNetwork.id)))
    if principal.is_system:
        return found
    return [
        network
        for network in found
        if any(m.key == member_key for m in network_parts(session=session, principal=principal,
                                                          network_id=network.id)[0])
    ]  # fmt: skip


# The hub list ---------------------------------------------------------------------------------------


def visible_hubs(*, session: Session, principal: Principal, limit: int = 500) -> list[LinkHub]:
    """The hub entries the principal may see: the analyst's first, then the detected, most held first."""
    query = visible(LinkHub, principal).order_by(LinkHub.source, LinkHub.holders.desc(), LinkHub.id)
    return list(session.scalars(query.limit(limit)))


def set_hub(*, session: Session, principal: Principal, kind: str, value: str, hub: bool) -> LinkHub:
    """The analyst's word on a value for the principal's organisation: a hub (kept off) or not."""
    if principal.org_id is None:
        raise InvalidInput.of("only a member of an organisation keeps a hub list")
    kind, value = kind.strip().lower(), value.strip()
    if not kind or len(kind) > HUB_KINDS_MAX or not value or len(value) > 1000:
        raise InvalidInput.of("a hub entry needs a kind (1-32 characters) and a value (1-1000 characters)")
    if any(ord(ch) < 32 for ch in kind + value) or not (kind + value).isprintable():
        raise InvalidInput.of("a hub entry's kind and value are printable text, without control characters")
    if kind not in HUB_KINDS:
        kinds = ", ".join(HUB_KINDS)
        raise InvalidInput.of("a hub entry is one of {kinds}, not {kind!r}", kinds=kinds, kind=kind)
    row = session.scalar(
        select(LinkHub).where(
            LinkHub.owner_org_id == principal.org_id, LinkHub.kind == kind, LinkHub.value == value
        )
    )
    if row is None:
        row = LinkHub(
            owner_org_id=principal.org_id, tlp=DEFAULT_TLP, kind=kind, value=value, created_by=principal.email
        )
        session.add(row)
    row.hub, row.source, row.created_by = hub, "analyst", principal.email
    row.reason = "listed as a hub by an analyst" if hub else "kept on the links by an analyst"
    session.flush()
    return row


def remove_hub(*, session: Session, principal: Principal, hub_id: int) -> LinkHub:
    """Take a value off the organisation's hub list (owner only).

    A detected hub becomes the analyst's "not a hub" (the next run would detect it again otherwise) and
    links from the next run on; an analyst's entry is deleted, and the next run decides afresh.
    """
    row = require_owner(session.get(LinkHub, hub_id), principal, what="hub entry")
    if row.source == "detected":
        row.hub, row.source, row.created_by = False, "analyst", principal.email
        row.reason = "kept on the links by an analyst"
    else:
        session.delete(row)
    session.flush()
    return row


def last_run(*, session: Session, principal: Principal) -> LinkRun | None:
    """The newest run the principal may see."""
    found: LinkRun | None = session.scalar(visible(LinkRun, principal).order_by(LinkRun.id.desc()).limit(1))
    return found


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
