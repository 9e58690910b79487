"""The pure linking engine: hubs, exact and fuzzy links, corroboration, networks, stable ids, chains."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from countermark.link import fuzzy
from countermark.link.engine import run_linking
from countermark.link.evidence import Link, Party
from countermark.link.hubs import detect_hubs, holders_of
from countermark.link.networks import Cluster, chains, components, stable_ids, usable_links


def _account(
    key: str, *values: tuple[str, str], platform: str = "Bazario", country: str = "CN", **extra: Any
) -> Party:
    return Party(
        key=key, kind="account", platform=platform, country=country, values=frozenset(values), **extra
    )


def test_a_value_held_across_platforms_and_countries_is_a_hub_and_links_nobody() -> None:
    hub = ("email", "service@forwarder.example")
    parties = [
        _account(f"a{i}", hub, platform=p, country=c)
        for i, (p, c) in enumerate(
            [("Bazario", "CN"), ("Trendora", "FR"), ("web", "DE"), ("Bazario", "HK"), ("web", "CN")]
        )
    ]
    parties += [_account("n1", ("phone", "+861"), hub), _account("n2", ("phone", "+861"))]
    hubs = detect_hubs(holders_of(parties))
    assert hub in hubs and "platforms" in hubs[hub].reason
    run = run_linking(parties)
    assert run.member_of.get("a0") is None
    assert run.member_of["n1"] == run.member_of["n2"]


def test_the_analysts_word_overrides_the_rule() -> None:
    value = ("phone", "+33100000000")
    parties = [_account("x", value), _account("y", value)]
    assert value in detect_hubs(holders_of(parties), {value: True})
    run = run_linking(parties, hub_overrides={value: True})
    assert run.networks == []


def test_weak_links_count_only_when_two_pieces_corroborate() -> None:
    lone = Link("a", "b", "fuzzy:handle", "stem", strong=False)
    assert usable_links([lone]) == []
    second = Link("b", "a", "fuzzy:email_local", "local", strong=False)
    assert len(usable_links([lone, second])) == 2
    repeated = Link("a", "b", "fuzzy:handle", "stem", strong=False)
    assert usable_links([lone, repeated]) == []
    other_value = Link("a", "b", "fuzzy:handle", "other stem", strong=False)
    assert len(usable_links([lone, other_value])) == 2


def test_components_and_chains() -> None:
    links = [Link("a", "b", "exact:email", "e", True), Link("b", "c", "exact:phone", "p", True)]
    clusters = components(["a", "b", "c", "d"], links)
    assert [c.members for c in clusters] == [("a", "b", "c")]
    paths = chains(clusters[0], "a")
    assert [link.evidence for link in paths["c"]] == ["exact:email", "exact:phone"]


def test_a_network_keeps_its_id_when_members_join_and_the_larger_part_keeps_it_on_a_split() -> None:
    previous = {"a": "N-000001", "b": "N-000001", "c": "N-000001", "x": "N-000002"}
    grown = [Cluster(("a", "b", "c", "d"), ()), Cluster(("x", "y"), ())]
    ids, following = stable_ids(grown, previous, 3)
    assert ids == {0: "N-000001", 1: "N-000002"} and following == 3
    split = [Cluster(("c",), ()), Cluster(("a", "b"), ())]
    ids, following = stable_ids(split, previous, 3)
    assert ids[1] == "N-000001" and ids[0] == "N-000003" and following == 4


def test_email_slips_and_handle_stems() -> None:
    parties = [
        _account("a", ("email", "longsheng.trade@163.com"), handle="kicks_happy"),
        _account("b", ("email", "longshen.trade@163.com"), handle="thekickshappy22"),
        _account("c", ("email", "longsheng.trade@gmail.com"), handle="somebody"),
    ]
    typos = fuzzy.email_links(parties)
    assert {(link.a, link.b, link.evidence) for link in typos} >= {
        ("a", "b", "fuzzy:email_typo"),
        ("a", "c", "fuzzy:email_local"),
    }
    assert fuzzy.handle_stem("thekickshappy22") == fuzzy.handle_stem("kicks_happy") == "kickshappy"
    assert [(link.a, link.b) for link in fuzzy.handle_links(parties)] == [("a", "b")]


def test_a_rare_reused_bio_line_links_but_boilerplate_does_not() -> None:
    signature = "Hand-picked luxury at wholesale prices since 2009, ask us"
    common = "New arrivals every week, worldwide shipping for everyone"
    parties = [_account(k, lines=(signature if k in "ab" else "x", common)) for k in "abcde"]
    links = fuzzy.line_links(parties)
    assert [(link.a, link.b) for link in links] == [("a", "b")]


def test_domain_families_skip_the_marks_name() -> None:
    shops = [
        Party(key=k, kind="shop", platform="web", handle=h)
        for k, h in [
            ("s1", "lunavelle-outlet.top"),
            ("s2", "lunavelle-sale3.shop"),
            ("s3", "kopex-store.com"),
            ("s4", "kopex-eu.vip"),
        ]
    ]
    found = {(link.a, link.b) for link in fuzzy.domain_family_links(shops, ["Lunavelle"])}
    assert found == {("s3", "s4")}


def test_an_authorised_sellers_group_is_one_operator_not_a_network() -> None:
    care = ("email", "care@brand.example")
    parties = [
        _account("store", care, authorised_for=frozenset({"brand"})),
        _account("web", care, platform="web"),
    ]
    run = run_linking(parties)
    assert len(run.networks) == 1 and run.networks[0].operator


def test_one_authorised_seller_tied_into_a_ring_does_not_make_it_honest() -> None:
    ring = ("email", "ring@fakes-mail.com")
    parties = [
        _account("reseller", ring, authorised_for=frozenset({"brand"})),
        *(_account(f"fake-{n}", ring) for n in range(2)),
    ]
    run = run_linking(parties)
    assert len(run.networks) == 1
    network = run.networks[0]
    assert not network.operator and "reseller" in network.members  # a network, the seller in it to check
    # Half or more authorised: the brand's own stores (one unlisted) are one operator.
    own = [_account(f"own-{n}", ring, authorised_for=frozenset({"brand"})) for n in range(2)]
    run = run_linking([*own, _account("own-web", ring, platform="web")])
    assert len(run.networks) == 1 and run.networks[0].operator


def test_a_value_borrowed_from_another_group_is_cut_and_a_chains_link_kept() -> None:
    from countermark.link.networks import cut_borrowed_values

    inside_a = [Link("a1", "a2", "exact:phone", "pa", True), Link("a2", "a3", "exact:phone", "pa", True)]
    inside_b = [Link("b1", "b2", "exact:phone", "pb", True)]
    borrowed = [
        Link("a1", "b1", "exact:email", "shared", True),
        Link("a2", "b1", "exact:email", "shared", True),
    ]
    cluster = components(["a1", "a2", "a3", "b1", "b2"], [*inside_a, *inside_b, *borrowed])[0]
    assert sorted(c.members for c in cut_borrowed_values(cluster)) == [("a1", "a2", "a3"), ("b1", "b2")]
    chain = [Link(f"c{i}", f"c{i + 1}", "exact:email", f"e{i}", True) for i in range(5)]
    whole = components([f"c{i}" for i in range(6)], chain)[0]
    assert [c.members for c in cut_borrowed_values(whole)] == [whole.members]


def test_reencoded_photos_group_and_a_rights_holders_photo_ties_nobody() -> None:
    from countermark.link.photos import photo_groups, photo_values

    shot = "f" * 32 + "0" * 32
    reencoded = "f" * 31 + "e" + "0" * 32  # one bit off
    other = "0f" * 32
    groups = photo_groups([shot, reencoded, other])
    assert groups[shot] == groups[reencoded] != groups[other]
    found = photo_values({"a": [shot], "b": [reencoded], "c": [other], "d": [other]}, references=[other])
    assert found["a"] == found["b"] and "c" not in found and "d" not in found


def test_a_mirrored_genuine_photo_is_the_rights_holders_and_ties_nobody(tmp_path: Path) -> None:
    # Two sellers who each mirror the holder's product shot post the same picture; PDQ is not
    # mirror-invariant (the mirror is far from the shot), so the world's references carry every flip and
    # rotation of each genuine photo.
    from PIL import Image, ImageDraw

    from countermark.eval.link_photos import reference_hashes
    from countermark.eval.world_files import WorldFiles, WorldProduct
    from countermark.fingerprint.pdq import distance, hash_image
    from countermark.link.photos import PHOTO_THRESHOLD, photo_values

    shot = Image.new("RGB", (256, 256), "white")
    draw = ImageDraw.Draw(shot)
    draw.rectangle((20, 30, 120, 220), fill="navy")
    draw.ellipse((150, 20, 240, 110), fill="darkred")
    draw.polygon([(140, 240), (250, 140), (250, 250)], fill="olive")
    genuine, mirrored = tmp_path / "genuine.png", tmp_path / "mirrored.png"
    shot.save(genuine)
    shot.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(mirrored)
    straight, mirror = (hash_image(path.read_bytes()).hex for path in (genuine, mirrored))
    assert distance(straight, mirror) > 2 * PHOTO_THRESHOLD
    product = WorldProduct("P-1", "Aurel", "Bag", None, None, "EUR", (genuine,))
    world = WorldFiles(tmp_path, accounts={}, listings=[], products=[product], shipments=[], fx_to_eur={})
    references = reference_hashes(world)
    assert straight in references and len(references) == 8
    assert photo_values({"a": [mirror], "b": [mirror]}, references=[straight]) != {}  # the flaw
    assert photo_values({"a": [mirror], "b": [mirror]}, references=references) == {}


def test_a_parcel_follows_its_senders_other_parcels_into_the_one_network_they_tie_to() -> None:
    phone, mail = ("phone", "+8613800000000"), ("email", "bright@x.cn")
    parties = [
        _account("n1", phone),
        _account("n2", phone),
        Party(key="s1", kind="shipment", name="Yiwu Bright Trading", seller="n1", values=frozenset({mail})),
        Party(key="s2", kind="shipment", name="Yiwu Bright Trading", values=frozenset({mail})),
        Party(key="s3", kind="shipment", name="Other", values=frozenset({("email", "other@y.cn")})),
    ]
    run = run_linking(parties, consignor_model=False)
    assert run.member_of["n1"] == run.member_of["n2"]
    assert run.member_of.get("s1") == run.member_of["n1"]
    assert run.member_of.get("s2") == run.member_of["n1"]  # no seller id: follows s1 by the shared e-mail
    assert run.member_of.get("s3") is None
