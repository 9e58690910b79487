"""Networks: connected components over strong links (SciPy's sparse graph routines), weak links only when
corroborated, a score per network, and ids that survive reruns.

NetworkX would take minutes at a million accounts; `scipy.sparse.csgraph.connected_components` takes a
second. Ids are kept by maximum overlap with the previous run's networks: a network keeps its id when
members join, and the larger side of a split keeps it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

from countermark.link.evidence import Link, Party, Value
from countermark.link.photos import FRAMED
from countermark.link.unionfind import DisjointSets


@dataclass(frozen=True)
class Cluster:
    """One connected group of parties and the links that tie it."""

    members: tuple[str, ...]
    links: tuple[Link, ...]


def usable_links(links: Iterable[Link]) -> list[Link]:
    """Strong links, plus weak links between two parties that two independent pieces of weak evidence tie
    (two kinds, or two different values of one kind: two shots both posted, two e-mail local parts). Links
    resting on one value (`Link.grounds`: one name behind an e-mail's local part and a shop domain) are
    one piece, and so are framed copies of rights holders' shots however many (`_weak_pieces`)."""
    strong: list[Link] = []
    weak: dict[tuple[str, str], list[Link]] = defaultdict(list)
    for link in links:
        if link.a == link.b:
            continue
        if link.strong:
            strong.append(link)
        else:
            weak[link.ordered()].append(link)
    for pair_links in weak.values():
        if _weak_pieces(pair_links) >= 2:
            strong.extend(pair_links)
    return strong


def group_corroborated(keys: Sequence[str], links: Sequence[Link]) -> list[Link]:
    """The usable links, plus weak links that tie a lone party to a group with two independent pieces of
    weak evidence held by different members (a shot shared with one member, a handle stem with another),
    neither shared with a stranger too (another lone party that does not join that group).

    Pairwise corroboration misses a member whose weak ties are spread over its group; a party with one
    weak tie to each of two groups joins neither.
    """
    usable = usable_links(links)
    parts = _parts(keys, usable)
    sizes = Counter(parts.values())
    taken = {id(link) for link in usable}
    between: dict[tuple[str, str], list[Link]] = defaultdict(list)
    for link in links:
        if id(link) in taken or link.a == link.b:
            continue
        side_a, side_b = parts[link.a], parts[link.b]
        if side_a != side_b and min(sizes[side_a], sizes[side_b]) == 1:
            between[(min(side_a, side_b), max(side_a, side_b))].append(link)
    # A piece a lone party shares with a stranger too (a shot a stranger also posts, a handle stem a
    # stranger's handle also reads: training world 83) is a common one, no sign of the group's. A lone
    # party that joins the group on its own pieces is no stranger to it (world 77: a ring's shop whose
    # e-mail name another of its shops, not yet joined, writes too).
    joined = {
        lone: other
        for pair in _corroborated(between, sizes)
        for lone, other in (pair, pair[::-1])
        if sizes[lone] == 1 and sizes[other] > 1
    }
    shared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (side_a, side_b), tied in between.items():
        if sizes[side_a] == sizes[side_b] == 1:
            for link in tied:
                for ground in link.grounds():
                    shared[(side_a, ground)].add(side_b)
                    shared[(side_b, ground)].add(side_a)
    kept: dict[tuple[str, str], list[Link]] = {}
    for (side_a, side_b), tied in between.items():
        if sizes[side_a] == 1 and sizes[side_b] == 1:
            kept[(side_a, side_b)] = tied
            continue
        lone, group = (side_a, side_b) if sizes[side_a] == 1 else (side_b, side_a)
        kept[(side_a, side_b)] = [
            link
            for link in tied
            if all(joined.get(other) == group for g in link.grounds() for other in shared[(lone, g)])
        ]
    for pair in _corroborated(kept, sizes):
        usable.extend(kept[pair])
    return usable


def _corroborated(
    between: Mapping[tuple[str, str], Sequence[Link]], sizes: Mapping[str, int]
) -> list[tuple[str, str]]:
    """The pairs of parts (one of them a lone party) that two pieces of weak evidence tie, each lone
    party tied so to one part only."""
    lone_ties: dict[str, int] = Counter()
    for (side_a, side_b), tied in between.items():
        if _weak_pieces(tied) >= 2:
            for side in (side_a, side_b):
                if sizes[side] == 1:
                    lone_ties[side] += 1
    return [
        (side_a, side_b)
        for (side_a, side_b), tied in between.items()
        if _weak_pieces(tied) >= 2
        and all(lone_ties[side] == 1 for side in (side_a, side_b) if sizes[side] == 1)
    ]


def _framed(link: Link) -> bool:
    return all(ground.startswith(f"photo:{FRAMED}") for ground in link.grounds())


def _weak_pieces(links: Sequence[Link]) -> int:
    """The pieces of weak evidence between two parties, or a lone party and a group, framed copies of
    rights holders' shots counting as one at most: sellers who never met pad a brand's shots alike
    (training world 95: an honest web shop padding two of a brand's shots as two shops of a ring of 30
    had padded them, within a few bits; fresh world 147: an honest reseller and a lone counterfeiter
    padding the same two shots, merged pairwise)."""
    framed = [link for link in links if _framed(link)]
    return pieces([link for link in links if not _framed(link)]) + bool(framed)


def components(keys: Sequence[str], links: Sequence[Link]) -> list[Cluster]:
    """The connected components (of two or more parties) of the usable links."""
    index = {key: i for i, key in enumerate(keys)}
    rows = np.fromiter((index[link.a] for link in links), dtype=np.int64, count=len(links))
    cols = np.fromiter((index[link.b] for link in links), dtype=np.int64, count=len(links))
    graph = coo_matrix((np.ones(len(links), dtype=np.int8), (rows, cols)), shape=(len(keys), len(keys)))
    _, labels = connected_components(graph.tocsr(), directed=False)
    sizes = np.bincount(labels)
    members: dict[int, list[str]] = defaultdict(list)
    for position in np.nonzero(sizes[labels] > 1)[0]:
        members[int(labels[position])].append(keys[int(position)])
    tied: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        tied[int(labels[index[link.a]])].append(link)
    return [Cluster(tuple(sorted(m)), tuple(tied[label])) for label, m in members.items()]


def _parts(members: Sequence[str], links: Iterable[Link]) -> dict[str, str]:
    sets = DisjointSets(members)
    for link in links:
        sets.union(link.a, link.b)
    return {m: sets.find(m) for m in members}


# A lone value between a group this large and one of SMALL_SIDE is a borrowed one (a smaller part is a lone
# holder). SMALL_SIDE was 3 until 5 December: a pair of one ring tied to a ring of 19 or 28 by one e-mail
# merged them on the training worlds of seeds 15 and 16 (38 and 56 false pairs), and cutting at 2 lost no
# true pair on seeds 7-17.
# BIG_SIDE was 5 until 6 December: at 4 (with `_established`), seed 56's rings of 4 and 2 accounts that
# one WeChat handle tied come apart (precision 0.984 -> 0.998), so do groups on seeds 9, 15 and held-out
# 12; seed 22 loses 0.004 recall; 18 more training worlds do not move (docs/linking.md).
BIG_SIDE = 4
SMALL_SIDE = 2


def evidence_families(links: Sequence[Link]) -> list[list[Link]]:
    """The links grouped by the values they rest on: an e-mail, its slips and the slips' own links are one
    piece of evidence (fewest links first)."""
    sets = DisjointSets()
    for link in links:
        first, *rest = link.grounds()
        for other in rest:
            sets.union(first, other)
    families: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        families[sets.find(link.grounds()[0])].append(link)
    return sorted(families.values(), key=lambda family: (len(family), family[0].grounds()))


def pieces(links: Sequence[Link]) -> int:
    """How many independent pieces of evidence the links are: links resting on a common value (an e-mail
    and its slip, one name read from an e-mail's local part and from a handle) are one."""
    return len(evidence_families(links))


def _established(side: Sequence[str], links: Iterable[Link]) -> bool:
    """Whether a part is an established group: BIG_SIDE members or more, tied by more pairs than a bare
    chain has (a chain of accounts each sharing one value with the next is one group however it is cut)."""
    if len(side) < BIG_SIDE:
        return False
    members = set(side)
    pairs = {link.ordered() for link in links if link.a in members and link.b in members}
    return len(pairs) >= len(members)


# Kinds of value that carry their owner's name: an e-mail's local part, a messaging or payment handle
# (and the names fuzzy links read from them, `fuzzy._name`).
NAMED_KINDS = frozenset({"email", "messaging_handle", "payment_account", "name"})
NAME_LETTERS = 6  # a shorter name (li.wei@) is too common to tell one operation from another
NAME_PREFIX = 5  # two names are one when they begin with this many letters alike (meidashop, meidagz)


def value_name(ground: str) -> str | None:
    """The letters of the name a value carries (`huafengsale` of huafengsale33@outlook.com, `goldenstar`
    of wechat:goldenstar888_88), or None for a value that names nobody (a phone, a wallet, a photo)."""
    kind, _, value = ground.partition(":")
    if kind not in NAMED_KINDS:
        return None
    if kind in ("messaging_handle", "payment_account"):
        value = value.partition(":")[2]
    letters = re.sub(r"[^a-z]", "", value.partition("@")[0].lower())
    return letters if len(letters) >= NAME_LETTERS else None


def link_names(links: Iterable[Link], whole: bool = False) -> set[str]:
    """The names the links' grounds bear (`value_name`): their first NAME_PREFIX letters, or the whole
    names when `whole` (a slip of a value spells its name whole)."""
    found = {n for link in links for ground in link.grounds() if (n := value_name(ground))}
    return found if whole else {n[:NAME_PREFIX] for n in found}


def named_by_one(family: Sequence[Link], sides: Sequence[Sequence[str]], links: Sequence[Link]) -> bool:
    """Whether a value between groups bears the name of one group and not the others': the mark of a
    value borrowed from that group (a ring's "huafengsale33@" written by a shop of a ring whose own
    e-mail reads "huangqiang@"). A group bears a name when a value its members share begins with it, or
    a line they share spells it (a signature "office Yuexiu Huafeng, same day shipping"). A group that
    does not bear it must show a name of its own: one whose shared values name nobody (phones, photos)
    says nothing against the value being its own too."""
    names = link_names(family)
    if not names:
        return False
    bearing = 0
    for side in sides:
        members = set(side)
        inside = [link for link in links if link.a in members and link.b in members]
        own = link_names(inside)
        grounds = [g for link in inside for g in link.grounds()]
        lines = [re.sub(r"[^a-z]", "", g.lower()) for g in grounds if g.startswith("text:")]
        if names & own or any(name in line for name in names for line in lines):
            bearing += 1
        elif not own:
            return False
    return bearing == 1


def name_bearers(family: Sequence[Link], links: Iterable[Link]) -> set[str]:
    """The parties other links tie by a value bearing the whole name of the family's value: the slips of
    a named value (linmin79@hotmail.com beside linmin79@mail.ru, both read as the name `linmin`), which
    a group holding them shows as surely as the value itself. A name that only begins alike
    (huafengtrade@ beside huafengsale33@) is no slip of it."""
    names = link_names(family, whole=True)
    if not names:
        return set()
    return {
        member
        for link in links
        if any(value_name(ground) in names for ground in link.grounds())
        for member in (link.a, link.b)
    }


def party_names(parties: Iterable[Party], hubs: Set[Value] = frozenset()) -> dict[str, dict[str, int]]:
    """The names each party writes on its named values (`value_name`, first NAME_PREFIX letters: an
    e-mail's local part, a messaging or payment handle), each with how many of its values carry it; a
    hub's value (a platform's support address) names nobody's operation."""
    found: dict[str, dict[str, int]] = {}
    for party in parties:
        names = Counter(
            name[:NAME_PREFIX]
            for kind, value in party.values
            if (kind, value) not in hubs and (name := value_name(f"{kind}:{value}"))
        )
        if names:
            found[party.key] = dict(names)
    return found


def named_apart(
    family: Sequence[Link],
    sides: Sequence[Sequence[str]],
    links: Sequence[Link],
    names: Mapping[str, Mapping[str, int]],
) -> bool:
    """Whether each group bears a name of its own, the groups' names differ, and the value between them
    bears none of them or one group's only: two operations (a ring whose shops write `hengda…` and one
    whose shops write `sunrise…`), and the value (an IBAN, a wallet, a person's e-mail, or one group's
    `goldenstarstore36` PayPal) one shop of each shows was passed from one to the other. A group bears a
    name it writes twice: on two members' values, or on two values of one member (`names`: party key ->
    the names its values carry, `party_names`); a value two members share writes its name on both."""
    bridge = link_names(family)
    owners = 0  # groups whose own names the value bears
    borne: list[set[str]] = []
    for side in sides:
        members = set(side)
        written: dict[str, dict[str, int]] = {m: dict(names.get(m, {})) for m in members}
        for link in links:
            if link.a in members and link.b in members:
                for name in link_names([link]):
                    for member in (link.a, link.b):
                        written[member][name] = max(written[member].get(name, 0), 1)
        tally: Counter[str] = Counter()
        for found in written.values():
            tally.update({name: min(count, 2) for name, count in found.items()})
        own = {name for name, count in tally.items() if count >= 2}
        if not own:
            return False
        owners += bool(own & bridge)
        borne.append(own)
    if owners > 1:
        return False
    return all(not (borne[i] & borne[j]) for i in range(len(borne)) for j in range(i + 1, len(borne)))


def cut_borrowed_values(
    cluster: Cluster,
    min_size: int = 4,
    names: Mapping[str, Mapping[str, int]] | None = None,
    aside: Sequence[Link] = (),
) -> list[Cluster]:
    """Split a cluster where one account of a group shows another group's value, and nothing else ties
    the two groups.

    The pattern of a value passed between operations (a drop-shipper's e-mail written by one shop of
    another network, a supplier's WeChat a few shops of two or three rings advertise): without that value
    (and its slips, `evidence_families`) the cluster falls in two or more groups of SMALL_SIDE members
    or more (and perhaps lone holders), and one group holds it more than once (the owner's own value), or
    one group is established (`_established`), or the value bears the name of one group's own values and
    not the other's (`named_by_one`), or it bears none of the names the groups write, or one group's
    only, each writing one of its own (`named_apart`, given `names`). A value's slips count as holding
    it (`name_bearers`) when one group alone then holds it more than once. A lone holder is then left
    out: a value two groups show is no one operator's. A value held by one member on each side of a
    small group is a chain's ordinary link and stays, and so is a value tying lone accounts to one group.
    The cut links are dropped from the cluster.
    """
    if len(cluster.members) < min_size:
        return [cluster]
    for family in evidence_families(cluster.links):
        holders = {m for link in family for m in (link.a, link.b)}
        if len(holders) < 2:
            continue
        cut = {id(link) for link in family}
        rest = [link for link in cluster.links if id(link) not in cut]
        parts = _parts(cluster.members, rest)
        sides: dict[str, list[str]] = defaultdict(list)
        for member in cluster.members:
            sides[parts[member]].append(member)
        groups = {root: side for root, side in sides.items() if len(side) >= SMALL_SIDE}
        if len(groups) < 2:
            continue
        held = max(sum(1 for m in side if m in holders) for side in groups.values())
        # Its slips count as holding it, when one group alone holds it so more than once.
        bearers = holders | name_bearers(family, rest)
        if sum(1 for side in groups.values() if sum(1 for m in side if m in bearers) >= 2) == 1:
            held = 2
        if _tied_aside(family, holders, parts, groups, aside):
            continue
        if (
            held < 2
            and not any(_established(side, rest) for side in groups.values())
            and not named_by_one(family, list(groups.values()), rest)
            and not (names is not None and named_apart(family, list(groups.values()), rest, names))
        ):
            continue
        # A holder nothing else ties is left alone: the value it shows is no one operator's.
        pieces = [
            Cluster(tuple(sorted(side)), tuple(link for link in rest if parts[link.a] == root))
            for root, side in groups.items()
        ]
        return [piece for part in pieces for piece in cut_borrowed_values(part, min_size, names, aside)]
    return [cluster]


# Weak pieces, each too weak to count alone, that tie the two sides a value bridges and make it no
# borrowed value (training world 106: a pair of a ring's shops writing its rare line and sharing three of
# its shots with it).
ASIDE_PIECES = 2


def _tied_aside(
    family: Sequence[Link],
    holders: set[str],
    parts: Mapping[str, str],
    groups: Mapping[str, Sequence[str]],
    aside: Sequence[Link],
) -> bool:
    """Whether the two groups a value bridges also share ASIDE_PIECES weak pieces of other kinds (links set
    aside as uncorroborated between single parties: shots a pair shares with several of a ring's shops).
    A piece bearing the value's own name is no other piece: the borrowed goldenstarkf@mail.ru is also
    read as the name goldenstarkf on several domains (fresh world 162: a pair of one ring and a ring of
    25 stayed merged on it)."""
    sides = {parts[m] for m in holders if parts.get(m) in groups}
    if len(sides) != 2 or not aside:
        return False
    kinds = {link.evidence for link in family}
    names = link_names(family)
    between = [
        link
        for link in aside
        if {parts.get(link.a), parts.get(link.b)} == sides
        and link.evidence not in kinds
        and not link_names([link]) & names
    ]
    return pieces(between) >= ASIDE_PIECES


def stable_ids(
    clusters: Sequence[Cluster], previous: Mapping[str, str], next_number: int, prefix: str = "N"
) -> tuple[dict[int, str], int]:
    """An id per cluster (by position): the previous id sharing most members when that id is free
    (the largest overlap claims first), else a new one. `previous` maps party key -> former id."""
    overlaps: list[tuple[int, int, str]] = []
    for position, cluster in enumerate(clusters):
        counts = Counter(previous[m] for m in cluster.members if m in previous)
        for former, count in counts.items():
            overlaps.append((count, position, former))
    overlaps.sort(key=lambda item: (-item[0], item[1], item[2]))
    assigned: dict[int, str] = {}
    used: set[str] = set()
    for _, position, former in overlaps:
        if position not in assigned and former not in used:
            assigned[position] = former
            used.add(former)
    for position in range(len(clusters)):
        if position not in assigned:
            assigned[position] = f"{prefix}-{next_number:06d}"
            next_number += 1
    return assigned, next_number


def score(cluster: Cluster) -> float:
    """How strongly a network is held together, 0–1: more independent kinds of evidence and more links per
    member score higher; a pair tied by one identifier scores low."""
    kinds = {link.evidence.split(":")[0] + ":" + link.evidence.split(":")[-1] for link in cluster.links}
    density = min(1.0, len(cluster.links) / max(1, len(cluster.members) - 1) / 2)
    variety = min(1.0, len(kinds) / 4)
    size = min(1.0, (len(cluster.members) - 1) / 5)
    return round(0.4 * variety + 0.3 * density + 0.3 * size, 3)


def chains(cluster: Cluster, root: str | None = None) -> dict[str, list[Link]]:
    """For each member, the chain of links that ties it to the cluster's root (breadth-first, fewest
    hops): the evidence an analyst reads under "why is this here"."""
    adjacency: dict[str, list[Link]] = defaultdict(list)
    for link in cluster.links:
        adjacency[link.a].append(link)
        adjacency[link.b].append(link)
    start = root if root in cluster.members else cluster.members[0]
    paths: dict[str, list[Link]] = {start: []}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for link in adjacency[node]:
                other = link.b if link.a == node else link.a
                if other not in paths:
                    paths[other] = [*paths[node], link]
                    following.append(other)
        frontier = following
    return paths


def same_owner(authorised: int, online: int) -> bool:
    """Whether a group is a rights holder's own stores (one honest operator): at least half of its online
    members are on an authorised-seller list. One authorised seller tied into a ring does not make the
    ring honest: it stays a network, with that seller among its members for an analyst to look at."""
    return authorised > 0 and 2 * authorised >= online
