"""Ingestion of every kind, on SQLite and PostgreSQL: good rows kept, bad rows rejected with reasons,
duplicates and re-ingestion changing nothing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ingest.kinds import KINDS
from countermark.observe.identifier_service import identifiers_of
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing, ListingImage
from countermark.orgs.models import AuditEntry
from countermark.rights.models import AuthorisedSeller, Product, ProductImage, ProductRight, Recordal, Right
from countermark.targeting.models import InspectionResult, Shipment
from tests.service.helpers import PRODUCT, RIGHT, ingest, make_org, read_rejects, write_image, write_jsonl

MODELS = {
    "rights": Right,
    "recordals": Recordal,
    "products": Product,
    "authorised_sellers": AuthorisedSeller,
    "accounts": Account,
    "listings": Listing,
    "shipments": Shipment,
    "inspections": InspectionResult,
}

# For each kind: one good row, and bad rows with a fragment of the reason each must be rejected for.
CASES: dict[str, tuple[dict[str, Any], list[tuple[dict[str, Any], str]]]] = {
    "rights": (
        RIGHT,
        [
            ({**RIGHT, "external_id": "R-bad1", "nice_classes": [46]}, "Nice classes run from 1 to 45"),
            ({**RIGHT, "external_id": "R-bad2", "jurisdictions": ["XX"]}, "unknown country code"),
            ({**RIGHT, "external_id": "R-bad3", "kind": "copyright"}, "only trademarks have Nice classes"),
            (
                {**RIGHT, "external_id": "R-bad4", "valid_until": "2019-01-01"},
                "valid_until is before valid_from",
            ),
        ],
    ),
    "products": (
        PRODUCT,
        [
            ({**PRODUCT, "external_id": "P-bad1", "gtin": "4006381333932"}, "wrong check digit"),
            (
                {**PRODUCT, "external_id": "P-bad2", "images": ["img/missing.jpg"]},
                "not found beside the input",
            ),
            (
                {**PRODUCT, "external_id": "P-bad3", "images": ["img/not-an-image.jpg"]},
                "is not a readable image",
            ),
            ({**PRODUCT, "external_id": "P-bad4", "price_min": "500"}, "price_max is below price_min"),
            ({**PRODUCT, "external_id": "P-bad5", "unknown_field": 1}, "Extra inputs are not permitted"),
        ],
    ),
    "recordals": (
        {
            "source": "t",
            "external_id": "AFA-1",
            "right": "R-1",
            "jurisdiction": "FR",
            "authority": "DGDDI",
            "application_number": "FR-2024-001",
            "valid_from": "2024-01-01",
            "valid_until": "2025-01-01",
            "products_covered": ["P-1"],
            "small_consignments": True,
        },
        [
            (
                {
                    "source": "t",
                    "external_id": "AFA-2",
                    "right": "R-404",
                    "jurisdiction": "FR",
                    "authority": "DGDDI",
                    "application_number": "x",
                    "valid_from": "2024-01-01",
                    "valid_until": "2025-01-01",
                },
                "right 'R-404' is not stored",
            ),
            (
                {
                    "source": "t",
                    "external_id": "AFA-3",
                    "right": "R-1",
                    "jurisdiction": "FR",
                    "authority": "DGDDI",
                    "application_number": "x",
                    "valid_from": "2024-01-01",
                    "valid_until": "2025-01-01",
                    "products_covered": ["P-404"],
                },
                "product 'P-404' covered by the recordal is not stored",
            ),
        ],
    ),
    "authorised_sellers": (
        {
            "source": "t",
            "external_id": "S-1",
            "brand": "Aurel",
            "name": "Galeries Lumière",
            "platform": "ShopMarket",
            "handle": "galeries-lumiere",
            "countries": ["FR", "BE"],
        },
        [
            ({"source": "t", "external_id": "S-2", "brand": "Aurel"}, "name: Field required"),
        ],
    ),
    "accounts": (
        {
            "source": "t",
            "external_id": "A-1",
            "platform": "ShopMarket",
            "handle": "luxe-deals",
            "country": "CN",
            "bio": "Contact: sales [at] luxe-deals [dot] com, WhatsApp +86 138 0013 8000",
            "contacts": ["IBAN DE89 3704 0044 0532 0130 00"],
        },
        [
            ({"source": "t", "external_id": "A-2", "platform": "ShopMarket"}, "handle: Field required"),
            (
                {
                    "source": "t",
                    "external_id": "A-3",
                    "platform": "ShopMarket",
                    "handle": "x",
                    "joined_at": "yesterday",
                },
                "joined_at",
            ),
        ],
    ),
    "listings": (
        {
            "source": "t",
            "external_id": "L-1",
            "platform": "ShopMarket",
            "url": "https://shopmarket.example/item/1",
            "title": "Aurel tote bag, new with box",
            "description": "Order via telegram: @luxedeals",
            "language": "en",
            "price": "89.00",
            "currency": "EUR",
            "seller": "luxe-deals",
            "ships_from": "CN",
            "observed_at": "2026-05-01T10:00:00Z",
            "images": ["img/tote-1.jpg"],
            "snapshot": "pages/l1.html",
        },
        [
            (
                {
                    "source": "t",
                    "external_id": "L-2",
                    "platform": "ShopMarket",
                    "url": "ftp://x",
                    "title": "t",
                    "observed_at": "2026-05-01T10:00:00Z",
                },
                "url must start with http",
            ),
            (
                {
                    "source": "t",
                    "external_id": "L-3",
                    "platform": "ShopMarket",
                    "url": "https://x.example/",
                    "title": "t",
                    "observed_at": "2026-05-01T10:00:00Z",
                    "price": "-1",
                },
                "price",
            ),
            (
                {
                    "source": "t",
                    "external_id": "L-4",
                    "platform": "ShopMarket",
                    "url": "https://x.example/",
                    "title": "t",
                    "observed_at": "2026-05-01T10:00:00Z",
                    "currency": "EURO",
                },
                "unknown currency",
            ),
            (
                {
                    "source": "t",
                    "external_id": "L-5",
                    "platform": "ShopMarket",
                    "url": "https://x.example/",
                    "title": "t",
                    "observed_at": "2026-05-01T10:00:00Z",
                    "description": "x" * 20_001,  # a 10 MB one made its page take 7 s (issue 12)
                },
                "description: String should have at most 20000 characters",
            ),
            (
                {
                    "source": "t",
                    "external_id": "L-6",
                    "platform": "ShopMarket",
                    "url": "https://x.example/",
                    "title": "t" * 1001,
                    "observed_at": "2026-05-01T10:00:00Z",
                },
                "title: String should have at most 1000 characters",
            ),
        ],
    ),
    "shipments": (
        {
            "source": "t",
            "external_id": "D-1",
            "kind": "consignment",
            "declared_on": "2026-04-02",
            "transport_mode": "post",
            "consignor_name": "Shenzhen Bright Trading Co., Ltd.",
            "consignor_address": "Rm 5, 12 Huaqiang Rd, Shenzhen",
            "consignor_country": "CN",
            "consignor_contact": "+86 138 0013 8000",
            "consignee_name": "J. Martin",
            "consignee_country": "FR",
            "hs_code": "6403.99",
            "quantity": 1,
            "gross_mass_kg": "0.9",
            "declared_value": "12",
            "currency": "USD",
            "description": "shoes",
            "attributes": {"import_type": "e-commerce"},
        },
        [
            (
                {
                    "source": "t",
                    "external_id": "D-2",
                    "declared_on": "2026-04-02",
                    "transport_mode": "teleport",
                },
                "transport_mode",
            ),
            (
                {
                    "source": "t",
                    "external_id": "D-3",
                    "declared_on": "2026-04-02",
                    "transport_mode": "post",
                    "declared_value": "5",
                },
                "a declared value needs a currency",
            ),
            (
                {"source": "t", "external_id": "D-4", "declared_on": "2026-02-30", "transport_mode": "post"},
                "declared_on",
            ),
        ],
    ),
    "inspections": ({
        "source": "t", "external_id": "I-1", "shipment_source": "t", "shipment_external_id": "D-1",
        "inspected_on": "2026-04-04", "lane": "red", "found": True, "severity": 1, "finding": "counterfeit",
    }, [
        ({"source": "t", "external_id": "I-2", "shipment_source": "t", "shipment_external_id": "D-404",
          "inspected_on": "2026-04-04", "found": False}, "shipment t:D-404 is not stored"),
        ({"source": "t", "external_id": "I-3", "shipment_source": "t", "shipment_external_id": "D-1",
          "inspected_on": "2026-04-04", "found": False, "severity": 2},
         "a severity above 0 needs found = true"),
        ({"source": "t", "external_id": "I-4", "shipment_source": "t", "shipment_external_id": "D-1",
          "inspected_on": "2026-04-04", "found": True, "lane": "purple"}, "lane"),
    ]),
}

ORDER = list(CASES)


def _prepare(ctx: AppContext, tmp_path: Path, upto: str) -> int:
    """Create the owner, the files that rows refer to, and ingest the kinds that come before `upto`."""
    org_id = make_org(ctx)
    write_image(tmp_path / "img" / "tote-1.jpg", (200, 30, 30), "A")
    write_image(tmp_path / "img" / "tote-2.jpg", (30, 30, 200), "B")
    (tmp_path / "img" / "not-an-image.jpg").write_text("<html>not an image</html>")
    (tmp_path / "pages").mkdir(exist_ok=True)
    (tmp_path / "pages" / "l1.html").write_text(
        "<html><script>gtag('config', 'G-AB12CD34EF');</script><p>sales@luxe-deals.com</p></html>"
    )
    for kind in ORDER[: ORDER.index(upto)]:
        report = ingest(ctx, kind, write_jsonl(tmp_path / f"pre-{kind}.jsonl", [CASES[kind][0]]), org_id)
        assert report.rejected == 0, report.rejects
    return org_id


def _count(ctx: AppContext, model: type) -> int:
    with unit_of_work(ctx.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("kind", ORDER)
def test_good_rows_are_kept_and_bad_rows_rejected_with_reasons(
    store: AppContext, tmp_path: Path, kind: str
) -> None:
    org_id = _prepare(store, tmp_path, kind)
    good, bad = CASES[kind]
    rows: list[Any] = [good, *[row for row, _ in bad], "{not json", "[1, 2]", good]
    path = write_jsonl(tmp_path / f"{kind}.jsonl", rows)

    report = ingest(store, kind, path, org_id)

    assert (report.read, report.stored, report.unchanged) == (len(rows), 1, 1)
    assert report.rejected == len(bad) + 2
    rejects = read_rejects(report)
    assert [r["line"] for r in rejects] == list(range(2, len(bad) + 4))
    for reject, (_, fragment) in zip(rejects, bad, strict=False):
        assert any(fragment in error for error in reject["errors"]), (fragment, reject["errors"])
    assert "not valid JSON" in rejects[-2]["errors"][0]
    assert "must be a JSON object" in rejects[-1]["errors"][0]
    assert _count(store, MODELS[kind]) == 1


@pytest.mark.parametrize("kind", ORDER)
def test_reingesting_the_same_file_changes_nothing(store: AppContext, tmp_path: Path, kind: str) -> None:
    org_id = _prepare(store, tmp_path, kind)
    path = write_jsonl(tmp_path / f"{kind}.jsonl", [CASES[kind][0]])
    first = ingest(store, kind, path, org_id)
    counts = {name: _count(store, model) for name, model in MODELS.items()}
    identifiers = _count(store, Identifier), _count(store, IdentifierSighting)

    second = ingest(store, kind, path, org_id)

    assert (first.stored, second.stored, second.updated, second.unchanged) == (1, 0, 0, 1)
    assert {name: _count(store, model) for name, model in MODELS.items()} == counts
    assert (_count(store, Identifier), _count(store, IdentifierSighting)) == identifiers
    assert second.rejects_path is None


def test_a_higher_version_replaces_and_a_same_version_with_other_content_is_rejected(
    store: AppContext, tmp_path: Path
) -> None:
    org_id = _prepare(store, tmp_path, "products")
    v2 = {**PRODUCT, "version": 2, "name": "Aurel tote bag (2026)", "images": ["img/tote-2.jpg"]}
    conflicting = {**PRODUCT, "name": "Changed without a new version"}
    older = {**PRODUCT, "version": 1}
    ingest(store, "products", write_jsonl(tmp_path / "p1.jsonl", [PRODUCT]), org_id)

    report = ingest(store, "products", write_jsonl(tmp_path / "p2.jsonl", [v2, older]), org_id)
    conflict = ingest(
        store, "products", write_jsonl(tmp_path / "p3.jsonl", [{**conflicting, "version": 2}]), org_id
    )

    assert (report.updated, report.unchanged, report.rejected) == (1, 1, 0)
    assert conflict.rejected == 1
    assert "already stored with different content" in read_rejects(conflict)[0]["errors"][0]
    with unit_of_work(store.sessions) as session:
        product = session.scalars(select(Product)).one()
        assert (product.version, product.name) == (2, "Aurel tote bag (2026)")
        images = session.scalars(select(ProductImage).where(ProductImage.product_id == product.id)).all()
        assert len(images) == 1
        assert len(session.scalars(select(ProductRight)).all()) == 1


def test_records_of_another_organisation_are_not_overwritten_nor_revealed(
    store: AppContext, tmp_path: Path
) -> None:
    owner = make_org(store)
    other = make_org(store, name="Rival SARL")
    ingest(store, "rights", write_jsonl(tmp_path / "r.jsonl", [RIGHT]), owner)

    report = ingest(store, "rights", write_jsonl(tmp_path / "r2.jsonl", [{**RIGHT, "version": 5}]), other)

    # One key space per organisation (issue 12, item 9): the other's same key is its own new record, and
    # nothing in its report tells that the key exists elsewhere.
    assert (report.stored, report.updated, report.rejected, report.rejects) == (1, 0, 0, [])
    with unit_of_work(store.sessions) as session:
        rights = session.execute(select(Right.owner_org_id, Right.version).order_by(Right.id)).all()
        assert [tuple(row) for row in rights] == [(owner, 1), (other, 5)]


def test_listing_ingest_links_seller_stores_images_snapshot_and_identifiers(
    store: AppContext, tmp_path: Path
) -> None:
    org_id = _prepare(store, tmp_path, "listings")
    ingest(store, "listings", write_jsonl(tmp_path / "l.jsonl", [CASES["listings"][0]]), org_id)

    with unit_of_work(store.sessions) as session:
        listing = session.scalars(select(Listing)).one()
        account = session.scalars(select(Account)).one()
        assert listing.account_id == account.id
        assert listing.snapshot_sha256 is not None
        assert store.blobs.exists(listing.snapshot_sha256)
        images = session.scalars(select(ListingImage).where(ListingImage.listing_id == listing.id)).all()
        assert len(images) == 1 and store.blobs.exists(images[0].blob_sha256)
        found = {
            (kind, value)
            for kind, value, _ in identifiers_of(
                session=session, subject_type="listing", subject_id=listing.id
            )
        }
        account_ids = {
            (kind, value)
            for kind, value, _ in identifiers_of(
                session=session, subject_type="account", subject_id=account.id
            )
        }
    assert ("messaging_handle", "telegram:luxedeals") in found
    assert ("analytics_id", "G-AB12CD34EF") in found
    assert ("email", "sales@luxe-deals.com") in found
    assert {
        ("email", "sales@luxe-deals.com"),
        ("phone", "+8613800138000"),
        ("iban", "DE89370400440532013000"),
    } <= account_ids


def test_shipment_parties_become_normalised_identifiers(store: AppContext, tmp_path: Path) -> None:
    org_id = make_org(store, name="DGDDI", kind="customs")
    variant = {
        **CASES["shipments"][0],
        "external_id": "D-9",
        "consignor_name": "SHENZHEN BRIGHT TRADING CO LTD",
    }
    ingest(store, "shipments", write_jsonl(tmp_path / "s.jsonl", [CASES["shipments"][0], variant]), org_id)

    with unit_of_work(store.sessions) as session:
        names = session.scalars(select(Identifier).where(Identifier.kind == "name")).all()
        shipments = session.scalars(select(Shipment).order_by(Shipment.external_id)).all()
        assert shipments[0].attributes == {"import_type": "e-commerce"}
    consignor = [n for n in names if "shenzhen" in n.value]
    assert len(consignor) == 1, "both spellings of the consignor must normalise to one identifier"


def test_csv_with_a_column_mapping_splits_lists_and_fills_attributes(
    store: AppContext, tmp_path: Path
) -> None:
    org_id = make_org(store)
    (tmp_path / "rights.csv").write_text(
        "Id,Type,Mark,Holder,Reg No,Office,Territories,Classes\n"
        "R-1,trademark,AUREL,Maison Aurel SA,018000001,EUIPO,EU;FR,18;25\n"
        "R-2,trademark,AUREL,Maison Aurel SA,,EUIPO,EU,18\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.json"
    mapping.write_text(
        '{"external_id": "Id", "kind": "Type", "name": "Mark", "holder_name": "Holder", '
        '"registration_number": "Reg No", "office": "Office", "jurisdictions": "Territories", '
        '"nice_classes": "Classes"}'
    )

    report = ingest(store, "rights", tmp_path / "rights.csv", org_id, mapping_path=mapping, source="inpi")

    assert (report.stored, report.rejected) == (1, 1)
    assert "registration_number: Field required" in read_rejects(report)[0]["errors"][0]
    with unit_of_work(store.sessions) as session:
        right = session.scalars(select(Right)).one()
    assert (right.source, right.jurisdictions, right.nice_classes) == ("inpi", ["EU", "FR"], [18, 25])


def test_every_ingestion_is_recorded_in_the_audit_trail(store: AppContext, tmp_path: Path) -> None:
    org_id = make_org(store)
    ingest(store, "rights", write_jsonl(tmp_path / "r.jsonl", [RIGHT]), org_id)
    with unit_of_work(store.sessions) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "ingest")).one()
    assert (entry.subject_type, entry.detail["stored"]) == ("rights", 1)


def test_every_kind_has_a_test_case() -> None:
    assert set(CASES) == set(KINDS)


def test_bad_rows_do_not_block_good_rows_after_them(store: AppContext, tmp_path: Path) -> None:
    org_id = make_org(store)
    rows = [
        copy.deepcopy({**RIGHT, "external_id": f"R-{i}", "nice_classes": [99 if i % 2 else 25]})
        for i in range(10)
    ]
    report = ingest(store, "rights", write_jsonl(tmp_path / "r.jsonl", rows), org_id)
    assert (report.stored, report.rejected) == (5, 5)
