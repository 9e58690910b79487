"""Listings and accounts through the bulk path (batches decided in memory, written set-based, text checked
in worker processes for large batches) against the row-by-row path, on SQLite and PostgreSQL: the same
files give the same counts, rejects, stored rows, seller links, images and identifiers (issue 14, item 6:
the crawler feeds listings through this path in batches)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.models import Blob
from countermark.ingest import parallel
from countermark.ingest import service as ingest_service
from countermark.ingest.readers import RawRow
from countermark.ingest.service import IngestReport, ingest_file, ingest_rows
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing, ListingImage
from countermark.orgs.models import AuditEntry
from tests.service.helpers import make_org, write_image, write_jsonl


def account(handle: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid account record with these changes."""
    return {"source": "feed", "external_id": f"A-{handle}", "version": version, "platform": "ShopMarket",
            "handle": handle, "country": "CN", "bio": f"WhatsApp +86 138 0013 80{len(handle):02d}",
            **changes}  # fmt: skip


def listing(external_id: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid listing record with these changes."""
    return {"source": "feed", "external_id": external_id, "version": version, "platform": "ShopMarket",
            "url": f"https://shopmarket.example/item/{external_id}", "title": "Aurel tote bag",
            "description": "Order via telegram: @luxedeals", "price": "89.00", "currency": "EUR",
            "seller": "luxe-deals", "ships_from": "CN", "observed_at": "2026-05-01T10:00:00Z",
            "images": ["img/a.jpg"], **changes}  # fmt: skip


ACCOUNTS: list[dict[str, Any] | str] = [
    account("luxe-deals"),
    account("bags-outlet", contacts=["sales@bags-outlet.cn"]),
    account("luxe-deals", version=2, bio="new bio, mail luxe@deals.cn"),  # newer in the same file
    account("bags-outlet", joined_at="yesterday"),  # invalid: rejected
    account("quiet"),
]
LISTINGS: list[dict[str, Any] | str] = [
    listing("L-1", snapshot="pages/p1.html"),
    listing("L-2", images=["img/a.jpg", "img/b.jpg", "img/a.jpg"], seller="bags-outlet"),
    listing("L-3", seller="nobody-we-know"),  # no account: stored without one
    listing("L-1", snapshot="pages/p1.html"),  # the same again: unchanged
    listing("L-1", version=2, images=["img/b.jpg"], snapshot="pages/p2.html"),  # newer: images replaced
    listing("L-4", images=["img/missing.jpg"]),  # rejected before anything is queued
    listing("L-5", images=["img/b.jpg", "img/not-an-image.jpg"]),  # rejected after an image was stored
    listing("L-6", url="ftp://x"),  # invalid
    "{not json",
    listing("L-2", images=["img/a.jpg", "img/b.jpg", "img/a.jpg"], seller="bags-outlet", title="other"),
    listing("L-7", seller="quiet", images=[]),
    *[listing(f"L-{n}", seller="luxe-deals", description=f"mail seller{n}@deals.cn") for n in range(20, 32)],
]


def _files(tmp_path: Path) -> None:
    write_image(tmp_path / "img" / "a.jpg", (200, 30, 30), "A")
    write_image(tmp_path / "img" / "b.jpg", (30, 30, 200), "B")
    (tmp_path / "img" / "not-an-image.jpg").write_text("<html>not an image</html>")
    (tmp_path / "pages").mkdir(exist_ok=True)
    (tmp_path / "pages" / "p1.html").write_text(
        "<p>sales@luxe-deals.com</p><script>gtag('G-AB12CD34EF')</script>"
    )
    (tmp_path / "pages" / "p2.html").write_text("<p>call +86 138 0013 8000</p>")


def _wipe(ctx: AppContext) -> None:
    with unit_of_work(ctx.sessions) as session:
        for table in (IdentifierSighting, Identifier, ListingImage, Listing, Account, AuditEntry):
            session.execute(delete(table))


def _ingest(ctx: AppContext, kind: str, path: Path, org_id: int, *, bulk: bool) -> IngestReport:
    with unit_of_work(ctx.sessions) as session:
        return ingest_file(session=session, blobs=ctx.blobs, kind=kind, path=path, owner_org_id=org_id,
                           actor="test", tlp="AMBER", bulk=bulk)  # fmt: skip


def _stored(ctx: AppContext) -> dict[str, Any]:
    """Accounts and listings without ids and times, listings' sellers, images and every sighting, by key."""

    def columns(model: Any) -> list[Any]:
        skip = ("id", "created_at", "updated_at", "account_id")
        return [c for c in model.__table__.columns if c.name not in skip]

    with unit_of_work(ctx.sessions) as session:
        accounts = sorted(tuple(map(repr, row)) for row in session.execute(select(*columns(Account))))
        listings = sorted(tuple(map(repr, row)) for row in session.execute(select(*columns(Listing))))
        sellers = sorted(
            session.execute(
                select(Listing.external_id, Account.handle).outerjoin(
                    Account, Account.id == Listing.account_id
                )
            ).all()
        )
        images = sorted(
            session.execute(
                select(Listing.external_id, ListingImage.blob_sha256, ListingImage.position, Blob.media_type)
                .join(ListingImage, ListingImage.listing_id == Listing.id)
                .join(Blob, Blob.sha256 == ListingImage.blob_sha256)
            ).all()
        )
        sightings = []
        for subject_type, model in (("account", Account), ("listing", Listing)):
            sightings += session.execute(
                select(model.external_id, Identifier.kind, Identifier.value, IdentifierSighting.field)
                .join(IdentifierSighting, IdentifierSighting.subject_id == model.id)
                .join(Identifier, Identifier.id == IdentifierSighting.identifier_id)
                .where(IdentifierSighting.subject_type == subject_type)
            ).all()
    return {
        "accounts": accounts,
        "listings": listings,
        "sellers": [tuple(r) for r in sellers],
        "images": [tuple(r) for r in images],
        "sightings": sorted(tuple(r) for r in sightings),
    }


def _run(ctx: AppContext, tmp_path: Path, org_id: int, *, bulk: bool) -> dict[str, Any]:
    _wipe(ctx)
    reports = [
        _ingest(ctx, "accounts", write_jsonl(tmp_path / "accounts.jsonl", ACCOUNTS), org_id, bulk=bulk),
        _ingest(ctx, "listings", write_jsonl(tmp_path / "listings.jsonl", LISTINGS), org_id, bulk=bulk),
    ]
    counts = [
        {k: getattr(r, k) for k in ("read", "stored", "updated", "unchanged", "rejected")} for r in reports
    ]
    return {"counts": counts, "rejects": [r.rejects for r in reports], **_stored(ctx)}


def test_listings_and_accounts_in_batches_are_stored_exactly_as_row_by_row(
    store: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _files(tmp_path)
    org_id = make_org(store, "Cyber unit", kind="police")
    row_by_row = _run(store, tmp_path, org_id, bulk=False)
    monkeypatch.setattr(ingest_service, "BATCH_ROWS", 3)  # duplicates and versions straddle batches
    small_batches = _run(store, tmp_path, org_id, bulk=True)
    monkeypatch.setattr(ingest_service, "BATCH_ROWS", 5000)
    monkeypatch.setattr(parallel, "PARALLEL_ROWS", 1)  # checked in the worker processes
    in_workers = _run(store, tmp_path, org_id, bulk=True)

    assert small_batches == row_by_row
    assert in_workers == row_by_row
    # Expected independently of either path.
    assert row_by_row["counts"] == [
        {"read": 5, "stored": 3, "updated": 1, "unchanged": 0, "rejected": 1},
        {"read": 23, "stored": 16, "updated": 1, "unchanged": 1, "rejected": 5},
    ]
    reasons = {reject["line"]: reject["errors"][0] for reject in row_by_row["rejects"][1]}
    assert "not found beside the input" in reasons[6] and "is not a readable image" in reasons[7]
    assert "already stored with different content" in reasons[10]
    sellers = dict(row_by_row["sellers"])
    assert (sellers["L-1"], sellers["L-2"], sellers["L-3"], sellers["L-7"]) == (
        "luxe-deals", "bags-outlet", None, "quiet"
    )  # fmt: skip
    l1 = [row for row in row_by_row["images"] if row[0] == "L-1"]
    l2 = [row for row in row_by_row["images"] if row[0] == "L-2"]
    assert len(l1) == 1 and [row[2] for row in l2] == [0, 1]  # replaced by version 2; duplicates once
    assert ("L-1", "phone", "+8613800138000", "snapshot") in row_by_row["sightings"]
    assert ("A-luxe-deals", "email", "luxe@deals.cn", "bio") in row_by_row["sightings"]


def test_crawled_rows_in_batches_link_only_to_the_organisations_own_accounts(
    store: AppContext, tmp_path: Path
) -> None:
    """The crawler's way in: `ingest_rows` with dict rows, no files beside them."""
    own, other = make_org(store, "Cyber unit", kind="police"), make_org(store, "Rival SARL")
    rows = [listing(f"L-{n}", images=[], seller="luxe-deals") for n in range(30)]
    with unit_of_work(store.sessions) as session:
        for org_id, kind, records in ((other, "accounts", [account("luxe-deals")]), (own, "listings", rows)):
            rows_in = [RawRow(n, record) for n, record in enumerate(records, 1)]
            report = ingest_rows(
                session=session, blobs=store.blobs, kind=kind, owner_org_id=org_id, actor="c", label="crawl",
                rows=rows_in,
            )  # fmt: skip
            assert report.stored == len(records)
    with unit_of_work(store.sessions) as session:
        linked = session.scalars(select(Listing.account_id).where(Listing.owner_org_id == own)).all()
    assert linked == [None] * 30
