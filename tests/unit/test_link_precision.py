"""Linking precision rules on hand-made examples: a stock phrase many write is not a tie, resembling an
authorised seller is not a tie, one name behind an e-mail, a handle and a shop domain is one piece of
evidence (a person's name read from an e-mail and an initialled handle too), and a lone value between an
established group and a small one (even a pair), or between three rings, or bearing one small ring's
name, is cut."""

from __future__ import annotations

from countermark.link import fuzzy
from countermark.link.engine import not_imitations
from countermark.link.evidence import Link, Party
from countermark.link.networks import (
    components,
    cut_borrowed_values,
    party_names,
    pieces,
    usable_links,
    value_name,
)


def _party(key: str, lines: tuple[str, ...] = (), kind: str = "account", **extra: object) -> Party:
    return Party(key=key, kind=kind, platform="Bazario", lines=lines, **extra)  # type: ignore[arg-type]


def test_a_stock_phrase_many_fill_in_ties_nobody_and_an_operators_own_line_does() -> None:
    stock = "Trusted seller since 2016, 5000 happy customers"
    own = "Stock in Chengxiang Kaixin, dropshipping supported"
    others = [_party(f"o{i}", (f"Trusted seller since 20{i:02d}, {i}00 happy customers",)) for i in range(10)]
    parties = [
        _party("a", (stock,)),
        _party("b", (stock,)),
        _party("c", (own,)),
        _party("d", (own,)),
        *others,
    ]
    pairs = {(link.a, link.b) for link in fuzzy.line_links(parties)}
    assert ("c", "d") in pairs and ("a", "b") not in pairs
    assert ("a", "b") in {(link.a, link.b) for link in fuzzy.line_links(parties[:4])}  # few write it


def test_resembling_an_authorised_seller_is_no_tie_but_two_unlisted_parties_resembling_are() -> None:
    links = [
        Link("shop", "copy", "text:bio_line", "line", True),
        Link("shop", "other-shop", "text:bio_line", "authorised retailer line", True),
        Link("x", "y", "fuzzy:handle", "s", False),
    ]
    assert not_imitations(links, {"shop", "other-shop"}) == [links[2]]


def test_an_email_local_part_and_a_shop_domain_of_one_name_are_one_piece_of_evidence() -> None:
    shops = [
        _party(
            "a", kind="shop", handle="bagstudio-paris.com", values=frozenset({("email", "bagstudio@x.fr")})
        ),
        _party(
            "b", kind="shop", handle="bagstudio-lyon.com", values=frozenset({("email", "bagstudio@y.de")})
        ),
    ]
    weak = fuzzy.email_links(shops) + fuzzy.domain_family_links(shops)
    assert len(weak) == 2 and usable_links(weak) == []
    other_name = Link("a", "b", "fuzzy:handle", "stem 'kopexa'", False, basis=("name:kopexa",))
    assert len(usable_links([*weak, other_name])) == 3


def test_an_email_local_part_and_a_handle_of_one_name_are_one_piece_of_evidence() -> None:
    # primetoysstore@… and the handle prime_toysstore spell one name once the stock "store" is dropped.
    accounts = [
        _party("a", handle="primetoysstore", values=frozenset({("email", "primetoysstore@gmail.com")})),
        _party("b", handle="prime_toysstore", values=frozenset({("email", "primetoysstore@163.com")})),
    ]
    weak = fuzzy.email_links(accounts) + fuzzy.handle_links(accounts)
    assert sorted(link.evidence for link in weak) == ["fuzzy:email_local", "fuzzy:handle"]
    assert usable_links(weak) == []


def test_a_persons_name_read_from_an_email_and_from_an_initialled_handle_is_one_piece_of_evidence() -> None:
    # Two private sellers of one common name on two mail services, with handles that initial it: Max
    # Russo as mrusso73 and mrusso80, Felix Garca as felixg12 and felixg99, or by the first name alone,
    # Jonas Petit as jonas_85 and jonas_81 (training world 38: an honest seller and a lone counterfeiter).
    # The name is one piece of evidence, and two strangers may bear it.
    for local, handles in (
        ("max.russo", ("mrusso73", "mrusso80")),
        ("felix.garca", ("felixg1", "felixg9")),
        ("jonas.petit", ("jonas_85", "jonas_81")),
        ("jonas.petit", ("petit_85", "petit81")),
    ):
        accounts = [
            _party("a", handle=handles[0], values=frozenset({("email", f"{local}@gmail.com")})),
            _party("b", handle=handles[1], values=frozenset({("email", f"{local}@outlook.com")})),
        ]
        weak = fuzzy.email_links(accounts) + fuzzy.handle_links(accounts)
        assert sorted(link.evidence for link in weak) == ["fuzzy:email_local", "fuzzy:handle"]
        assert usable_links(weak) == []
        # A second, independent piece (a shot both posted) still ties them.
        shot = Link("a", "b", "exact:photo", "photo 1", False, basis=("photo:1",))
        assert len(usable_links([*weak, shot])) == 3
    # A handle of another name beside the e-mail's is a second piece.
    accounts = [
        _party("a", handle="lunadeals", values=frozenset({("email", "max.russo@gmail.com")})),
        _party("b", handle="lunadeals_eu", values=frozenset({("email", "max.russo@outlook.com")})),
    ]
    weak = fuzzy.email_links(accounts) + fuzzy.handle_links(accounts)
    assert len(usable_links(weak)) == 2


def _tie(a: str, b: str, value: str) -> Link:
    return Link(a, b, "exact:phone", value, True, basis=(f"phone:{value}",))


def test_a_lone_value_between_an_established_group_and_a_small_group_is_cut() -> None:
    # A ring of five sharing one phone: exact links tie every two of its holders.
    big = [_tie(f"b{i}", f"b{j}", "pb") for i in range(5) for j in range(i + 1, 5)]
    small = [_tie("s0", "s1", "ps"), _tie("s1", "s2", "ps")]
    keys = [f"b{i}" for i in range(5)] + ["s0", "s1", "s2"]
    cluster = components(keys, [*big, *small, _tie("b0", "s0", "bridge")])[0]
    pieces = sorted(c.members for c in cut_borrowed_values(cluster))
    assert pieces == [tuple(f"b{i}" for i in range(5)), ("s0", "s1", "s2")]
    # A pair is a group too: one e-mail between it and a ring of five is the ring's borrowed value.
    pair = components(keys[:7], [*big, _tie("s0", "s1", "ps"), _tie("b0", "s0", "bridge")])[0]
    assert sorted(c.members for c in cut_borrowed_values(pair)) == [tuple(keys[:5]), ("s0", "s1")]
    # ...but a chain of six cut in the middle, three and three, is a chain's ordinary link and stays, and
    # so is any link of a longer chain: its parts, cut anywhere, are chains too, not established groups.
    for length in (6, 9):
        chain = [_tie(f"c{i}", f"c{i + 1}", f"v{i}") for i in range(length - 1)]
        whole = components([f"c{i}" for i in range(length)], chain)[0]
        assert [c.members for c in cut_borrowed_values(whole)] == [whole.members]
    # A ring of four tied by one phone is established too (BIG_SIDE): the pair's e-mail is cut off it.
    four = [_tie(f"b{i}", f"b{j}", "pb") for i in range(4) for j in range(i + 1, 4)]
    members = [*keys[:4], "s0", "s1"]
    small_ring = components(members, [*four, _tie("s0", "s1", "ps"), _tie("b0", "s0", "bridge")])[0]
    assert sorted(c.members for c in cut_borrowed_values(small_ring)) == [tuple(keys[:4]), ("s0", "s1")]


def test_a_suppliers_handle_a_few_shops_of_three_rings_advertise_is_cut_between_them() -> None:
    """Seed 10's pattern: a supplier's WeChat shown by four shops of one ring, two of another and one of a
    third, and by an honest shop; each ring is tied by its own values, nothing but the handle ties them to
    each other, and nothing at all ties the shop: it is left alone."""
    rings = {"a": 6, "b": 3, "c": 4}
    keys = [f"{ring}{i}" for ring, size in rings.items() for i in range(size)]
    own = [_tie(f"{r}{i}", f"{r}{i + 1}", f"p{r}") for r, size in rings.items() for i in range(size - 1)]
    keys.append("shop")  # an honest web shop nothing else ties, a customer of the same supplier
    holders = ["a0", "a2", "a3", "a5", "b0", "b1", "c2", "shop"]
    value = "wechat:gzsupply_550"
    supplier = [
        Link(x, y, "exact:messaging_handle", value, True, basis=(f"messaging_handle:{value}",))
        for n, x in enumerate(holders)
        for y in holders[n + 1 :]
    ]
    cluster = components(keys, [*own, *supplier])[0]
    assert len(cluster.members) == 14
    pieces = sorted(c.members for c in cut_borrowed_values(cluster))
    assert pieces == [tuple(f"a{i}" for i in range(6)), ("b0", "b1", "b2"), tuple(f"c{i}" for i in range(4))]
    # A lone account tied to one ring by the ring's value stays a member.
    (ring,) = [c for c in components(keys, [*own, _tie("a0", "shop", "pa")]) if "shop" in c.members]
    assert [c.members for c in cut_borrowed_values(ring)] == [(*(f"a{i}" for i in range(6)), "shop")]
    # Held once in each of three parts of a chain of pairs, it is the chain's ordinary link and stays.
    pairs = [_tie("x0", "x1", "px"), _tie("y0", "y1", "py"), _tie("z0", "z1", "pz")]
    shared = [_tie("x0", "y0", "w"), _tie("x0", "z0", "w"), _tie("y0", "z0", "w")]
    whole = components(["x0", "x1", "y0", "y1", "z0", "z1"], [*pairs, *shared])[0]
    assert [c.members for c in cut_borrowed_values(whole)] == [whole.members]


def _mail(a: str, b: str, value: str) -> Link:
    return Link(a, b, "exact:email", value, True, basis=(f"email:{value}",))


def test_a_value_bearing_one_pairs_name_is_cut_between_two_pairs() -> None:
    """Training worlds 42 and 48: one ring's e-mail (or WeChat) written by a shop of another ring, each
    a pair or three, neither established. The value's name is one side's own, so it was borrowed."""
    keys = ["a0", "a1", "b0", "b1"]
    bridge = _mail("a0", "b0", "huafengsale33@outlook.com")
    own_a = _mail("a0", "a1", "huafengtrade@qq.com")
    for own_b, cut in (
        (_mail("b0", "b1", "jiayustore@163.com"), True),  # two names: the bridge bears the first ring's
        (_tie("b0", "b1", "+8613800000000"), False),  # the pair's own values name nobody: no sign
        (_mail("b0", "b1", "huafengvip@163.com"), False),  # both bear the name: one ring's chain
    ):
        cluster = components(keys, [own_a, own_b, bridge])[0]
        pieces = sorted(c.members for c in cut_borrowed_values(cluster))
        assert pieces == ([("a0", "a1"), ("b0", "b1")] if cut else [tuple(keys)])
    # World 48: the bridge bears the name of the pair whose signature line spells it, not the e-mail
    # of the other pair; whichever side holds the value.
    signature = "reused line \u201coffice Yuexiu Huafeng, same day shipping\u201d"
    line = Link("b0", "b1", "text:bio_line", signature, True)
    own_a = _mail("a0", "a1", "huangqiang@yandex.com")
    cluster = components(keys, [own_a, line, bridge])[0]
    assert sorted(c.members for c in cut_borrowed_values(cluster)) == [("a0", "a1"), ("b0", "b1")]
    own_a = _mail("a0", "a1", "huafengtrade@qq.com")
    handle = ("messaging_handle:wechat:huafeng888_8",)
    wechat = Link("a0", "b0", "exact:messaging_handle", "x", True, basis=handle)
    cluster = components(keys, [own_a, _mail("b0", "b1", "jiayustore@163.com"), wechat])[0]
    assert len(cut_borrowed_values(cluster)) == 2
    assert value_name("messaging_handle:wechat:huafeng888_8") == "huafeng"
    assert value_name("crypto_wallet:btc:3458oyGWmLSCpMKHHEq4zEwXPY8p6yEESm") is None
    assert value_name("email:li.wei@qq.com") is None  # too short to tell one name from another


def test_a_value_one_pair_holds_in_two_spellings_is_that_pairs_and_cut_from_another() -> None:
    """Training world 58: a ring's e-mail linmin79@mail.ru, written also as linmin79@hotmail.com by a
    second shop of that ring, is shown by one shop of a ring of three whose own ties name nobody (a phone,
    a line). The pair holds the name twice (the value and its slip), so the value is the pair's."""
    keys = ["a0", "a1", "b0", "b1", "b2"]
    slip = Link("a0", "a1", "fuzzy:email_local", "linmin79@\u2026", False, basis=("name:linmin",))
    shot = Link("a0", "a1", "exact:photo", "shot", False, basis=("photo:shot",))
    own_b = [_tie("b0", "b1", "+8615043609849"), _tie("b1", "b2", "+8618677309551")]
    bridge = _mail("a0", "b0", "linmin79@mail.ru")
    cluster = components(keys, [slip, shot, *own_b, bridge])[0]
    pieces = sorted(c.members for c in cut_borrowed_values(cluster))
    assert pieces == [("a0", "a1"), ("b0", "b1", "b2")]
    # Without the slip the pair holds the value once, as the three do: a chain's ordinary link stays.
    shot2 = Link("a0", "a1", "exact:photo", "shot2", False, basis=("photo:shot2",))
    cluster = components(keys, [shot, shot2, *own_b, bridge])[0]
    assert [c.members for c in cut_borrowed_values(cluster)] == [tuple(keys)]
    # A slip of another name is no holding of this one.
    other = Link("a0", "a1", "fuzzy:email_local", "x", False, basis=("name:huafeng",))
    cluster = components(keys, [other, shot, *own_b, bridge])[0]
    assert [c.members for c in cut_borrowed_values(cluster)] == [tuple(keys)]


def test_a_value_naming_nobody_between_two_pairs_that_write_two_names_is_cut() -> None:
    """Training world 64: an IBAN of one ring shown by one shop of another, each a pair tied by a phone
    or a photo. The shops of one write `hengda` on their handles, the other's `sunrise`: two operations,
    so the IBAN between them was passed from one to the other."""
    keys = ["a0", "a1", "b0", "b1"]
    own = [_tie("a0", "a1", "+8615878821515"), _tie("b0", "b1", "+85296447131")]
    iban = Link("a0", "b0", "exact:iban", "EE03", True, basis=("iban:EE036952880144477377",))
    cluster = components(keys, [*own, iban])[0]
    values = {
        "a0": {("messaging_handle", "telegram:hengda_outlet_575"), ("email", "zhaoling@yahoo.com")},
        "a1": {("messaging_handle", "wechat:hengdahk_793"), ("payment_account", "paypal:hengdashop69")},
        "b0": {("email", "sunrisestore64@outlook.com")},
        "b1": {("messaging_handle", "telegram:sunrise_vip635")},
    }
    for key in values:
        values[key].add(("email", "sellersupport@shopmarket.eu"))
    parties = [_party(key, values=frozenset(found)) for key, found in values.items()]
    support = {("email", "sellersupport@shopmarket.eu")}
    names = party_names(parties, support)
    assert names["a0"] == {"hengd": 1, "zhaol": 1} and names["b1"] == {"sunri": 1}
    pieces = sorted(c.members for c in cut_borrowed_values(cluster, names=names))
    assert pieces == [("a0", "a1"), ("b0", "b1")]
    # Unread names, or a platform's support address read as one both pairs write: nothing tells them apart.
    assert len(cut_borrowed_values(cluster)) == 1
    assert len(cut_borrowed_values(cluster, names=party_names(parties))) == 1
    # One ring's chain: both pairs write the name; or one pair writes none (a phone names nobody).
    alike = {**names, "b0": {"hengd": 1}, "b1": {"hengd": 1}}
    assert len(cut_borrowed_values(cluster, names=alike)) == 1
    nameless = {key: found for key, found in names.items() if key.startswith("a")}
    assert len(cut_borrowed_values(cluster, names=nameless)) == 1
    # Worlds 21 and 69: one shop of a pair writes its ring's name on two values (a WeChat and a PayPal),
    # the other shop none; the pair bears that name. Once is not enough.
    once = {**names, "a0": {"zhaol": 1, "golde": 1}, "a1": {}}
    assert len(cut_borrowed_values(cluster, names=once)) == 1
    twice = {**once, "a0": {"zhaol": 1, "golde": 2}}
    assert len(cut_borrowed_values(cluster, names=twice)) == 2
    # A value bearing a name both pairs write is not passed between them: it is one ring's.
    both = {**names, "a1": {"hengd": 1, "zhaol": 1}, "b1": {"sunri": 1, "zhaol": 1}}
    both["b0"] = {"sunri": 1, "zhaol": 1}
    mail = _mail("a0", "b0", "zhaoling@yahoo.com")
    cluster = components(keys, [*own, mail])[0]
    assert len(cut_borrowed_values(cluster, names=both)) == 1
    assert len(cut_borrowed_values(cluster, names=names)) == 2


def test_a_value_bearing_the_name_only_one_pair_writes_is_that_pairs_and_cut_from_another() -> None:
    """Training world 70: one ring's PayPal (`goldenstarstore36`, the name its two shops write on four
    values) shown by a web shop of another, whose three shops write `jiayu…` and `guofang…` and share
    no named value, so the shared-value reading (`named_by_one`) sees no name of theirs."""
    keys = ["a0", "a1", "b0", "b1", "b2"]
    own = [_tie("a0", "a1", "+85251051036"), _tie("b0", "b1", "+9054666808"), _tie("b1", "b2", "+9054666808")]
    basis = ("payment_account:paypal:goldenstarstore36",)
    paypal = Link("a0", "b0", "exact:payment_account", "gs", True, basis=basis)
    cluster = components(keys, [*own, paypal])[0]
    names = {
        "a0": {"golde": 2},  # goldenstarsale82@mail.ru and the PayPal
        "a1": {"golde": 2, "linle": 1},  # telegram:goldenstar_store_306, wechat:goldenstarhk268
        "b0": {"jiayu": 2, "golde": 1},  # jiayushop@yandex.com, paypal:jiayustore75 and the PayPal
        "b1": {"guofa": 1},
        "b2": {"guofa": 1},
    }
    pieces = sorted(c.members for c in cut_borrowed_values(cluster, names=names))
    assert pieces == [("a0", "a1"), ("b0", "b1", "b2")]
    # The other ring writing the name twice too: the PayPal is no sign of either.
    assert len(cut_borrowed_values(cluster, names={**names, "b2": {"guofa": 1, "golde": 1}})) == 1
    # The other ring writing no name of its own twice: nothing says it is another operation.
    lone = {**names, "b0": {"jiayu": 1, "golde": 1}, "b1": {"guofa": 1}, "b2": {}}
    assert len(cut_borrowed_values(cluster, names=lone)) == 1


def test_a_company_word_of_five_letters_is_a_name() -> None:
    """Training world 71: a ring writing `meidashop@`, `telegram:meidafactory559`, `wechat:meidagz687` and
    `paypal:meidatrade19` writes one name, `meida`, four times (read by six letters, four names once)."""
    values = {
        "b0": {("email", "meidashop@yandex.com"), ("messaging_handle", "telegram:meidafactory559")},
        "b1": {("messaging_handle", "wechat:meidagz687"), ("payment_account", "paypal:meidatrade19")},
        "c": {("email", "info@example.com"), ("phone", "+8617767837938")},  # four letters name nobody
    }
    parties = [_party(key, values=frozenset(found)) for key, found in values.items()]
    names = party_names(parties)
    assert names == {"b0": {"meida": 2}, "b1": {"meida": 2}}


def test_email_locals_one_initial_apart_are_weak_evidence_and_a_slip_inside_the_name_a_tie() -> None:
    # Training worlds 34 and 39: julia.d's and julia.s's addresses (juliad@, julias@ at one mail service),
    # ingridm80@ and ingridp80@, each two honest sellers; a ring's slips swap, double or drop a letter.
    assert fuzzy.another_initial("juliad", "julias") and fuzzy.another_initial("ingridm80", "ingridp80")
    assert fuzzy.another_initial("mjones", "djones")
    # Luca and Lucas Fischer (world 42), Jean and Joan Petit are two names, not a slip.
    assert fuzzy.another_initial("luca.fischer", "lucas.fischer")
    assert fuzzy.another_initial("lucas.mller", "luca.mller")
    assert fuzzy.another_initial("jean_petit", "dean_petit")
    assert not fuzzy.another_initial("jean.petit", "jaen.petit")
    assert not fuzzy.another_initial("luca.fischer", "luca.fisher")
    assert not fuzzy.another_initial("lucafischer", "lucasfischer")
    assert not fuzzy.another_initial("longshengtrade", "longshentrade")
    assert fuzzy.another_initial("longsheng.trade", "longshen.trade")  # or Longsheng and Longshen: weak
    assert not fuzzy.another_initial("dreamluxe", "dreamlux") and not fuzzy.another_initial("gold", "glod")
    # A plural "s" is another word form (fresh world 178: two rings' ruixiangsale@ and ruixiangsales@).
    assert fuzzy.another_initial("ruixiangsale", "ruixiangsales")
    assert fuzzy.another_initial("bagstudios7", "bagstudio7")
    assert not fuzzy.another_initial("ruixiangsale", "ruixiangsaleh")
    assert not fuzzy.another_initial("sale", "sales8")
    assert not fuzzy.another_initial("longshengsales10", "longshengsaless10")  # a doubled letter: a slip
    parties = [
        _party("a", values=frozenset({("email", "juliad@orange.fr")})),
        _party("b", values=frozenset({("email", "julias@orange.fr")})),
        _party("c", values=frozenset({("email", "kopexa.trade@163.com")})),
        _party("d", values=frozenset({("email", "kopxea.trade@163.com")})),
    ]
    links = fuzzy.email_links(parties)
    assert {(link.a, link.b, link.strong) for link in links} == {("a", "b", False), ("c", "d", True)}
    assert [(link.a, link.b) for link in usable_links(links)] == [("c", "d")]


def test_email_locals_a_separator_apart_are_weak_evidence_unless_gmail_reads_them_as_one() -> None:
    # Fresh world 180: an honest seller's daily_deal@ and a ring's dailydeal@ at one mail service, two
    # honest shops' bags_globalshop@ and bagsglobalshop@: how to join two words is anyone's choice.
    assert fuzzy.words_joined_apart("daily_deal", "dailydeal", "yahoo.com")
    assert fuzzy.words_joined_apart("bags-global.shop", "bagsglobalshop", "gmail.com")
    assert fuzzy.words_joined_apart("daily.deal", "dailydeal", "yahoo.com")
    # Gmail ignores dots: one mailbox, so the tie stays.
    assert not fuzzy.words_joined_apart("daily.deal", "dailydeal", "gmail.com")
    assert not fuzzy.words_joined_apart("dailydeal", "dailydeals", "yahoo.com")
    assert not fuzzy.words_joined_apart("dailydeal", "dailydeal", "yahoo.com")
    parties = [
        _party("a", values=frozenset({("email", "daily_deal@yahoo.com")})),
        _party("b", values=frozenset({("email", "dailydeal@yahoo.com")})),
        _party("c", values=frozenset({("email", "kopexa.trade@gmail.com")})),
        _party("d", values=frozenset({("email", "kopexatrade@gmail.com")})),
    ]
    links = fuzzy.email_links(parties)
    assert {(link.a, link.b, link.strong) for link in links} == {("a", "b", False), ("c", "d", True)}
    assert [(link.a, link.b) for link in usable_links(links)] == [("c", "d")]
    # The handles of the same stem (dailydeal, daily.deal7) are the same name: one piece, no corroboration.
    typo = next(link for link in links if link.a == "a")
    handle = Link("a", "b", "fuzzy:handle", "stem 'dailydeal'", strong=False, basis=("name:dailydeal",))
    assert pieces([typo, handle]) == 1
    assert usable_links([typo, handle]) == []


def test_a_line_its_writers_share_and_nothing_else_is_weak_evidence() -> None:
    # Training worlds 7, 15, 25, 28, 33, 38: two or three honest parody or discount sellers share a stock
    # line ("dupes and parodies not affiliated with any brand") and nothing else; a ring's signature line
    # comes with the ring's other slips (a shot, a slip of an e-mail).
    stock = "Dupes and parodies not affiliated with any brand"
    signature = "Warehouse in Longgang Evergreen, 48h dispatch, wholesale welcome"
    parties = [
        _party("h1", (stock,)),
        _party("h2", (stock,)),
        _party("h3", (stock,)),
        _party("r1", (signature,)),
        _party("r2", (signature,)),
        _party("r3"),
    ]
    shot = Link("r2", "r3", "exact:photo", "photo 1", True, basis=("photo:1",))
    links = fuzzy.lines_alone([*fuzzy.line_links(parties), shot], {p.key for p in parties})
    strong = {(link.a, link.b) for link in links if link.strong}
    assert strong == {("r1", "r2"), ("r2", "r3")}
    assert {(link.a, link.b) for link in usable_links(links)} == strong
    # A second piece ties the stock line's writers again.
    name = Link("h1", "h2", "fuzzy:handle", "stem 'kopexa'", False, basis=("name:kopexa",))
    again = fuzzy.lines_alone([*fuzzy.line_links(parties), shot, name], {p.key for p in parties})
    assert {(link.a, link.b) for link in usable_links(again)} == {("h1", "h2"), ("r1", "r2"), ("r2", "r3")}


def test_one_weak_link_to_an_outsider_does_not_make_a_shared_line_strong() -> None:
    # Seed 48: three honest sellers share "global brands at hk prices, wholesale retail"; one of them has a
    # lone e-mail local part in common with a fourth account, which ties nobody on its own. The line stays
    # weak; two independent pieces towards the fourth are a tie, and the line is strong again.
    stock = "Global brands at HK prices, wholesale and retail"
    parties = [_party("h1", (stock,)), _party("h2", (stock,)), _party("h3", (stock,)), _party("x")]
    online = {p.key for p in parties}
    local = Link("h1", "x", "fuzzy:email_local", "progear@… on 2 domains", False, basis=("name:progear",))
    links = fuzzy.lines_alone([*fuzzy.line_links(parties), local], online)
    assert not any(link.strong for link in links)
    assert usable_links(links) == []
    stem = Link("h1", "x", "fuzzy:handle", "stem 'kopexa'", False, basis=("name:kopexa",))
    again = fuzzy.lines_alone([*fuzzy.line_links(parties), local, stem], online)
    assert {(link.a, link.b) for link in again if link.strong} == {("h1", "h2"), ("h1", "h3"), ("h2", "h3")}


def test_stock_lines_that_chain_their_writers_do_not_vouch_for_each_other() -> None:
    # Training world 110: four honest parody shops, three writing two of three stock bios; every line had
    # writers tied to someone outside it by the other line, so none was "alone" and the four became one
    # network. Only a tie that is not a line makes a line strong.
    tees = "Parody tees and fun twists on famous logos"
    dupes = "Dupes and parodies, not affiliated with any brand"
    parties = [
        _party("p1", (tees,)),
        _party("p2", (tees, dupes)),
        _party("p3", (tees, dupes)),
        _party("p4", (dupes,)),
    ]
    online = {p.key for p in parties}
    links = fuzzy.lines_alone(fuzzy.line_links(parties), online)
    assert not any(link.strong for link in links) and usable_links(links) == []
    # A shot p4 shares with p1, who writes only the other line, is a tie outside each line's writers.
    shot = Link("p1", "p4", "exact:photo", "photo 1", True, basis=("photo:1",))
    again = fuzzy.lines_alone([*fuzzy.line_links(parties), shot], online)
    assert {(link.a, link.b) for link in again if link.strong and link.evidence == "text:bio_line"} == {
        ("p1", "p2"), ("p1", "p3"), ("p2", "p3"), ("p2", "p4"), ("p3", "p4")
    }
