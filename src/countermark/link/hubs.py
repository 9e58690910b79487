"""Hub values: identifiers held so widely that sharing them says nothing about common ownership.

A forwarder's depot, a marketplace's support line or a payment aggregator is held by many unrelated
sellers on several platforms in several countries; a network's own e-mail is held by a few accounts.
The rule reads only the data (how many parties hold a value, across how many platforms and countries);
the analyst's list (`overrides`: value -> True hub / False not a hub) has the last word.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from countermark.link.evidence import NON_LINKING_KINDS, Hub, Party, Value
from countermark.link.unionfind import DisjointSets
from countermark.observe.identifiers import KINDS as IDENTIFIER_KINDS

# The kinds of value a hub can be: those the linker links by (identifiers, and a photo by its group).
HUB_KINDS: tuple[str, ...] = tuple(sorted((IDENTIFIER_KINDS - NON_LINKING_KINDS) | {"photo"}))

HUB_DEGREE = 8  # held by this many parties: a hub whatever its spread
SPREAD_DEGREE = 5  # held by this many parties on SPREAD_PLATFORMS platforms and SPREAD_COUNTRIES countries
SPREAD_PLATFORMS = 3
SPREAD_COUNTRIES = 3
SCATTER_DEGREE = 4  # held by this many parties falling in SCATTER_GROUPS groups, none holding more than half
SCATTER_GROUPS = 3


def holders_of(parties: Iterable[Party]) -> dict[Value, list[Party]]:
    """Every linking value and the parties that show it."""
    holders: dict[Value, list[Party]] = defaultdict(list)
    for party in parties:
        for value in party.values:
            if value[0] not in NON_LINKING_KINDS:
                holders[value].append(party)
    return holders


def _groups(holders: Mapping[Value, list[Party]]) -> dict[str, str]:
    """Each online party's group when only values held by fewer than SCATTER_DEGREE parties link."""
    sets = DisjointSets()
    for parties in holders.values():
        keys = sorted({p.key for p in parties if p.kind != "shipment"})
        if 2 <= len(keys) < SCATTER_DEGREE:
            for other in keys[1:]:
                sets.union(keys[0], other)
    return sets.roots()


def scattered_over(parties: Sequence[Party], groups: Mapping[str, str]) -> int:
    """How many groups a value's (online) holders fall in when they are scattered (SCATTER_GROUPS or more,
    none holding more than half of them), else 0."""
    sizes = Counter(groups.get(p.key, p.key) for p in parties)
    degree = sum(sizes.values())
    return len(sizes) if len(sizes) >= SCATTER_GROUPS and max(sizes.values()) * 2 <= degree else 0


def detect_hubs(
    holders: Mapping[Value, list[Party]],
    overrides: Mapping[Value, bool] | None = None,
    contacts: Mapping[Value, str] | None = None,
) -> dict[Value, Hub]:
    """The hub values, each with the figures that made it one (or the analyst's word).

    Three signs, any one enough: many holders; holders spread over platforms and countries; holders
    scattered over groups that nothing else ties (a value a network shares is held by accounts its other
    identifiers already tie together; an agent's or a supplier's by strangers). `contacts` are the
    platforms' own contacts (`link.platform_contacts`), hubs however few hold them.
    """
    overrides = overrides or {}
    contacts = contacts or {}
    hubs: dict[Value, Hub] = {}
    groups = _groups(holders)
    for value, held_by in holders.items():
        # Consignments of one sender repeat its contact: only online parties count towards a hub.
        parties = [p for p in held_by if p.kind != "shipment"]
        degree = len({p.key for p in parties})
        platforms = len({p.platform or p.kind for p in parties})
        countries = len({p.country for p in parties if p.country})
        reason, scattered = "", False
        if degree >= HUB_DEGREE:
            reason = f"held by {degree} parties"
        elif degree >= SPREAD_DEGREE and platforms >= SPREAD_PLATFORMS and countries >= SPREAD_COUNTRIES:
            reason = f"held by {degree} parties on {platforms} platforms in {countries} countries"
        elif degree >= SCATTER_DEGREE and (found := scattered_over(parties, groups)):
            reason = f"held by {degree} parties in {found} groups nothing else ties"
            scattered = True
        if value in contacts:
            reason, scattered = reason or contacts[value], False
        decided = overrides.get(value)
        if decided is True:
            reason, scattered = "listed as a hub by an analyst", False
        elif decided is False:
            reason = ""
        if reason:
            hubs[value] = Hub(value[0], value[1], degree, platforms, countries, reason, scattered)
    for value, decided in overrides.items():
        if decided and value not in hubs:
            hubs[value] = Hub(value[0], value[1], 0, 0, 0, "listed as a hub by an analyst")
    return hubs
