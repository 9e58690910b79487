"""An edge's evidence as a reader sees it: the value without the engine's English phrase around it."""

from __future__ import annotations

import pytest

from countermark.core.http.labels import LABELS
from countermark.core.http.templating import environment
from countermark.link.engine import exact_links, seller_links
from countermark.link.evidence import Party
from countermark.link.wording import evidence_value


def test_the_engines_own_details_give_their_values() -> None:
    ring = [Party(key=k, kind="account", values=frozenset({("email", "ring@mail.example")})) for k in "ab"]
    parcel = Party(key="s1", kind="shipment", seller="a")
    (exact,) = exact_links({("email", "ring@mail.example"): ring}, {})
    (seller,) = seller_links([parcel], {"a"})
    assert evidence_value(exact.evidence, exact.detail) == "ring@mail.example"
    assert evidence_value(seller.evidence, seller.detail) == "a"


@pytest.mark.parametrize(("code", "detail", "value"), [
    ("fuzzy:email_local", "dreamluxe@… on several domains", "dreamluxe@…"),
    ("fuzzy:email_typo", "dreamluxe@mail.example ~ dreamlux@mail.example",
     "dreamluxe@mail.example ~ dreamlux@mail.example"),
    ("fuzzy:handle", "handle stem 'dreamluxe'", "dreamluxe"),
    ("domain:family", "shop domains of the 'dreamluxe-' family", "dreamluxe-"),
    ("text:bio_line", "reused line \u201cfactory direct\u201d", "\u201cfactory direct\u201d"),
    ("listed_by", "listed by dreamluxe", "dreamluxe"),
    ("hosted_on", "shop on dreamluxe-outlet.example", "dreamluxe-outlet.example"),
    ("splink:consignor", "same sender, probability 0.996", ""),
    ("premises", "same premises: RM201 BLK B BAONENG CENTER", "RM201 BLK B BAONENG CENTER"),
    ("something:new", "a detail in no known form", "a detail in no known form"),
    ("exact:phone", "+8613800138000", "+8613800138000"),
])  # fmt: skip
def test_each_form_gives_its_value_and_an_unknown_one_is_shown_whole(
    code: str, detail: str, value: str
) -> None:
    assert evidence_value(code, detail) == value


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_every_evidence_code_has_a_label_in_the_readers_language(locale: str) -> None:
    codes = [c for c in LABELS if c.startswith(("exact:", "fuzzy:", "splink:", "text:", "domain:"))]
    codes += ["seller_id", "listed_by", "hosted_on", "premises", "exact:email", "exact:crypto_wallet"]
    evidence = environment(locale).get_template("_macros.html").module.evidence  # type: ignore[attr-defined]
    shown = [str(evidence(code)) for code in codes]
    for code, text in zip(codes, shown, strict=True):
        assert text and ":" not in text and "_" not in text, (code, text)
        assert text != LABELS.get(code), (code, text)  # translated, not the English label


def test_every_hub_reason_the_engine_writes_has_a_form_and_its_values() -> None:
    from countermark.link.wording import hub_reason

    assert hub_reason("held by 12 parties") == ("held", {"holders": "12"})
    assert hub_reason("held by 5 parties on 3 platforms in 4 countries") == (
        "spread", {"holders": "5", "platforms": "3", "countries": "4"}
    )
    assert hub_reason("held by 6 parties in 3 groups nothing else ties") == (
        "scattered", {"holders": "6", "groups": "3"}
    )
    assert hub_reason("an address on ShopMarket's own domain shopmarket.eu") == (
        "platform_domain", {"platform": "ShopMarket", "domain": "shopmarket.eu"}
    )
    support = hub_reason("written as ShopMarket's support contact")
    assert support == ("platform_support", {"platform": "ShopMarket"})
    assert hub_reason("listed as a hub by an analyst") == ("analyst_hub", {})
    assert hub_reason("something else") == ("", {"text": "something else"})


def test_the_reasons_the_hub_rules_write_are_all_in_a_known_form() -> None:
    from countermark.link.hubs import detect_hubs, holders_of
    from countermark.link.platform_contacts import platform_contacts
    from countermark.link.wording import hub_reason

    many = ("email", "desk@forwarder-mail.com")
    own = ("email", "help@market.eu")
    parties = [
        Party(key=f"p{n}", kind="account", platform="Market", country="FR",
              values=frozenset({many, ("url", f"https://www.market.eu/i/{n}"), *([own] if n < 2 else [])}))
        for n in range(9)
    ]  # fmt: skip
    hubs = detect_hubs(holders_of(parties), {("phone", "+33612345678"): True}, platform_contacts(parties))
    assert {value: hub_reason(hub.reason)[0] for value, hub in hubs.items()} == {
        many: "held", own: "platform_domain", ("phone", "+33612345678"): "analyst_hub"
    }
