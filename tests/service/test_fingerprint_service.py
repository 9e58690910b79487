"""Fingerprint services on both databases: banks, enrolment, marking-aware lookup, the listing pipeline."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import Conflict, InvalidInput
from countermark.fingerprint import lookup, service
from countermark.fingerprint.models import ImageHash
from countermark.fingerprint.pipeline import match_listing_images
from countermark.fingerprint.registry import forget_matchers
from countermark.observe.models import Listing, ListingImage
from countermark.orgs.models import Organisation


def _photo(seed: int, size: tuple[int, int] = (400, 300)) -> bytes:
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).resize(
        size, Image.Resampling.BICUBIC
    )
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = int(rng.integers(0, size[0])), int(rng.integers(0, size[1]))
        box = (x, y, x + int(rng.integers(8, 60)), y + int(rng.integers(8, 60)))
        draw.rectangle(box, fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    return _jpeg(img)


def _jpeg(img: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _fresh_matchers() -> Iterator[None]:
    forget_matchers()
    yield
    forget_matchers()


def _orgs(store: AppContext) -> tuple[int, int, int]:
    with unit_of_work(store.sessions) as session:
        orgs = [Organisation(name=n, kind=k, country="FR") for n, k in
                (("Maison", "rights_holder"), ("Douane", "customs"), ("Other", "platform"))]  # fmt: skip
        session.add_all(orgs)
        session.flush()
        return orgs[0].id, orgs[1].id, orgs[2].id


def test_an_enrolled_picture_is_matchable_at_once_and_stops_when_disabled(store: AppContext) -> None:
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="genuine", purpose="genuine")
        entry = service.add_image(ctx=store, session=session, bank=bank, data=_photo(1), label="bag")
        again = service.add_image(ctx=store, session=session, bank=bank, data=_photo(1))
        assert again.id == entry.id
        found = service.lookup_image(ctx=store, session=session, principal_org_id=holder, data=_photo(1))
        assert [(m.entry_id, m.stage, m.distance) for m in found] == [(entry.id, "pdq", 0)]
        service.set_entry_enabled(ctx=store, session=session, entry_id=entry.id, enabled=False)
        assert service.lookup_image(ctx=store, session=session, principal_org_id=holder, data=_photo(1)) == []
        with pytest.raises(Conflict):
            service.create_bank(session=session, owner_org_id=holder, name="genuine", purpose="genuine")


def test_an_organisation_allowed_only_to_match_learns_the_product_but_not_the_entry(
    store: AppContext,
) -> None:
    holder, customs, other = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="refs", purpose="genuine",
                                   tlp="RED", match_scope="everyone")  # fmt: skip
        service.add_image(
            ctx=store, session=session, bank=bank, data=_photo(2), label="secret", right_id=None
        )
        closed = service.create_bank(session=session, owner_org_id=other, name="closed", purpose="infringing",
                                     tlp="RED")  # fmt: skip
        service.add_image(ctx=store, session=session, bank=closed, data=_photo(2))
        w = Image.open(io.BytesIO(_photo(2)))
        cropped = ImageOps.expand(w.crop((30, 20, w.width, w.height)), border=25, fill="white")
        found = service.lookup_image(
            ctx=store, session=session, principal_org_id=customs, data=_jpeg(cropped, 60)
        )
        assert [(m.bank_name, m.stage, m.readable) for m in found] == [("refs", "geometric", False)]
        assert (found[0].entry_id, found[0].label, found[0].blob_sha256, found[0].signal) == (
            None,
            None,
            None,
            None,
        )
        assert service.list_banks(session=session, principal_org_id=customs) == []


def test_files_and_texts_are_matched_exactly_and_nearly(store: AppContext) -> None:
    holder, _, _ = _orgs(store)
    rng = np.random.default_rng(3)
    binary = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="software", purpose="genuine")
        service.add_file(ctx=store, session=session, bank=bank, data=binary)
        service.add_text(
            session=session, bank=bank, content="original aurel bag with box and papers, ships today"
        )
        exact = service.lookup_file(session=session, principal_org_id=holder, data=binary)
        patched = service.lookup_file(
            session=session, principal_org_id=holder, data=binary[:2000] + b"\0" * 16 + binary[2016:]
        )
        near_text = "original aurel bag with box and papers, ships today!"
        texts = service.lookup_text(session=session, principal_org_id=holder, content=near_text)
        assert [m.stage for m in exact] == ["sha256"]
        assert [m.stage for m in patched] == ["tlsh"]
        assert [m.stage for m in texts] == ["text"]
        with pytest.raises(InvalidInput):
            service.add_image(ctx=store, session=session, bank=bank, data=b"GIF89a broken")


def test_listing_images_are_hashed_once_and_matches_stored_by_listing(store: AppContext) -> None:
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="genuine", purpose="genuine")
        entry = service.add_image(ctx=store, session=session, bank=bank, data=_photo(4))
        flipped = _jpeg(ImageOps.mirror(Image.open(io.BytesIO(_photo(4)))), 50)
        listings = []
        for n, data in enumerate((flipped, _photo(5), b"not an image")):
            digest = service.store_blob(ctx=store, session=session, data=data, media_type="image/jpeg")
            listing = Listing(
                source="t", external_id=str(n), content_hash="x", platform="p", url="u", title="t",
                observed_at=datetime.now(UTC), owner_org_id=holder,
            )  # fmt: skip
            session.add(listing)
            session.flush()
            session.add(ListingImage(listing_id=listing.id, blob_sha256=digest))
            listings.append(listing.id)
        summary = match_listing_images(store, session, lambda done, total: None)
        assert "3 hashed" in summary and "1 unreadable" in summary
        matches = lookup.matches_of_listing(session=session, listing_id=listings[0])
        assert [m.entry_id for m in matches] == [entry.id]
        assert lookup.matches_of_listing(session=session, listing_id=listings[1]) == []
        assert len(session.scalars(select(ImageHash)).all()) == 3
        assert "0 hashed" in match_listing_images(store, session, lambda done, total: None)
