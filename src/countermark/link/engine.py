"""The whole linking run over plain parties: exact links, hubs, fuzzy links, online-to-border, networks.

Pure: parties in, a `LinkRun` out. The store's `link_service` and the evaluation feed it the same way.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

import pandas as pd  # type: ignore[import-untyped]

from countermark.link import fuzzy
from countermark.link.depots import sent_from_shared
from countermark.link.evidence import Hub, Link, Party, Value
from countermark.link.hubs import detect_hubs, holders_of
from countermark.link.networks import (
    Cluster,
    chains,
    components,
    cut_borrowed_values,
    group_corroborated,
    party_names,
    same_owner,
    score,
    stable_ids,
)
from countermark.link.photos import photo_values
from countermark.link.platform_contacts import platform_contacts
from countermark.link.premises import premises_matches
from countermark.link.resolve import Comparison, ResolutionModel, resolve
from countermark.link.unionfind import DisjointSets

# Values that tie two parties only when something else also does: a photo (a product shot honest sellers
# also find) and a site template (a theme honest shops also customise alike).
WEAK_KINDS = frozenset({"photo", "site_template"})
STAR_ABOVE = 8  # a value held by more parties than this links each holder to the first only

CONSIGNOR_MODEL = ResolutionModel(
    comparisons=(
        Comparison("name", "jaro_winkler", term_frequency=True),
        Comparison("address", "jaro_winkler", term_frequency=True),
        Comparison("country", "exact"),
        Comparison("contact", "exact", term_frequency=True),
    ),
    blocking=(("name_key",), ("address_key",), ("contact",)),
    training_blocks=(("name_key",), ("address_key",)),
    threshold=0.99,
)


@dataclass(frozen=True)
class Network:
    """A group of parties of one operator, with its evidence."""

    id: str
    members: tuple[str, ...]
    kinds: Mapping[str, int]
    score: float
    operator: (
        bool  # a rights holder's own stores (authorised sellers): one operator, not a counterfeit network
    )
    links: tuple[Link, ...]
    chains: Mapping[str, list[Link]]


@dataclass
class LinkRun:
    """What a run found: hubs kept off the links, every link, the networks, and how long each step took."""

    hubs: dict[Value, Hub]
    links: list[Link]
    networks: list[Network]
    member_of: dict[str, str]
    next_number: int
    seconds: dict[str, float] = field(default_factory=dict)


def with_photo_values(
    parties: Sequence[Party], references: Sequence[str], insides: Mapping[str, str] | None = None
) -> list[Party]:
    """Parties with the photo groups they posted added to their values (rights holders' photos left out)."""
    posted = {p.key: p.photos for p in parties if p.photos}
    if not posted:
        return list(parties)
    found = photo_values(posted, references, insides)
    return [replace(p, values=p.values | found[p.key]) if p.key in found else p for p in parties]


def _star(keys: Sequence[str], kinds: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    """The pairs a value held by many parties draws: the online holders in a star to the first, and each
    consignment to every one of the first STAR_ABOVE online holders (else to the first consignment).

    A consignment is tied to several online holders, not to the first alone: a value two rings show (a
    supplier's phone) must reach `attach_shipments` as a tie to both networks, or the parcel would follow
    whichever ring's account the store happened to number first."""
    online = [key for key in keys if kinds[key] != "shipment"]
    parcels = [key for key in keys if kinds[key] == "shipment"]
    anchors = online[:STAR_ABOVE] or parcels[:1]
    yield from ((online[0], key) for key in online[1:])
    yield from ((anchor, parcel) for parcel in parcels for anchor in anchors if anchor != parcel)


# A WhatsApp or Signal handle is a phone number: `whatsapp:+905565769074`.
_NUMBER_HANDLE = re.compile(r"^(?:whatsapp|signal):(\+\d{6,15})$")


def same_number(value: Value) -> tuple[str, ...]:
    """The phone a messaging handle is (as a ground of evidence), so that the number and its WhatsApp
    handle are one piece when a network is checked for a borrowed value (training world 112: two rings
    tied by one agent's number, shown as a phone and as a WhatsApp handle, were two pieces and never cut)."""
    found = _NUMBER_HANDLE.match(value[1]) if value[0] == "messaging_handle" else None
    return (f"phone:{found.group(1)}",) if found else ()


def exact_links(holders: Mapping[Value, list[Party]], hubs: Mapping[Value, Hub]) -> list[Link]:
    """Parties that show one non-hub value (all pairs when few hold it, a star otherwise: `_star`)."""
    links: list[Link] = []
    kinds = {p.key: p.kind for parties in holders.values() for p in parties}
    for value, parties in holders.items():
        # Online holders first: when many hold a value, each consignment is tied to accounts directly.
        keys = sorted({p.key for p in parties}, key=lambda key: (kinds[key] == "shipment", key))
        if len(keys) < 2 or value in hubs:
            continue
        detail = f"{value[0]} {value[1]}"
        pairs = combinations(keys, 2) if len(keys) <= STAR_ABOVE else _star(keys, kinds)
        # A shared photo may be a product shot many honest sellers also found: alone it is weak evidence.
        strong = value[0] not in WEAK_KINDS
        basis = (f"{value[0]}:{value[1]}", *same_number(value))
        links.extend(Link(a, b, f"exact:{value[0]}", detail, strong=strong, basis=basis) for a, b in pairs)
    return links


def not_imitations(links: Sequence[Link], authorised: set[str]) -> list[Link]:
    """Resemblance links, less those that touch an authorised seller.

    A lookalike copies an authorised seller's name, address and words to pass as genuine, and retailers
    of one brand write its stock phrases ("authorised … retailer, invoice with every order"): resembling
    one says nothing of common ownership. Only an exact identifier ties a party to an authorised seller.
    """
    return [link for link in links if link.a not in authorised and link.b not in authorised]


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9 ]+", " ", folded).strip()


def _key_of(text: str, words: int) -> str | None:
    tokens = [t for t in _fold(text).split() if len(t) > 2 and not t.isdigit()]
    return " ".join(sorted(tokens)[:words]) or None


def shipment_links(
    shipments: Sequence[Party], hubs: Mapping[Value, Hub], *, progress: Callable[[str], None] | None = None
) -> list[Link]:
    """Consignments with one sender: Splink over consignor name, address, country and contact.

    Only pairs at or above the model's threshold are kept; a forwarder's depot address or a name many
    honest senders use weighs little through the term-frequency adjustment.
    """
    rows = []
    for party in shipments:
        contact = next(
            (v for k, v in sorted(party.values) if k in ("phone", "email") and (k, v) not in hubs), None
        )
        rows.append(
            {
                "unique_id": party.key,
                "name": _fold(party.name) or None,
                "address": _fold(party.address) or None,
                "country": party.country or None,
                "contact": contact,
                "name_key": _key_of(party.name, 2),
                "address_key": _key_of(party.address, 3),
            }
        )
    if len(rows) < 3:
        return []
    frame = pd.DataFrame(rows)
    from splink.internals.exceptions import EMTrainingException

    try:
        pairs = resolve([frame], CONSIGNOR_MODEL, progress=progress)
    except EMTrainingException as exc:  # too few consignments to learn from: no fuzzy consignor links
        if progress is not None:
            progress(f"consignor model not trained ({exc}); consignments link by seller id and contact only")
        return []
    return [
        Link(
            p.left,
            p.right,
            "splink:consignor",
            f"same sender, probability {p.probability:.3f}",
            strong=True,
            probability=p.probability,
            contributions=dict(p.contributions),
        )
        for p in pairs
    ]


def seller_links(shipments: Sequence[Party], known: set[str]) -> list[Link]:
    """A consignment naming its seller's account (marketplace and seller id) ties to that account."""
    return [
        Link(s.key, s.seller, "seller_id", f"seller id on the declaration: {s.seller}", strong=True)
        for s in shipments
        if s.seller and s.seller in known
    ]


def run_linking(
    parties: Sequence[Party],
    *,
    hub_overrides: Mapping[Value, bool] | None = None,
    previous: Mapping[str, str] | None = None,
    next_number: int = 1,
    marks: Sequence[str] = (),
    references: Sequence[str] = (),
    photo_insides: Mapping[str, str] | None = None,
    consignor_model: bool = True,
    progress: Callable[[str], None] | None = None,
) -> LinkRun:
    """Link everything: the run an analyst starts, and the one the evaluation measures."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    parties = with_photo_values(parties, references, photo_insides)
    online = [p for p in parties if p.kind != "shipment"]
    online_keys = {p.key for p in online}
    shipments = [p for p in parties if p.kind == "shipment"]
    holders = holders_of(parties)
    hubs = detect_hubs(holders, hub_overrides, platform_contacts(parties))
    links = exact_links(holders, hubs)
    seconds["exact"] = time.perf_counter() - started
    started = time.perf_counter()
    resemblance = fuzzy.email_links(online) + fuzzy.handle_links(online)
    stock: set[str] = set()
    every_line = fuzzy.line_groups(online, hubs=hubs, stock=stock)
    lines = {text: writers for text, writers in every_line.items() if text not in stock}
    resemblance += fuzzy.domain_family_links(online, marks) + fuzzy.links_of_lines(lines)
    authorised = {p.key for p in online if p.authorised_for}
    set_aside = ([p.key for p in holders.get(value, ())] for value, hub in hubs.items() if hub.scattered)
    links = fuzzy.lines_alone([*links, *not_imitations(resemblance, authorised)], online_keys, set_aside)
    seconds["fuzzy"] = time.perf_counter() - started
    started = time.perf_counter()
    if shipments:
        links += seller_links(shipments, {p.key for p in online})
        if consignor_model:
            links += shipment_links(shipments, hubs, progress=progress)
    seconds["online_to_border"] = time.perf_counter() - started
    started = time.perf_counter()
    online_order = [p.key for p in online]
    online_links = [link for link in links if link.a in online_keys and link.b in online_keys]
    names = party_names(online, set(hubs))
    found = online_clusters(online_order, online_links, names)
    group = {member: index for index, cluster in enumerate(found) for member in cluster.members}
    released = regrouped(hubs, holders, group)
    ties = group_lines(every_line, group, authorised)
    if released or ties:
        hubs = {value: hub for value, hub in hubs.items() if value not in released}
        ties += exact_links({value: holders[value] for value in released}, hubs)
        links += ties
        online_links += [link for link in ties if link.a in online_keys and link.b in online_keys]
        found = online_clusters(online_order, online_links, names)
    between = [link for link in links if link.a not in online_keys and link.b not in online_keys]
    clusters = attach_shipments(
        found,
        [link for link in links if (link.a in online_keys) != (link.b in online_keys)],
        online_keys,
        [link for link in between if not link.evidence.startswith("splink:")],
        matches=[link for link in between if link.evidence.startswith("splink:")],
        remote=sent_from_shared(shipments),
        addresses={p.key: p.address for p in shipments if p.address},
    )
    networks, member_of, next_number = build_networks(parties, clusters, previous or {}, next_number)
    seconds["networks"] = time.perf_counter() - started
    return LinkRun(hubs, links, networks, member_of, next_number, seconds)


def online_clusters(
    keys: Sequence[str], links: Sequence[Link], names: Mapping[str, Mapping[str, int]] | None = None
) -> list[Cluster]:
    """The online parties' groups: components of the usable links, values borrowed between groups cut
    (`names`: the names each party writes, `networks.party_names`)."""
    usable = group_corroborated(keys, links)
    kept = {id(link) for link in usable}
    found = components(keys, usable)
    # Each cluster is checked against the weak links set aside inside it only (not the whole run's).
    cluster_of = {member: index for index, cluster in enumerate(found) for member in cluster.members}
    aside: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        index = cluster_of.get(link.a)
        if index is not None and cluster_of.get(link.b) == index and not link.strong and id(link) not in kept:
            aside[index].append(link)
    return [
        piece
        for index, cluster in enumerate(found)
        for piece in cut_borrowed_values(cluster, names=names, aside=aside.get(index, ()))
    ]


def _one_groups(keys: set[str], group: Mapping[str, int]) -> bool:
    """Whether more than half of the keys fall in one group and the rest in none (lone parties)."""
    sizes = Counter(group[key] for key in keys if key in group)
    return len(sizes) == 1 and 2 * max(sizes.values()) > len(keys)


def regrouped(
    hubs: Mapping[Value, Hub], holders: Mapping[Value, list[Party]], group: Mapping[str, int]
) -> set[Value]:
    """Photos and templates kept off the links as scattered over groups nothing else ties, whose holders
    the run then found all in one group, besides lone parties: the group holds more than half of them, so
    the premise failed (the shots a ring's shops share, tied by evidence found after the hubs). They are
    weak evidence again, so a lone holder joins only with a second piece. `group`: party key -> its
    group's index, for the parties in a group."""
    return {
        value
        for value, hub in hubs.items()
        if hub.scattered
        and value[0] in WEAK_KINDS
        and _one_groups({p.key for p in holders.get(value, ()) if p.kind != "shipment"}, group)
    }


# A group this small all of whose members write a ring's signature joins the ring as a lone writer does.
WHOLE_GROUP = 3


def group_lines(lines: Mapping[str, set[str]], group: Mapping[str, int], authorised: set[str]) -> list[Link]:
    """Links from lone parties to the group that writes most of a line too common to count as text (more
    than `fuzzy.RARE` writers, or made of stock words): a ring's own signature ("Stock in Baiyun
    Longsheng, catalogue #783" on eight of its shops) is no stock phrase when more than half of its
    writers are one group's and the rest write alone (or in a group of at most WHOLE_GROUP members, all
    writing it). A lone writer joins on it (strong since seeds 65 and 69: lone shops of a ring writing
    nothing but its signature), and so does such a small group; authorised sellers never do."""
    links: list[Link] = []
    seen: set[tuple[str, str]] = set()
    sizes = Counter(group.values())
    for text, writers in lines.items():
        if len(writers) <= fuzzy.RARE:
            continue
        written = Counter(group[key] for key in writers if key in group)
        # A small group every member of which writes the line is as lone as a lone writer (training
        # world 88: two shops of a ring of 40, tied to each other by shots alone, writing its signature).
        whole = {g for g, count in written.items() if count == sizes[g] <= WHOLE_GROUP}
        rings = [g for g in written if g not in whole] or (list(written) if len(written) == 1 else [])
        if len(rings) != 1 or 2 * written[rings[0]] <= len(writers):
            continue
        members = sorted(key for key in writers if group.get(key) == rings[0])
        for lone in sorted(writers - set(members) - authorised):
            for member in members:
                if (lone, member) not in seen:
                    seen.add((lone, member))
                    detail = f"reused line \u201c{text[:60]}\u201d, written by {len(writers)} parties"
                    basis = (f"common lines of {lone}",)
                    links.append(Link(lone, member, fuzzy.BIO_LINE, detail, strong=True, basis=basis))
    return links


def attach_shipments(
    clusters: Sequence[Cluster],
    border: Sequence[Link],
    online: set[str],
    between: Sequence[Link] = (),
    *,
    matches: Sequence[Link] = (),
    remote: set[str] | None = None,
    addresses: Mapping[str, str] | None = None,
) -> list[Cluster]:
    """Consignments join the one network their seller id or contact ties them to; never a bridge.

    Accounts are clustered on online evidence alone, so a parcel (or a forwarder's contact written on
    one) cannot merge two networks. Consignments of one sender (`between`: a shared contact) form groups;
    a group tied to exactly one network joins it whole. A group tied to several networks falls back to
    each parcel's own ties, and a parcel tied to two networks joins neither. Then a parcel or group still
    unplaced follows Splink's consignor `matches` into the one network its placed matches are in, unless
    it is sent from a shared address (`remote`); last, one whose address (`addresses`: key -> the
    consignor's address) names the premises of placed parcels of one network.
    """
    home = {member: position for position, c in enumerate(clusters) for member in c.members}
    ties: dict[str, list[Link]] = defaultdict(list)
    for link in border:
        shipment = link.b if link.a in online else link.a
        ties[shipment].append(link)
    senders = DisjointSets()
    inside: dict[str, list[Link]] = defaultdict(list)
    for link in between:
        senders.union(link.a, link.b)
    for link in between:
        inside[senders.find(link.a)].append(link)
    groups = senders.groups({*ties, *senders.parent})

    def targets_of(shipments: Iterable[str]) -> set[int | None]:
        return {
            home.get(link.a if link.a in online else link.b) for s in shipments for link in ties.get(s, ())
        }

    joined: dict[int, tuple[list[str], list[Link]]] = {
        i: (list(c.members), list(c.links)) for i, c in enumerate(clusters)
    }
    for root, shipments in groups.items():
        targets = {t for t in targets_of(shipments) if t is not None}
        if len(targets) == 1:
            members, tied = joined[targets.pop()]
            members.extend(shipments)
            tied.extend(link for s in shipments for link in ties.get(s, ()))
            tied.extend(inside.get(root, ()))
            continue
        for shipment in shipments:
            own = targets_of([shipment])
            if len(own) == 1 and None not in own:
                members, tied = joined[own.pop()]  # type: ignore[index]
                members.append(shipment)
                tied.extend(ties[shipment])
    # A parcel (or a sender's group of them) still unplaced may follow the sender Splink matches it to
    # (name, address) when the placed parcels it matches are all in one network. Not from a shared
    # address (`remote`: a depot, a street many senders write, `link.depots`): there a name is all that
    # matches, and honest senders bear the networks' names too.
    placed = {m: i for i, (members, _) in joined.items() for m in members if m not in online}
    firm = dict(placed)  # placed by a contact or a seller id, not by resemblance
    support: dict[str, dict[int, list[Link]]] = defaultdict(lambda: defaultdict(list))
    for link in matches:
        for shipment, other in ((link.a, link.b), (link.b, link.a)):
            if shipment not in placed and other in placed and shipment not in (remote or ()):
                support[senders.find(shipment)][placed[other]].append(link)
    _join_supported(support, joined, groups, placed, inside)
    # Last, a parcel (or group) still unplaced whose address names the premises of parcels placed by a
    # contact or a seller id, all of one network: the operation's own rooms written another way
    # (`link.premises`). Never from a shared address, where the room is the forwarder's; never vouched
    # for by a parcel placed by resemblance (Splink), so one wrong match does not spread along a street.
    placed = {m: i for i, (members, _) in joined.items() for m in members if m not in online}
    at_premises: dict[str, dict[int, list[Link]]] = defaultdict(lambda: defaultdict(list))
    open_addresses = {
        key: address
        for key, address in (addresses or {}).items()
        if key not in placed and key not in (remote or ())
    }
    firm_addresses = {key: address for key, address in (addresses or {}).items() if key in firm}
    for shipment, other in premises_matches(open_addresses, firm_addresses):
        link = Link(shipment, other, "premises", f"same premises: {firm_addresses[other]}", strong=True)
        at_premises[senders.find(shipment)][firm[other]].append(link)
    _join_supported(at_premises, joined, groups, placed, inside)
    return [Cluster(tuple(sorted(m)), tuple(t)) for m, t in joined.values()]


def _join_supported(
    support: Mapping[str, Mapping[int, list[Link]]],
    joined: dict[int, tuple[list[str], list[Link]]],
    groups: Mapping[str, list[str]],
    placed: Mapping[str, int],
    inside: Mapping[str, list[Link]],
) -> None:
    """Each unplaced parcel or sender's group whose support points at exactly one network joins it."""
    for unit, by_target in support.items():
        if len(by_target) == 1:
            target, found = next(iter(by_target.items()))
            members, tied = joined[target]
            members.extend(s for s in groups.get(unit, [unit]) if s not in placed)
            tied.extend(found)
            tied.extend(inside.get(unit, ()))


def build_networks(
    parties: Sequence[Party], clusters: Sequence[Cluster], previous: Mapping[str, str], next_number: int
) -> tuple[list[Network], dict[str, str], int]:
    """Networks with stable ids, members by kind, a score and each member's chain of evidence."""
    by_key = {p.key: p for p in parties}
    ids, next_number = stable_ids(clusters, previous, next_number)
    networks: list[Network] = []
    member_of: dict[str, str] = {}
    for position, cluster in enumerate(clusters):
        kinds: dict[str, int] = defaultdict(int)
        for member in cluster.members:
            kinds[by_key[member].kind] += 1
        online_members = [m for m in cluster.members if by_key[m].kind != "shipment"]
        operator = same_owner(sum(1 for m in online_members if by_key[m].authorised_for), len(online_members))
        root = online_members[0] if online_members else cluster.members[0]
        network = Network(
            id=ids[position],
            members=cluster.members,
            kinds=dict(kinds),
            score=score(cluster),
            operator=operator,
            links=cluster.links,
            chains=chains(cluster, root),
        )
        networks.append(network)
        for member in cluster.members:
            member_of[member] = network.id
    return networks, member_of, next_number
