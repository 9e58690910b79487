"""The ORB descriptor index: votes find rotated and cropped copies, disabled entries stop, it persists."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from countermark.core.errors import InvalidInput
from countermark.fingerprint import descriptors, geometric, pdq
from countermark.fingerprint.descriptors import DescriptorIndex
from countermark.fingerprint.imaging import open_image
from countermark.fingerprint.matcher import ImageMatcher, query_signals
from tests.unit.test_fingerprint_signals import _jpeg, _photo


def _index(pictures: dict[int, Image.Image]) -> DescriptorIndex:
    index = DescriptorIndex()
    for entry_id, img in pictures.items():
        index.add(entry_id, geometric.orb_features(img))
    return index


def test_a_rotated_cropped_copy_gets_the_votes_of_its_original() -> None:
    pictures = {i: _photo(40 + i, (400, 300)) for i in range(5)}
    index = _index(pictures)
    w, h = pictures[3].size
    copy = pictures[3].crop((int(0.12 * w), int(0.1 * h), w, h)).transpose(Image.Transpose.ROTATE_90)
    votes = index.votes(geometric.orb_features(open_image(_jpeg(copy, 75))))
    # Unrelated pictures get votes too (corners of drawn shapes look alike): votes only rank candidates.
    assert votes.most_common(1)[0][0] == 3
    assert votes[3] >= 2 * max(n for e, n in votes.items() if e != 3)


def test_the_same_picture_enrolled_twice_gets_votes_for_both_entries() -> None:
    index = _index({1: _photo(50), 2: _photo(50), 3: _photo(51)})
    votes = index.votes(geometric.orb_features(_photo(50)))
    assert votes[1] >= descriptors.MIN_VOTES and votes[2] >= descriptors.MIN_VOTES
    assert votes[3] < descriptors.MIN_VOTES


def test_a_disabled_entry_neither_votes_nor_is_verified_and_comes_back() -> None:
    index = _index({1: _photo(60), 2: _photo(61)})
    query = geometric.orb_features(_photo(60))
    index.disable([1])
    assert index.votes(query)[1] == 0 and index.features(1) is None
    index.enable([1])
    assert index.votes(query)[1] >= descriptors.MIN_VOTES


def test_the_index_survives_a_save_and_refuses_a_damaged_file(tmp_path: Path) -> None:
    index = _index({1: _photo(70), 2: Image.new("RGB", (64, 64), "white"), 3: _photo(71)})
    index.disable([3])
    index.save(tmp_path / "orb.npz")
    loaded = DescriptorIndex.load(tmp_path / "orb.npz")
    assert loaded.known_ids() == {1, 2, 3} and len(loaded) == 2
    query = geometric.orb_features(_photo(70))
    assert loaded.votes(query) == index.votes(query)
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(InvalidInput):
        DescriptorIndex.load(tmp_path / "bad.npz")


def test_the_matcher_finds_a_cropped_copy_turned_a_quarter_through_the_votes() -> None:
    pictures = {i: _photo(80 + i, (400, 300)) for i in range(4)}
    matcher = ImageMatcher()
    for i, img in pictures.items():
        feats = geometric.orb_features(img)
        matcher.add(i, pdq.hash_pixels(img), feats)
    w, h = pictures[2].size
    copy = pictures[2].crop((int(0.1 * w), 0, w, int(0.9 * h))).transpose(Image.Transpose.ROTATE_90)
    query = query_signals(open_image(_jpeg(copy, 80)))
    assert matcher.match(query, geometric_stage=False) == []  # PDQ does not see it
    found = matcher.match(query)
    assert [(m.entry_id, m.stage) for m in found] == [(2, "geometric")]
    assert found[0].inliers >= geometric.MIN_INLIERS
