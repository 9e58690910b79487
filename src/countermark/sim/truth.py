"""The ground truth of a world, kept in one file that only the evaluation reads."""

from __future__ import annotations

from typing import Any

from countermark.sim.entities import ImageRef, Network, SimAccount, SimListing
from countermark.sim.identifiers import Identifier
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


def build_truth(
    accounts: list[SimAccount],
    listings: list[SimListing],
    networks: list[Network],
    shipments: list[tuple[dict[str, Any], ShipmentTruth]],
    images: dict[str, ImageRef],
    shared: list[Identifier],
    fx_to_eur: dict[str, float],
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
    for account in accounts:
        truth["accounts"][key(account.external_id)] = {
            "network": account.network,
            "role": account.role,
            "platform": account.platform,
            "handle": account.handle,
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
    truth["shared_identifiers"] = normalised(shared)
    truth["fx_to_eur"] = fx_to_eur
    truth["summary"] = {
        "listings_infringing": sum(1 for x in listings if x.infringing),
        "listings": len(listings),
        "shipments_infringing": sum(1 for _, t in shipments if t.infringing),
        "shipments": len(shipments),
        "networks": len(networks),
    }
    return truth
