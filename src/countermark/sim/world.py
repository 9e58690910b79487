"""Building a synthetic world: brands, offers, counterfeit networks, customs data and the ground truth."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from countermark.observe.schemas import AccountIn, ListingIn
from countermark.rights.schemas import AuthorisedSellerIn, ProductIn, RecordalIn, RightIn
from countermark.sim import identifiers as ids
from countermark.sim.brands import (
    authorised_seller_records,
    make_brands,
    product_records,
    recordals_for,
    render_genuine_images,
    rights_for,
)
from countermark.sim.certificates import assign_certificates, write_certificates
from countermark.sim.entities import TODAY, Network, SimAccount, SimListing
from countermark.sim.export import MAPPING, to_csv
from countermark.sim.fuzzy import LinkBook
from countermark.sim.gallery import Gallery
from countermark.sim.hubs import add_operator_twins, plant_hubs
from countermark.sim.inspections import FILE as INSPECTIONS_FILE
from countermark.sim.inspections import write_inspections
from countermark.sim.listings import FX_TO_EUR, ListingMaker
from countermark.sim.manifest import IngestKind, IngestStep, OrganisationSpec, WorldManifest
from countermark.sim.moves import assign_moves, write_moves
from countermark.sim.networks import assign_identifiers, make_network
from countermark.sim.platforms import PLATFORMS, Addresses
from countermark.sim.population import (
    add_grey_and_parody,
    label_honest,
    make_lone,
    make_mixers,
    network_offers,
    network_sizes,
    split_size,
    stock_network,
)
from countermark.sim.sellers import add_noise_to_networks, make_honest_sellers, make_shared_contacts
from countermark.sim.shipments import ShipmentMaker
from countermark.sim.snapshots import render_snapshot
from countermark.sim.themes import assign_themes, write_themes
from countermark.sim.truth import build_truth
from countermark.sim.wording import add_intros
from countermark.targeting.schemas import ShipmentIn

Scale = Literal["small", "medium", "large"]
Progress = Callable[[str, int, int], None]

CUSTOMS_ORG = "Direction générale des douanes et droits indirects (FR)"
POLICE_ORG = "Cybercrime unit, Police nationale (FR)"
PLATFORM_ORG = PLATFORMS["ShopMarket"].operator
OTHER_ORG = "Association des consommateurs vigilants (FR)"


@dataclass(frozen=True)
class ScaleSpec:
    """How big a world is: brands and their photos, networks, honest sellers and shipments."""

    brands: int
    products_per_brand: int
    images_per_product: int
    networks: int
    accounts_per_network: tuple[int, int]
    shops_per_network: tuple[int, int]
    offers_per_network: tuple[int, int]
    factor: int
    shipments: int


SCALES: dict[str, ScaleSpec] = {
    "small": ScaleSpec(9, 4, 3, 5, (3, 6), (1, 2), (13, 18), 5, 2000),
    "medium": ScaleSpec(14, 5, 3, 25, (3, 6), (1, 2), (13, 18), 25, 10000),
    "large": ScaleSpec(30, 6, 3, 125, (3, 6), (1, 2), (13, 18), 125, 50000),
}
_OWNED_PATHS = ("world.json", "holders", "online", "customs", "truth")


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _write_jsonl(path: Path, records: list[dict[str, Any]], schema: type[BaseModel]) -> int:
    """Validate every record against its ingestion schema, then write one JSON object per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for record in records:
        schema.model_validate(record)
        lines.append(json.dumps(record, ensure_ascii=False, default=_json_default))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(records)


def _account_record(account: SimAccount) -> dict[str, Any]:
    record: dict[str, Any] = {
        "source": "sim",
        "external_id": account.external_id,
        "platform": account.platform,
        "handle": account.handle,
        "display_name": account.display_name,
        "profile_url": account.profile_url,
    }
    if account.country:
        record["country"] = account.country
    if account.bio_lines:
        record["bio"] = "\n".join(account.bio_lines)
    if account.contacts:
        record["contacts"] = account.contacts
    record["joined_at"] = _utc(account.joined_at)
    return record


def _listing_record(listing: SimListing, tls_names: tuple[str, ...] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "source": "sim",
        "external_id": listing.external_id,
        "platform": listing.account.platform,
        "url": listing.url,
        "title": listing.title,
        "description": listing.description,
        "language": listing.language,
    }
    if listing.price is not None:
        record["price"] = listing.price
        record["currency"] = listing.currency
    record["seller"] = listing.account.handle
    if listing.ships_from:
        record["ships_from"] = listing.ships_from
    record["observed_at"] = _utc(listing.observed_at)
    record["images"] = [ref.file for ref in listing.images]
    record["snapshot"] = f"snapshots/{listing.external_id}.html"
    if tls_names:
        # A shop's page came over TLS: the crawler kept the certificate's names.
        record["tls_names"] = list(tls_names)
    return record


def _shop_analytics(rng: random.Random, accounts: list[SimAccount]) -> dict[str, list[ids.Identifier]]:
    """Analytics ids of honest web shops (one company's shops share theirs, as they legitimately do)."""
    by_owner: dict[str, list[ids.Identifier]] = {}
    found: dict[str, list[ids.Identifier]] = {}
    for account in accounts:
        if account.platform != "web":
            continue
        owner = account.brand or account.handle
        if owner not in by_owner:
            by_owner[owner] = list(ids.make_analytics(rng))
        found[account.handle] = by_owner[owner]
    return found


def _stock_listings(
    rng: random.Random,
    maker: ListingMaker,
    listings: list[SimListing],
    mixers: list[tuple[SimAccount, list[str]]],
    parody: list[tuple[SimAccount, list[str]]],
) -> list[SimListing]:
    """The fakes mixers slip into their genuine stock, and the parody and dupe sellers' offers.

    A mixer's fakes are drawn so they make up its `fake_share` of its branded offers. A parody or dupe
    offer (ListingMaker.parody_listings) infringes when the goods carry the brand's own logo; either way the
    truth labels it a parody.
    """
    out: list[SimListing] = []
    for number, (account, brands) in enumerate(mixers, start=1):
        genuine = sum(1 for x in listings if x.account is account and x.product is not None)
        share = account.fake_share or 0.2
        fakes = max(1, round(genuine * share / (1 - share)))
        out += maker.network_listings(stock_network(account, brands, number), fakes)
    for account, brands in parody:
        out += maker.parody_listings(account, brands, rng.randint(2, 5))
    return out


def build_world(
    out_dir: Path, *, seed: int = 7, scale: Scale = "small", progress: Progress | None = None
) -> WorldManifest:
    """Write a synthetic world under out_dir and return its manifest (also written as out_dir/world.json).

    Args:
        out_dir: directory to write into; files and folders this function owns there are replaced.
        seed: the same seed and scale give byte-identical files.
        scale: "small" (about 20 s on two cores), "medium" (about two minutes; five times the networks
            and sellers, ten times the shipments) or "large" (about 25x small).
        progress: optional callback (stage, done, total).

    Returns:
        The manifest: counts, organisations and the ordered ingestion steps.

    Example:
        >>> manifest = build_world(Path("/tmp/world"), seed=7, scale="small")  # doctest: +SKIP
    """
    with ids.distinct_identifiers():
        return _build_world(Path(out_dir), seed, scale, progress)


def _build_world(out_dir: Path, seed: int, scale: Scale, progress: Progress | None) -> WorldManifest:
    spec = SCALES[scale]
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in _OWNED_PATHS:
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    def stream(name: str) -> random.Random:
        # One independent stream per part, so changing one part leaves the others' draws unchanged.
        return random.Random(f"countermark-sim:{seed}:{name}")

    counts: dict[str, int] = {}
    brands = make_brands(stream("brands"), spec.brands, spec.products_per_brand)
    image_rng, rights_rng = stream("genuine-images"), stream("rights")
    holder_rights: dict[str, list[dict[str, Any]]] = {}
    right_counter, recordal_counter, seller_counter = [0], [0], [0]
    counts["genuine_images"] = 0
    for done, brand in enumerate(brands, start=1):
        counts["genuine_images"] += render_genuine_images(
            brand, out_dir / "holders" / brand.slug, image_rng, spec.images_per_product
        )
        holder_rights[brand.slug] = rights_for(brand, rights_rng, right_counter)
        report("brands", done, len(brands))

    online_rng = stream("online")
    addresses = Addresses(online_rng)
    taken_handles: set[str] = set()
    taken_domains: set[str] = set()
    book = LinkBook()
    networks: list[Network] = []
    for number, size in enumerate(network_sizes(online_rng, spec.networks), start=1):
        account_count, shop_count = split_size(online_rng, size)
        network = make_network(
            online_rng, number, brands, addresses, taken_handles, taken_domains, account_count, shop_count
        )
        assign_identifiers(online_rng, network, addresses, taken_handles, taken_domains, book)
        networks.append(network)
    report("networks", len(networks), len(networks))
    shared = make_shared_contacts(online_rng)
    add_noise_to_networks(online_rng, networks, shared)
    sellers = make_honest_sellers(
        online_rng, brands, addresses, shared, taken_handles, taken_domains, spec.factor
    )
    label_honest(online_rng, sellers)
    add_operator_twins(online_rng, sellers, addresses, taken_handles, book)
    _, parody = add_grey_and_parody(online_rng, sellers, brands, addresses, taken_handles)
    mixers = make_mixers(online_rng, sellers, brands, addresses, taken_handles)
    plant_hubs(online_rng, networks, sellers, book)
    honest_accounts = sellers.all() + [account for account, _ in parody]
    maker = ListingMaker(stream("listings"), addresses, brands)
    listings: list[SimListing] = []
    for network in networks:
        listings += maker.network_listings(network, network_offers(online_rng, len(network.accounts)))
    listings += maker.honest_listings(sellers, _shop_analytics(online_rng, honest_accounts))
    listings += _stock_listings(online_rng, maker, listings, mixers, parody)
    # Lone counterfeiters: about a fifth of all infringing offers.
    lone_target = 0.25 * sum(1 for x in listings if x.infringing)
    lone_listings = 0
    while lone_listings < lone_target:
        lone = make_lone(online_rng, len(networks) + 1, brands, addresses, taken_handles)
        offers = maker.network_listings(lone, online_rng.randint(2, 5))
        lone_listings += sum(1 for x in offers if x.infringing)
        listings += offers
        networks.append(lone)
    organised = [n for n in networks if n.kind == "network"]

    # Ids are assigned after shuffling, so neither order nor number says who is who.
    id_rng = stream("ids")
    accounts = [a for n in networks for a in n.accounts] + honest_accounts
    add_intros(stream("bios"), accounts)
    id_rng.shuffle(accounts)
    for number, account in enumerate(accounts, start=1):
        account.external_id = f"A-{number:04d}"
    id_rng.shuffle(listings)
    for number, listing in enumerate(listings, start=1):
        listing.external_id = f"L-{number:05d}"

    gallery = Gallery(out_dir, brands)
    counts["online_images"] = gallery.write_listing_images(listings, progress)

    ingest: list[IngestStep] = []
    organisations = [
        OrganisationSpec(name=b.company, kind="rights_holder", country=b.seed.country) for b in brands
    ]
    for brand in brands:
        holder = out_dir / "holders" / brand.slug
        rights = holder_rights[brand.slug]
        products = product_records(brand, rights)
        recordals = recordals_for(brand, rights, rights_rng, recordal_counter)
        authorised = authorised_seller_records(brand, sellers.authorised_for(brand.name), seller_counter)
        # Rights first, then products (they cite rights), recordals (they cite both), authorised sellers.
        holder_files: list[tuple[IngestKind, list[dict[str, Any]], type[BaseModel]]] = [
            ("rights", rights, RightIn),
            ("products", products, ProductIn),
            ("recordals", recordals, RecordalIn),
            ("authorised_sellers", authorised, AuthorisedSellerIn),
        ]
        for kind, records, schema in holder_files:
            counts[kind] = counts.get(kind, 0) + _write_jsonl(holder / f"{kind}.jsonl", records, schema)
            ingest.append(
                IngestStep(
                    kind=kind,
                    file=f"holders/{brand.slug}/{kind}.jsonl",
                    org=brand.company,
                    tlp="GREEN",
                )
            )

    online = out_dir / "online"
    accounts.sort(key=lambda a: a.external_id)
    listings.sort(key=lambda x: x.external_id)
    counts["accounts"] = _write_jsonl(
        online / "accounts.jsonl", [_account_record(a) for a in accounts], AccountIn
    )
    certificates = assign_certificates(stream("tls"), accounts)
    write_certificates(out_dir, certificates)
    counts["listings"] = _write_jsonl(
        online / "listings.jsonl",
        [_listing_record(x, certificates.get(x.account.handle)) for x in listings],
        ListingIn,
    )
    themes = assign_themes(stream("themes"), accounts)
    write_themes(out_dir, themes)
    write_moves(out_dir, assign_moves(stream("moves"), accounts))
    (online / "snapshots").mkdir(parents=True, exist_ok=True)
    for done, listing in enumerate(listings, start=1):
        (online / "snapshots" / f"{listing.external_id}.html").write_text(
            render_snapshot(listing, themes.get(listing.account.handle)), encoding="utf-8"
        )
        if done % 200 == 0 or done == len(listings):
            report("snapshots", done, len(listings))
    counts["snapshots"] = len(listings)
    # Offers and seller pages seen on public sites are shared with the instance's community (GREEN), so
    # brands and customs can match their reports, photos and declarations against them.
    ingest += [
        IngestStep(kind="accounts", file="online/accounts.jsonl", org=POLICE_ORG, tlp="GREEN"),
        IngestStep(kind="listings", file="online/listings.jsonl", org=POLICE_ORG, tlp="GREEN"),
    ]

    shipment_maker = ShipmentMaker(stream("shipments"), brands, organised, shared, honest_accounts)
    shipments = shipment_maker.build(spec.shipments)
    for done, (row, _) in enumerate(shipments, start=1):
        ShipmentIn.model_validate(row)
        if done % 1000 == 0 or done == len(shipments):
            report("shipments", done, len(shipments))
    customs = out_dir / "customs"
    customs.mkdir(parents=True, exist_ok=True)
    (customs / "shipments.csv").write_text(to_csv([row for row, _ in shipments]), encoding="utf-8")
    (customs / "shipments-mapping.json").write_text(json.dumps(MAPPING, indent=2) + "\n", encoding="utf-8")
    counts["shipments"] = len(shipments)
    ingest.append(
        IngestStep(
            kind="shipments",
            file="customs/shipments.csv",
            org=CUSTOMS_ORG,
            tlp="AMBER",
            map="customs/shipments-mapping.json",
            source="sim-customs",
        )
    )
    counts["inspections"] = write_inspections(out_dir, shipments, stream("inspections"), TODAY)
    ingest.append(IngestStep(kind="inspections", file=INSPECTIONS_FILE, org=CUSTOMS_ORG, tlp="AMBER"))

    shared_ids = [*[i for v in shared.support.values() for i in v], *shared.forwarder]
    truth = build_truth(accounts, listings, networks, shipments, gallery.written, shared_ids, FX_TO_EUR, book)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    (out_dir / "truth" / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    report("truth", 1, 1)

    organisations += [
        OrganisationSpec(name=CUSTOMS_ORG, kind="customs", country="FR"),
        OrganisationSpec(name=POLICE_ORG, kind="police", country="FR"),
        OrganisationSpec(
            name=PLATFORM_ORG, kind="platform", country=PLATFORMS["ShopMarket"].operator_country
        ),
        OrganisationSpec(name=OTHER_ORG, kind="other", country="FR"),
    ]
    counts.update(
        brands=len(brands),
        holders=len(brands),
        networks=len(networks),
        platforms=len({a.platform for a in accounts}),
    )
    manifest = WorldManifest(
        seed=seed,
        scale=scale,
        today=TODAY,
        counts=dict(sorted(counts.items())),
        organisations=organisations,
        ingest=ingest,
        fx_to_eur=FX_TO_EUR,
    )
    (out_dir / "world.json").write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return manifest
