"""Stored listings are scored against the store's own registry as their owner may see it: marks, products with
their enrolled reference photos, authorised sellers; another organisation's restricted records never count."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from countermark.cli.main import app
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.rates import Rate, store_rates
from countermark.detect.model_store import model_path, save_model
from countermark.detect.models import ListingScore
from countermark.detect.store_references import model_for_owner, store_references
from countermark.detect.stored_service import register_model, score_stored_listings
from countermark.fingerprint.models import FingerprintEntry
from countermark.fingerprint.product_banks import enrol_product_images
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.observe.models import Listing
from countermark.orgs.service import create_organisation
from tests.service.test_fingerprint_service import _photo
from tests.unit.test_detect_engine import REFERENCES, tiny_model

TODAY = date(2026, 12, 7)


def _ingest(session: Session, store: AppContext, kind: str, rows: list[dict[str, Any]], owner: int,
            tlp: str = "GREEN", base: Path | None = None) -> None:  # fmt: skip
    raw = [RawRow(i, r) for i, r in enumerate(rows)]
    report = ingest_rows(session=session, blobs=store.blobs, kind=kind, owner_org_id=owner, actor="t",
                         label="t", tlp=tlp, base_dir=base, rows=raw)  # fmt: skip
    assert report.rejected == 0, report


def _right(key: str, name: str, brand: str, **more: Any) -> dict[str, Any]:
    return {"source": "reg", "external_id": key, "kind": "trademark", "name": name, "brand": brand,
            "holder_name": brand, "registration_number": key, "office": "EUIPO", "jurisdictions": ["EU"],
            **more}  # fmt: skip


def _registry(session: Session, store: AppContext, tmp_path: Path) -> dict[str, int]:
    names = (("holder", "Zorvane SA", "rights_holder"), ("secret", "Hush SA", "rights_holder"),
             ("platform", "Market", "platform"))  # fmt: skip
    orgs = {
        key: create_organisation(session=session, name=name, kind=kind, country="FR").id
        for key, name, kind in names
    }
    _ingest(session, store, "rights", [_right("S1", "Hushmark", "Hushmark")], orgs["secret"], tlp="RED")
    (tmp_path / "z1.jpg").write_bytes(_photo(41))
    _ingest(session, store, "rights", [
        _right("Z1", "Zorvane (word)", "Zorvane"),
        _right("Z2", "Zorvalo", "Zorvane", status="expired"),
        _right("Z3", "Zorvina", "Zorvane", valid_until="2025-01-31"),
        {**_right("Z4", "Zorvane tote design", "Zorvane"), "kind": "design"},
    ], orgs["holder"])  # fmt: skip
    _ingest(session, store, "products", [
        {"source": "reg", "external_id": "P1", "brand": "Zorvane", "name": "Zorvane Tote",
         "category": "handbags", "price_min": 100, "price_max": 140, "currency": "EUR", "images": ["z1.jpg"]},
    ], orgs["holder"], base=tmp_path)  # fmt: skip
    _ingest(session, store, "authorised_sellers", [
        {"source": "reg", "external_id": "A1", "brand": "Zorvane", "name": "Official",
         "platform": "ShopMarket", "handle": "Zorvane_Official"},
        {"source": "reg", "external_id": "A2", "brand": "Zorvane", "name": "Web", "domain": "zorvane.eu"},
        {"source": "reg", "external_id": "A3", "brand": "Zorvane", "name": "Gone",
         "platform": "ShopMarket", "handle": "formerly", "valid_until": "2024-06-30"},
    ], orgs["holder"])  # fmt: skip
    return orgs


def test_the_store_registry_is_read_as_the_owner_may_see_it(store: AppContext, tmp_path: Path) -> None:
    with unit_of_work(store.sessions) as session:
        orgs = _registry(session, store, tmp_path)
        enrol_product_images(ctx=store, session=session)
        entry = session.scalars(select(FingerprintEntry)).one()
        refs = store_references(session=session, owner_org_id=orgs["platform"], base=REFERENCES, today=TODAY)
        assert refs is not None
        # The holder's word mark in force (qualifier off); not the expired ones, the design, nor another
        # organisation's RED mark; the model's own training brands are replaced.
        assert dict(refs.marks) == {"Zorvane": ("Zorvane",)}
        (tote,) = refs.products
        assert (tote.key, tote.brand, tote.name, tote.currency, tote.category) == (
            "reg:P1", "Zorvane", "Zorvane Tote", "EUR", "handbags")  # fmt: skip
        assert tote.price_min == tote.price_max == 120.0  # the band's middle, as the model was fitted
        assert tote.photo_hashes == (entry.signal,)
        assert refs.authorised == {
            ("zorvane", "shopmarket", "zorvane_official"), ("zorvane", "web", "zorvane.eu")
        }  # fmt: skip
        assert refs.fx_to_eur == REFERENCES.fx_to_eur
        assert refs.known_offer_signals == REFERENCES.known_offer_signals
        owners = store_references(session=session, owner_org_id=orgs["secret"], base=REFERENCES, today=TODAY)
        assert owners is not None and set(owners.marks) == {"Zorvane", "Hushmark"}
        entry.enabled = False  # a withdrawn reference photo no longer counts
        session.flush()
        again = store_references(session=session, owner_org_id=orgs["platform"], base=REFERENCES, today=TODAY)
        assert again is not None and again.products[0].photo_hashes == ()


def test_an_owner_who_may_see_no_mark_is_scored_with_the_models_references(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        secret = create_organisation(session=session, name="Hush SA", kind="rights_holder", country="FR").id
        platform = create_organisation(session=session, name="Market", kind="platform", country="FR").id
        _ingest(session, store, "rights", [_right("S1", "Hushmark", "Hushmark")], secret, tlp="RED")
        assert store_references(session=session, owner_org_id=platform, base=REFERENCES, today=TODAY) is None
        model = tiny_model()
        assert model_for_owner(session=session, model=model, version="v", owner_org_id=platform,
                               today=TODAY) is model  # fmt: skip
        own = model_for_owner(session=session, model=model, version="v", owner_org_id=secret, today=TODAY)
        assert own is not model and set(own.references.marks) == {"Hushmark"}
        # The same registry gives the same model back, its detector compiled once.
        assert model_for_owner(session=session, model=model, version="v", owner_org_id=secret,
                               today=TODAY) is own  # fmt: skip


def _listing(key: str, title: str, seller: str) -> dict[str, Any]:
    return {"source": "crawl", "external_id": key, "platform": "ShopMarket", "url": f"https://s.example/{key}",
            "title": title, "price": 25, "currency": "EUR", "seller": seller,
            "observed_at": "2026-11-01T10:00:00Z"}  # fmt: skip


def test_stored_listings_are_scored_against_their_owners_registry(store: AppContext, tmp_path: Path) -> None:
    with unit_of_work(store.sessions) as session:
        orgs = _registry(session, store, tmp_path)
        register_model(session=session, blobs=store.blobs, model=tiny_model())
        rows = [_listing("1", "Z0rvane Tote replica AAA 1:1", "copies4u"),
                _listing("2", "Zorvane Tote", "zorvane_official"),
                _listing("3", "Hushmark wallet replica", "copies4u")]  # fmt: skip
        _ingest(session, store, "listings", rows, orgs["platform"])
        _ingest(session, store, "listings", [_listing("4", "Hushmark wallet replica", "h")], orgs["secret"])
        score_stored_listings(session=session, blobs=store.blobs)
        keys = dict(session.execute(select(Listing.id, Listing.external_id)).tuples().all())
        scores = {keys[s.listing_id]: s for s in session.scalars(select(ListingScore))}
        fake, official = scores["1"], scores["2"]
        # A mark registered only in the store is read, disguised or plain, with its authorised seller.
        assert fake.brand == "Zorvane" and official.brand == "Zorvane"
        assert set(fake.signal_names.split()) >= {"mark_leetspeak", "replica_terms"}
        assert set(official.signal_names.split()) >= {"mark_exact", "seller_authorised"}
        assert "seller_authorised" not in fake.signal_names
        # Hushmark is RED: read for its holder's listing, not for the platform's.
        assert scores["4"].brand == "Hushmark" and scores["3"].brand is None


def test_the_score_command_reads_the_registry_of_the_organisation_named(
    cli_env: AppContext, tmp_path: Path
) -> None:
    store = cli_env
    with unit_of_work(store.sessions) as session:
        _registry(session, store, tmp_path)
    save_model(tiny_model(), model_path(store.settings.data_dir))
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps(_listing("9", "Hushmark wallet replica AAA", "copies4u")) + "\n")
    brands = {}
    for org in ("Hush SA", "Market", None):
        result = CliRunner().invoke(app, ["detect", "score", str(feed)] + (["--org", org] if org else []))
        assert result.exit_code == 0, result.output
        brands[org] = json.loads(result.stdout.splitlines()[0])["brand"]
    # The RED mark is read for its holder only; without --org, the model's own training brands.
    assert brands == {"Hush SA": "Hushmark", "Market": None, None: None}
    unknown = CliRunner().invoke(app, ["detect", "score", str(feed), "--org", "Nobody"])
    assert unknown.exit_code != 0 and "Nobody" in unknown.output


def test_a_change_of_registry_or_rates_scores_the_owners_listings_again_on_the_next_run(
    store: AppContext, tmp_path: Path
) -> None:
    with unit_of_work(store.sessions) as session:
        orgs = _registry(session, store, tmp_path)
        register_model(session=session, blobs=store.blobs, model=tiny_model())
        rows = [_listing("1", "Zorvane Tote", "toteshop"), _listing("2", "Plain tote bag", "bags")]
        _ingest(session, store, "listings", rows, orgs["platform"])
        _ingest(session, store, "listings", [_listing("3", "Hushmark wallet", "h")], orgs["secret"])
        # Scored at ingest, with the registry's digest: nothing to do.
        assert session.scalar(select(func.count()).select_from(ListingScore)) == 3
        assert score_stored_listings(session=session, blobs=store.blobs, registry=True).scored == 0
        # The holder authorises the shop: what the platform (and the secret holder) may see changes.
        _ingest(session, store, "authorised_sellers", [
            {"source": "reg", "external_id": "A9", "brand": "Zorvane", "name": "Totes",
             "platform": "ShopMarket", "handle": "toteshop"}], orgs["holder"])  # fmt: skip
        # The ingestion path scores only new and changed listings...
        assert score_stored_listings(session=session, blobs=store.blobs).scored == 0
        # ...`detect run` every listing read against a registry that changed since.
        again = score_stored_listings(session=session, blobs=store.blobs, registry=True)
        assert again.scored == 3
        official = session.scalars(select(ListingScore).join(Listing, Listing.id == ListingScore.listing_id)
                                   .where(Listing.external_id == "1")).one()  # fmt: skip
        assert "seller_authorised" in official.signal_names
        assert score_stored_listings(session=session, blobs=store.blobs, registry=True).scored == 0
        # A RED record of another organisation changes nothing for the platform's listings.
        _ingest(session, store, "rights", [_right("S2", "Hushvale", "Hushvale")], orgs["secret"], tlp="RED")
        red = score_stored_listings(session=session, blobs=store.blobs, registry=True)
        assert red.scored == 1  # the secret holder's own listing only
        # A currency that had no rate makes prices in it comparable: every listing is read again...
        store_rates(session, [Rate("JPY", date(2026, 12, 4), 158.38, "ECB")])
        assert score_stored_listings(session=session, blobs=store.blobs, registry=True).scored == 3
        # ...but a day's move of a rate already known does not make every stored score stale.
        store_rates(session, [Rate("JPY", date(2026, 12, 5), 157.9, "ECB")])
        assert score_stored_listings(session=session, blobs=store.blobs, registry=True).scored == 0
