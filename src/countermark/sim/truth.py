"""The ground truth of a world, kept in one file that only the evaluation reads."""

from __future__ import annotations

from typing import Any

from countermark.sim.entities import ImageRef, Network, SimAccount, SimListing
from countermark.sim.fuzzy import LinkBook
from countermark.sim.identifiers import Identifier
from countermark.sim.linkability import linkability
from countermark.sim.shipments import ShipmentTruth
from countermark.sim.snapshots import snapshot_identifiers

SOURCE = "sim"
CUSTOMS_SOURCE = "sim-customs"


def key(external_id: str, source: str = SOURCE) -> str:
    """The truth file's key of a record: '<source>:<external_id>'."""
    return f"{source}:{external_id}"


def normalised(found: list[Identifier]) -> list[dict[str, str]]:
    """Distinct normalised entries, sorted, of identifiers written somewhere."""
    entries = {(e["kind"], e["value"]) for identifier in found for e in identifier.planted()}
    return [{"kind": kind, "value": value} for kind, value in sorted(entries)]


def listing_kind(listing: SimListing) -> str:
    """What an offer is: a counterfeit, a parody or dupe, a genuine grey import, genuine or other goods."""
    if listing.account.kind == "parody" and listing.product is not None:
        return "parody"
    if listing.infringing:
        return "counterfeit"
    chosen = str(getattr(listing, "kind", "genuine"))
    if listing.account.kind == "grey_market" and listing.product is not None:
        return "grey_market"
    if listing.category in ("compatible", "unrelated"):
        return listing.category
    return chosen if chosen not in ("counterfeit", "parody") else "genuine"


def build_truth(
    accounts: list[SimAccount],
    listings: list[SimListing],
    networks: list[Network],
    shipments: list[tuple[dict[str, Any], ShipmentTruth]],
    images: dict[str, ImageRef],
    shared: list[Identifier],
    fx_to_eur: dict[str, float],
    book: LinkBook | None = None,
) -> dict[str, Any]:
    """The whole truth: labels of listings, accounts and shipments, networks and every planted identifier."""
    truth: dict[str, Any] = {
        "listings": {},
        "accounts": {},
        "shipments": {},
        "networks": [],
        "planted_identifiers": {},
        "snapshot_identifiers": {},
        "images": {},
    }
    book = book or LinkBook()
    replaces = {id(new): old for new, old in book.replaces}
    for account in accounts:
        truth["accounts"][key(account.external_id)] = {
            "network": account.network,
            "role": account.role,
            "platform": account.platform,
            "handle": account.handle,
            "kind": account.kind,
            "style": account.style,
            "operator": account.operator,
            "fake_share": account.fake_share,
            "joined_at": account.joined_at.date().isoformat(),
            "replaces": key(replaces[id(account)].external_id) if id(account) in replaces else None,
        }
        if account.planted:
            truth["planted_identifiers"]["accounts:" + key(account.external_id)] = normalised(account.planted)
    for listing in listings:
        listing_key = key(listing.external_id)
        truth["listings"][listing_key] = {
            "infringing": listing.infringing,
            "category": listing.category,
            "network": listing.account.network,
            "product": listing.product.external_id if listing.product else None,
            "brand": listing.brand,
            "image_ops": listing.image_ops,
            "lookalike_mark": listing.lookalike_mark,
            "mark_form": listing.mark_form,
            "seller": key(listing.account.external_id),
            "kind": listing_kind(listing),
        }
        if listing.planted:
            truth["planted_identifiers"]["listings:" + listing_key] = normalised(listing.planted)
        on_page = snapshot_identifiers(listing)
        if on_page:
            truth["snapshot_identifiers"]["listings:" + listing_key] = normalised(on_page)
    for row, label in shipments:
        truth["shipments"][key(row["external_id"], CUSTOMS_SOURCE)] = {
            "infringing": label.infringing,
            "network": label.network,
            "undervalued": label.undervalued,
            "hs_misdeclared": label.hs_misdeclared,
            "kind": label.kind,
            "brand": label.brand,
            "product": label.product,
            "identifiers": label.identifiers,
        }
    for network in networks:
        truth["networks"].append(
            {
                "id": network.id,
                "name": network.name,
                "base_country": network.base_country,
                "accounts": sorted(key(a.external_id) for a in network.accounts),
                "shops": sorted(network.shops),
                "brands": network.brands,
                "consignor_names": network.consignor_names,
                "consignor_addresses": network.consignor_addresses,
                "identifiers": normalised(network.identifiers + network.analytics),
                "size": len(network.accounts),
                "kind": network.kind,
            }
        )
    for name in sorted(images):
        ref = images[name]
        truth["images"]["online/" + name] = {
            "kind": ref.kind,
            "product": ref.product,
            "source": ref.source,
            "ops": ref.ops,
            "params": ref.params,
            "quality": ref.quality if ref.kind == "altered_genuine" else None,
        }
    hubs = [identifier for _, identifier in book.hubs]
    truth["shared_identifiers"] = normalised(shared + hubs)
    truth["hubs"] = [
        {"role": role, **entry} for role, identifier in book.hubs for entry in normalised([identifier])
    ]
    truth["cross_network_identifiers"] = [
        {"networks": [a, b], **normalised([identifier])[0]} for a, b, identifier in book.cross_network
    ]
    excluded = {(e["kind"], e["value"]) for e in truth["shared_identifiers"]}
    truth["linkability"] = linkability(networks, listings, book, excluded, key, shipments)
    truth["fx_to_eur"] = fx_to_eur
    truth["summary"] = {
        "listings_infringing": sum(1 for x in listings if x.infringing),
        "listings": len(listings),
        "shipments_infringing": sum(1 for _, t in shipments if t.infringing),
        "shipments": len(shipments),
        "networks": len(networks),
    }
    return truth
