"""An incremental run: parties seen since the last run join the standing networks through exact evidence.

Pure: the new parties, the known parties that hold one of their identifiers (or that a new consignment
names as its seller), and the standing membership (party key -> network key) in; where each new party
goes out. Only exact identifiers and the seller id on a declaration link here, the same evidence the full
run counts as strong; fuzzy, photo and Splink evidence waits for the next full run.

A new party joins the one network its links reach. A party whose links reach two networks is held for
the full run (an increment never merges networks, as a consignment never bridges them in a full run).
New online parties tied to each other, and to known parties in no network, form a new network when two or
more online parties are tied; a consignment never starts one. A value is kept off the links when it is
on the organisation's hub list or becomes a hub with the newcomers (the rules of `link.hubs`, over every
holder of the value).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from countermark.link.engine import exact_links, seller_links
from countermark.link.evidence import Hub, Link, Party, Value
from countermark.link.hubs import detect_hubs, holders_of
from countermark.link.networks import Cluster, chains, same_owner, score
from countermark.link.platform_contacts import platform_contacts
from countermark.link.unionfind import DisjointSets


@dataclass(frozen=True)
class Placement:
    """New members of one network (a standing one, or one this increment starts) and how each is tied in.

    `tie_in` maps each added member to the link that ties it to the network and its hops from the root;
    `links` are every link among the network's members that this increment found.
    """

    network: str
    created: bool
    operator: bool
    members: tuple[str, ...]
    links: tuple[Link, ...]
    tie_in: Mapping[str, tuple[Link | None, int]]
    score: float | None = None  # for a network this increment starts


@dataclass
class Increment:
    """Where the new parties went: placements, parties held for a full run, hubs met on the way."""

    placements: list[Placement]
    held: list[str]  # tied to two or more networks: the next full run decides
    hubs: dict[Value, Hub]
    next_number: int
    links: list[Link] = field(default_factory=list)


def tie_in(
    added: Sequence[str], links: Sequence[Link], depths: Mapping[str, int]
) -> dict[str, tuple[Link | None, int]]:
    """For each added member, the link that ties it to a member already placed (fewest hops from the
    network's root, breadth-first from the standing members' `depths`) and its own hops."""
    placed = dict(depths)
    found: dict[str, tuple[Link | None, int]] = {}
    waiting = set(added) - set(placed)
    while waiting:
        best: dict[str, tuple[int, Link]] = {}
        for link in links:
            for member, other in ((link.a, link.b), (link.b, link.a)):
                if member in waiting and other in placed:
                    depth = placed[other] + 1
                    if member not in best or depth < best[member][0]:
                        best[member] = (depth, link)
        if not best:
            break
        for member, (depth, link) in best.items():
            placed[member] = depth
            found[member] = (link, depth)
            waiting.discard(member)
    return found


def attach_increment(
    new: Sequence[Party],
    known: Sequence[Party],
    standing: Mapping[str, str],
    *,
    depths: Mapping[str, int] | None = None,
    operators: frozenset[str] = frozenset(),
    hub_overrides: Mapping[Value, bool] | None = None,
    next_number: int = 1,
) -> Increment:
    """Place the new parties (see the module's note); `known` parties keep their place in `standing`.

    `depths` are the standing members' hops from their network's root (0 when not given); `operators`
    the standing networks that are same-owner groups; `hub_overrides` the organisation's hub list
    (the analyst's word, and the hubs the last full run detected).
    """
    new_keys = {p.key for p in new}
    parties = {p.key: p for p in known}
    parties.update({p.key: p for p in new})
    everyone = list(parties.values())
    held_values = {v for p in new for v in p.values}
    holders = {v: h for v, h in holders_of(everyone).items() if v in held_values}
    hubs = detect_hubs(holders, hub_overrides, platform_contacts(everyone))
    links = [link for link in exact_links(holders, hubs) if link.a in new_keys or link.b in new_keys]
    online = {k for k, p in parties.items() if p.kind != "shipment"}
    links += seller_links([p for p in new if p.kind == "shipment"], online)
    depths = depths or {}

    # Online parties first: accounts and shops are grouped on their own evidence.
    groups = DisjointSets()
    for link in links:
        if link.a in online and link.b in online:
            groups.union(link.a, link.b)
    home: dict[str, str] = {k: n for k, n in standing.items() if k in parties}
    created: dict[str, str] = {}  # group root -> network key this increment starts
    held: list[str] = []
    for members in groups.groups(sorted(online & set(groups.parent))).values():
        networks = {standing[m] for m in members if m in standing}
        joining = [m for m in members if m not in standing]
        if len(networks) > 1:
            held.extend(m for m in joining if m in new_keys)
        elif networks:
            home.update((m, next(iter(networks))) for m in joining)
        elif len(joining) >= 2:
            key = f"N-{next_number:06d}"
            next_number += 1
            created[key] = key
            home.update((m, key) for m in joining)

    # Consignments follow the one network their ties reach; a sender's parcels (a shared contact) go
    # together; a parcel that reaches two networks is held.
    shipments = sorted(k for k in parties if k not in online and k not in standing)
    unplaced = set(shipments)
    senders = DisjointSets()
    for link in links:
        if link.a in unplaced and link.b in unplaced:
            senders.union(link.a, link.b)
    reach: dict[str, set[str]] = defaultdict(set)
    for link in links:
        for member, other in ((link.a, link.b), (link.b, link.a)):
            if member not in online and member not in standing and other in home:
                reach[member].add(home[other])
    for members in senders.groups(shipments).values():
        networks = set().union(*(reach[m] for m in members))
        if len(networks) == 1:
            home.update((m, next(iter(networks))) for m in members)
        elif len(networks) > 1:
            held.extend(m for m in members if m in new_keys)

    by_network: dict[str, list[str]] = defaultdict(list)
    for member, network in home.items():
        if member not in standing:
            by_network[network].append(member)
    placements = []
    for network, added in sorted(by_network.items()):
        inside = set(added) | {m for m, n in home.items() if n == network}
        tied = tuple(link for link in links if link.a in inside and link.b in inside)
        # A standing network keeps its kind until the next full run counts all its members; a new one is
        # a same-owner group when at least half of its online members are authorised sellers.
        if network in created:
            online_added = [m for m in added if m in online]
            authorised = sum(1 for m in online_added if parties[m].authorised_for)
            operator = same_owner(authorised, len(online_added))
        else:
            operator = network in operators
        if network in created:
            cluster = Cluster(tuple(sorted(added)), tied)
            root = next((m for m in cluster.members if m in online), cluster.members[0])
            paths = chains(cluster, root)
            ties = {m: (path[-1] if path else None, len(path)) for m, path in paths.items()}
            placements.append(Placement(network, True, operator, cluster.members, tied, ties, score(cluster)))
        else:
            standing_depths = {m: depths.get(m, 0) for m in inside if m in standing}
            ties = tie_in(sorted(added), tied, standing_depths)
            placements.append(Placement(network, False, operator, tuple(sorted(added)), tied, ties))
    return Increment(placements, sorted(set(held)), hubs, next_number, links)
