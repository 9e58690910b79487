"""Fingerprint services on both databases: banks, enrolment, marking-aware lookup, media indexes."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageOps
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import Conflict, InvalidInput
from countermark.fingerprint import audio, lookup_service, mediatools, pdq, service, video
from countermark.fingerprint.matcher_service import (
    DESCRIPTORS_FILE,
    LiveMatcher,
    forget_matchers,
    live_matcher,
)
from countermark.orgs.models import Organisation
from tests.unit.test_fingerprint_media import make_sounds, make_videos


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


@pytest.mark.skipif(
    not (mediatools.available("ffmpeg") and mediatools.available("fpcalc")),
    reason="ffmpeg or fpcalc not installed (Debian: apt install ffmpeg libchromaprint-tools)",
)
def test_video_and_audio_entries_are_found_through_the_index_and_not_once_disabled(
    store: AppContext, tmp_path: Path
) -> None:
    holder, _, _ = _orgs(store)
    clips, tunes = make_videos(tmp_path), make_sounds(tmp_path)
    copies = {"video": video.video_signal(clips["copy"]), "audio": audio.audio_signal(tunes["copy"])}

    def find(session: Session, kind: str) -> list[int | None]:
        found = lookup_service.lookup_signal(
            ctx=store, session=session, principal_org_id=holder, signal_type=kind, signal=copies[kind]
        )
        return [m.entry_id for m in found]

    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="clips", purpose="genuine")
        other = service.add_media(
            ctx=store, session=session, bank=bank, data=clips["unrelated"], kind="video"
        )
        assert find(session, "video") == []
        # Added after the index was built: found by the next lookup_service.
        entries = {
            "video": service.add_media(
                ctx=store, session=session, bank=bank, data=clips["original"], kind="video"
            ),
            "audio": service.add_media(
                ctx=store, session=session, bank=bank, data=tunes["melody"], kind="audio"
            ),
        }
    for kind, entry in entries.items():
        with unit_of_work(store.sessions) as session:
            assert find(session, kind) == [entry.id], kind
            service.set_entry_enabled(ctx=store, session=session, entry_id=entry.id, enabled=False)
            assert find(session, kind) == [], kind
    assert other.id not in {e.id for e in entries.values()}


def test_a_soft_picture_with_a_flat_hash_is_matched_by_its_features_only(store: AppContext) -> None:
    holder, _, _ = _orgs(store)
    soft = ImageEnhance.Contrast(Image.open(io.BytesIO(_photo(7)))).enhance(0.15)
    data = _jpeg(soft, 90)
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="soft", purpose="genuine")
        entry = service.add_image(ctx=store, session=session, bank=bank, data=data)
        assert entry.quality is not None and entry.quality < pdq.MIN_QUALITY
        cropped = _jpeg(soft.crop((30, 20, soft.width, soft.height)), 80)
        found = service.lookup_image(ctx=store, session=session, principal_org_id=holder, data=cropped)
        assert [(m.entry_id, m.stage) for m in found] == [(entry.id, "geometric")]
        # Its own hash finds nothing: a flat PDQ hash is never trusted.
        assert (
            service.lookup_pdq(ctx=store, session=session, principal_org_id=holder, pdq_hex=entry.signal)
            == []
        )
        flat = _jpeg(Image.new("RGB", (300, 200), (120, 120, 120)))
        with pytest.raises(InvalidInput, match="too flat"):
            service.add_image(ctx=store, session=session, bank=bank, data=flat)


def test_saved_indexes_are_reloaded_without_reading_the_pictures_again(
    store: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="saved", purpose="genuine")
        entry = service.add_image(ctx=store, session=session, bank=bank, data=_photo(8))
        live_matcher(store, session).save()
    assert (store.settings.data_dir / "indexes" / DESCRIPTORS_FILE).exists()
    forget_matchers(store)

    def no_picture(self: LiveMatcher, entry_id: int) -> None:
        raise AssertionError(f"entry {entry_id} was read again instead of loaded")

    monkeypatch.setattr(LiveMatcher, "features", no_picture)
    w = Image.open(io.BytesIO(_photo(8)))
    cropped = _jpeg(w.crop((40, 30, w.width, w.height)).transpose(Image.Transpose.ROTATE_90), 75)
    with unit_of_work(store.sessions) as session:
        found = service.lookup_image(ctx=store, session=session, principal_org_id=holder, data=cropped)
    assert [(m.entry_id, m.stage) for m in found] == [(entry.id, "geometric")]


def test_an_enrolment_rolled_back_leaves_nothing_that_matches(store: AppContext) -> None:
    holder, _, _ = _orgs(store)
    with unit_of_work(store.sessions) as session:
        bank_id = service.create_bank(session=session, owner_org_id=holder, name="g", purpose="genuine").id
    session = store.sessions()
    try:
        bank = session.get(service.FingerprintBank, bank_id)
        assert bank is not None
        service.add_image(ctx=store, session=session, bank=bank, data=_photo(21), label="rolled back")
        session.rollback()
    finally:
        session.close()
    with unit_of_work(store.sessions) as session:
        bank = session.get(service.FingerprintBank, bank_id)
        assert bank is not None
        kept = service.add_image(ctx=store, session=session, bank=bank, data=_photo(22), label="kept")
    # SQLite may give the kept picture the rolled-back one's id: the matcher must hold the kept picture.
    with unit_of_work(store.sessions) as session:
        ghost = service.lookup_image(ctx=store, session=session, principal_org_id=holder, data=_photo(21))
        real = service.lookup_image(ctx=store, session=session, principal_org_id=holder, data=_photo(22))
    assert ghost == []
    assert [(m.entry_id, m.stage) for m in real] == [(kept.id, "pdq")]
