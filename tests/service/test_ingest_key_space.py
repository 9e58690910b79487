"""One key space per organisation (issue 12, item 9), on SQLite and PostgreSQL: two organisations that
ingest the same (source, external_id) get a record each, neither report tells of the other, and every
lookup by key an ingested row makes (its right, products, shipment, seller account) stays inside the
ingesting organisation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ingest.service import IngestReport
from countermark.observe.models import Account, Listing
from countermark.rights.models import ProductRight, Recordal
from countermark.targeting.models import InspectionResult
from tests.service.helpers import ingest, make_org, read_rejects, write_jsonl
from tests.service.test_ingest import CASES, MODELS, ORDER, _prepare

COUNTS = ("read", "stored", "updated", "unchanged", "rejected")


def _counts(report: IngestReport) -> dict[str, int]:
    return {name: getattr(report, name) for name in COUNTS}


def _rows_of(ctx: AppContext, kind: str) -> list[tuple[int, str, str, int]]:
    """(owner, source, external_id, version) of every stored record of the kind."""
    model: Any = MODELS[kind]
    with unit_of_work(ctx.sessions) as session:
        query = select(model.owner_org_id, model.source, model.external_id, model.version)
        return sorted(tuple(row) for row in session.execute(query.order_by(model.id)))


def _prepare_second(ctx: AppContext, tmp_path: Path, upto: str) -> int:
    """A second organisation holding, under the same keys, what the first holds before `upto`."""
    org_id = make_org(ctx, name="Rival SARL")
    for kind in ORDER[: ORDER.index(upto)]:
        report = ingest(ctx, kind, write_jsonl(tmp_path / f"second-{kind}.jsonl", [CASES[kind][0]]), org_id)
        assert report.rejected == 0, report.rejects
    return org_id


@pytest.mark.parametrize("kind", ORDER)
def test_two_organisations_ingesting_the_same_key_get_a_record_each(
    store: AppContext, tmp_path: Path, kind: str
) -> None:
    first = _prepare(store, tmp_path, kind)
    second = _prepare_second(store, tmp_path, kind)
    good = CASES[kind][0]

    reports = [ingest(store, kind, write_jsonl(tmp_path / f"{o}.jsonl", [good]), o) for o in (first, second)]
    newer = ingest(store, kind, write_jsonl(tmp_path / "newer.jsonl", [{**good, "version": 4}]), second)

    # The second organisation's report is exactly the first's: nothing in it tells that the key was taken.
    assert _counts(reports[0]) == _counts(reports[1]) == {**dict.fromkeys(COUNTS, 0), "read": 1, "stored": 1}
    assert reports[1].rejects == [] and reports[1].rejects_path is None
    assert (newer.updated, newer.rejected) == (1, 0)
    key = (good["source"], good["external_id"])
    assert _rows_of(store, kind) == sorted([(first, *key, 1), (second, *key, 4)])


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "row-by-row"])
def test_the_same_key_in_one_file_of_each_organisation_stays_apart(
    store: AppContext, tmp_path: Path, bulk: bool
) -> None:
    first, second = make_org(store, "DGDDI", kind="customs"), make_org(store, "Police", kind="police")
    shipment = CASES["shipments"][0]
    rows = [
        shipment,
        {**shipment, "version": 2, "description": "watches"},
        {**shipment, "external_id": "D-2"},
    ]
    ingest(store, "shipments", write_jsonl(tmp_path / "first.jsonl", rows[:1]), first, bulk=bulk)

    report = ingest(store, "shipments", write_jsonl(tmp_path / "second.jsonl", rows), second, bulk=bulk)
    again = ingest(store, "shipments", write_jsonl(tmp_path / "first.jsonl", rows[:1]), first, bulk=bulk)

    assert _counts(report) == {"read": 3, "stored": 2, "updated": 1, "unchanged": 0, "rejected": 0}
    assert (again.unchanged, again.stored, again.updated) == (1, 0, 0)
    assert _rows_of(store, "shipments") == sorted(
        [(first, "t", "D-1", 1), (second, "t", "D-1", 2), (second, "t", "D-2", 1)]
    )


def test_a_row_never_refers_to_another_organisations_record_by_key(store: AppContext, tmp_path: Path) -> None:
    """A recordal, a product and an inspection name their right, products and shipment by key: only the
    ingesting organisation's own are found, and another's is refused exactly as an absent one."""
    holder = _prepare(store, tmp_path, "inspections")
    ingest(store, "inspections", write_jsonl(tmp_path / "i.jsonl", [CASES["inspections"][0]]), holder)
    rival = make_org(store, name="Rival SARL")
    expected = {
        "products": "right 'R-1' is not stored under source 't'; ingest it first",
        "recordals": "right 'R-1' is not stored under source 't'; ingest it first",
        "inspections": "shipment t:D-1 is not stored; ingest it first",
    }
    for kind, reason in expected.items():
        report = ingest(store, kind, write_jsonl(tmp_path / f"rival-{kind}.jsonl", [CASES[kind][0]]), rival)
        assert read_rejects(report)[0]["errors"] == [reason]
    # The rival's own right makes its product storable, still not its recordal of the holder's product.
    ingest(store, "rights", write_jsonl(tmp_path / "rival-rights.jsonl", [CASES["rights"][0]]), rival)
    recordal = ingest(store, "recordals", tmp_path / "rival-recordals.jsonl", rival)
    assert read_rejects(recordal)[0]["errors"] == [
        "product 'P-1' covered by the recordal is not stored; ingest it first"
    ]
    product = ingest(store, "products", tmp_path / "rival-products.jsonl", rival)
    assert product.stored == 1
    ingest(
        store, "shipments", write_jsonl(tmp_path / "rival-shipments.jsonl", [CASES["shipments"][0]]), rival
    )
    for kind in ("recordals", "inspections"):
        assert ingest(store, kind, tmp_path / f"rival-{kind}.jsonl", rival).stored == 1
    with unit_of_work(store.sessions) as session:
        # Every link joins records of one organisation.
        links = [
            select(Recordal.owner_org_id, MODELS["rights"].owner_org_id).join(
                MODELS["rights"], MODELS["rights"].id == Recordal.right_id
            ),
            select(InspectionResult.owner_org_id, MODELS["shipments"].owner_org_id).join(
                MODELS["shipments"], MODELS["shipments"].id == InspectionResult.shipment_id
            ),
            select(MODELS["products"].owner_org_id, MODELS["rights"].owner_org_id)
            .join(ProductRight, ProductRight.product_id == MODELS["products"].id)
            .join(MODELS["rights"], MODELS["rights"].id == ProductRight.right_id),
        ]
        for query in links:
            pairs = sorted(tuple(row) for row in session.execute(query))
            assert pairs == [(holder, holder), (rival, rival)], query


def test_a_listing_is_linked_to_its_owners_seller_account_only(store: AppContext, tmp_path: Path) -> None:
    holder = _prepare(store, tmp_path, "listings")  # the holder has the seller's account
    rival = make_org(store, name="Rival SARL")
    listing = {**CASES["listings"][0], "images": [], "snapshot": None}
    ingest(store, "listings", write_jsonl(tmp_path / "rival-l1.jsonl", [listing]), rival)
    with unit_of_work(store.sessions) as session:
        # The rival has no account of that seller yet: its listing has none, never the holder's.
        assert session.execute(select(Listing.owner_org_id, Listing.account_id)).one() == (rival, None)
    ingest(store, "accounts", write_jsonl(tmp_path / "rival-a.jsonl", [CASES["accounts"][0]]), rival)
    ingest(store, "listings", write_jsonl(tmp_path / "rival-l2.jsonl", [{**listing, "version": 2}]), rival)
    ingest(store, "listings", write_jsonl(tmp_path / "holder-l.jsonl", [listing]), holder)
    with unit_of_work(store.sessions) as session:
        accounts = dict(session.execute(select(Account.owner_org_id, Account.id)).all())
        linked = session.execute(select(Listing.owner_org_id, Listing.version, Listing.account_id)).all()
        assert session.scalar(select(func.count()).select_from(Listing)) == 2
    expected = [(holder, 1, accounts[holder]), (rival, 2, accounts[rival])]
    assert sorted(tuple(row) for row in linked) == sorted(expected)
