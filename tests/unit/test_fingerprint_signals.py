"""Pure signal types: PDQ, geometric matching, files, text, the index and the bank visibility rule."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from countermark.core.errors import InvalidInput
from countermark.fingerprint import files, geometric, pdq, text
from countermark.fingerprint.access import can_match_bank, can_read_bank
from countermark.fingerprint.imaging import open_image
from countermark.fingerprint.index import BinaryIndex
from countermark.fingerprint.matcher import ImageMatcher, query_signals


def _photo(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A textured synthetic picture: smooth blobs plus edges, so PDQ and ORB both have something to see."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    base = Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(base)
    for _ in range(40):
        x, y = int(rng.integers(0, size[0])), int(rng.integers(0, size[1]))
        dx, dy = int(rng.integers(8, 60)), int(rng.integers(8, 60))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = (draw.rectangle, draw.ellipse, draw.line)[int(rng.integers(0, 3))]
        shape((x, y, x + dx, y + dy), fill=colour)
    return base


def _jpeg(img: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def test_recompressed_copy_is_within_the_pdq_threshold_and_another_picture_is_not() -> None:
    original = pdq.hash_image(_jpeg(_photo(1), 95))
    assert pdq.is_match(pdq.distance(original.hex, pdq.hash_image(_jpeg(_photo(1), 40)).hex))
    assert not pdq.is_match(pdq.distance(original.hex, pdq.hash_image(_jpeg(_photo(2))).hex))


def test_a_mirrored_copy_is_found_among_the_eight_orientations() -> None:
    original = pdq.hash_image(_jpeg(_photo(3)))
    mirrored = pdq.hash_image_dihedral(_jpeg(ImageOps.mirror(_photo(3))))
    assert len(mirrored) == 8
    assert min(pdq.distance(original.hex, h.hex) for h in mirrored) <= pdq.MATCH_THRESHOLD


def test_a_flat_picture_has_low_quality_and_is_not_usable() -> None:
    flat = Image.new("RGB", (200, 200), (120, 120, 120))
    assert not pdq.hash_image(_jpeg(flat)).usable


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"not an image at all", "not a readable image"), (_jpeg(_photo(4))[:300], "truncated")],
)
def test_bad_input_is_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        pdq.hash_image(data)


def test_huge_dimensions_are_refused_before_decoding() -> None:
    buf = io.BytesIO()
    Image.new("1", (12000, 9000)).save(buf, "PNG")
    with pytest.raises(InvalidInput, match="too large"):
        open_image(buf.getvalue())


def test_a_malformed_pdq_hash_is_refused() -> None:
    with pytest.raises(InvalidInput):
        pdq.distance("zz", "00" * 32)


def _matcher(pictures: dict[int, Image.Image]) -> ImageMatcher:
    features = {i: geometric.orb_features(img) for i, img in pictures.items()}
    matcher = ImageMatcher(features.get)
    for i, img in pictures.items():
        matcher.add(i, pdq.hash_pixels(img))
    return matcher


def test_a_cropped_padded_copy_is_missed_by_pdq_but_found_by_the_geometric_stage() -> None:
    pictures = {i: _photo(10 + i, (400, 300)) for i in range(4)}
    matcher = _matcher(pictures)
    w, h = pictures[2].size
    altered = ImageOps.expand(pictures[2].crop((int(0.07 * w), int(0.05 * h), w, h)), border=20, fill="white")
    query = query_signals(open_image(_jpeg(altered, 70)))
    assert [m.entry_id for m in matcher.match(query, geometric_stage=False)] == []
    found = matcher.match(query)
    assert [(m.entry_id, m.stage) for m in found] == [(2, "geometric")]
    assert found[0].inliers >= geometric.MIN_INLIERS


def test_unrelated_pictures_do_not_match_in_either_stage() -> None:
    matcher = _matcher({i: _photo(20 + i) for i in range(4)})
    assert matcher.match(query_signals(_photo(99))) == []


def test_a_disabled_entry_stops_matching_at_once() -> None:
    matcher = _matcher({1: _photo(30), 2: _photo(31)})
    query = query_signals(_photo(30))
    assert [m.entry_id for m in matcher.match(query)] == [1]
    matcher.disable([1])
    assert matcher.match(query) == []


@pytest.mark.parametrize("kind", ["mih", "multihash", "flat"])
def test_index_finds_neighbours_within_the_radius_only_and_survives_a_save(tmp_path: Path, kind: str) -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, 32, dtype=np.uint8)
    near, far = base.copy(), base.copy()
    near[:3] ^= 0xFF  # 24 bits away
    far[:5] ^= 0xFF  # 40 bits away
    index = BinaryIndex(kind)
    index.add([7, 8], [near.tobytes(), far.tobytes()])
    assert [(h.entry_id, h.distance) for h in index.search([base.tobytes()], 31)[0]] == [(7, 24)]
    index.disable([7])
    index.save(tmp_path / "pdq.faissb")
    loaded = BinaryIndex.load(tmp_path / "pdq.faissb", kind)
    assert loaded.search([base.tobytes()], 31) == [[]]
    assert (loaded.known_ids(), loaded.live_ids()) == ({7, 8}, {8})


def test_tlsh_matches_a_patched_binary_and_sha256_only_the_exact_copy() -> None:
    rng = np.random.default_rng(5)
    binary = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    patched = binary[:1000] + b"\x90" * 16 + binary[1016:]
    assert files.sha256_signal(binary) != files.sha256_signal(patched)
    assert files.is_tlsh_match(files.tlsh_distance(files.tlsh_signal(binary), files.tlsh_signal(patched)))
    other = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert not files.is_tlsh_match(files.tlsh_distance(files.tlsh_signal(binary), files.tlsh_signal(other)))
    with pytest.raises(InvalidInput, match="too short"):
        files.tlsh_signal(b"tiny")


def test_near_duplicate_listing_texts_match_and_different_ones_do_not() -> None:
    a = "Genuine Aurel leather handbag brand new with box and certificate fast shipping from Lyon worldwide"
    b = "Genuine Aurel leather handbag brand new with box and certificate fast shipping from Lyon worldwide!!"
    c = "Wooden garden chair, solid oak, hand made, collection only in Leeds, cash on pick up please"
    assert text.is_match(text.similarity(text.text_signal(a), text.text_signal(b)))
    assert not text.is_match(text.similarity(text.text_signal(a), text.text_signal(c)))
    index = text.TextIndex()
    index.add(1, text.text_signal(a))
    index.add(2, text.text_signal(c))
    assert [i for i, _ in index.query(text.text_signal(b))] == [1]


@dataclass
class _Bank:
    owner_org_id: int
    tlp: str
    sharing_group_id: int | None
    match_scope: str


@pytest.mark.parametrize(
    ("bank", "org", "groups", "read", "match"),
    [
        (_Bank(1, "RED", None, "readers"), 1, set(), True, True),
        (_Bank(1, "RED", None, "readers"), 2, set(), False, False),
        (_Bank(1, "RED", None, "everyone"), 2, set(), False, True),
        (_Bank(1, "AMBER", 5, "readers"), 2, {5}, True, True),
        (_Bank(1, "AMBER", 5, "readers"), 2, {6}, False, False),
        (_Bank(1, "AMBER+STRICT", 5, "sharing_group"), 2, {5}, True, True),
        (_Bank(1, "AMBER+STRICT", 5, "sharing_group"), 2, {6}, False, False),
        (_Bank(1, "GREEN", None, "readers"), 3, set(), True, True),
    ],
)
def test_bank_visibility_separates_reading_from_matching(
    bank: _Bank, org: int, groups: set[int], read: bool, match: bool
) -> None:
    assert can_read_bank(org, bank, groups) is read
    assert can_match_bank(org, bank, groups) is match


@pytest.mark.parametrize("kind", ["mih", "flat", "multihash", "hash"])
def test_a_forgotten_id_can_be_given_to_another_hash(kind: str) -> None:
    rng = np.random.default_rng(5)
    old, kept, new = (rng.integers(0, 256, 32, dtype=np.uint8).tobytes() for _ in range(3))
    live = BinaryIndex(kind)
    live.add([1, 2], [old, kept])
    live.forget([1])
    live.add([1], [new])
    found = [[hit.entry_id for hit in row] for row in live.search([old, kept, new], 31)]
    assert found == [[], [2], [1]]
