"""What kind of goods a listing offers, and whether the registered brands sell goods of that kind."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from countermark.core.errors import InvalidInput
from countermark.detect.facts import ListingFacts, ProductRef, References
from countermark.detect.goods import GOODS_FILE, load_goods
from countermark.detect.reasons import sentence
from countermark.detect.signals import Detector
from countermark.detect.vocabulary import trie_pattern

GOODS = load_goods()


def kinds(text: str) -> set[str]:
    return {hit.kind for hit in GOODS.find(text)}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Top seller perfume - pink", "fragrance"),
        ("Eau de parfum 100ml, coffret", "fragrance"),
        ("大牌同款 香水 现货", "fragrance"),
        ("Glide Runner sneakers, size 42", "footwear"),
        ("Baskets montantes blanches", "footwear"),
        ("Laufschuhe und Turnschuhe", "footwear"),
        ("zapatillas de deporte", "footwear"),
        ("运动鞋 男款", "footwear"),
        ("Leather handbags, two colours", "handbags_wallets"),
        ("Sacs à main en cuir", "handbags_wallets"),
        ("Schulrucksack blau", "luggage_backpacks"),
        ("Reisezerstäuber, nachfüllbar", "fragrance"),  # the head of a German compound
        ("Holzspielzeug für Kinder", "toys"),
        ("女包 手提包", "handbags_wallets"),
        ("学生双肩包", "luggage_backpacks"),
        ("Montre automatique", "watches"),
        ("Herren Armbanduhr", "watches"),
        ("机械表 男士手表", "watches"),
        ("Auriculares inalámbricos", "audio"),
        ("Paperback novel, like new", "books_courses"),
        ("Taschenbuch-Roman, wie neu", "books_courses"),
        ("平装小说 九成新", "books_courses"),
        ("Ceramic coffee mugs 350ml", "home_kitchen"),
        ("陶瓷咖啡杯", "home_kitchen"),
        ("Cotton T-shirt, plain", "clothing"),
        ("纯棉T恤", "clothing"),
        ("Video game, boxed", "software_games"),
        ("Office software licence", "software_games"),
    ],
)
def test_goods_are_named_in_each_language(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Of course 100% genuine", "books_courses"),  # "course" alone is not a course
        ("Commande en cours de traitement", "books_courses"),
        ("全国包邮 顺丰发货", "handbags_wallets"),  # 包邮 (free shipping) is no bag
        ("带证书 说明书", "books_courses"),  # a certificate and a manual are no books
        ("Bagatelle et bagarre", "handbags_wallets"),  # a word that starts like one is not it
        ("Shoestring budget", "footwear"),
        ("Te lo mando hoy", "software_games"),  # "mando" alone is "I send"
        ("Direkt vom Hersteller", "home_kitchen"),  # a compound's head is long: "Teller" is too short
        ("Jetzt zugreifen!", "car_parts"),
        ("zum Beispiel", "software_games"),
        ("Contact: bags [at] free [dot] fr", "handbags_wallets"),  # contacts sell nothing
        ("Zahlung: Toys@Free.fr", "toys"),
        ("see www.best-toys.example.com/toys", "toys"),
        ("联系方式： BTC wallet 1CxTDh5W78YECUEKJi1aJVPSJYQDdiT2hv", "handbags_wallets"),
    ],
)
def test_near_words_do_not_name_goods(text: str, kind: str) -> None:
    assert kind not in kinds(text)


def test_a_product_category_is_read_with_the_same_words() -> None:
    assert GOODS.kinds_of("software") == {"software_games"}
    assert GOODS.kinds_of("Parfum") == {"fragrance"}
    assert GOODS.kinds_of("phone_accessories") == {"phone_accessories"}
    assert GOODS.kinds_of("sneakers") == {"footwear"}
    # Handbags and backpacks are kinds apart, as in retail taxonomies: a school backpack is no handbag.
    assert GOODS.kinds_of("handbags") == {"handbags_wallets"}
    assert "handbags_wallets" not in kinds("School backpack, gold")
    assert GOODS.kinds_of("no such goods") == frozenset()


def test_a_malformed_goods_file_is_refused_with_the_kind_named(tmp_path: Path) -> None:
    path = tmp_path / "goods.json"
    path.write_text(json.dumps({"kinds": {"books": {"en": ["book", ""]}}}), encoding="utf-8")
    with pytest.raises(InvalidInput, match="books"):
        load_goods(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"goods\.json"):
        load_goods(path)
    path.write_text(json.dumps({"kinds": []}), encoding="utf-8")
    with pytest.raises(InvalidInput, match="kinds"):
        load_goods(path)
    assert load_goods(GOODS_FILE).find("perfume")


def _references(*categories: str | None) -> References:
    return References(
        marks={"Kelondo": ("Kelondo",)},
        products=tuple(
            ProductRef(f"sim:P-{i}", "Kelondo", f"Kelondo {i}", None, 100.0, 120.0, "EUR", category)
            for i, category in enumerate(categories)
        ),
    )


def _evidence(detector: Detector, title: str) -> dict[str, float]:
    return detector.evidence(ListingFacts("l1", "shopmarket", title, seller="s")).features


def test_goods_of_the_brands_kinds_and_of_other_kinds_are_features_with_their_words() -> None:
    detector = Detector(_references("perfume", "handbags"))
    fake = detector.evidence(ListingFacts("l1", "shopmarket", "top seller perfume - pink", seller="s"))
    assert fake.features["goods_of_brands"] == 1.0
    assert fake.features["goods_other"] == 0.0
    assert [s.evidence["goods"] for s in fake.signals if s.name == "goods_of_brands"] == ["«perfume»"]
    side = detector.evidence(ListingFacts("l2", "shopmarket", "平装小说 九成新", seller="s"))
    assert side.features["goods_of_brands"] == 0.0
    assert side.features["goods_other"] == 1.0
    other = [s for s in side.signals if s.name == "goods_other"]
    assert other and other[0].strength < 0 and "小说" in other[0].evidence["goods"]
    # Goods of both kinds: the brands' kind counts ("a handbag and a novel" is still a handbag offer).
    both = _evidence(detector, "Sac à main + roman de poche offert")
    assert (both["goods_of_brands"], both["goods_other"]) == (1.0, 0.0)
    nothing = _evidence(detector, "Great gift, fast delivery")
    assert (nothing["goods_of_brands"], nothing["goods_other"]) == (0.0, 0.0)


def test_without_known_categories_the_kind_of_goods_is_unknown_not_false() -> None:
    detector = Detector(_references(None, "unheard-of category"))
    features = _evidence(detector, "paperback novel")
    assert math.isnan(features["goods_of_brands"]) and math.isnan(features["goods_other"])


def test_the_goods_sentences_name_the_goods_in_each_language() -> None:
    for language, (left, right) in (("en", "«»"), ("fr", "«»"), ("zh", "「」")):
        assert f"{left}平装{right}" in sentence("goods_other", {"goods": "«平装»"}, language)
        assert f"{left}perfume{right}" in sentence("goods_of_brands", {"goods": "«perfume»"}, language)


def test_the_trie_matches_what_a_flat_alternation_matches_longest_first() -> None:
    terms = ["sac", "sac à main", "sac à dos", "sacoche", "t-shirt", "t恤", "mug", "mugs", "a.b"]
    flat = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))
    trie = re.compile(trie_pattern(terms))
    text = "sac à main, sac à dos, sacoche, sac; t-shirt t恤 mugs mug a.b axb sa"
    assert [m.group() for m in trie.finditer(text)] == [m.group() for m in flat.finditer(text)]
    assert re.fullmatch(trie_pattern(["a.b"]), "axb") is None


def test_reason_sentences_write_decimal_numbers_the_readers_way() -> None:
    values = {"price": "16.06", "low": "1041.00", "currency": "EUR", "product": "Stridon Glide 2.0"}
    assert "(16.06 EUR)" in sentence("price_low", values, "en")
    french = sentence("price_low", values, "fr")
    assert "(16,06 EUR)" in french and "041,00 EUR" in french and "Glide 2.0" in french  # a name stays
    assert "1.00" in sentence("score", {"probability": "1.00"}, "zh")
    assert "1,00" in sentence("score", {"probability": "1.00"}, "fr")
    # Quoted words keep the listing's own spelling, in the reader's quotation marks.
    terms = {"terms": "«replica», «1:1»"}
    assert "「replica」、「1:1」" in sentence("replica_terms", terms, "zh")
    assert "«replica», «1:1»" in sentence("replica_terms", terms, "fr")
    # Whole numbers (counts, GTINs) are left as stored.
    assert "2 sur 1234" in sentence("seller_range_low_price", {"count": "2", "listings": "1234"}, "fr")
