"""Linking controls: group accounts by exact evidence and score the groups against the truth's networks.

Scoring (metrics.pairwise_scores): a pair of accounts is true when both belong to one network of the
truth; a predicted pair is two accounts of one group. Two honest accounts of one operator (a brand's web
store and its marketplace stores) sharing evidence are linked rightly but are no network: such a pair
counts neither way. Every other predicted pair outside a network is a false positive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from countermark.eval.controls_photos import file_digest, reference_photos
from countermark.eval.metrics import pairwise_scores
from countermark.eval.world_files import WorldFiles
from countermark.observe.identifiers import extract_identifiers, normalise_identifier
from countermark.observe.shops import is_shop_platform
from countermark.observe.templates import page_template
from countermark.observe.tls import tls_names_value

SNAPSHOT_SCAN_LIMIT = 200_000  # what ingestion reads of a saved page (observe.service)
Value = tuple[str, str]


class UnionFind:
    """Disjoint sets of strings (path halving, union by size)."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}
        for item in items:
            self.add(item)

    def add(self, item: str) -> None:
        if item not in self.parent:
            self.parent[item] = item
            self.size[item] = 1

    def find(self, item: str) -> str:
        self.add(item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self.size[root_a] < self.size[root_b]:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.size[root_a] += self.size[root_b]

    def clusters(self, items: Iterable[str]) -> dict[str, str]:
        return {item: self.find(item) for item in items}


def truth_groups(truth: dict[str, Any]) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Each account's network and its honest operator group (None when it has none)."""
    accounts = truth.get("accounts", {})
    networks = {k: v.get("network") for k, v in accounts.items()}
    operators = {k: v.get("operator") for k, v in accounts.items()}
    return networks, operators


def score_clusters(clusters: Mapping[str, str], truth: dict[str, Any]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of account clusters against the truth's networks."""
    networks, operators = truth_groups(truth)
    return pairwise_scores(clusters, networks, operators)


def file_hash_grouping(world: WorldFiles, truth: dict[str, Any]) -> dict[str, float]:
    """Accounts linked when they post a byte-identical photo file (the brands' own photos excepted)."""
    references, _ = reference_photos(world)
    owners: dict[str, set[str]] = defaultdict(set)
    digests: dict[str, str | None] = {}
    for listing in world.listings:
        if listing.seller is None:
            continue
        for path in listing.images:
            key = str(path)
            if key not in digests:
                digests[key] = file_digest(path)
            digest = digests[key]
            if digest and digest not in references:
                owners[digest].add(listing.seller)
    sets = UnionFind(world.accounts)
    for accounts in owners.values():
        first, *rest = sorted(accounts)
        for other in rest:
            sets.union(first, other)
    return score_clusters(sets.clusters(world.accounts), truth)


def _text_values(text: str | None, region: str | None) -> set[Value]:
    if not text:
        return set()
    return {(found.kind, found.value) for found in extract_identifiers(text, default_region=region)}


def _field_value(kind: str, raw: str | None) -> set[Value]:
    value = normalise_identifier(kind, raw, default_region=None) if raw else None
    return {(kind, value)} if value else set()


def online_values(world: WorldFiles, *, served_as: bool = False) -> dict[str, set[Value]]:
    """The identifiers ingestion extracts from each account's profile and from its listings and pages;
    with `served_as`, how each page was served too: a web shop page's site template and the names of
    the TLS certificate it came with (the controls stay on what the pages say, as in earlier rounds)."""
    values: dict[str, set[Value]] = {key: set() for key in world.accounts}
    for key, account in world.accounts.items():
        record, region = account.record, account.country
        values[key] |= _text_values(record.get("bio"), region)
        values[key] |= _text_values(record.get("profile_url"), region)
        for contact in record.get("contacts") or ():
            values[key] |= _text_values(str(contact), region)
    for listing in world.listings:
        if listing.seller is None:
            continue
        found = _text_values(listing.record.get("url"), listing.ships_from)
        found |= _text_values(listing.title, listing.ships_from)
        found |= _text_values(listing.description, listing.ships_from)
        if listing.snapshot is not None and listing.snapshot.is_file():
            data = listing.snapshot.read_bytes()
            page = data[:SNAPSHOT_SCAN_LIMIT].decode("utf-8", errors="replace")
            found |= _text_values(page, listing.ships_from)
            # A shop's own page is drawn in its operator's template, as ingestion reads it.
            shop = served_as and is_shop_platform(listing.record.get("platform"))
            if shop and (template := page_template(data.decode("utf-8", errors="replace"))) is not None:
                found.add(("site_template", template))
        names = listing.record.get("tls_names")
        if served_as and isinstance(names, list) and (value := tls_names_value(map(str, names))) is not None:
            found.add(("tls_names", value))
        values[listing.seller] |= found
    return values


def shipment_values(world: WorldFiles, parties: tuple[str, ...]) -> dict[str, set[Value]]:
    """Identifiers of consignments by owner: the account its seller id names on its marketplace, else the
    consignment itself."""
    by_handle = {(a.platform, a.handle): key for key, a in world.accounts.items()}
    values: dict[str, set[Value]] = defaultdict(set)
    for row in world.shipments:
        owner = by_handle.get((row.get("attributes.marketplace", ""), row.get("attributes.seller_id", "")))
        found: set[Value] = set()
        for party in parties:
            found |= _field_value("name", row.get(f"{party}_name"))
            found |= _field_value("postal_address", row.get(f"{party}_address"))
            found |= _text_values(row.get(f"{party}_contact"), row.get(f"{party}_country") or None)
        values[owner or row["key"]] |= found
    return values


def hub_cut_scan(
    values: Mapping[str, set[Value]], accounts: Iterable[str], truth: dict[str, Any]
) -> dict[str, Any]:
    """Connected components of owners sharing an exact value, after dropping every value held by more
    than d owners, for each d; the best d by pairwise F1 over accounts, and the whole scan."""
    accounts = list(accounts)
    holders: dict[Value, list[str]] = defaultdict(list)
    for owner, found in values.items():
        for value in found:
            holders[value].append(owner)
    by_degree: dict[int, list[list[str]]] = defaultdict(list)
    for owners in holders.values():
        if len(owners) > 1:
            by_degree[len(owners)].append(sorted(owners))
    sets = UnionFind([*accounts, *values])
    scan: list[dict[str, float]] = []
    best: dict[str, float] = {"degree": 1.0, **score_clusters(sets.clusters(accounts), truth)}
    scan.append(dict(best))
    for degree in sorted(by_degree):
        for owners in by_degree[degree]:
            for other in owners[1:]:
                sets.union(owners[0], other)
        scores = {"degree": float(degree), **score_clusters(sets.clusters(accounts), truth)}
        scan.append(scores)
        if scores["f1"] > best["f1"]:
            best = scores
    return {**best, "scan": scan}


def identifier_components(world: WorldFiles, truth: dict[str, Any]) -> dict[str, Any]:
    """The best hub cut over exact identifiers, online only and with consignors (and consignees) added."""
    online = online_values(world)
    variants: dict[str, dict[str, Any]] = {}
    for name, parties in (
        ("online", ()),
        ("online_consignors", ("consignor",)),
        ("online_all_parties", ("consignor", "consignee")),
    ):
        values: dict[str, set[Value]] = defaultdict(set)
        for owner, found in online.items():
            values[owner] |= found
        for owner, found in (shipment_values(world, parties) if parties else {}).items():
            values[owner] |= found
        variants[name] = hub_cut_scan(values, world.accounts, truth)
    best_name = max(variants, key=lambda name: variants[name]["f1"])
    best = variants[best_name]
    return {
        "f1": best["f1"],
        "precision": best["precision"],
        "recall": best["recall"],
        "degree": best["degree"],
        "evidence": best_name,
        "variants": {
            name: {k: v for k, v in result.items() if k != "scan"} for name, result in variants.items()
        },
    }


def linkable_upper_bound(world: WorldFiles, truth: dict[str, Any]) -> dict[str, Any] | None:
    """The transitive closure of the truth's directly linkable pairs, scored as the controls are;
    None when the truth lists no linkability."""
    linkability = truth.get("linkability")
    if not isinstance(linkability, dict) or not isinstance(linkability.get("pairs"), list):
        return None
    sets = UnionFind(world.accounts)
    evidence: dict[str, int] = defaultdict(int)
    for pair in linkability["pairs"]:
        sets.union(str(pair["a"]), str(pair["b"]))
        for item in pair.get("evidence") or ():
            evidence[str(item).split(":", 1)[0]] += 1
    return {**score_clusters(sets.clusters(world.accounts), truth), "pairs_by_evidence": dict(evidence)}
