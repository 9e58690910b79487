"""Signals that speak for honest offers (a parody or dupe, a reason for a low price, a price like the
seller's others, a mark written plainly beside punctuation) and a model chosen without held-out sellers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from countermark.detect.facts import ListingFacts, ProductRef, References
from countermark.detect.marks import MarkFinder
from countermark.detect.reasons import sentence
from countermark.detect.seller_context import add_seller_context
from countermark.detect.signals import FEATURES, Detector
from countermark.detect.training import fit_model, matrix, split_by_seller
from countermark.detect.vocabulary import GROUPS, VOCAB_DIR, load_vocabulary

VOCABULARY = load_vocabulary()
FINDER = MarkFinder({"Quellwave": ["Quellwave"], "Lunavelle": ["Lunavelle"], "Kelondo": ["Kelondo"]})
REFERENCES = References(
    marks={"Kelondo": ("Kelondo",)},
    products=(ProductRef("sim:P-1", "Kelondo", "Kelondo Ondine EDP 30ml", None, 160.0, 200.0, "EUR"),),
)
DETECTOR = Detector(REFERENCES)


def groups_found(text: str) -> set[tuple[str, str]]:
    return {(hit.group, hit.term) for hit in VOCABULARY.find(text)}


def forms(text: str) -> set[tuple[str, str]]:
    return {(m.brand, m.form) for m in FINDER.find(text)}


@pytest.mark.parametrize(
    "text",
    [
        "【吊牌齐全】QUELLWAVE QX-300 Buds",
        "商品条码 EAN 4985848680590,Quellwave QX-300",
        "✅Quellwave QX-300 Buds",
        "Quellwave | QX-300 • Buds",
        "Quellwave's QX-300 Buds",
    ],
)
def test_a_mark_written_plainly_beside_punctuation_emoji_or_chinese_is_exact(text: str) -> None:
    assert forms(text) == {("Quellwave", "exact")}


def test_a_mark_inside_a_contact_address_is_not_a_mention() -> None:
    assert FINDER.find("Orders: lunavelleoutlet@gmx.de") == []


def test_a_mark_split_around_a_bullet_is_still_a_lookalike() -> None:
    assert ("Lunavelle", "spacing") in forms("Sac Luna • velle doré")
    assert ("Lunavelle", "spacing") in forms("Sac Luna-velle doré")


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Dupe of Kelondo, smells like Kelondo", "smells like"),
        ("Parfum inspiré de Kelondo", "inspiré de"),
        ("Dermavelle-Look günstiger", "look günstiger"),
        ("Parodia, no es Kelondo", "parodia"),
        ("Kelondo同款平替 现货秒发", "同款平替"),
    ],
)
def test_parody_vocabulary_is_found_in_each_language(text: str, term: str) -> None:
    assert ("parody", term) in groups_found(text)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Box damaged, item intact. Clearance", "box damaged"),
        ("Déstockage, fin de série", "déstockage"),
        ("Ausstellungsstück, Karton beschädigt", "ausstellungsstück"),
        ("Caja dañada, artículo intacto", "caja dañada"),
        ("外盒破损 商品完好 清仓", "外盒破损"),
    ],
)
def test_reasons_for_a_low_price_are_found_in_each_language(text: str, term: str) -> None:
    assert ("sale", term) in groups_found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Gift, never used",  # a denial: the item is new
        "Inspired by nature, Kelondo Ondine EDP",  # parody wording, no longer a replica admission
        "Outletstore opening soon",  # the term inside a longer word
    ],
)
def test_near_phrases_are_not_taken_for_a_reason_or_an_admission(text: str) -> None:
    found = groups_found(text)
    assert not any(group in ("sale", "replica") for group, _ in found)


def test_every_language_file_lists_every_group() -> None:
    for path in VOCAB_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert all(data.get(group) for group in GROUPS), path.name


def test_parody_and_sale_words_are_mitigating_signals_with_their_terms() -> None:
    text = "Outlet, box damaged. Dupe of Kelondo"
    facts = ListingFacts("t:1", "ShopMarket", "Kelondo Ondine EDP 30ml", text)
    evidence = DETECTOR.evidence(facts)
    signals = {s.name: s for s in evidence.signals}
    assert evidence.features["sale_terms"] == 2.0 and evidence.features["parody_terms"] == 1.0
    assert evidence.features["replica_terms"] == 0.0
    assert signals["sale_terms"].strength < 0 and signals["parody_terms"].strength < 0
    assert "«outlet»" in signals["sale_terms"].evidence["terms"]
    for name in ("sale_terms", "parody_terms"):
        for language, quoted in (("en", "«dupe»"), ("fr", "«dupe»"), ("zh", "「dupe」")):
            assert quoted in sentence(name, {"terms": "«dupe»"}, language)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Silicone case compatible with Quellwave QX-300", "compatible with"),
        ("Replacement ear tips, fits Quellwave QX-300", "fits"),
        ("Coque adaptée pour Quellwave QX-300", None),  # agreement changes the word: not the listed form
        ("Bracelet de rechange pour Lunavelle Orbit", "de rechange pour"),
        ("Ladekabel passend für Quellwave QX-300", "passend für"),
        ("Funda compatible con Quellwave QX-300", "compatible con"),
        ("适用于Quellwave QX-300 耳机套", "适用于"),
    ],
)
def test_what_an_accessory_fits_is_found_in_each_language(text: str, term: str | None) -> None:
    found = {t for group, t in groups_found(text) if group == "compatible"}
    assert found == ({term} if term else set())


@pytest.mark.parametrize(
    "text",
    [
        "Quellwave QX-300, incompatible with old phones? No: Bluetooth 5.3",  # inside a longer word
        "Quellwave QX-300 Buds, benefits: long battery",  # "fits" inside a longer word
        "Kelondo Ondine EDP 30ml, sealed",
    ],
)
def test_near_words_are_not_taken_for_an_accessory(text: str) -> None:
    assert not any(group == "compatible" for group, _ in groups_found(text))


def test_an_accessory_naming_what_it_fits_is_a_mitigating_signal_with_its_sentence() -> None:
    facts = ListingFacts("t:1", "ShopMarket", "Travel case compatible with Kelondo Ondine EDP 30ml", "")
    evidence = DETECTOR.evidence(facts)
    signal = next(s for s in evidence.signals if s.name == "compatible_terms")
    assert evidence.features["compatible_terms"] == 1.0 and signal.strength < 0
    assert signal.evidence["terms"] == "«compatible with»"
    quotes = {"en": "«compatible with»", "fr": "«compatible with»", "zh": "「compatible with」"}
    for language, quoted in quotes.items():
        assert quoted in sentence("compatible_terms", signal.evidence, language)


def test_plain_text_fires_no_parody_or_sale_signal() -> None:
    evidence = DETECTOR.evidence(ListingFacts("t:1", "ShopMarket", "Kelondo Ondine EDP 30ml, sealed"))
    assert evidence.features["sale_terms"] == 0.0 and evidence.features["parody_terms"] == 0.0
    assert not {"sale_terms", "parody_terms"} & {s.name for s in evidence.signals}


def _offer(key: str, price: float | None, text: str = "") -> ListingFacts:
    return ListingFacts(key, "ShopMarket", "Kelondo Ondine EDP 30ml", text, price=price, seller="mixer")


def test_a_listing_priced_below_its_sellers_usual_is_measured_against_them() -> None:
    offers = [_offer("t:1", 108.0, "Outlet"), _offer("t:2", 108.0, "Outlet"), _offer("t:3", 45.0)]
    offers.append(_offer("t:4", None))
    evidences = [DETECTOR.evidence(f) for f in offers]
    add_seller_context(evidences)
    assert evidences[0].features["price_vs_seller_median"] == pytest.approx(1.0)
    assert evidences[2].features["price_vs_seller_median"] == pytest.approx(45 / 108)
    assert math.isnan(evidences[3].features["price_vs_seller_median"])
    assert evidences[0].features["seller_sale_share"] == pytest.approx(0.5)
    assert len(evidences[0].row()) == len(FEATURES)


def test_the_model_is_chosen_on_training_sellers_out_of_fold_never_on_the_held_out_ones() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, len(FEATURES)))  # noqa: N806 - the scikit-learn name
    labels = X[:, 0] + 0.5 * rng.normal(size=240) > 0
    groups = np.array([f"s{i // 3}" for i in range(240)])
    split = split_by_seller(labels, groups, 0)
    model = fit_model(X, labels, groups, split, REFERENCES, target_precision=0.9)
    training = {name: model.figures[f"{name}_training_ap"] for name in ("lightgbm", "logistic")}
    assert model.figures["lightgbm_chosen"] == float(training["lightgbm"] >= training["logistic"])
    assert {"lightgbm_ap", "logistic_ap"} <= set(model.figures)
    assert matrix([]).shape == (0, len(FEATURES))
