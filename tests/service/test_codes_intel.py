"""Consumer reports joined to listings, accounts, shipments, rights and banks; fake clusters into cases."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from countermark.cases.models import Case, CaseLink, EvidenceItem
from countermark.codes import (
    cluster_case_service,
    history_service,
    match_reads,
    matching_service,
    report_service,
    service,
)
from countermark.codes.models import CloneAlert, ClusterCase, ConsumerReport, ReportMatch
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import NotFound
from countermark.core.ingestion import IngestContext
from countermark.fingerprint.matcher_service import forget_matchers
from countermark.fingerprint.service import add_image, create_bank
from countermark.observe.models import IdentifierSighting, Listing
from countermark.observe.schemas import AccountIn, ListingIn
from countermark.observe.service import ingest_account, ingest_listing
from countermark.orgs.models import AuditEntry
from countermark.orgs.visibility import Principal
from countermark.rights.models import ProductRight, Right
from countermark.targeting.models import Shipment
from countermark.targeting.schemas import ShipmentIn
from countermark.targeting.service import ingest_shipment
from tests.service.codes_fixtures import add_product, issue_codes
from tests.service.helpers import make_org

T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)
SELLER_MAIL = "deals.lux88@lux-mail.net"
LISTING_URL = "https://www.shopmarket.ie/item/884512377"


def _photo(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).resize(
        (400, 300), Image.Resampling.BICUBIC
    )
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = int(rng.integers(0, 400)), int(rng.integers(0, 300))
        box = (x, y, x + int(rng.integers(8, 60)), y + int(rng.integers(8, 60)))
        draw.rectangle(box, fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _world(store: AppContext, tmp_path: Path) -> dict[str, int]:
    """A brand, its product and right; a platform's listing and account; a shipment; a stranger."""
    brand = make_org(store)
    platform = make_org(store, "ShopMarket", "platform", "IE")
    customs = make_org(store, "DGDDI", "customs", "FR")
    stranger = make_org(store, "Other brand", "rights_holder", "DE")
    product_id = add_product(store, brand)
    (tmp_path / "listing.jpg").write_bytes(_photo(7))
    with unit_of_work(store.sessions) as session:
        right = Right(
            source="test",
            external_id="tm-1",
            content_hash="0" * 64,
            kind="trademark",
            name="AUREL",
            brand="Aurel",
            holder_name="Maison Aurel",
            registration_number="018000001",
            office="EUIPO",
            owner_org_id=brand,
            tlp="AMBER",
        )
        session.add(right)
        session.flush()
        session.add(ProductRight(product_id=product_id, right_id=right.id))

        def ctx(org: int, tlp: str) -> IngestContext:
            return IngestContext(session, store.blobs, tmp_path, "test", org, tlp)

        ingest_account(
            ctx(platform, "GREEN"), AccountIn(external_id="a1", platform="market", handle="luxdeals88")
        )
        listing = ListingIn(
            external_id="l1",
            platform="market",
            url=LISTING_URL,
            title="Aurel tote, factory price",
            description=f"write to {SELLER_MAIL}",
            seller="luxdeals88",
            observed_at=T0,
            images=["listing.jpg"],
        )
        ingest_listing(ctx(platform, "GREEN"), listing)
        hidden = ListingIn(
            external_id="l2",
            platform="market",
            url="https://www.other-shop.de/p/1",
            title="secret",
            description=f"contact {SELLER_MAIL}",
            observed_at=T0,
        )
        ingest_listing(ctx(stranger, "AMBER"), hidden)
        shipment = ShipmentIn(
            external_id="s1",
            declared_on=date(2025, 2, 20),
            transport_mode="post",
            consignor_name="Lux Deals Ltd",
            consignor_contact=SELLER_MAIL,
        )
        ingest_shipment(ctx(customs, "GREEN"), shipment)
        listing_ids = {e: i for e, i in session.execute(select(Listing.external_id, Listing.id))}
        return {
            "brand": brand,
            "stranger": stranger,
            "product": product_id,
            "right": right.id,
            "listing": listing_ids["l1"],
            "hidden": listing_ids["l2"],
        }


def _report(store: AppContext, uri: str, **fields: object) -> int:
    values: dict[str, object] = {
        "code_uri": uri,
        "gtin": None,
        "bought_at_kind": "website",
        "shop": None,
        "url": None,
        "description": None,
        "lat": None,
        "lon": None,
        "contact": None,
    }
    values.update(fields)
    with unit_of_work(store.sessions) as session:
        row = report_service.submit_report(
            session=session,
            blobs=store.blobs,
            report=report_service.ReportInput(**values),
            reporter=None,  # type: ignore[arg-type]
        )
        matching_service.match_report(ctx=store, session=session, report=row, actor="test")
        return row.id


def test_a_report_joins_listings_accounts_shipments_and_rights_its_holder_may_see(
    store: AppContext, tmp_path: Path
) -> None:
    forget_matchers(store)
    world = _world(store, tmp_path)
    _, uris = issue_codes(store, world["brand"], world["product"], quantity=2)
    report_id = _report(
        store,
        uris[0],
        shop="@LuxDeals88",
        url=LISTING_URL + "?utm_source=chat",
        description=f"Fake Aurel bag, seller answers at {SELLER_MAIL.upper()}",
    )
    brand = Principal(org_id=world["brand"])
    with unit_of_work(store.sessions) as session:
        found = match_reads.matches_of(session=session, principal=brand, report_id=report_id)
        by_record = {(m.subject_type, m.subject_id): m for m in found}
        listing = by_record[("listing", world["listing"])]
        assert listing.kind == "listing" and listing.strength >= 0.9
        assert "luxdeals88" in listing.reason and SELLER_MAIL in listing.reason
        assert by_record[("product", world["product"])].strength == 1.0
        right = by_record[("right", world["right"])]
        assert "protected by this right" in right.reason and "brand Aurel" in right.reason
        assert any(t == "account" for t, _ in by_record)
        shipment = [m for m in found if m.subject_type == "shipment"]
        assert len(shipment) == 1 and shipment[0].kind == "thread"
        assert ("listing", world["hidden"]) not in by_record  # the stranger's AMBER listing stays hidden
        threads = matching_service.threads_of(found)
        mail = next(t for t in threads if t["value"] == SELLER_MAIL)
        assert {m.subject_type for m in mail["members"]} == {"listing", "shipment"}
        sightings = session.scalars(
            select(IdentifierSighting).where(
                IdentifierSighting.subject_type == "report", IdentifierSighting.subject_id == report_id
            )
        ).all()
        assert {s.field for s in sightings} >= {"description", "url"}
        assert (
            match_reads.matches_of(
                session=session, principal=Principal(org_id=world["stranger"]), report_id=report_id
            )
            == []
        )
    again = _report(store, uris[1], description=f"same seller {SELLER_MAIL}")
    with unit_of_work(store.sessions) as session:
        second = match_reads.matches_of(session=session, principal=brand, report_id=again)
        assert ("report", report_id) in {(m.subject_type, m.subject_id) for m in second}
        first = session.get(ConsumerReport, report_id)
        assert first is not None
        before = len(match_reads.matches_of(session=session, principal=brand, report_id=report_id))
        matching_service.match_report(ctx=store, session=session, report=first, actor="test")
        after = match_reads.matches_of(session=session, principal=brand, report_id=report_id)
        assert len(after) == before + 1  # now also threaded to the second report, nothing duplicated
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "codes.report.match")).first()
    # The customs re-mark their consignment RED: the stored match on it drops out of what the brand reads,
    # and so does its thread, though nothing was matched again.
    with unit_of_work(store.sessions) as session:
        consignment = session.scalar(select(Shipment).where(Shipment.external_id == "s1"))
        assert consignment is not None
        consignment.tlp = "RED"
    with unit_of_work(store.sessions) as session:
        now = match_reads.matches_of(session=session, principal=brand, report_id=report_id)
        assert [m for m in now if m.subject_type == "shipment"] == []
        assert len(now) == len(after) - 1
        mail = next(t for t in matching_service.threads_of(now) if t["value"] == SELLER_MAIL)
        assert {m.subject_type for m in mail["members"]} == {"listing", "report"}  # the second report


def test_report_photos_match_the_holders_bank_and_the_listing_showing_them(
    store: AppContext, tmp_path: Path
) -> None:
    forget_matchers(store)
    world = _world(store, tmp_path)
    reference = _photo(3)
    with unit_of_work(store.sessions) as session:
        bank = create_bank(session=session, owner_org_id=world["brand"], name="Aurel", purpose="genuine")
        add_image(
            ctx=store, session=session, bank=bank, data=reference, right_id=world["right"], label="tote"
        )
        other = create_bank(
            session=session, owner_org_id=world["stranger"], name="Private", purpose="genuine"
        )
        add_image(ctx=store, session=session, bank=other, data=_photo(7), label="theirs")
    values: dict[str, object] = {
        "code_uri": None,
        "gtin": "09506000134352",
        "bought_at_kind": "market",
        "shop": None,
        "url": None,
        "description": None,
        "lat": None,
        "lon": None,
        "contact": None,
        "photos": (reference, (tmp_path / "listing.jpg").read_bytes()),
    }
    with unit_of_work(store.sessions) as session:
        row = report_service.submit_report(
            session=session,
            blobs=store.blobs,
            report=report_service.ReportInput(**values),
            reporter=None,  # type: ignore[arg-type]
        )
        matching_service.match_report(ctx=store, session=session, report=row, actor="test")
        found = match_reads.matches_of(
            session=session, principal=Principal(org_id=world["brand"]), report_id=row.id
        )
        kinds = {(m.kind, m.subject_type) for m in found}
        assert ("fingerprint", "fingerprint_entry") in kinds
        labels = " ".join(m.label for m in found if m.kind == "fingerprint")
        assert "tote" in labels and "theirs" not in labels  # the stranger's bank is not matchable
        assert any(m.subject_id == world["listing"] and "very picture" in m.reason for m in found)
        assert any(m.subject_type == "right" and "photo 1" in m.reason for m in found)
        # The brand shares the report's matches with everyone (GREEN): another organisation then reads the
        # product (verification names it to anyone), not the brand's AMBER right nor its AMBER bank's entry.
        for match in session.scalars(select(ReportMatch).where(ReportMatch.report_id == row.id)):
            match.tlp = "GREEN"
    with unit_of_work(store.sessions) as session:
        stranger = Principal(org_id=world["stranger"])
        theirs = match_reads.matches_of(session=session, principal=stranger, report_id=row.id)
        shown = {m.subject_type for m in theirs}
        assert "product" in shown and not shown & {"right", "fingerprint_entry", "fingerprint_bank"}, shown
        assert not any(m.label.startswith("Aurel: ") for m in theirs)  # the bank "Aurel", entry "tote"
        brand = Principal(org_id=world["brand"])
        mine = match_reads.matches_of(session=session, principal=brand, report_id=row.id)
        assert {"right", "fingerprint_entry"} <= {m.subject_type for m in mine}


def _copied(store: AppContext, org: int, count: int) -> tuple[int, list[str]]:
    """Codes each scanned in Paris and, two hours later, in Lagos: impossible for one item."""
    batch_id, uris = issue_codes(store, org, add_product(store, org), quantity=count)
    for n, uri in enumerate(uris):
        for hours, (lat, lon) in ((0, (48.85, 2.35)), (2, (6.52, 3.38))):
            with unit_of_work(store.sessions) as session:
                service.verify_and_record(
                    session=session,
                    uri=uri,
                    keys=service.public_keys(session=session),
                    salt=b"s" * 32,
                    lat=lat,
                    lon=lon,
                    device=f"phone-{n}-{hours}",
                    at=T0 + timedelta(hours=hours, minutes=n),
                )
    with unit_of_work(store.sessions) as session:
        history_service.detect_clones(session=session, owner_org_id=org)
    return batch_id, uris


def test_a_confirmed_cluster_opens_one_case_with_its_serials_and_scans_as_evidence(store: AppContext) -> None:
    org = make_org(store)
    other = make_org(store, "ShopMarket", "platform", "IE")
    _copied(store, org, 3)
    brand = Principal(org_id=org, scopes=frozenset({"read", "write"}))
    with unit_of_work(store.sessions) as session:
        alerts = session.scalars(select(CloneAlert).order_by(CloneAlert.id)).all()
        assert len(alerts) == 3
        history_service.decide_alert(
            session=session, principal=brand, alert_id=alerts[0].id, decision="confirmed", actor="a"
        )
        assert (
            cluster_case_service.open_cases_for_confirmed_clusters(
                session=session, blobs=store.blobs, org_id=org, actor="a"
            )
            == []
        )  # one confirmation is not enough
        history_service.decide_alert(
            session=session, principal=brand, alert_id=alerts[1].id, decision="confirmed", actor="a"
        )
        opened = cluster_case_service.open_cases_for_confirmed_clusters(
            session=session, blobs=store.blobs, org_id=org, actor="a"
        )
        assert len(opened) == 1 and opened[0].trigger == "confirmed"
        key = opened[0].cluster_key
    with unit_of_work(store.sessions) as session:
        assert (
            cluster_case_service.open_cases_for_confirmed_clusters(
                session=session, blobs=store.blobs, org_id=org, actor="a"
            )
            == []
        )
        row, new = cluster_case_service.open_cluster_case(
            session=session, blobs=store.blobs, principal=brand, key=key, actor="b"
        )
        assert not new and row.case_id == opened[0].case_id
        assert len(session.scalars(select(ClusterCase)).all()) == 1
        case = session.get(Case, row.case_id)
        assert case is not None and case.procedure == "investigation" and case.owner_org_id == org
        # The product "Aurel tote" of the brand AUREL: its brand said once.
        assert "copied codes of Aurel tote (region" in case.title, case.title
        evidence = session.scalars(select(EvidenceItem).where(EvidenceItem.case_id == case.id)).all()
        document = json.loads(store.blobs.get(evidence[0].blob_sha256))
        assert len(document["codes"]) == 3 and len(document["scans"]) == 6
        assert {c["alert_status"] for c in document["codes"]} == {"confirmed", "open"}
        view = cluster_case_service.view_cluster(session=session, principal=brand, key=key)
        assert view.case is not None and view.confirmed == 2
    with unit_of_work(store.sessions) as session:
        stranger = Principal(org_id=other, scopes=frozenset({"read", "write"}))
        with pytest.raises(NotFound):
            cluster_case_service.open_cluster_case(
                session=session, blobs=store.blobs, principal=stranger, key=key, actor="x"
            )


def test_a_cluster_sold_through_a_listing_opens_a_test_purchase_linked_to_it(
    store: AppContext, tmp_path: Path
) -> None:
    forget_matchers(store)
    world = _world(store, tmp_path)
    _, uris = issue_codes(store, world["brand"], world["product"], quantity=2)
    for n, uri in enumerate(uris):
        for hours, (lat, lon) in ((0, (48.85, 2.35)), (2, (6.52, 3.38))):
            with unit_of_work(store.sessions) as session:
                service.verify_and_record(
                    session=session,
                    uri=uri,
                    keys=service.public_keys(session=session),
                    salt=b"s" * 32,
                    lat=lat,
                    lon=lon,
                    device=f"d{n}{hours}",
                    at=T0 + timedelta(hours=hours, minutes=n),
                )
        _report(store, uri, shop="luxdeals88", url=LISTING_URL)
    brand = Principal(org_id=world["brand"], scopes=frozenset({"read", "write"}))
    with unit_of_work(store.sessions) as session:
        history_service.detect_clones(session=session, owner_org_id=world["brand"])
        clusters = history_service.clusters_of_fakes(session=session, principal=brand)
        assert len(clusters) == 1
        key = cluster_case_service.cluster_key(clusters[0])
        row, new = cluster_case_service.open_cluster_case(
            session=session, blobs=store.blobs, principal=brand, key=key, actor="analyst"
        )
        assert new and row.trigger == "person"
        case = session.get(Case, row.case_id)
        assert case is not None and case.procedure == "test_purchase"
        links = {(link.subject_type, link.subject_id) for link in session.scalars(select(CaseLink))}
        assert ("listing", world["listing"]) in links and ("right", world["right"]) in links


def test_a_re_encoded_listing_photo_in_a_report_finds_the_listing(store: AppContext, tmp_path: Path) -> None:
    from countermark.demo.genuine_banks import match_listing_images

    forget_matchers(store)
    world = _world(store, tmp_path)
    original = Image.open(io.BytesIO(_photo(11)))
    (tmp_path / "other.png").write_bytes(_photo(11))
    with unit_of_work(store.sessions) as session:
        ingest = IngestContext(session, store.blobs, tmp_path, "test", world["stranger"], "GREEN")
        ingest_listing(
            ingest,
            ListingIn(
                external_id="l3",
                platform="market",
                url="https://www.other-shop.de/p/3",
                title="tote",
                observed_at=T0,
                images=["other.png"],
            ),
        )
        match_listing_images(store, session, lambda done, total: None)
        listing_id = session.scalar(select(Listing.id).where(Listing.external_id == "l3"))
    buffer = io.BytesIO()
    original.resize((360, 270)).save(buffer, format="JPEG", quality=60)  # a phone's copy: other bytes
    values: dict[str, object] = {
        "code_uri": None,
        "gtin": "09506000134352",
        "bought_at_kind": "market",
        "shop": None,
        "url": None,
        "description": None,
        "lat": None,
        "lon": None,
        "contact": None,
        "photos": (buffer.getvalue(), _photo(99)),
    }
    with unit_of_work(store.sessions) as session:
        row = report_service.submit_report(
            session=session,
            blobs=store.blobs,
            report=report_service.ReportInput(**values),  # type: ignore[arg-type]
            reporter=None,
        )
        matching_service.match_report(ctx=store, session=session, report=row, actor="test")
        found = match_reads.matches_of(
            session=session, principal=Principal(org_id=world["brand"]), report_id=row.id
        )
        near = [m for m in found if m.subject_type == "listing"]
        assert [m.subject_id for m in near] == [listing_id]
        assert "photo 1 is a near-duplicate" in near[0].reason and near[0].detail["pdq_distance"] <= 31


def test_a_small_markets_domain_is_no_thread_but_a_shops_own_domain_is(
    store: AppContext, tmp_path: Path
) -> None:
    brand = make_org(store)
    police = make_org(store, "C3N", "police", "FR")
    market = "http://bfotnwgzk5xriaizqvyvqrqrjl6n4gywiyvnxbzrnrmcefqmikxnepwg.onion/listing/"
    offers = [(f"m{n}", f"{market}{7000 + n}", f"vendor{n % 3}") for n in range(6)]
    offers += [("s1", "https://aurel-outlet.shop/p/bag-1", "aurel-outlet.shop"),
               ("s2", "https://aurel-outlet.shop/p/bag-2", "aurel-outlet.shop")]  # fmt: skip
    with unit_of_work(store.sessions) as session:
        ctx = IngestContext(session, store.blobs, tmp_path, "test", police, "GREEN")
        for key, url, seller in offers:
            ingest_listing(ctx, ListingIn(external_id=key, platform="web", url=url, title="Aurel bag",
                                          seller=seller, observed_at=T0))  # fmt: skip
        ids = {e: i for e, i in session.execute(select(Listing.external_id, Listing.id))}
    product = add_product(store, brand)
    _, uris = issue_codes(store, brand, product, quantity=2)
    on_market = _report(store, uris[0], url=f"{market}7001")
    at_shop = _report(store, uris[1], url="https://aurel-outlet.shop/p/bag-1")
    with unit_of_work(store.sessions) as session:
        holder = Principal(org_id=brand)
        found = match_reads.matches_of(session=session, principal=holder, report_id=on_market)
        listed = {m.subject_id for m in found if m.subject_type == "listing"}
        # The item the address names, not the five other vendors' listings on the same hidden market.
        assert listed == {ids["m1"]}
        shop = match_reads.matches_of(session=session, principal=holder, report_id=at_shop)
        by_id = {m.subject_id: m for m in shop if m.subject_type == "listing"}
        assert set(by_id) == {ids["s1"], ids["s2"]}
        assert "aurel-outlet.shop" in by_id[ids["s2"]].reason  # the shop's own domain still threads


def test_a_report_photo_that_is_the_holders_own_shot_matches_no_listing_by_likeness(
    store: AppContext, tmp_path: Path
) -> None:
    from countermark.demo.genuine_banks import match_listing_images

    forget_matchers(store)
    world = _world(store, tmp_path)
    shot = _photo(11)
    with unit_of_work(store.sessions) as session:
        bank = create_bank(session=session, owner_org_id=world["brand"], name="Aurel", purpose="genuine")
        add_image(ctx=store, session=session, bank=bank, data=shot, right_id=world["right"], label="tote")
        ingest = IngestContext(session, store.blobs, tmp_path, "test", world["stranger"], "GREEN")
        for n in (1, 2):  # two resellers show the brand's own shot, re-encoded by their platform
            buffer = io.BytesIO()
            Image.open(io.BytesIO(shot)).resize((380 + n, 285)).save(buffer, format="JPEG", quality=70 + n)
            (tmp_path / f"shot{n}.jpg").write_bytes(buffer.getvalue())
            ingest_listing(ingest, ListingIn(external_id=f"r{n}", platform="market",
                                             url=f"https://www.other-shop.de/p/r{n}", title="tote",
                                             observed_at=T0, images=[f"shot{n}.jpg"]))  # fmt: skip
        match_listing_images(store, session, lambda done, total: None)
    values: dict[str, object] = {
        "code_uri": None, "gtin": "09506000134352", "bought_at_kind": "market", "shop": None, "url": None,
        "description": None, "lat": None, "lon": None, "contact": None, "photos": (shot,),
    }  # fmt: skip
    with unit_of_work(store.sessions) as session:
        row = report_service.submit_report(
            session=session, blobs=store.blobs, report=report_service.ReportInput(**values),  # type: ignore[arg-type]
            reporter=None,
        )  # fmt: skip
        matching_service.match_report(ctx=store, session=session, report=row, actor="test")
        found = match_reads.matches_of(
            session=session, principal=Principal(org_id=world["brand"]), report_id=row.id
        )
    # The shot is the holder's own (its reference image): said so, and no reseller is matched by it.
    assert any(m.kind == "fingerprint" and "tote" in m.label for m in found)
    assert [m for m in found if m.subject_type == "listing"] == []
