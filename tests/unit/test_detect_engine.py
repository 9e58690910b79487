"""Signals with their evidence, the calibrated scorer, per-brand rules, reasons in three languages."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache

import numpy as np
import pytest
from sklearn.base import clone  # type: ignore[import-untyped]

from countermark.core.errors import InvalidInput
from countermark.detect.engine import DetectionModel, score
from countermark.detect.facts import ListingFacts, ProductRef, References, SellerFacts
from countermark.detect.offers import offer_signal
from countermark.detect.pipeline import threshold_for_precision
from countermark.detect.reasons import SENTENCES, reasons, sentence
from countermark.detect.rules import Decision, decide, rules_from_json
from countermark.detect.scorer import ListingScorer, expected_calibration_error
from countermark.detect.seller_context import add_seller_context
from countermark.detect.signals import FEATURES, Detector
from countermark.detect.training import fit_model, held_out_figures, matrix, split_by_seller

GENUINE_PHOTO = "f" * 32 + "0" * 32
NOW = datetime(2026, 6, 1, tzinfo=UTC)
REFERENCES = References(
    marks={"Kelondo": ("Kelondo",), "Chronark": ("Chronark",)},
    products=(
        ProductRef(
            "sim:P-1",
            "Kelondo",
            "Kelondo Ondine EDP 30ml",
            "7395186157215",
            160.0,
            200.0,
            "EUR",
            "perfume",
            (GENUINE_PHOTO,),
        ),
        ProductRef(
            "sim:P-2",
            "Chronark",
            "Chronark Pilot Field 38",
            "7682098520863",
            1800.0,
            2200.0,
            "EUR",
            "watches",
        ),
    ),
    authorised=frozenset({("kelondo", "shopmarket", "kelondo_official")}),
    fx_to_eur={"EUR": 1.0, "USD": 0.9},
    known_offer_signals=(
        offer_signal("IPTV premium 12 months 20000 channels m3u lifetime activation") or "",
    ),
)
DETECTOR = Detector(REFERENCES)


def listing(
    title: str,
    *,
    key: str = "t:1",
    seller: str = "shop1",
    price: float | None = None,
    currency: str = "EUR",
    description: str = "",
    photos: tuple[str, ...] = (),
    ships_from: str | None = None,
) -> ListingFacts:
    return ListingFacts(
        key=key,
        platform="ShopMarket",
        title=title,
        description=description,
        price=price,
        currency=currency,
        seller=seller,
        ships_from=ships_from,
        observed_at=NOW,
        photo_hashes=photos,
        url=f"https://shopmarket.example/item/{key}",
    )


def names(facts: ListingFacts, seller: SellerFacts | None = None) -> dict[str, dict[str, str]]:
    return {s.name: dict(s.evidence) for s in DETECTOR.evidence(facts, seller).signals}


def test_a_price_far_below_the_genuine_band_is_a_signal_with_its_figures() -> None:
    evidence = DETECTOR.evidence(listing("Kelondo Ondine EDP 30ml", price=40.0))
    assert evidence.product == "sim:P-1"
    assert evidence.features["price_ratio"] == pytest.approx(40 / 180)
    assert names(listing("Kelondo Ondine EDP 30ml", price=40.0))["price_low"]["low"] == "160.00"
    assert "price_low" not in names(listing("Kelondo Ondine EDP 30ml", price=170.0))


def test_a_price_is_compared_through_the_rates_or_in_its_own_currency() -> None:
    usd = names(listing("Kelondo Ondine EDP 30ml", price=40.0, currency="USD"))["price_low"]
    assert (usd["price"], usd["currency"]) == ("36.00", "EUR")  # 40 USD at 0.9
    # No rate for yen: a yen price cannot be set against a euro band...
    assert "price_low" not in names(listing("Kelondo Ondine EDP 30ml", price=4000.0, currency="JPY"))
    # ...but two prices in the same currency need none.
    yen_band = replace(REFERENCES.products[0], currency="JPY", price_min=30000.0, price_max=30000.0)
    yen = Detector(replace(REFERENCES, products=(yen_band,)))
    found = {s.name: s.evidence for s in yen.evidence(listing("Kelondo Ondine EDP", price=4000.0,
                                                               currency="jpy")).signals}  # fmt: skip
    assert (found["price_low"]["price"], found["price_low"]["currency"]) == ("4000.00", "JPY")
    assert "4000.00 JPY" in sentence("price_low", found["price_low"])
    # A signal stored before sentences named the currency still reads in euros.
    assert "(40.00 EUR)" in sentence("price_low", {"price": "40.00", "low": "160.00", "product": "X"})


def test_the_price_is_converted_from_the_listings_currency() -> None:
    evidence = DETECTOR.evidence(listing("Chronark Pilot Field 38", price=1000.0, currency="USD"))
    assert evidence.features["price_ratio"] == pytest.approx(900 / 2000)
    unknown = DETECTOR.evidence(listing("Chronark Pilot Field 38", price=1000.0, currency="XAF"))
    assert math.isnan(unknown.features["price_ratio"])


def test_a_quoted_gtin_finds_the_product_even_without_the_mark() -> None:
    evidence = DETECTOR.evidence(listing("Luxury perfume", description="EAN 7395186157215"))
    assert (evidence.brand, evidence.product, evidence.features["gtin_quoted"]) == ("Kelondo", "sim:P-1", 1.0)


def test_disguises_are_told_from_the_slips_an_honest_seller_also_makes() -> None:
    def lookalikes(title: str) -> tuple[float, float]:
        f = DETECTOR.evidence(listing(title)).features
        return f["mark_lookalike"], f["mark_disguised"]

    # Other scripts' letters and digits for letters are written to pass a filter; a typo or a name glued
    # to the next word is also an honest hand's.
    assert lookalikes("Кelondo Ondine (Cyrillic К)") == (1.0, 1.0)
    assert lookalikes("Kel0ndo Ondine EDP") == (1.0, 1.0)
    assert lookalikes("Keelondo Ondine EDP") == (1.0, 0.0)
    assert lookalikes("K e l o n d o Ondine EDP") == (1.0, 0.0)
    assert lookalikes("Kelondo Ondine EDP") == (0.0, 0.0)


def test_a_genuine_photo_is_theft_from_an_unauthorised_seller_only() -> None:
    near = "f" * 32 + "0" * 31 + "1"  # one bit from the reference
    stolen = names(listing("Perfume", photos=(near,), seller="cheap_perfumes"))
    assert "photo_theft" in stolen and stolen["photo_theft"]["product"] == "Kelondo Ondine EDP 30ml"
    own = names(listing("Perfume", photos=(near,), seller="kelondo_official"))
    assert "photo_theft" not in own and "seller_authorised" in own


def test_seller_signals_carry_their_evidence() -> None:
    seller = SellerFacts(
        "ShopMarket",
        "shop1",
        country="FR",
        joined_at=NOW - timedelta(days=12),
        confirmed_infringements=3,
        network_size=7,
    )
    found = names(listing("Kelondo Ondine", ships_from="CN"), seller)
    assert found["ships_from_other_country"] == {"ships_from": "CN", "declared": "FR"}
    assert found["seller_history"] == {"count": "3"}
    evidence = DETECTOR.evidence(listing("Kelondo Ondine"), seller)
    assert evidence.features["account_age_days"] == pytest.approx(12.0)
    # A linked network counts once another of its sellers was confirmed infringing: an honest operator's
    # shops are linked too, and its size alone says nothing.
    assert "seller_network" not in found
    assert (evidence.features["seller_network_size"], evidence.features["seller_network_confirmed"]) == (0, 0)
    known = replace(seller, network_confirmed=2)
    assert names(listing("Kelondo Ondine"), known)["seller_network"] == {"size": "7", "confirmed": "2"}
    evidence = DETECTOR.evidence(listing("Kelondo Ondine"), known)
    assert (evidence.features["seller_network_size"], evidence.features["seller_network_confirmed"]) == (7, 2)
    values = names(listing("Kelondo Ondine"), known)["seller_network"]
    assert sentence("seller_network", values, "en") == (
        "The seller belongs to a network of 7 linked accounts whose other sellers have 2 confirmed "
        "infringing listings."
    )
    # Reasons stored before the sentence named the confirmed listings still read (in every language).
    assert (
        sentence("seller_network", {"size": "7"}, "fr")
        == "Le vendeur appartient à un réseau de 7 comptes liés."
    )
    assert "shop_name_uses_mark" in names(listing("Kelondo Ondine", seller="kelondo.outlet.store"))


def test_piracy_offers_are_found_by_vocabulary_and_by_similarity_to_known_offers() -> None:
    found = names(listing("IPTV premium 12 months", description="20000 channels m3u lifetime activation"))
    assert "piracy_terms" in found and "known_offer" in found
    assert "known_offer" not in names(listing("Wooden chair, oak"))


def test_seller_context_counts_the_sellers_listings_without_labels() -> None:
    evidences = [
        DETECTOR.evidence(listing(t, key=f"t:{i}", price=p))
        for i, (t, p) in enumerate(
            [("Kelondo Ondine EDP 30ml", 30.0), ("Kelondo Ondine EDP 30ml", 35.0), ("Oak chair", 50.0)]
        )
    ]
    add_seller_context(evidences)
    assert evidences[0].features["seller_listings"] == 3
    assert evidences[0].features["seller_low_price_share"] == pytest.approx(2 / 3)
    assert len(evidences[0].row()) == len(FEATURES)


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows whose positive rate rises with the first feature, noisy, sellers of 3 rows."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    p = 1 / (1 + np.exp(-3 * x[:, 0]))
    y = rng.random(n) < p
    return x, y, np.array([f"s{i // 3}" for i in range(n)])


@pytest.mark.parametrize("model", ["lightgbm", "logistic"])
@pytest.mark.parametrize("calibration", ["isotonic", "sigmoid"])
def test_the_scorer_is_calibrated_on_held_out_sellers(model: str, calibration: str) -> None:
    x, y, groups = synthetic(3000)
    scorer = ListingScorer(model=model, calibration=calibration)  # type: ignore[arg-type]
    assert scorer.fit(x, y, groups) is scorer
    test_x, test_y, _ = synthetic(3000, seed=1)
    probabilities = scorer.predict_proba(test_x)
    assert probabilities.shape == (3000, 2) and np.allclose(probabilities.sum(axis=1), 1.0)
    assert expected_calibration_error(probabilities[:, 1], test_y) < 0.05
    assert clone(scorer).get_params() == scorer.get_params()


def test_the_scorer_refuses_labels_of_one_class() -> None:
    x, _, groups = synthetic(30)
    with pytest.raises(ValueError, match="both"):
        ListingScorer().fit(x, np.zeros(30, dtype=bool), groups)


def test_the_threshold_keeps_the_precision_asked_for() -> None:
    scores = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    labels = np.array([True, True, True, False, True, False])
    assert threshold_for_precision(scores, labels, 1.0) == 0.9
    assert threshold_for_precision(scores, labels, 0.8) == 0.9  # stops at the first dip (0.75 at 0.8)
    assert threshold_for_precision(scores, labels, 0.75) == 0.7
    assert threshold_for_precision(np.array([0.5, 0.5]), np.array([True, False]), 1.0) == 1.0


def test_rules_allow_deny_and_set_thresholds() -> None:
    rules = rules_from_json(
        [
            {
                "brand": "Kelondo",
                "allow_sellers": ["ShopMarket:kelondo_official"],
                "allow_domains": ["kelondo.com"],
                "deny_sellers": ["ShopMarket:fakes4u"],
                "deny_terms": ["Kelondo inspired"],
                "threshold": 0.7,
            },
        ]
    )

    def run(
        probability: float, seller: str, url: str = "https://shopmarket.example/1", text: str = ""
    ) -> Decision:
        return decide(
            probability,
            brand="Kelondo",
            platform="ShopMarket",
            seller=seller,
            url=url,
            text=text,
            rules=rules,
            default_threshold=0.9,
        )

    assert run(0.99, "kelondo_official") == Decision(
        False, 0.7, "allow_seller", {"seller": "kelondo_official", "brand": "Kelondo"}
    )
    assert run(0.99, "x", url="https://www.kelondo.com/p/1").rule == "allow_domain"
    assert run(0.01, "FAKES4U").alert is True
    assert run(0.01, "x", text="a Kelondo inspired scent").rule == "deny_term"
    assert run(0.75, "x").alert is True  # the brand's own threshold, not the default 0.9
    assert (
        decide(
            0.75,
            brand="Chronark",
            platform="ShopMarket",
            seller="x",
            url="",
            text="",
            rules=rules,
            default_threshold=0.9,
        ).alert
        is False
    )


def test_malformed_rules_are_refused_with_the_rule_named() -> None:
    with pytest.raises(InvalidInput, match="rule 1"):
        rules_from_json([{"brand": "Kelondo", "threshold": 2}])
    with pytest.raises(InvalidInput, match="allow_sellers"):
        rules_from_json([{"brand": "Kelondo", "allow_sellers": "one"}])


def test_every_sentence_exists_in_english_french_and_chinese() -> None:
    assert all(set(templates) == {"en", "fr", "zh"} for templates in SENTENCES.values())
    assert (
        sentence("price_low", {"price": "40.00", "low": "160.00", "ratio": "0.2", "product": "X"}, "fr")
        == "Le prix (40,00 EUR) est sous la moitié du plus bas prix d'origine de X (160,00 EUR)."
    )
    assert "售价" in sentence("price_low", {"price": "1", "low": "2", "ratio": "0", "product": "X"}, "zh")
    assert (
        sentence("mark_exact", {"mark": "Kelondo"}, "de") == "The listing names the registered mark Kelondo."
    )


@cache
def tiny_rows(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hand-made listings' feature rows, labels and sellers: fakes cheap, worded as replicas or lookalikes."""
    rng = random.Random(seed)
    rows: list[tuple[ListingFacts, SellerFacts | None]] = []
    labels = []
    for i in range(240):
        fake = i % 2 == 0
        seller = f"{'fake' if fake else 'shop'}{i // 6}"
        # Mostly separable, not entirely: some fakes show no tell, some honest listings are cheap.
        if fake and rng.random() < 0.85:
            title = rng.choice(["Kel0ndo Ondine replica", "Keelondo Ondine EDP", "Kelondo Ondine AAA 1:1"])
            price = rng.uniform(15, 60)
        else:
            title = rng.choice(["Kelondo Ondine EDP 30ml", "Oak chair", "Kelondo Ondine EDP, sealed"])
            price = rng.uniform(30, 60) if rng.random() < 0.1 else rng.uniform(150, 210)
        rows.append((listing(title, key=f"t:{i}", seller=seller, price=price), None))
        labels.append(fake)
    evidences = [DETECTOR.evidence(f, s) for f, s in rows]
    add_seller_context(evidences)
    return matrix(evidences), np.array(labels), np.array([e.seller or "" for e in evidences])


@cache
def tiny_model(seed: int = 0) -> DetectionModel:
    """A model fitted on the hand-made listings."""
    X, y, groups = tiny_rows(seed)  # noqa: N806 - the scikit-learn name
    return fit_model(
        X,
        y,
        groups,
        split_by_seller(y, groups, seed),
        REFERENCES,
        target_precision=0.95,
        seed=seed,
    )


def test_scoring_gives_calibrated_probabilities_decisions_and_reasons_in_the_users_language() -> None:
    model = tiny_model()
    assert set(model.figures) >= {"ap", "precision", "recall", "lightgbm_ap", "logistic_ap", "threshold"}
    results = score(
        model,
        [
            (listing("Kel0ndo Ondine replica", key="t:a", seller="new1", price=20.0), None),
            (listing("Kelondo Ondine EDP 30ml", key="t:b", seller="new2", price=180.0), None),
        ],
        language="fr",
    )
    fake, genuine = results
    assert fake.probability > genuine.probability
    assert fake.alert and not genuine.alert
    assert any("déguise la marque Kelondo" in r for r in fake.reasons)
    assert fake.reasons[0].startswith("Le modèle estime")


def test_reasons_put_the_deciding_rule_first() -> None:
    decision = Decision(True, 0.9, "deny_seller", {"seller": "fakes4u", "brand": "Kelondo"})
    assert reasons([], decision, 0.1, "zh")[0] == "报警：Kelondo 已将 fakes4u 列为已知侵权者。"


def test_a_model_saved_with_fewer_features_is_measured_on_its_own_columns() -> None:
    # `detect retrain` measures the previous model on today's rows, which may hold features added since.
    X, y, groups = tiny_rows()  # noqa: N806 - the scikit-learn name
    split = split_by_seller(y, groups, 0)
    kept = list(range(len(FEATURES) - 3))[::-1]  # three fewer, and in another order
    train, held = split.train, split.held_out
    scorer = ListingScorer(model="logistic", random_state=0).fit(X[train][:, kept], y[train], groups[train])
    older = DetectionModel(scorer, 0.5, REFERENCES, features=tuple(FEATURES[i] for i in kept))
    on_today = held_out_figures(older, X[held], y[held])
    older_rows = held_out_figures(replace(older, features=FEATURES), X[held][:, kept], y[held])
    assert on_today == pytest.approx(older_rows, nan_ok=True)
    assert on_today["ap"] > 0.5


def test_listings_of_one_calibrated_step_keep_the_models_order_even_at_the_top() -> None:
    # Separable rows: isotonic calibration puts every clear positive on one step at 1 and every clear
    # negative on one at 0. Within each step the probabilities must still follow the raw score, and the
    # top step must stay below 1, so a threshold can take part of it.
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(-3, 1, size=(600, 2)), rng.normal(3, 1, size=(600, 2))])
    y = np.array([False] * 600 + [True] * 600)
    groups = np.array([f"s{i // 3}" for i in range(1200)])
    scorer = ListingScorer(model="logistic").fit(x, y, groups)
    probabilities = scorer.predict_proba(x)[:, 1]
    raw = scorer.raw_scores(x)
    assert probabilities.max() < 1.0 and probabilities.min() >= 0.0
    top = probabilities > 0.999
    assert top.sum() > 100 and len(set(probabilities[top].round(15))) > 100
    assert np.all(np.diff(probabilities[top][np.argsort(raw[top])]) >= 0)
