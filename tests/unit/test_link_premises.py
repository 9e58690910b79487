"""A sender's premises under the forms declarations write them: one place, or two."""

from __future__ import annotations

from countermark.link.premises import premises_matches, premises_of, same_premises

FORMS = [
    "Room 201, Block B, Baoneng Center, Tianhe District, Guangzhou, Guangdong 510038",
    "RM201 BLK B BAONENG CENTER TIANHE GUANGZHOU 510038",
    "201, Block B, Bao Neng Center, Tianhe Dist., Guangzhou 510038",
    "Baoneng Center B-201, Tianhe, Guangzhou, Guangdong, China",
]


def _same(a: str, b: str) -> bool:
    first, second = premises_of(a), premises_of(b)
    assert first is not None and second is not None
    return same_premises(first, second)


def test_one_room_written_four_ways_is_one_place() -> None:
    for form in FORMS[1:]:
        assert _same(FORMS[0], form), form
        assert _same(form, FORMS[0]), form


def test_another_room_another_postcode_or_another_building_is_not() -> None:
    assert not _same(FORMS[0], "Room 418, Block B, Baoneng Center, Tianhe District, Guangzhou 510038")
    assert not _same(FORMS[0], "Room 201, Block B, Baoneng Center, Futian District, Shenzhen 518048")
    assert not _same(FORMS[0], "Room 201, Block A, Hongfa Industrial Park, Tianhe District, Guangzhou 510038")


def test_an_address_naming_too_little_is_no_premises() -> None:
    assert premises_of("Guangzhou") is None
    assert premises_of("Baoneng Center, Tianhe District, Guangzhou") is None  # no room, no house number
    assert premises_of("12 Rue A") is None  # a number, but too few letters to say where


def test_matches_pair_each_open_address_with_the_placed_ones_of_its_premises() -> None:
    placed = {"p1": FORMS[0], "p2": "RM415 BLK A HONGFA INDUSTRIAL PARK TIANHE GUANGZHOU 510040"}
    unplaced = {
        "u1": FORMS[2],
        "u2": "415, Block A, Hongfa Industrial Park, Tianhe Dist., Guangzhou 510040",
        "u3": "Flat 1377, 13/F, Tianan Cyber Park, Mong Kok, Kowloon, Hong Kong",
    }
    assert sorted(premises_matches(unplaced, placed)) == [("u1", "p1"), ("u2", "p2")]
