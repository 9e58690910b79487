"""A listing's photo read against the brand its text names: product photos of one kind lie close together."""

from __future__ import annotations

from countermark.detect.facts import ProductRef, References
from countermark.detect.photos import PhotoBank
from countermark.detect.signals import Detector
from tests.unit.test_detect_engine import listing

OURS = "f" * 64
THEIRS = "f" * 60 + "0" * 4  # 16 bits from ours: both are matches of one listing photo
COPY = "f" * 61 + "0" * 3  # 12 bits from ours, 4 from theirs


def _references(*, our_photo: str = OURS) -> References:
    def product(key: str, brand: str, name: str, photo: str) -> ProductRef:
        return ProductRef(key, brand, name, None, 300.0, 400.0, "EUR", "headphones", (photo,))

    return References(
        marks={"Lumexa": ("Lumexa",), "Quellwave": ("Quellwave",)},
        products=(
            product("sim:P-1", "Lumexa", "Lumexa QX-300 Buds", our_photo),
            product("sim:P-2", "Quellwave", "Quellwave Wave Lite", THEIRS),
        ),
        authorised=frozenset({("lumexa", "shopmarket", "audioplanet")}),
    )


def test_the_bank_finds_the_nearest_among_some_labels_only() -> None:
    bank = PhotoBank([(OURS, "a"), (THEIRS, "b")])
    assert [m.label for m in bank.nearest([COPY])] == ["b"]
    assert [(m.label, m.distance) for m in bank.nearest([COPY], among={"a"})] == [("a", 12)]
    assert bank.nearest([COPY], among=set()) == []


def test_the_named_brands_matching_photo_wins_over_a_nearer_one_of_another_brand() -> None:
    detector = Detector(_references())
    offer = listing("Kopfhörer Lumexa QX-300 Buds", seller="audioplanet", price=350.0, photos=(COPY,))
    evidence = detector.evidence(offer)
    assert (evidence.brand, evidence.product) == ("Lumexa", "sim:P-1")
    # The authorised seller of the brand it names is no photo thief.
    assert evidence.features["seller_authorised"] == 1.0 and evidence.features["photo_theft"] == 0.0
    other = detector.evidence(listing("Kopfhörer Lumexa QX-300 Buds", seller="cheap", photos=(COPY,)))
    assert other.product == "sim:P-1" and other.features["photo_theft"] == 1.0


def test_another_brands_photo_stands_when_none_of_the_named_brands_matches() -> None:
    far = "0" * 64
    detector = Detector(_references(our_photo=far))
    evidence = detector.evidence(listing("Lumexa headphones", seller="audioplanet", photos=(COPY,)))
    assert (evidence.brand, evidence.product) == ("Quellwave", "sim:P-2")
    assert evidence.features["photo_theft"] == 1.0
    # A text naming no brand takes the nearest photo, whoever's it is.
    assert Detector(_references()).evidence(listing("Headphones", photos=(COPY,))).product == "sim:P-2"
