"""Photo groups read more than the PDQ hash: two photos whose colours differ are two pictures however near
their hashes, even under one hash (PDQ reads luma only), and framed copies of a rights holder's shot join
only when nearly identical (sellers who never met pad one shot alike), and a shape many sellers post in
many colours is a stock picture."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from countermark.fingerprint.colour import colour_signature
from countermark.link.engine import run_linking
from countermark.link.evidence import Party
from countermark.link.photos import (
    DERIVED_THRESHOLD,
    FRAMED,
    PHOTO_THRESHOLD,
    STOCK_HOLDERS,
    photo_groups,
    photo_key,
    photo_values,
    stock_pictures,
)

RNG = random.Random(16)


def _near(hex_hash: str, bits: int, seed: int = 0) -> str:
    value = int(hex_hash, 16)
    for bit in random.Random(seed).sample(range(256), bits):
        value ^= 1 << bit
    return f"{value:064x}"


def _signature(colour: tuple[int, int, int]) -> str:
    img = Image.new("RGB", (200, 200), (230, 230, 232))
    ImageDraw.Draw(img).rounded_rectangle((50, 40, 150, 170), radius=16, fill=colour)
    return colour_signature(img)


RED, BROWN = _signature((190, 35, 40)), _signature((110, 70, 40))
SHOT = f"{RNG.getrandbits(256):064x}"


def test_near_hashes_of_other_colours_are_two_pictures() -> None:
    near = _near(SHOT, 10)
    plain = photo_values({"a": [SHOT], "b": [near]})  # colours unknown: the hash alone decides
    assert plain["a"] == plain["b"]
    parted = photo_values({"a": [photo_key(SHOT, RED)], "b": [photo_key(near, BROWN)]})
    assert parted["a"] != parted["b"]
    alike = photo_values({"a": [photo_key(SHOT, RED)], "b": [photo_key(near, RED)]})
    assert alike["a"] == alike["b"]


def test_one_hash_in_two_colours_is_two_pictures() -> None:
    # PDQ reads luma only: a recolouring that keeps the luma keeps the hash.
    parted = photo_values({"a": [photo_key(SHOT, RED)], "b": [photo_key(SHOT, BROWN)]})
    assert parted["a"] != parted["b"]


def test_a_chain_of_near_hashes_stops_at_a_change_of_colour() -> None:
    first, second, third = (photo_key(_near(SHOT, bits, bits), colour)
                            for bits, colour in ((0, RED), (6, RED), (12, BROWN)))  # fmt: skip
    groups = photo_groups([first, second, third])
    assert groups[first] == groups[second] != groups[third]


def test_framed_copies_of_a_holders_shot_join_only_when_nearly_identical() -> None:
    genuine = f"{RNG.getrandbits(256):064x}"
    # Two sellers each padded the holder's shot: the padded pictures' own hashes are far from the shot's,
    # the hashes inside their frames near it.
    padded = f"{RNG.getrandbits(256):064x}"
    apart, reused = _near(padded, 14, 3), _near(padded, 4, 4)
    assert DERIVED_THRESHOLD < 14 <= PHOTO_THRESHOLD
    insides = {h: _near(genuine, 5, n) for n, h in enumerate((padded, apart, reused))}
    independent = photo_values({"a": [padded], "b": [apart]}, [genuine], insides)
    assert independent["a"] != independent["b"]
    # Without the insides (or when the inside is not a holder's shot) they are one picture, as before.
    pair = {"a": [padded], "b": [apart]}
    assert len({frozenset(v) for v in photo_values(pair, [genuine]).values()}) == 1
    stranger = {h: f"{RNG.getrandbits(256):064x}" for h in insides}
    assert len({frozenset(v) for v in photo_values(pair, [genuine], stranger).values()}) == 1
    # One file a ring reuses, re-encoded: still evidence.
    ring = photo_values({"a": [padded], "b": [reused]}, [genuine], insides)
    assert ring["a"] == ring["b"]
    # It is named as framed copies, so that two such pieces count as one between a party and a group.
    assert all(value.startswith(FRAMED) for _, value in ring["a"])
    assert not any(value.startswith(FRAMED) for _, value in photo_values(pair, [genuine])["a"])


def test_a_shape_many_sellers_post_in_many_colours_is_a_stock_picture() -> None:
    # A plant drawn alike by eight sellers in four colours: each colour group has two posters, too few to
    # be a hub, but the shape (the luma PDQ reads) has eight. It ties nobody; a ring's own shot does.
    colours = [_signature(c) for c in ((40, 150, 60), (190, 35, 40), (30, 60, 150), (220, 200, 40))]
    plant = f"{RNG.getrandbits(256):064x}"
    posted = {f"s{n}": [photo_key(_near(plant, 3, n), colours[n % 4])] for n in range(STOCK_HOLDERS)}
    ring_shot = f"{RNG.getrandbits(256):064x}"
    posted["r0"], posted["r1"] = [photo_key(ring_shot, RED)], [photo_key(_near(ring_shot, 4), RED)]
    found = photo_values(posted)
    assert set(found) == {"r0", "r1"} and found["r0"] == found["r1"]
    assert stock_pictures({key: set(keys) for key, keys in posted.items()}) == {
        _near(plant, 3, n) for n in range(STOCK_HOLDERS)
    }
    # One poster fewer and each colour's pair is evidence again.
    fewer = {key: keys for key, keys in posted.items() if key != "s7"}
    assert photo_values(fewer)["s0"] == photo_values(fewer)["s4"]


def test_the_run_takes_the_traits_and_keeps_two_sellers_of_other_coloured_bags_apart() -> None:
    # Two sellers post two photos each, pairwise within 10 bits: two weak grounds join them, unless one
    # pair is two colours of one template (one ground left).
    other = f"{RNG.getrandbits(256):064x}"
    bag, shot, copy = _near(SHOT, 10), other, _near(other, 3, 5)

    def run(second_bag: str) -> dict[str, str]:
        parties = [
            Party(key="a", kind="account", platform="m", handle="lotus",
                  photos=frozenset({photo_key(SHOT, RED), photo_key(shot, RED)})),
            Party(key="b", kind="account", platform="m", handle="owl",
                  photos=frozenset({photo_key(bag, second_bag), photo_key(copy, RED)})),
        ]  # fmt: skip
        return run_linking(parties, consignor_model=False).member_of

    joined, apart = run(RED), run(BROWN)
    assert joined.get("a") is not None and joined.get("a") == joined.get("b")
    assert apart.get("a") is None or apart.get("a") != apart.get("b")
