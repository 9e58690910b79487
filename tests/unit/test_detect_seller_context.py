"""What a seller's other listings show, as features and as sentences the alert can give."""

from __future__ import annotations

import math

import pytest

from countermark.detect.reasons import SENTENCES, sentence
from countermark.detect.seller_context import add_seller_context
from countermark.detect.signals import Evidence
from tests.unit.test_detect_engine import DETECTOR, listing


def _seller(*offers: tuple[str, float | None], seller: str = "shop1") -> list[Evidence]:
    return [
        DETECTOR.evidence(listing(title, key=f"{seller}:{i}", price=price, seller=seller))
        for i, (title, price) in enumerate(offers)
    ]


def _context(evidence: Evidence) -> dict[str, dict[str, str]]:
    return {s.name: dict(s.evidence) for s in evidence.signals if s.name.startswith("seller_range")}


def test_a_listing_is_told_what_its_sellers_other_listings_show() -> None:
    evidences = _seller(
        ("Perfume for women, 30ml", 20.0),
        ("Kel0ndo Ondine EDP 30ml replica", 30.0),
        ("Kelondo Ondine EDP 30ml AAA 1:1", 35.0),
        ("Chronark Pilot Field 38", 300.0),
    )
    add_seller_context(evidences)
    plain = _context(evidences[0])
    assert plain["seller_range_lookalike"] == {"count": "1", "listings": "4"}
    assert plain["seller_range_replica"] == {"count": "2", "listings": "4"}
    assert plain["seller_range_low_price"] == {"count": "3", "listings": "4"}
    assert plain["seller_range_brands"] == {"count": "2", "brands": "Chronark, Kelondo"}
    # Only what other listings contribute: the lookalike's own spelling is its own signal already.
    assert "seller_range_lookalike" not in _context(evidences[1])
    # Each context sentence comes after the listing's own signals, mitigating ones in their sense.
    strengths = {s.name: s.strength for s in evidences[0].signals}
    assert all(0 < strengths[n] < 1 for n in ("seller_range_replica", "seller_range_low_price"))
    assert _context(evidences[1])["seller_range_replica"] == {"count": "2", "listings": "4"}


def test_a_lone_listing_or_a_plain_range_states_no_context() -> None:
    (alone,) = _seller(("Kelondo Ondine EDP 30ml replica", 30.0))
    add_seller_context([alone])
    assert _context(alone) == {}
    plain = _seller(("Oak chair", 50.0), ("Pine table", 80.0), seller="furniture")
    add_seller_context(plain)
    assert all(_context(e) == {} for e in plain)


def test_an_offer_far_cheaper_than_its_sellers_usual_level_says_so() -> None:
    evidences = _seller(
        ("Kelondo Ondine EDP 30ml", 170.0),
        ("Kelondo Ondine EDP 30ml", 175.0),
        ("Kelondo Ondine EDP 30ml", 60.0),
    )
    add_seller_context(evidences)
    assert evidences[2].features["price_vs_seller_median"] == pytest.approx(60 / 170)
    assert _context(evidences[2])["seller_range_cheaper"] == {"percent": "35"}
    sale = _seller(("Kelondo Ondine EDP 30ml outlet, box damaged", 150.0), ("Oak chair", 50.0))
    add_seller_context(sale)
    assert [s.strength for s in sale[1].signals if s.name == "seller_range_sale"] == [-0.1]
    assert "seller_range_cheaper" not in _context(evidences[0])
    unknown = _seller(("Oak chair", 50.0), ("Pine table", None), seller="furniture")
    add_seller_context(unknown)
    assert math.isnan(unknown[0].features["price_vs_seller_median"])


def test_adding_the_context_again_replaces_it() -> None:
    evidences = _seller(("Kelondo Ondine EDP 30ml replica", 30.0), ("Oak chair", 50.0))
    add_seller_context(evidences)
    first = [s for s in evidences[1].signals]
    add_seller_context(evidences)
    assert evidences[1].signals == first
    add_seller_context(evidences[1:])
    assert _context(evidences[1]) == {}


@pytest.mark.parametrize("language", ["en", "fr", "zh"])
def test_every_context_signal_has_a_sentence_in_each_language(language: str) -> None:
    values = {"count": "3", "listings": "5", "brands": "Chronark, Kelondo", "percent": "35"}
    for name in [n for n in SENTENCES if n.startswith("seller_range")]:
        text = sentence(name, values, language)
        assert "{" not in text and ("3" in text or "35" in text)
    assert {n for n in SENTENCES if n.startswith("seller_range")} >= {
        "seller_range_lookalike", "seller_range_replica", "seller_range_photo_theft",
        "seller_range_low_price", "seller_range_sale", "seller_range_brands", "seller_range_cheaper",
    }  # fmt: skip
