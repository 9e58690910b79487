"""A platform's own contacts on hand-made parties: an e-mail on the domain the platform's accounts sell
from, and a value the lines quoting it call the platform's support, are hubs however few hold them; a
network's own phone, an e-mail on a free-mail domain and a web shop's own address are not."""

from __future__ import annotations

from countermark.link.engine import run_linking
from countermark.link.evidence import Party
from countermark.link.hubs import detect_hubs, holders_of
from countermark.link.platform_contacts import platform_contacts, platform_domains


def _account(key: str, platform: str, *values: tuple[str, str], lines: tuple[str, ...] = ()) -> Party:
    host = {"ShopMarket": "www.shopmarket.eu", "Trendora": "www.trendora.fr"}[platform]
    listing = ("url", f"https://{host}/item/{key}")
    return Party(
        key=key, kind="account", platform=platform, country="FR",
        values=frozenset({listing, *values}), lines=lines,
    )  # fmt: skip


def _quoting(value: tuple[str, str], *lines: str | None) -> list[Party]:
    """ShopMarket accounts a, b, c… holding the value, each writing its line (None: no line)."""
    return [
        _account(key, "ShopMarket", value, lines=(line,) if line else ())
        for key, line in zip("abcdefgh", lines, strict=False)
    ]


def _shop(key: str, *values: tuple[str, str]) -> Party:
    listing = ("url", f"https://{key}/p/1")
    return Party(key=key, kind="shop", platform="web", handle=key, values=frozenset({listing, *values}))


def test_a_platform_domain_is_where_most_of_its_accounts_sell_and_a_shop_has_none() -> None:
    parties = [
        _account("a", "ShopMarket", ("url", "https://my-own-shop.example/")),
        _account("b", "ShopMarket"),
        _account("c", "ShopMarket"),
        _account("d", "Trendora"),
        _account("e", "Trendora"),
        _shop("bags-outlet.example"),
        _shop("watches-deals.example"),
    ]
    assert platform_domains(parties) == {"shopmarket.eu": "ShopMarket", "trendora.fr": "Trendora"}
    assert platform_domains(parties[:1]) == {}  # one account is not enough to say where a platform sells
    # A site many of its sellers link to (a messaging service) is not the platform's own.
    chat = [("url", f"https://wa.me/3361234567{n}") for n in range(3)]
    linking = [_account(key, "Trendora", url) for key, url in zip("fgh", chat, strict=True)]
    assert platform_domains(parties[3:5] + linking) == {"trendora.fr": "Trendora"}


def test_an_email_on_the_platforms_own_domain_is_a_hub_and_a_free_mail_one_is_not() -> None:
    support = ("email", "sellersupport@shopmarket.eu")
    shared = ("email", "bags.outlet@gmail.com")
    parties = [
        _account("a", "ShopMarket", support),
        _account("b", "ShopMarket", support, shared),
        _account("c", "ShopMarket", shared),
    ]
    contacts = platform_contacts(parties)
    assert contacts == {support: "an address on ShopMarket's own domain shopmarket.eu"}
    hubs = detect_hubs(holders_of(parties), None, contacts)
    assert support in hubs and shared not in hubs
    assert hubs[support].reason == contacts[support]
    # The analyst's word still wins.
    assert support not in detect_hubs(holders_of(parties), {support: False}, contacts)


def test_a_value_most_holders_call_their_platforms_support_is_a_hub() -> None:
    line = ("phone", "+33142678231")
    parties = _quoting(
        line,
        "After-sales via ShopMarket support: +33 1 42 67 82 31",
        "Service client ShopMarket : 01 42 67 82 31",
        "Call us: 01 42 67 82 31",
    )
    assert platform_contacts(parties) == {line: "written as ShopMarket's support contact"}


def test_one_account_calling_its_networks_phone_the_platforms_does_not_hide_it() -> None:
    phone = ("phone", "+33612345678")
    parties = _quoting(phone, "ShopMarket support: 06 12 34 56 78", "WhatsApp 06 12 34 56 78", None)
    assert platform_contacts(parties) == {}
    run = run_linking(parties)
    assert len({run.member_of[key] for key in "abc"}) == 1  # still one network


def test_naming_the_platform_without_a_support_word_or_another_platform_is_not_enough() -> None:
    phone = ("phone", "+33612345678")
    parties = _quoting(
        phone,
        "Also on ShopMarket, call 06 12 34 56 78",
        "Trendora support: 06 12 34 56 78",
        "ShopMarketplace support 06 12 34 56 78",
    )
    assert platform_contacts(parties) == {}


def test_a_support_line_no_longer_ties_an_honest_seller_to_a_network() -> None:
    support = ("phone", "+33142678231")
    network = ("email", "luxscent35@126.com")
    written = ("After-sales via ShopMarket support: +33 1 42 67 82 31",)
    parties = [
        _account("n1", "ShopMarket", network, support, lines=written),
        _account("n2", "ShopMarket", network),
        _account("honest", "ShopMarket", support, lines=written),
    ]
    run = run_linking(parties)
    assert run.member_of["n1"] == run.member_of["n2"]
    assert run.member_of.get("honest", "honest") != run.member_of["n1"]
    assert support in run.hubs
