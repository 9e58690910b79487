"""Linking accuracy rules on hand-made examples: an e-mail and its slips cut as one borrowed value, a
supplier's handle held by strangers is a hub, a lone party joins the group its weak ties spread over,
marketplace handles with a dot keep their whole name, shots a ring shares tie again once the ring is
found, and a parcel showing a value two rings show is placed in neither."""

from __future__ import annotations

from typing import Any

import pytest

from countermark.link import fuzzy
from countermark.link.engine import group_lines, run_linking, same_number
from countermark.link.evidence import Link, Party
from countermark.link.hubs import detect_hubs, holders_of
from countermark.link.networks import (
    components,
    cut_borrowed_values,
    evidence_families,
    group_corroborated,
    usable_links,
)
from countermark.link.photos import FRAMED


def _account(key: str, *values: tuple[str, str], platform: str = "Bazario", **extra: Any) -> Party:
    return Party(key=key, kind="account", platform=platform, country="CN", values=frozenset(values), **extra)


def _ring(prefix: str, size: int, value: str) -> list[Link]:
    return [
        Link(f"{prefix}{i}", f"{prefix}{i + 1}", "exact:phone", value, True, basis=(f"phone:{value}",))
        for i in range(size - 1)
    ]


def test_an_email_and_its_slips_are_one_piece_of_evidence() -> None:
    exact = Link("a", "b", "exact:email", "gold@x.com", True, basis=("email:gold@x.com",))
    slip = Link(
        "b", "c", "fuzzy:email_typo", "gold ~ glod", True, basis=("email:gold@x.com", "email:glod@x.com")
    )
    other = Link("c", "d", "exact:phone", "+86", True, basis=("phone:+86",))
    families = evidence_families([exact, slip, other])
    assert sorted(len(f) for f in families) == [1, 2]
    assert Link("a", "b", "x", "detail", True).grounds() == ("x detail",)


def test_two_groups_bridged_by_an_email_and_its_slips_are_cut_apart() -> None:
    # One group's own address (held twice on its side) and the slips of it other members wrote.
    bridge = [
        Link("g0", "h0", "exact:email", "gold@x.com", True, basis=("email:gold@x.com",)),
        Link("g1", "h0", "exact:email", "gold@x.com", True, basis=("email:gold@x.com",)),
        Link("g2", "h1", "fuzzy:email_typo", "s", True, basis=("email:gold@x.com", "email:glod@x.com")),
    ]
    links = [*_ring("g", 6, "pg"), *_ring("h", 6, "ph"), *bridge]
    keys = [f"g{i}" for i in range(6)] + [f"h{i}" for i in range(6)]
    cluster = components(keys, links)[0]
    pieces = sorted(c.members for c in cut_borrowed_values(cluster))
    assert pieces == [tuple(f"g{i}" for i in range(6)), tuple(f"h{i}" for i in range(6))]


def test_a_rare_line_a_pair_shares_with_a_ring_stays_when_two_of_its_shots_tie_them_too() -> None:
    # Training world 106: two shops of a ring of 26, tied to each other by three shots, write its rare
    # line (one link) and share two more of its shots with several of its shops (weak links, set aside
    # since each ties one pair of shops only). Alone the line looks borrowed; with the shots it is theirs.
    ring = [
        *_ring("r", 6, "pr"),
        Link("r0", "r5", "exact:email", "m", True, basis=("email:m",)),
        Link("r0", "r3", "exact:email", "n", True, basis=("email:n",)),
    ]
    pair = [Link("p0", "p1", "exact:photo", "own shot", True, basis=("photo:own",))]
    line = [Link("p0", "r3", "text:bio_line", "reused line", True, basis=("line:warehouse",))]
    shots = [
        Link("p1", "r1", "exact:photo", "h1", False, basis=("photo:h1",)),
        Link("p1", "r2", "exact:photo", "h1", False, basis=("photo:h1",)),
        Link("p0", "r4", "exact:photo", "h2", False, basis=("photo:h2",)),
    ]
    keys = [f"r{i}" for i in range(6)] + ["p0", "p1"]
    cluster = components(keys, [*ring, *pair, *line])[0]
    assert len(cluster.members) == 8
    assert [len(c.members) for c in cut_borrowed_values(cluster, aside=shots)] == [8]
    # One shot is one piece: the line is cut as before, and so it is with no shot set aside.
    for aside in (shots[:2], []):
        pieces = sorted(c.members for c in cut_borrowed_values(cluster, aside=aside))
        assert pieces == [("p0", "p1"), tuple(f"r{i}" for i in range(6))]


def test_a_borrowed_email_read_again_as_its_name_on_several_domains_is_still_cut() -> None:
    # Fresh world 162: a pair of one ring shows goldenstarkf@mail.ru, the e-mail (and a slip) of a ring
    # of 25; the same address also reads as the name goldenstarkf on several domains (weak links, set
    # aside). That is the value again, not a second piece beside the one other weak tie: it is cut.
    ring = [Link(f"r{i}", f"r{i + 1}", "exact:phone", "p", True, basis=(f"phone:+86{i}",)) for i in range(5)]
    ring += [
        Link("r0", "r5", "exact:email", "m", True, basis=("email:m@x.com",)),
        Link("r1", "r4", "exact:email", "k", True, basis=("email:goldenstarkf@mail.ru",)),
    ]
    pair = [Link("p0", "p1", "exact:email", "own", True, basis=("email:huangjun@yahoo.com",))]
    bridge = [
        Link("p0", "r1", "exact:email", "g", True, basis=("email:goldenstarkf@mail.ru",)),
        Link("p0", "r4", "exact:email", "g", True, basis=("email:goldenstarkf@mail.ru",)),
    ]
    same_name = [
        Link("p0", "r2", "fuzzy:email_local", "goldenstarkf@…", False, basis=("name:goldenstarkf",)),
        Link("p0", "r3", "fuzzy:email_local", "goldenstarkf@…", False, basis=("name:goldenstarkf",)),
        # and one piece of its own: a common name on two domains (huangjun@yahoo.com, huangjun@qq.com)
        Link("p1", "r5", "fuzzy:email_local", "huangjun@…", False, basis=("name:huangjun",)),
    ]
    other = Link("p1", "r5", "exact:photo", "h1", False, basis=("photo:h1",))
    keys = [f"r{i}" for i in range(6)] + ["p0", "p1"]
    cluster = components(keys, [*ring, *pair, *bridge])[0]
    expected = [("p0", "p1"), tuple(f"r{i}" for i in range(6))]
    assert sorted(c.members for c in cut_borrowed_values(cluster, aside=same_name)) == expected
    # Two pieces of other kinds and names still keep them together.
    kept = [*same_name, other, Link("p1", "r2", "exact:template", "t", False, basis=("template:t",))]
    assert [len(c.members) for c in cut_borrowed_values(cluster, aside=kept)] == [8]


def test_a_number_and_its_whatsapp_handle_are_one_piece_and_cut_together() -> None:
    # Training world 112: one shop of a ring of 8 and one of a ring of 3 show an agent's number, as a
    # phone and as a WhatsApp handle; as two pieces, cutting either left the other and the rings merged.
    assert same_number(("messaging_handle", "whatsapp:+905565769074")) == ("phone:+905565769074",)
    assert same_number(("messaging_handle", "telegram:meida_outlet288")) == ()
    assert same_number(("phone", "+905565769074")) == ()
    def ring(prefix: str, *trios: tuple[int, int, int]) -> list[set[tuple[str, str]]]:
        values: list[set[tuple[str, str]]] = [set() for _ in range(max(max(t) for t in trios) + 1)]
        for n, trio in enumerate(trios):
            for i in trio:
                values[i].add(("email", f"{prefix}{n}@mail.cn"))
        return values

    agent = {("phone", "+905565769074"), ("messaging_handle", "whatsapp:+905565769074")}
    big = ring("eight", (0, 1, 2), (2, 3, 4), (4, 5, 6), (6, 7, 0))  # 12 pairs: an established ring
    small = ring("three", (0, 1, 2))
    big[0] |= agent
    small[0] |= agent
    parties = [_account(f"g{i}", *v) for i, v in enumerate(big)]
    parties += [_account(f"h{i}", *v) for i, v in enumerate(small)]
    run = run_linking(parties)
    assert run.member_of["g1"] == run.member_of["g0"] != run.member_of["h0"] == run.member_of["h1"]


def test_a_handle_held_by_four_strangers_is_a_hub_and_a_networks_own_is_not() -> None:
    supplier = ("messaging_handle", "wechat:factory_291")
    own = ("messaging_handle", "wechat:ring_12")
    parties = [
        _account("n1", supplier, ("phone", "+861")),
        _account("n2", supplier, ("phone", "+861")),
        _account("m1", supplier, ("phone", "+862")),
        _account("honest", supplier),
        # A ring's own handle: its four holders are tied by their other values.
        _account("r1", own, ("email", "r@x.cn")),
        _account("r2", own, ("email", "r@x.cn"), ("phone", "+863")),
        _account("r3", own, ("phone", "+863"), ("iban", "FR76")),
        _account("r4", own, ("iban", "FR76")),
    ]
    hubs = detect_hubs(holders_of(parties))
    assert supplier in hubs and "groups" in hubs[supplier].reason
    assert own not in hubs
    run = run_linking(parties)
    assert run.member_of.get("honest") is None
    assert run.member_of.get("m1") is None
    assert run.member_of["r1"] == run.member_of["r4"]


def test_a_lone_party_joins_a_group_its_weak_ties_spread_over() -> None:
    inside = _ring("g", 3, "pg")
    shot = Link("lone", "g0", "exact:photo", "photo 1", False, basis=("photo:1",))
    stem = Link("lone", "g2", "fuzzy:handle", "handle stem 'kickshappy'", False)
    keys = ["g0", "g1", "g2", "lone"]
    assert [c.members for c in components(keys, group_corroborated(keys, [*inside, shot, stem]))] == [
        ("g0", "g1", "g2", "lone")
    ]


def test_a_lone_party_whose_weak_ties_strangers_share_too_joins_nobody() -> None:
    """Training world 83: an honest shop (`star_luckyshop`) posting a shot one member of a ring of 40 and
    an honest stranger also post, whose handle stem `starlucky` reads in another member's handle and in
    another stranger's: two pieces, each pointing at the ring and at someone else as much."""
    inside = _ring("g", 3, "pg")
    shot = Link("lone", "g0", "exact:photo", "photo 1", False, basis=("photo:1",))
    stem = Link("lone", "g2", "fuzzy:handle", "handle stem 'starlucky'", False)
    keys = ["g0", "g1", "g2", "lone", "s1", "s2"]
    joined = [("g0", "g1", "g2", "lone")]
    assert [c.members for c in components(keys, group_corroborated(keys, [*inside, shot, stem]))] == joined
    also_shot = Link("lone", "s1", "exact:photo", "photo 1", False, basis=("photo:1",))
    also_stem = Link("lone", "s2", "fuzzy:handle", "handle stem 'starlucky'", False)
    links = [*inside, shot, stem, also_shot, also_stem]
    assert [c.members for c in components(keys, group_corroborated(keys, links))] == [("g0", "g1", "g2")]
    # One piece shared with a stranger leaves one piece: no join either; a piece held within the group
    # twice over (the shot posted by two members) still points at the group alone.
    links = [*inside, shot, stem, also_shot]
    assert [c.members for c in components(keys, group_corroborated(keys, links))] == [("g0", "g1", "g2")]
    twice = Link("lone", "g1", "exact:photo", "photo 1", False, basis=("photo:1",))
    links = [*inside, shot, twice, stem]
    assert [c.members for c in components(keys, group_corroborated(keys, links))] == joined
    # World 77: the "stranger" is a shop of the ring that joins it on pieces of its own: no stranger.
    own = Link("s2", "g1", "exact:photo", "photo 2", False, basis=("photo:2",))
    own_stem = Link("s2", "g0", "fuzzy:handle", "handle stem 'starlucky'", False)
    links = [*inside, shot, stem, also_stem, own, own_stem]
    found = sorted(c.members for c in components(keys, group_corroborated(keys, links)))
    assert found == [("g0", "g1", "g2", "lone", "s2")]
    # World 91: a ring's shop whose stem another ring's shop's handle also reads still joins its own ring
    # on the stem and a shot (the other ring gets one piece only).
    other = _ring("h", 2, "ph")
    keys = ["g0", "g1", "g2", "h0", "h1", "lone"]
    to_other = Link("lone", "h0", "fuzzy:handle", "handle stem 'starlucky'", False)
    links = [*inside, *other, shot, stem, to_other]
    found = sorted(c.members for c in components(keys, group_corroborated(keys, links)))
    assert found == [*joined, ("h0", "h1")]


def test_framed_copies_of_genuine_shots_count_as_one_piece_between_a_lone_party_and_a_group() -> None:
    """Training world 95: an honest web shop padding two of a brand's shots as two shops of a ring of 30
    had padded them (within 8 bits each): two pieces by count, one by what they show."""
    inside = _ring("g", 3, "pg")
    keys = ["g0", "g1", "g2", "lone"]

    def shot(member: str, name: str) -> Link:
        return Link("lone", member, "exact:photo", f"photo {name}", False, basis=(f"photo:{name}",))

    framed = [shot("g0", f"{FRAMED}a"), shot("g2", f"{FRAMED}b")]
    alone = [c.members for c in components(keys, group_corroborated(keys, [*inside, *framed]))]
    assert alone == [("g0", "g1", "g2")]
    # A framed copy and a shot of the ring's own (or a stem) are two pieces.
    links = [*inside, framed[0], shot("g1", "c")]
    assert [c.members for c in components(keys, group_corroborated(keys, links))] == [(*keys,)]


def test_framed_copies_of_genuine_shots_count_as_one_piece_between_two_parties() -> None:
    """Fresh world 147: an honest reseller and a lone counterfeiter padded the same two shots of a brand
    (within 8 bits each): two framed groups in common tied them pairwise, and the reseller was counted in
    a counterfeit network."""

    def shot(name: str, b: str = "counterfeiter") -> Link:
        return Link("reseller", b, "exact:photo", f"photo {name}", False, basis=(f"photo:{name}",))

    keys = ["counterfeiter", "reseller"]
    framed = [shot(f"{FRAMED}a"), shot(f"{FRAMED}b")]
    assert usable_links(framed) == []
    assert components(keys, group_corroborated(keys, framed)) == []
    # A framed copy beside a shot of their own (or two shots of their own) still ties them.
    assert len(usable_links([framed[0], shot("c")])) == 2
    assert len(usable_links([shot("c"), shot("d")])) == 2


def test_one_weak_tie_or_the_same_shot_twice_joins_nobody() -> None:
    inside = _ring("g", 3, "pg")
    shot = Link("lone", "g0", "exact:photo", "photo 1", False, basis=("photo:1",))
    again = Link("lone", "g1", "exact:photo", "photo 1", False, basis=("photo:1",))
    keys = ["g0", "g1", "g2", "lone"]
    assert [c.members for c in components(keys, group_corroborated(keys, [*inside, shot, again]))] == [
        ("g0", "g1", "g2")
    ]


def test_a_lone_party_weakly_tied_to_two_groups_joins_neither() -> None:
    links = [*_ring("g", 3, "pg"), *_ring("h", 3, "ph")]
    for group in "gh":
        links.append(
            Link("lone", f"{group}0", "exact:photo", f"photo {group}", False, basis=(f"photo:{group}",))
        )
        links.append(Link("lone", f"{group}1", "fuzzy:handle", f"stem {group}", False))
    keys = ["g0", "g1", "g2", "h0", "h1", "h2", "lone"]
    members = sorted(c.members for c in components(keys, group_corroborated(keys, links)))
    assert members == [("g0", "g1", "g2"), ("h0", "h1", "h2")]


def test_two_groups_with_weak_ties_between_them_stay_apart() -> None:
    links = [*_ring("g", 3, "pg"), *_ring("h", 3, "ph")]
    links.append(Link("g0", "h0", "exact:photo", "photo 1", False, basis=("photo:1",)))
    links.append(Link("g1", "h1", "fuzzy:handle", "stem", False))
    keys = ["g0", "g1", "g2", "h0", "h1", "h2"]
    assert len(components(keys, group_corroborated(keys, links))) == 2


def test_a_marketplace_handle_with_a_dot_keeps_its_whole_name() -> None:
    assert (
        fuzzy.handle_stem("dream.luckyofficial") == fuzzy.handle_stem("dream_luckyofficial") == "dreamlucky"
    )
    assert fuzzy.handle_stem("kopex-outlet.top", domain=True) == "kopex"
    parties = [
        _account("a", handle="dream.luckyofficial"),
        _account("b", handle="dream_luckyofficial"),
        _account("c", handle="dream.fashion"),
    ]
    assert [(link.a, link.b) for link in fuzzy.handle_links(parties)] == [("a", "b")]


def _parcel(key: str, *values: tuple[str, str], **extra: Any) -> Party:
    return Party(key=key, kind="shipment", name="Yiwu Bright Trading", values=frozenset(values), **extra)


def test_every_parcel_showing_an_accounts_contact_is_tied_to_that_account() -> None:
    phone, mail = ("phone", "+8613800000000"), ("email", "bright@x.cn")
    parties = [_account("n1", phone, mail), _account("n2", phone)]
    parties += [_parcel(f"a-parcel-{i:02d}", mail) for i in range(12)]  # more holders than a star's cut
    run = run_linking(parties, consignor_model=False)
    assert {run.member_of.get(f"a-parcel-{i:02d}") for i in range(12)} == {run.member_of["n1"]}


@pytest.mark.parametrize("first", ["a-ring", "z-ring"])
def test_a_parcel_showing_two_rings_value_joins_neither_whichever_is_numbered_first(first: str) -> None:
    # A supplier's phone on one account of one ring and two of another, and on a dozen parcels: more
    # holders than a star's cut. Each parcel is tied to both rings, so it is placed in neither, whatever
    # the order of the accounts' keys (the store numbers them in the order it ingested them).
    supplier = ("phone", "+8615840446605")
    second = "z-ring" if first == "a-ring" else "a-ring"
    parties = [
        _account(f"{first}-1", supplier, ("email", "one@ring.cn")),
        _account(f"{first}-2", ("email", "one@ring.cn")),
        _account(f"{second}-1", supplier, ("email", "two@ring.cn")),
        _account(f"{second}-2", supplier, ("email", "two@ring.cn")),
    ]
    parties += [_parcel(f"parcel-{i:02d}", supplier) for i in range(12)]
    run = run_linking(parties, consignor_model=False)
    assert run.member_of[f"{first}-1"] != run.member_of[f"{second}-1"]
    assert not any(f"parcel-{i:02d}" in run.member_of for i in range(12))


def test_an_unplaced_sender_follows_its_match_and_one_at_a_shared_address_does_not() -> None:
    from countermark.link.engine import attach_shipments
    from countermark.link.networks import Cluster

    network = Cluster(("n1", "n2"), (Link("n1", "n2", "exact:phone", "p", True),))
    border = [Link("placed", "n1", "exact:email", "bright@x.cn", True)]
    contact = [Link("own-1", "own-2", "exact:phone", "+8613900000000", True)]  # one sender's two parcels
    match = "splink:consignor"
    matches = [
        Link("silent", "placed", match, "same sender", True),
        Link("own-1", "placed", match, "same sender", True),
        Link("at-depot", "placed", match, "same name, the forwarder's address", True),
    ]
    clusters = attach_shipments(
        [network], border, {"n1", "n2"}, contact, matches=matches, remote={"at-depot"}
    )
    assert clusters[0].members == ("n1", "n2", "own-1", "own-2", "placed", "silent")


def test_a_parcel_matching_two_networks_joins_neither() -> None:
    from countermark.link.engine import attach_shipments
    from countermark.link.networks import Cluster

    first = Cluster(("n1", "n2"), ())
    second = Cluster(("m1", "m2"), ())
    border = [Link("p1", "n1", "seller_id", "n1", True), Link("p2", "m1", "seller_id", "m1", True)]
    matches = [
        Link("silent", "p1", "splink:consignor", "x", True),
        Link("silent", "p2", "splink:consignor", "x", True),
    ]
    clusters = attach_shipments([first, second], border, {"n1", "n2", "m1", "m2"}, matches=matches)
    assert [c.members for c in clusters] == [("n1", "n2", "p1"), ("m1", "m2", "p2")]


def test_a_silent_parcel_joins_the_network_whose_premises_it_names_and_no_other() -> None:
    from countermark.link.engine import attach_shipments
    from countermark.link.networks import Cluster

    first = Cluster(("n1", "n2"), ())
    second = Cluster(("m1", "m2"), ())
    border = [Link("p1", "n1", "seller_id", "n1", True), Link("p2", "m1", "seller_id", "m1", True),
              Link("p3", "n2", "seller_id", "n2", True)]  # fmt: skip
    ring = "Room 201, Block B, Baoneng Center, Tianhe District, Guangzhou 510038"
    shared = "Flat 8, 2/F, Hongfa Industrial Park, Kwun Tong, Kowloon"  # written by parcels of both
    addresses = {
        "p1": ring, "p2": shared, "p3": shared,
        "silent": "RM201 BLK B BAONENG CENTER TIANHE GUANGZHOU 510038",  # the ring's room, another form
        "next-door": "Room 202, Block B, Baoneng Center, Tianhe District, Guangzhou 510038",
        "at-depot": "201, Block B, Bao Neng Center, Tianhe Dist., Guangzhou 510038",
        "both": "FLAT 8 2F HONGFA INDUSTRIAL PARK KWUN TONG KLN",  # premises of two networks' parcels
    }  # fmt: skip
    clusters = attach_shipments(
        [first, second], border, {"n1", "n2", "m1", "m2"}, remote={"at-depot"}, addresses=addresses
    )
    assert clusters[0].members == ("n1", "n2", "p1", "p3", "silent")
    assert clusters[1].members == ("m1", "m2", "p2")
    why = [link for link in clusters[0].links if link.evidence == "premises"]
    assert [(link.a, link.b) for link in why] == [("silent", "p1")]
    assert why[0].detail == f"same premises: {ring}"


def test_a_parcel_placed_by_resemblance_vouches_for_no_premises() -> None:
    from countermark.link.engine import attach_shipments
    from countermark.link.networks import Cluster

    ring = Cluster(("n1", "n2"), ())
    border = [Link("p1", "n1", "seller_id", "n1", True)]
    street = "No. 80 Xixiang Road, Bao'an District, Shenzhen 518102"  # a street honest senders write too
    addresses = {"p1": "Room 201, Block B, Baoneng Center, Tianhe District, Guangzhou 510038",
                 "matched": street, "neighbour": "No.80 Xixiang Rd, Baoan, Shenzhen 518102"}  # fmt: skip
    matches = [Link("matched", "p1", "splink:consignor", "same sender", True)]
    (cluster,) = attach_shipments([ring], border, {"n1", "n2"}, matches=matches, addresses=addresses)
    assert "matched" in cluster.members and "neighbour" not in cluster.members


def test_an_address_many_senders_write_is_shared_and_a_rings_own_is_not() -> None:
    from countermark.link.depots import DEPOT_NAMES, address_form, sent_from_shared

    depot = "c/o FastLink Logistics, Unit {n}, Bldg 3, Pinghu Logistics Park, Shenzhen 518111"
    parcels = [
        Party(key=f"d{n}", kind="shipment", name=f"Sender {chr(65 + n % 26)}{n}", address=depot.format(n=n))
        for n in range(DEPOT_NAMES)
    ]
    parcels.append(
        Party(key="typo", kind="shipment", name="Other", address=depot.format(n=1).replace("Fast", "Fost"))
    )
    ring = [
        Party(
            key=f"r{n}",
            kind="shipment",
            name=f"Yiwu Bright {n % 3}",
            address=f"Room {n}, Block E, Huaqiang Plaza",
        )
        for n in range(60)
    ]
    assert address_form("RM362 BLK E, Huaqiang 322044") == "blk e huaqiang"
    found = sent_from_shared([*parcels, *ring])
    assert {f"d{n}" for n in range(DEPOT_NAMES)} | {"typo"} == found


def test_a_bio_line_naming_a_hubs_handle_links_nobody() -> None:
    advert = "Supplier / dropshipping: add yiwudrop11 on WeChat, worldwide"
    signature = "Hand-picked luxury at wholesale prices since 2009, ask us"
    parties = [_account("a", lines=(advert, signature)), _account("b", lines=(advert, signature))]
    parties += [_account("c", lines=(advert,))]
    hubs = [("messaging_handle", "wechat:yiwudrop11")]
    assert [(link.a, link.b) for link in fuzzy.line_links(parties, hubs=hubs)] == [("a", "b")]
    assert len(fuzzy.line_links(parties)) == 3  # without the hub, the advert ties all three


def test_a_bio_line_naming_a_hubs_number_in_another_form_links_nobody() -> None:
    """Seed 51: a forwarder's landline, a hub, written in its national form in two bios ("0579 5020 2028"
    for +86 579 5020 2028) tied an honest shop to a ring as a reused line. A number that only shares
    digits at its start with the hub's is still a line."""
    advert = "Shipping agent: 0579 5020 2028, all parcels tracked"
    other = "Shipping agent: 0579 5020 9999, all parcels tracked"
    hubs = [("phone", "+8657950202028")]
    parties = [_account("a", lines=(advert,)), _account("b", lines=(advert,))]
    assert fuzzy.line_links(parties, hubs=hubs) == []
    assert len(fuzzy.line_links(parties)) == 1  # without the hub, the line ties them
    strangers = [_account("c", lines=(other,)), _account("d", lines=(other,))]
    assert len(fuzzy.line_links(strangers, hubs=hubs)) == 1


def test_shots_a_rings_shops_share_tie_again_once_the_run_finds_the_ring() -> None:
    """Seeds 23 and 27: two shots posted by three shops of a ring and by a fourth shop of it, taken off the
    links as held by four parties nothing else ties; the three are then tied by their own reused line, so
    the shots are the ring's and the fourth joins on the two of them. Strangers sharing two stock shots stay
    apart: their shots stay hubs."""
    own = "Stock in Chengxiang Kaixin, dropshipping supported"
    shots = (("photo", "g1"), ("photo", "g2"))
    parties = [_account(f"r{i}", *shots, lines=(own,)) for i in range(3)] + [_account("stray", *shots)]
    stock = (("photo", "s1"), ("photo", "s2"))
    parties += [_account(f"s{i}", *stock) for i in range(4)]
    hubs = detect_hubs(holders_of(parties))
    assert all(hubs[value].scattered for value in (*shots, *stock))
    run = run_linking(parties)
    assert run.member_of.get("stray") == run.member_of["r0"] == run.member_of["r2"]
    assert not any(value in run.hubs for value in shots)
    assert all(value in run.hubs for value in stock)
    assert not any(f"s{i}" in run.member_of for i in range(4))


def test_a_line_most_of_whose_writers_are_one_ring_ties_a_lone_writer_to_it() -> None:
    """Seed 18: eight shops of a ring of 40 write "Stock in Baiyun Longsheng - 10 years experience, contact
    for catalogue #783", too many writers to count as text; a ninth, tied by nothing else than a shot it
    shares with one of them, stayed out. Seeds 65 and 69: lone writers tied by nothing else at all. The
    ring's signature ties its lone writers. Strangers writing one stock line stay apart."""
    signature = "Stock in Baiyun Longsheng - 10 years experience, contact for catalogue #783"
    shot = ("photo", "g1")

    def ring(*extra: tuple[str, str]) -> list[Party]:
        chain = [(("phone", f"+86{i}"), ("phone", f"+86{i + 1}"), *(extra * (i == 1))) for i in range(5)]
        return [_account(f"r{i}", *ties, lines=(signature,)) for i, ties in enumerate(chain)]

    stock = "Genuine goods sourced from Asian distributors, 100% authentic"
    strangers = [_account(f"s{i}", *([("photo", "g2")] if i < 2 else []), lines=(stock,)) for i in range(5)]
    run = run_linking([*ring(shot), _account("stray", shot, lines=(signature,)), *strangers])
    assert run.member_of.get("stray") == run.member_of["r0"] == run.member_of["r4"]
    assert not any(f"s{i}" in run.member_of for i in range(5))
    # The line alone ties it: no second piece is needed.
    alone = run_linking([*ring(), _account("stray", lines=(signature,)), *strangers])
    assert alone.member_of.get("stray") == alone.member_of["r0"] == alone.member_of["r4"]
    # Nor when the signature is a template's, made of words many parties write (seed 65: "Office:
    # Longgang Hengda - 10 years experience, contact for catalogue #327", where ten parties of two rings
    # write Hengda): it is no evidence between its writers, but a lone writer of the ring's still joins.
    words = "Office Longgang Hengda years experience contact for catalogue"
    fillers = [_account(f"f{i}", lines=(f"{words} filler{i} number {i}",)) for i in range(10)]
    template = "Office: Longgang Hengda - 10 years experience, contact for catalogue #327"

    def template_ring() -> list[Party]:
        return [_account(p.key, *p.values, lines=(template,)) for p in ring()]

    parties = [*template_ring(), _account("stray", lines=(template,)), *fillers]
    joined = run_linking(parties)
    assert joined.member_of.get("stray") == joined.member_of["r0"] == joined.member_of["r4"]
    assert not any(f"f{i}" in joined.member_of for i in range(10))
    # Two lone writers and two of a ring: the ring writes no more than half of it, so it is no one's.
    lone = [_account(key, lines=(template,)) for key in ("x", "y")]
    split = run_linking([*template_ring()[:2], *lone, *fillers])
    assert "x" not in split.member_of and "y" not in split.member_of


def test_a_small_group_all_of_whose_members_write_a_rings_signature_joins_the_ring() -> None:
    """Training world 88: two shops of a ring of 40, tied to each other by three shots and to nobody
    else, both writing the ring's signature line ("Warehouse in Bao'an Yongli - 10 years experience,
    contact for catalogue #572") with eight of its shops: as lone as a lone writer."""
    line = "warehouse in bao an yongli 10 years experience contact for catalogue 572"
    ring = {f"r{i}": 0 for i in range(8)}
    pair = {"p0": 1, "p1": 1}
    links = group_lines({line: {*ring, *pair}}, {**ring, **pair}, set())
    assert {(link.a, link.b) for link in links} == {(p, r) for p in pair for r in ring}
    assert all(link.strong for link in links)
    # One of the pair not writing it: the pair is no lone writer; nor a group of four all writing it.
    assert not group_lines({line: {*ring, "p0"}}, {**ring, **pair}, set())
    four = {f"q{i}": 2 for i in range(4)}
    assert not group_lines({line: {*ring, *four}}, {**ring, **four}, set())
    # Nor when the ring writes no more than half of the line, or the pair is an authorised seller's.
    half = {f"r{i}": 0 for i in range(2)}
    assert not group_lines({line: {*half, *pair}}, {**half, **pair}, set())
    assert not group_lines({line: {*ring, *pair}}, {**ring, **pair}, {"p0", "p1"})
