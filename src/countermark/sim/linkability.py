"""Which accounts of a network an engine could link, and by what evidence found in the world's files."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from countermark.sim.entities import Network, SimAccount, SimListing
from countermark.sim.fuzzy import LinkBook
from countermark.sim.identifiers import Identifier
from countermark.sim.snapshots import snapshot_identifiers

_PHOTO_KINDS = frozenset({"altered_genuine", "fake_own_photo", "own_photo"})


def _values(found: list[Identifier]) -> set[tuple[str, str]]:
    return {(e["kind"], e["value"]) for identifier in found for e in identifier.planted()}


def _shipment_links(
    networks: list[Network], shipments: list[tuple[dict[str, Any], Any]]
) -> list[tuple[SimAccount, SimAccount, str]]:
    """Accounts named as the seller on consignments sent under the same consignor name or address."""
    handles = {(n.id, a.handle): a for n in networks for a in n.accounts}
    senders: dict[tuple[str, str, str], list[SimAccount]] = {}
    for row, label in shipments:
        seller = row.get("attributes", {}).get("seller_id")
        account = handles.get((label.network, seller)) if seller and label.network else None
        if account is None:
            continue
        for field in ("consignor_name", "consignor_address"):
            group = senders.setdefault((label.network, field, str(row[field])), [])
            if all(other is not account for other in group):
                group.append(account)
    links = []
    for (_, field, _), group in senders.items():
        for a, b in combinations(group, 2):
            links.append((a, b, f"shipment:{field}"))
    return links


def linkability(
    networks: list[Network],
    listings: list[SimListing],
    book: LinkBook,
    excluded: set[tuple[str, str]],
    key: Any,
    shipments: list[tuple[dict[str, Any], Any]],
) -> dict[str, Any]:
    """Per network, the pairs of accounts directly linkable and by which evidence.

    Only what the files show counts: an identifier both accounts show (on their page, in their offers'
    text or page scripts), fuzzy evidence the generator planted on their pages (a typo or another domain
    of an e-mail, a reused bio line, a similar handle, a family of shop domains), a photo of the same
    shot uploaded by both, and consignments naming each as the seller under one consignor name or
    address. Values in `excluded` (platform support lines, forwarders, payment aggregators and other
    hubs) are no evidence. The transitive closure of the pairs is what an engine could reach.
    """
    shown: dict[int, set[tuple[str, str]]] = {}
    photos: dict[int, dict[tuple[object, ...], set[str]]] = {}
    for listing in listings:
        account_id = id(listing.account)
        seen = shown.setdefault(account_id, set())
        seen |= (
            _values(listing.planted)
            | _values(listing.page_identifiers)
            | _values(snapshot_identifiers(listing))
        )
        for ref in listing.images:
            if ref.kind in _PHOTO_KINDS:
                shot: tuple[object, ...] = (ref.kind, ref.seed, ref.source, ref.product)
                photos.setdefault(account_id, {}).setdefault(shot, set()).add(ref.file)
    fuzzy: dict[tuple[int, int], set[str]] = {}
    for a, b, planted in book.links:
        fuzzy.setdefault((id(a), id(b)), set()).add(planted)
        fuzzy.setdefault((id(b), id(a)), set()).add(planted)
    for a, b, planted in _shipment_links(networks, shipments):
        fuzzy.setdefault((id(a), id(b)), set()).add(planted)
        fuzzy.setdefault((id(b), id(a)), set()).add(planted)
    pairs: list[dict[str, Any]] = []
    for network in networks:
        accounts: list[SimAccount] = sorted(network.accounts, key=lambda x: x.external_id)
        values = {id(a): (_values(a.planted) | shown.get(id(a), set())) - excluded for a in accounts}
        for a, b in combinations(accounts, 2):
            evidence = {f"exact:{kind}" for kind, _ in values[id(a)] & values[id(b)]}
            evidence |= fuzzy.get((id(a), id(b)), set())
            shots_a, shots_b = photos.get(id(a), {}), photos.get(id(b), {})
            for common in set(shots_a) & set(shots_b):
                files_a, files_b = shots_a[common], shots_b[common]
                evidence.add("photo:identical" if files_a & files_b else "photo:reencoded")
            if evidence:
                pairs.append(
                    {
                        "a": key(a.external_id),
                        "b": key(b.external_id),
                        "network": network.id,
                        "evidence": sorted(evidence),
                    }
                )
    return {
        "pairs": pairs,
        "note": (
            "Pairs of accounts of one network directly linkable by evidence present in the world's files "
            "(exact:<kind> a shared identifier other than the hubs; fuzzy:* planted near-matches; "
            "domain:lookalike_family shop domains of one family; photo:* the same shot uploaded by both; "
            "shipment:* both named as the seller on consignments under one consignor name or address). "
            "The transitive closure of these pairs is the most an engine could link: the upper bound."
        ),
    }
