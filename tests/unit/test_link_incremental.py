"""The pure incremental step: new parties join the one network their exact evidence reaches, never bridge
two, start a network only among two or more online parties, and keep hub values off the links."""

from __future__ import annotations

from countermark.link.evidence import Party
from countermark.link.incremental import attach_increment


def _account(key: str, *values: tuple[str, str], country: str = "FR") -> Party:
    return Party(
        key=key, kind="account", platform="market", handle=key, country=country, values=frozenset(values)
    )


def _parcel(key: str, *values: tuple[str, str], seller: str | None = None) -> Party:
    return Party(key=key, kind="shipment", values=frozenset(values), seller=seller)


RING_MAIL = ("email", "ring@mail.example")
OTHER_MAIL = ("email", "other@mail.example")
KNOWN = [
    _account("a1", RING_MAIL),
    _account("a2", RING_MAIL),
    _account("b1", OTHER_MAIL),
    _account("b2", OTHER_MAIL),
]
STANDING = {"a1": "N-000001", "a2": "N-000001", "b1": "N-000002", "b2": "N-000002"}


def test_a_newcomer_and_its_parcels_join_the_network_its_email_reaches_one_hop_below() -> None:
    phone = ("phone", "+33600000001")
    new = [
        _account("a3", RING_MAIL, phone),
        _parcel("s1", phone),
        _parcel("s2", phone),
        _parcel("s3", seller="a3"),
    ]
    increment = attach_increment(new, KNOWN, STANDING, depths={"a1": 0, "a2": 1}, next_number=3)
    [placement] = increment.placements
    assert (placement.network, placement.created, placement.members) == (
        "N-000001",
        False,
        ("a3", "s1", "s2", "s3"),
    )
    assert placement.tie_in["a3"][1] == 1 and placement.tie_in["s3"][1] == 2
    assert increment.held == [] and increment.next_number == 3


def test_a_newcomer_reaching_two_networks_is_held_and_its_parcel_with_it() -> None:
    new = [_account("x", RING_MAIL, OTHER_MAIL), _parcel("s1", RING_MAIL, OTHER_MAIL)]
    increment = attach_increment(new, KNOWN, STANDING)
    assert increment.placements == [] and increment.held == ["s1", "x"]


def test_newcomers_start_a_network_only_among_online_parties() -> None:
    mail = ("email", "fresh@mail.example")
    lone = ("phone", "+33600000009")
    new = [_account("c1", mail), _account("c2", mail), _account("d1", lone), _parcel("s9", lone)]
    increment = attach_increment(new, KNOWN, STANDING, next_number=7)
    [placement] = increment.placements
    assert (placement.network, placement.created, placement.members) == ("N-000007", True, ("c1", "c2"))
    assert increment.next_number == 8 and placement.score is not None


def test_a_value_that_becomes_a_hub_with_the_newcomers_links_nothing() -> None:
    depot = ("phone", "+33100000000")
    holders = [_account(f"h{n}", depot, country=f"C{n}") for n in range(7)]
    increment = attach_increment([_account("h7", depot)], [*KNOWN, *holders], {**STANDING, "h0": "N-000003"})
    assert increment.placements == [] and depot in increment.hubs
    assert attach_increment([_account("h7", depot)], holders[:2], {"h0": "N-000003"}).placements


def test_the_analysts_word_keeps_a_value_off() -> None:
    increment = attach_increment(
        [_account("a3", RING_MAIL)], KNOWN, STANDING, hub_overrides={RING_MAIL: True}
    )
    assert increment.placements == []
