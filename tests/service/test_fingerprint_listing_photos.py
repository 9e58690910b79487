"""The listing-photo step on both databases: stored photos hashed once and matched against the banks, matches
given to listings stored later, everything hashed and matched again on demand; the products' reference
photos enrolled in their holders' genuine banks; both through the CLI, and `detect run` running it first."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageOps
from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from countermark.cli.main import app
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import InvalidInput
from countermark.detect.model_store import model_path, save_model
from countermark.fingerprint import lookup_service, pdq, service
from countermark.fingerprint.colour import same_colours
from countermark.fingerprint.hash_reads import pdq_of_blobs
from countermark.fingerprint.listing_images import match_listing_images
from countermark.fingerprint.models import FingerprintBank, FingerprintEntry, ImageHash, ListingImageMatch
from countermark.fingerprint.product_banks import GENUINE_BANK, enrol_product_images
from countermark.observe.models import Listing, ListingImage
from countermark.rights.models import Product, ProductImage
from tests.service.test_fingerprint_service import _jpeg, _orgs, _photo
from tests.unit.test_detect_engine import tiny_model


def _listing(session: Session, store: AppContext, owner: int, key: str, *photos: bytes) -> int:
    listing = Listing(
        source="t", external_id=key, content_hash="x", platform="p", url="u", title="t",
        observed_at=datetime.now(UTC), owner_org_id=owner,
    )  # fmt: skip
    session.add(listing)
    session.flush()
    for data in photos:
        digest = service.store_blob(ctx=store, session=session, data=data, media_type="image/jpeg")
        session.add(ListingImage(listing_id=listing.id, blob_sha256=digest))
    session.flush()
    return listing.id


def _matched(session: Session, listing_id: int) -> list[int]:
    return [m.entry_id for m in lookup_service.matches_of_listing(session=session, listing_id=listing_id)]


def test_listing_images_are_hashed_once_and_matches_stored_by_listing(store: AppContext) -> None:
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="genuine", purpose="genuine")
        entry = service.add_image(ctx=store, session=session, bank=bank, data=_photo(4))
        flipped = _jpeg(ImageOps.mirror(Image.open(io.BytesIO(_photo(4)))), 50)
        listings = [
            _listing(session, store, holder, str(n), data)
            for n, data in enumerate((flipped, _photo(5), b"not an image"))
        ]
        report = match_listing_images(ctx=store, session=session)
        assert (report.seen, report.hashed, report.unreadable, report.matched_images) == (3, 2, 1, 1)
        assert "2 hashed of 3" in report.summary() and "1 unreadable" in report.summary()
        assert _matched(session, listings[0]) == [entry.id]
        assert _matched(session, listings[1]) == []
        assert len(session.scalars(select(ImageHash)).all()) == 3  # the unreadable one keeps its reason
        again = match_listing_images(ctx=store, session=session)
        assert (again.hashed, again.unreadable, again.matches_stored, again.shared) == (0, 0, 0, 0)


def test_a_listing_stored_later_showing_a_matched_photo_is_given_its_matches(store: AppContext) -> None:
    holder, _, other = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="genuine", purpose="genuine")
        entry = service.add_image(ctx=store, session=session, bank=bank, data=_photo(4))
        copy = _jpeg(Image.open(io.BytesIO(_photo(4))), 60)
        first = _listing(session, store, holder, "first", copy)
        assert match_listing_images(ctx=store, session=session).matches_stored == 1
        # Another organisation's crawl stores the same file under another listing, after the first run.
        later = _listing(session, store, other, "later", copy, _photo(9))
        report = match_listing_images(ctx=store, session=session)
        assert (report.hashed, report.shared) == (1, 1)  # the new photo hashed; the known one not again
        assert _matched(session, later) == [entry.id] and _matched(session, first) == [entry.id]
        assert match_listing_images(ctx=store, session=session).shared == 0


def test_again_hashes_every_photo_anew_and_matches_references_enrolled_since(store: AppContext) -> None:
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="genuine", purpose="genuine")
        old_entry = service.add_image(ctx=store, session=session, bank=bank, data=_photo(4))
        seen = _listing(session, store, holder, "seen", _jpeg(Image.open(io.BytesIO(_photo(4))), 70))
        unseen = _listing(session, store, holder, "unseen", _jpeg(Image.open(io.BytesIO(_photo(6))), 70))
        match_listing_images(ctx=store, session=session)
        assert _matched(session, unseen) == []
        new_entry = service.add_image(ctx=store, session=session, bank=bank, data=_photo(6))
        assert match_listing_images(ctx=store, session=session).matches_stored == 0  # hashed: not looked at
        row = session.scalars(select(ImageHash).where(ImageHash.pdq.is_not(None))).first()
        assert row is not None
        kept = row.pdq
        row.pdq = "0" * 64  # as a hash an earlier release took another way
        session.flush()
        report = match_listing_images(ctx=store, session=session, again=True)
        assert (report.hashed, report.matched_images, report.matches_stored) == (2, 2, 2)
        assert "hashed again of 2" in report.summary()
        assert row.pdq == kept
        assert _matched(session, seen) == [old_entry.id] and _matched(session, unseen) == [new_entry.id]
        assert len(session.scalars(select(ListingImageMatch)).all()) == 2  # replaced, not added again


def test_listing_images_keep_a_colour_signature_and_those_hashed_before_get_theirs(store: AppContext) -> None:
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        digests = []
        for n, colour in enumerate(((190, 35, 40), (110, 70, 40))):  # one template, a red and a brown bag
            img = Image.new("RGB", (300, 300), (230, 230, 232))
            ImageDraw.Draw(img).rounded_rectangle((80, 60, 220, 250), radius=20, fill=colour)
            _listing(session, store, holder, f"c{n}", _jpeg(img))
            digests.append(service.store_blob(ctx=store, session=session, data=_jpeg(img), media_type="x"))
        match_listing_images(ctx=store, session=session)
        red, brown = (session.get(ImageHash, d) for d in digests)
        assert red is not None and brown is not None and red.colour and brown.colour
        assert pdq.distance(red.pdq or "", brown.pdq or "") <= 16  # one picture to PDQ
        assert not same_colours(red.colour, brown.colour)
        kept = red.colour
        red.colour = None  # as a row hashed before migration 0031
        session.flush()
        report = match_listing_images(ctx=store, session=session)
        assert (report.hashed, report.recoloured) == (0, 1)
        assert "1 hashed earlier given their colours" in report.summary()
        assert red.colour == kept
        assert match_listing_images(ctx=store, session=session).recoloured == 0


def test_a_padded_listing_image_keeps_the_hash_inside_its_frame_and_matches_by_it(store: AppContext) -> None:
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="genuine", purpose="genuine")
        entry = service.add_image(ctx=store, session=session, bank=bank, data=_photo(4))
        square = Image.new("RGB", (400, 400), (255, 255, 255))  # padded to a square, as marketplaces do
        square.paste(Image.open(io.BytesIO(_photo(4))), (0, 50))
        padded = _jpeg(square, 70)
        listing = _listing(session, store, holder, "framed", padded)
        match_listing_images(ctx=store, session=session)
        digest = service.store_blob(ctx=store, session=session, data=padded, media_type="image/jpeg")
        row = session.get(ImageHash, digest)
        assert row is not None and row.pdq and row.pdq_inner
        assert pdq.distance(row.pdq, entry.signal) > pdq.MATCH_THRESHOLD  # as a whole, another picture
        assert pdq.distance(row.pdq_inner, entry.signal) <= pdq.MATCH_THRESHOLD
        matches = lookup_service.matches_of_listing(session=session, listing_id=listing)
        assert [(m.entry_id, m.stage) for m in matches] == [(entry.id, "pdq")]
        assert pdq_of_blobs(session=session, digests=[digest]) == {digest: (row.pdq, row.pdq_inner)}


def _product(session: Session, store: AppContext, owner: int, key: str, *photos: bytes) -> int:
    product = Product(
        source="t", external_id=key, content_hash="x", owner_org_id=owner, brand="Maison", name=f"Bag {key}",
        category="bags", price_min=Decimal("900"), price_max=Decimal("1200"), currency="EUR",
    )  # fmt: skip
    session.add(product)
    session.flush()
    for position, data in enumerate(photos):
        digest = service.store_blob(ctx=store, session=session, data=data, media_type="image/jpeg")
        session.add(ProductImage(product_id=product.id, blob_sha256=digest, position=position))
    session.flush()
    return product.id


def test_products_reference_photos_are_enrolled_in_their_holders_genuine_banks(store: AppContext) -> None:
    holder, _, other = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bag = _product(session, store, holder, "bag", _photo(21), _photo(22), b"not an image")
        _product(session, store, holder, "same picture", _jpeg(Image.open(io.BytesIO(_photo(21))), 70))
        _product(session, store, other, "theirs", _photo(23))
        only = enrol_product_images(ctx=store, session=session, owner_org_id=other, match_scope="readers")
        assert (only.photos, only.added, only.banks_created) == (1, 1, 1)
        report = enrol_product_images(ctx=store, session=session)
        # The re-encoded file of a picture already enrolled is not enrolled again; the bad file is named.
        assert (report.photos, report.added, report.already_in, len(report.problems)) == (5, 2, 2, 1)
        assert "2 reference images enrolled" in report.summary() and "1 not enrolled" in report.summary()
        banks = {b.owner_org_id: b for b in session.scalars(select(FingerprintBank))}
        assert set(banks) == {holder, other} and banks[other].match_scope == "readers"
        assert banks[holder].name == GENUINE_BANK and banks[holder].match_scope == "everyone"
        mine = select(FingerprintEntry).where(FingerprintEntry.bank_id == banks[holder].id)
        entries = session.scalars(mine)
        assert {(e.product_id, e.label) for e in entries} == {(bag, "Bag bag")}
        second = enrol_product_images(ctx=store, session=session)
        assert (second.added, second.already_in, second.banks_created) == (0, 4, 0)
        with pytest.raises(InvalidInput, match="match scope must be one of"):
            enrol_product_images(ctx=store, session=session, match_scope="anyone")


def test_the_cli_enrols_products_then_matches_listing_photos_and_detect_run_does_it_first(
    cli_env: AppContext,
) -> None:
    store = cli_env
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        _product(session, store, holder, "bag", _photo(31))
        first = _listing(session, store, holder, "l1", _jpeg(Image.open(io.BytesIO(_photo(31))), 60))
    runner = CliRunner()
    enrolled = runner.invoke(app, ["fingerprint", "products", "--org", "Maison"])
    assert enrolled.exit_code == 0, enrolled.output
    assert "1 reference images enrolled" in enrolled.output
    matched = runner.invoke(app, ["fingerprint", "listings"])
    assert matched.exit_code == 0, matched.output
    assert "1 hashed of 1, 1 matched a bank entry" in matched.output
    with unit_of_work(store.sessions) as session:
        assert len(_matched(session, first)) == 1
        second = _listing(session, store, holder, "l2", _photo(32))
    save_model(tiny_model(), model_path(store.settings.data_dir))
    skipped = runner.invoke(app, ["detect", "run", "--no-photos"])
    assert skipped.exit_code == 0, skipped.output
    assert "2 stored listings, 2 scored" in skipped.output and "hashed" not in skipped.output
    # The listing scored before its photo was hashed is scored again once it is; the other is not.
    run = runner.invoke(app, ["detect", "run"])
    assert run.exit_code == 0, run.output
    assert "1 hashed of 2" in run.output and "2 stored listings, 1 scored" in run.output, run.output
    rerun = runner.invoke(app, ["detect", "run"])
    assert "0 hashed of 2" in rerun.output and "2 stored listings, 0 scored" in rerun.output, rerun.output
    every = runner.invoke(app, ["detect", "run", "--all", "--no-photos"])
    assert "2 stored listings, 2 scored" in every.output, every.output
    with unit_of_work(store.sessions) as session:
        digests = session.scalars(select(ListingImage.blob_sha256).where(ListingImage.listing_id == second))
        assert set(pdq_of_blobs(session=session, digests=list(digests)))
    again = runner.invoke(app, ["fingerprint", "listings", "--again"])
    assert again.exit_code == 0 and "2 hashed again of 2" in again.output, again.output


def test_another_run_hashing_the_same_photos_undoes_the_step_alone(
    cli_env: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = cli_env
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        _listing(session, store, holder, "l1", _photo(51))
    from countermark.cli import fingerprint as cli_fingerprint
    from countermark.fingerprint import listing_images

    real = listing_images.match_listing_images

    def raced(*, session: Session, **kwargs: Any) -> Any:
        report = real(session=session, **kwargs)
        # Another process stored the same photo's hash first: this one's insert fails.
        digest = session.scalars(select(ImageHash.blob_sha256)).first()
        session.execute(insert(ImageHash).values(blob_sha256=digest, pdq="0" * 64))
        return report

    monkeypatch.setattr(listing_images, "match_listing_images", raced)
    with unit_of_work(store.sessions) as session:
        _listing(session, store, holder, "kept")  # the caller's own work in the same transaction
        assert cli_fingerprint.match_stored_listing_photos(store, session) == set()
    with unit_of_work(store.sessions) as session:
        # The caller's own work stands; the photo step left nothing behind, for the next run to do.
        assert session.scalar(select(Listing.id).where(Listing.external_id == "kept")) is not None
        assert session.scalars(select(ImageHash)).all() == []
