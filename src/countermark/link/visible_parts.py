"""What a reader may see of a network: its members whose records it may see now, and the links between them.

A network is marked as a whole, but its members are other records with their own markings, and those can
change after the run that found them: the police mark a listing RED the day after the customs' run put it
in a network, or the network's owner re-marks the network GREEN for partners who may not see every record
in it. So members and edges are filtered when they are read, not only when the run stores them: a member
that is a stored record (account, shop, listing, consignment) is shown only when the reader may see that
record; an edge only between two shown members; a member that is no record (a domain) only when a shown
edge ties it to a shown member. A hidden member and an absent one read the same ("no such member"), and
is not counted: a network's size and kinds, and the networks said to hold a member of a kind, are the
reader's too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from countermark.core.db import IN_CHUNK
from countermark.link.models import LinkEdge, LinkMember, LinkNetwork
from countermark.observe import link_reads as observe_reads
from countermark.observe.listing_reads import visible_listing_ids
from countermark.orgs.visibility import Principal
from countermark.targeting import link_reads as targeting_reads

Record = tuple[str, int]
RECORD_KINDS = ("account", "listing", "shipment")


def _visible_ids(principal: Principal, kind: str, ids: list[int] | None = None) -> Select[Any]:
    """The ids of the records of one kind the principal may see (among `ids`, when given)."""
    if kind == "account":
        return observe_reads.account_ids_query(principal=principal, account_ids=ids)
    if kind == "shipment":
        return targeting_reads.shipment_ids_query(principal=principal, shipment_ids=ids)
    listings = visible_listing_ids(principal)
    return listings if ids is None else listings.where(listings.selected_columns[0].in_(ids))


def seen_records(*, session: Session, principal: Principal, records: Iterable[Record]) -> set[Record]:
    """Those of these (record type, id) pairs the principal may see now (every one, for the system)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for record_type, record_id in records:
        wanted[record_type].add(record_id)
    if principal.is_system:
        return {(kind, i) for kind, ids in wanted.items() for i in ids}
    seen: set[Record] = set()
    for kind in RECORD_KINDS:
        ids = sorted(wanted.get(kind, ()))
        for start in range(0, len(ids), IN_CHUNK):  # a page of many networks names many records
            query = _visible_ids(principal, kind, ids[start : start + IN_CHUNK])
            seen |= {(kind, int(i)) for i in session.scalars(query)}
    return seen


def _record(member: LinkMember) -> Record | None:
    if member.record_type is None or member.record_id is None:
        return None
    return member.record_type, member.record_id


def visible_parts(
    *, session: Session, principal: Principal, members: Sequence[LinkMember], edges: Sequence[LinkEdge]
) -> tuple[list[LinkMember], list[LinkEdge]]:
    """The members and edges of a network the principal may be shown (order kept)."""
    if principal.is_system:
        return list(members), list(edges)
    records = {r for m in members if (r := _record(m)) is not None}
    return _shown(members, edges, seen_records(session=session, principal=principal, records=records))


def _shown(
    members: Sequence[LinkMember], edges: Sequence[LinkEdge], seen: set[Record]
) -> tuple[list[LinkMember], list[LinkEdge]]:
    """The members and edges shown when the records in `seen` are those the reader may see."""
    shown = {m.key for m in members if (r := _record(m)) is not None and r in seen}
    recordless = {m.key for m in members if _record(m) is None}
    kept: set[int] = set()
    grew = True
    while grew:  # a domain tied to a shown member is shown, and so are the domains tied to it
        grew = False
        for edge in edges:
            if edge.id in kept:
                continue
            ends = (edge.a, edge.b)
            if all(e in shown for e in ends):
                kept.add(edge.id)
            elif any(e in shown for e in ends) and all(e in shown or e in recordless for e in ends):
                kept.add(edge.id)
                shown.update(ends)
                grew = True
    return [m for m in members if m.key in shown], [e for e in edges if e.id in kept]


def shown_counts(
    *, session: Session, principal: Principal, networks: Sequence[LinkNetwork]
) -> dict[int, tuple[int, dict[str, int]]]:
    """Each network's size and members by kind as far as the principal may see them now: the stored
    `size` and `kinds` count every member, and would tell a partner how many records it may not see."""
    if principal.is_system or not networks:
        return {n.id: (n.size, dict(n.kinds)) for n in networks}
    ids = [n.id for n in networks]
    members: dict[int, list[LinkMember]] = defaultdict(list)
    edges: dict[int, list[LinkEdge]] = defaultdict(list)
    for member in session.scalars(select(LinkMember).where(LinkMember.network_id.in_(ids))):
        members[member.network_id].append(member)
    for edge in session.scalars(select(LinkEdge).where(LinkEdge.network_id.in_(ids))):
        edges[edge.network_id].append(edge)
    records = {r for rows in members.values() for m in rows if (r := _record(m)) is not None}
    seen = seen_records(session=session, principal=principal, records=records)
    counts: dict[int, tuple[int, dict[str, int]]] = {}
    for network_id in ids:
        counts[network_id] = member_counts(_shown(members[network_id], edges[network_id], seen)[0])
    return counts


def member_counts(members: Sequence[LinkMember]) -> tuple[int, dict[str, int]]:
    """How many members, and how many of each kind."""
    return len(members), dict(Counter(m.kind for m in members))


def networks_holding(*, principal: Principal, kind: str) -> Select[Any]:
    """The ids of networks holding a member of this kind that the principal may see: a network whose only
    listing is one the reader may not see is not listed as holding a listing. A member that is no record
    (a domain) counts as seen; it is shown when a shown member's edge ties it in."""
    query = select(LinkMember.network_id).where(LinkMember.kind == kind)
    if principal.is_system:
        return query
    seen = [
        and_(LinkMember.record_type == record, LinkMember.record_id.in_(_visible_ids(principal, record)))
        for record in RECORD_KINDS
    ]
    return query.where(or_(LinkMember.record_type.is_(None), *seen))
