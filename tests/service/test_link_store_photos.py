"""Photos in the store-backed run: the hashed images of a seller's listings count for it, as in the run the
evaluation measures. Two sellers that share two shots (one re-encoded) are tied; a shot that is a rights
holder's own (in a genuine bank the organisation may match against) ties nobody, as does one the fingerprint
step matched to such a shot only through a flip or a quarter turn; a bank it may not match against is not
read."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.models import Blob
from countermark.fingerprint.models import (
    FingerprintBank,
    FingerprintEntry,
    ImageHash,
    ListingImageMatch,
    signal_digest,
)
from countermark.link.service import current_assignment
from countermark.link.store import parties_of
from countermark.link.store_reads import link_organisation, read_records
from countermark.observe.models import Account, Listing, ListingImage
from tests.service.helpers import ingest, make_org, write_jsonl

MARKET = "shopmarket"
SELLERS = [
    {"source": "t", "external_id": f"X{n}", "platform": MARKET, "handle": handle, "country": "FR",
     "contacts": [contact]}
    for n, (handle, contact) in enumerate((("lotus-deals", "a@lotus-mail.com"),
                                           ("night-bazaar", "b@owl-mail.com")))
]  # fmt: skip
LISTINGS = [
    {"source": "t", "external_id": f"P{n}", "platform": MARKET, "url": f"https://shopmarket.example/i/{n}",
     "title": f"Bag {n}", "seller": seller, "observed_at": "2025-02-01T10:00:00Z"}
    for n, seller in enumerate(("lotus-deals", "lotus-deals", "night-bazaar", "night-bazaar"))
]  # fmt: skip


def _flip(hex_hash: str, bits: int, rng: random.Random) -> str:
    value = int(hex_hash, 16)
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return f"{value:064x}"


def _shots() -> tuple[str, str, str]:
    rng = random.Random(16)
    shot_a, shot_b = (f"{rng.getrandbits(256):064x}" for _ in range(2))
    return shot_a, _flip(shot_a, 5, rng), shot_b  # the second is a re-encoded upload of the first


def _store(store: AppContext, tmp_path: Path) -> int:
    org = make_org(store, name="DGDDI", kind="customs")
    ingest(store, "accounts", write_jsonl(tmp_path / "accounts.jsonl", SELLERS), org)
    ingest(store, "listings", write_jsonl(tmp_path / "listings.jsonl", LISTINGS), org)
    add_shots(store)
    return org


def add_shots(store: AppContext) -> dict[str, str]:
    """Listings P0-P3 given the two shots (P2 a re-encoded copy of P0's), stored and hashed; each photo's
    hash by its listing's title."""
    shot_a, shot_a_copy, shot_b = _shots()
    photos = {"P0": shot_a, "P1": shot_b, "P2": shot_a_copy, "P3": shot_b}
    hashes = {}
    with unit_of_work(store.sessions) as session:
        for external_id, pdq in photos.items():
            listing = session.query(Listing).filter_by(external_id=external_id).one()
            digest = f"{listing.id:064x}"
            session.add(Blob(sha256=digest, size=1, media_type="image/jpeg"))
            session.flush()
            session.add_all([ListingImage(listing_id=listing.id, blob_sha256=digest),
                             ImageHash(blob_sha256=digest, pdq=pdq, quality=90)])  # fmt: skip
            hashes[listing.title] = pdq
    return hashes


def _genuine_bank(store: AppContext, owner: int, pdq: str, **marking: Any) -> None:
    with unit_of_work(store.sessions) as session:
        bank = FingerprintBank(owner_org_id=owner, name="Aurel genuine", purpose="genuine", **marking)
        session.add(bank)
        session.flush()
        session.add(FingerprintEntry(bank_id=bank.id, owner_org_id=owner, tlp=bank.tlp, signal_type="pdq",
                                     signal=pdq, signal_digest=signal_digest(pdq)))  # fmt: skip


def _tied(store: AppContext, org: int) -> bool:
    with unit_of_work(store.sessions) as session:
        run = link_organisation(session=session, owner_org_id=org, actor="test")
        ids = {a.handle: a.id for a in session.query(Account)}
        assignment = current_assignment(session=session, owner_org_id=org)
    assert run.parties == 2
    one, two = (assignment.get(f"account:{ids[h]}") for h in ("lotus-deals", "night-bazaar"))
    return one is not None and one == two


def test_a_sellers_hashed_listing_photos_count_for_it(store: AppContext, tmp_path: Path) -> None:
    org = _store(store, tmp_path)
    with unit_of_work(store.sessions) as session:
        records = read_records(session=session, owner_org_id=org)
    assert sorted(len(listing.photos) for listing in records.listings) == [1, 1, 1, 1]
    parties = {p.handle: p for p in parties_of(records)}
    assert len(parties["lotus-deals"].photos) == 2 and len(parties["night-bazaar"].photos) == 2
    assert records.references == []
    assert _tied(store, org)  # two shots in common, one of them re-encoded: two weak grounds


@pytest.mark.parametrize("visible", [True, False])
def test_a_rights_holders_own_shot_ties_nobody_when_its_bank_may_be_matched(
    store: AppContext, tmp_path: Path, visible: bool
) -> None:
    org = _store(store, tmp_path)
    brand = make_org(store, name="Maison Aurel", kind="rights_holder")
    _, _, shot_b = _shots()
    # A bank the customs may match against (shared to every organisation) or one it may not (AMBER, its
    # owner's readers only).
    shared, private = {"tlp": "GREEN", "match_scope": "everyone"}, {"tlp": "AMBER", "match_scope": "readers"}
    marking = shared if visible else private
    _genuine_bank(store, brand, shot_b, **marking)
    with unit_of_work(store.sessions) as session:
        references = read_records(session=session, owner_org_id=org).references
    assert references == ([shot_b] if visible else [])
    # With shot B a genuine product photo, the sellers share one shot only: one weak ground, no tie.
    assert _tied(store, org) is not visible


@pytest.mark.parametrize(("stage", "bits", "genuine"), [("pdq", 90, True), ("pdq", 24, False),
                                                        ("geometric", 90, False)])  # fmt: skip
def test_a_listing_photo_matched_to_a_genuine_shot_only_turned_ties_nobody(
    store: AppContext, tmp_path: Path, stage: str, bits: int, genuine: bool
) -> None:
    # Shot B is a mirror of the rights holder's photo: PDQ is not mirror-invariant, so the bank's entry is
    # some 90 bits from it, but the fingerprint step (which hashes the eight flips and rotations) matched
    # it. Matched that way, it is the holder's shot. Matched straight at 24 bits (an edited copy, which a
    # ring may have made itself), or only by the ORB stage, it still counts, as in a world-files run.
    org = _store(store, tmp_path)
    brand = make_org(store, name="Maison Aurel", kind="rights_holder")
    _, _, shot_b = _shots()
    entry_hash = _flip(shot_b, bits, random.Random(3))
    _genuine_bank(store, brand, entry_hash, tlp="GREEN", match_scope="everyone")
    with unit_of_work(store.sessions) as session:
        entry = session.query(FingerprintEntry).one()
        for listing in session.query(Listing).filter(Listing.external_id.in_(("P1", "P3"))):
            digest = f"{listing.id:064x}"
            session.add(ListingImageMatch(listing_id=listing.id, blob_sha256=digest, entry_id=entry.id,
                                          stage=stage, distance=6, score=0.9))  # fmt: skip
    with unit_of_work(store.sessions) as session:
        references = read_records(session=session, owner_org_id=org).references
    assert references == sorted([entry_hash, shot_b] if genuine else [entry_hash])
    assert _tied(store, org) is not genuine


def test_a_listing_photo_matched_to_a_genuine_shot_inside_its_frame_stays_evidence(
    store: AppContext, tmp_path: Path
) -> None:
    # Shot B is the holder's photo padded to a square: its own hash is far from the bank's entry, the
    # hash inside its frame near. The fingerprint step matched it by that inner hash. The padded copy is
    # not the holder's shot but the seller's edit (a ring reuses its own): on the training worlds,
    # counting such copies as the holder's cost rings' recall (docs/linking.md). Both sellers post one
    # padded file here (the same hash), which ties; framed copies farther apart do not (test below).
    org = _store(store, tmp_path)
    brand = make_org(store, name="Maison Aurel", kind="rights_holder")
    _, _, shot_b = _shots()
    rng = random.Random(4)
    entry_hash = _flip(shot_b, 90, rng)
    _genuine_bank(store, brand, entry_hash, tlp="GREEN", match_scope="everyone")
    with unit_of_work(store.sessions) as session:
        entry = session.query(FingerprintEntry).one()
        for listing in session.query(Listing).filter(Listing.external_id.in_(("P1", "P3"))):
            digest = f"{listing.id:064x}"
            row = session.get(ImageHash, digest)
            assert row is not None
            row.pdq_inner = _flip(entry_hash, 4, rng)
            session.add(ListingImageMatch(listing_id=listing.id, blob_sha256=digest, entry_id=entry.id,
                                          stage="pdq", distance=4, score=0.98))  # fmt: skip
    with unit_of_work(store.sessions) as session:
        references = read_records(session=session, owner_org_id=org).references
    assert references == [entry_hash]
    assert _tied(store, org)


def _second_shot(store: AppContext, *, bits: int, inner: dict[str, str] | None = None,
                 colours: dict[str, str] | None = None) -> None:
    """Seller two's copy of shot B moved `bits` from seller one's; insides and colours set by listing."""
    rng = random.Random(5)
    with unit_of_work(store.sessions) as session:
        for listing in session.query(Listing).filter(Listing.external_id.in_(("P1", "P3"))):
            row = session.get(ImageHash, f"{listing.id:064x}")
            assert row is not None
            if listing.external_id == "P3":
                row.pdq = _flip(row.pdq or "", bits, rng)
            row.pdq_inner = (inner or {}).get(listing.external_id)
            row.colour = (colours or {}).get(listing.external_id)


def test_the_store_run_reads_photo_colours_and_parts_two_colours_of_one_template(
    store: AppContext, tmp_path: Path
) -> None:
    from PIL import Image, ImageDraw

    from countermark.fingerprint.colour import colour_signature

    def bag(colour: tuple[int, int, int]) -> str:
        img = Image.new("RGB", (200, 200), (230, 230, 232))
        ImageDraw.Draw(img).rounded_rectangle((50, 40, 150, 170), radius=16, fill=colour)
        return colour_signature(img)

    org = _store(store, tmp_path)
    red, brown = bag((190, 35, 40)), bag((110, 70, 40))
    _second_shot(store, bits=10, colours={"P1": red, "P3": red})
    with unit_of_work(store.sessions) as session:
        records = read_records(session=session, owner_org_id=org)
    named = sorted(key for listing in records.listings for key in listing.photos if ":" in key)
    assert [key.partition(":")[2] for key in named] == [red, red] and records.photo_insides == {}
    assert _tied(store, org)  # shot A and the two copies of B: two weak grounds
    _second_shot(store, bits=10, colours={"P1": red, "P3": brown})
    assert not _tied(store, org)  # B's two pictures are two bags: one ground left


def test_framed_copies_of_a_genuine_shot_tie_only_when_nearly_identical(
    store: AppContext, tmp_path: Path
) -> None:
    # Both sellers padded the holder's photo: the hashes inside their frames match the bank's entry. Padded
    # apart (14 bits between the framed pictures) they are two sellers' edits; one file (4 bits) a ring's.
    org = _store(store, tmp_path)
    brand = make_org(store, name="Maison Aurel", kind="rights_holder")
    rng = random.Random(6)
    genuine = f"{rng.getrandbits(256):064x}"
    _genuine_bank(store, brand, genuine, tlp="GREEN", match_scope="everyone")
    insides = {"P1": _flip(genuine, 3, rng), "P3": _flip(genuine, 5, rng)}
    _second_shot(store, bits=14, inner=insides)
    with unit_of_work(store.sessions) as session:
        assert sorted(read_records(session=session, owner_org_id=org).photo_insides.values()) == sorted(
            insides.values()
        )
    assert not _tied(store, org)
    _second_shot(store, bits=14)  # no inside known: one picture at 14 bits, as before
    assert _tied(store, org)
    _second_shot(store, bits=4, inner=insides)
    assert _tied(store, org)
