"""What a reader may see of a network: its members whose records it may see now, and the links between them.

A network is marked as a whole, but its members are other records with their own markings, and those can
change after the run that found them: the police mark a listing RED the day after the customs' run put it
in a network, or the network's owner re-marks the network GREEN for partners who may not see every record
in it. So members and edges are filtered when they are read, not only when the run stores them: a member
that is a stored record (account, shop, listing, consignment) is shown only when the reader may see that
record; an edge only between two shown members; a member that is no record (a domain) only when a shown
edge ties it to a shown member. A hidden member and an absent one read the same ("no such member").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from countermark.link.models import LinkEdge, LinkMember
from countermark.observe import link_reads as observe_reads
from countermark.observe.listing_reads import visible_listing_ids
from countermark.orgs.visibility import Principal
from countermark.targeting import link_reads as targeting_reads

Record = tuple[str, int]


def seen_records(*, session: Session, principal: Principal, records: Iterable[Record]) -> set[Record]:
    """Those of these (record type, id) pairs the principal may see now (every one, for the system)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for record_type, record_id in records:
        wanted[record_type].add(record_id)
    if principal.is_system:
        return {(kind, i) for kind, ids in wanted.items() for i in ids}
    seen: set[Record] = set()
    if wanted.get("account"):
        query = observe_reads.account_ids_query(principal=principal, account_ids=wanted["account"])
        seen |= {("account", int(i)) for i in session.scalars(query)}
    if wanted.get("listing"):
        listings = visible_listing_ids(principal)
        query = listings.where(listings.selected_columns[0].in_(sorted(wanted["listing"])))
        seen |= {("listing", int(i)) for i in session.scalars(query)}
    if wanted.get("shipment"):
        query = targeting_reads.shipment_ids_query(principal=principal, shipment_ids=wanted["shipment"])
        seen |= {("shipment", int(i)) for i in session.scalars(query)}
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
    seen = seen_records(session=session, principal=principal, records=records)
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
