"""Field validators: GTIN check digits, countries, currencies, HS codes, timestamps."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from countermark.core.validation import gs1_check_digit
from countermark.observe.schemas import ListingIn
from countermark.rights.schemas import ProductIn

BASE = {"external_id": "P1", "brand": "B", "name": "n", "category": "c"}


@pytest.mark.parametrize(
    ("gtin", "normalised"),
    [
        ("4006381333931", "04006381333931"),  # EAN-13
        ("036000291452", "00036000291452"),  # UPC-A
        ("96385074", "00000096385074"),  # EAN-8
        ("10614141000415", "10614141000415"),  # GTIN-14
    ],
)
def test_valid_gtins_are_padded_to_14_digits(gtin: str, normalised: str) -> None:
    assert ProductIn.model_validate({**BASE, "gtin": gtin}).gtin == normalised


@pytest.mark.parametrize("gtin", ["4006381333932", "400638133393", "abcdefghijklm", "1234567"])
def test_invalid_gtins_are_rejected(gtin: str) -> None:
    with pytest.raises(ValidationError):
        ProductIn.model_validate({**BASE, "gtin": gtin})


def test_check_digit_matches_the_gs1_example() -> None:
    assert gs1_check_digit("629104150021") == 3


def test_a_naive_timestamp_is_read_as_utc() -> None:
    listing = ListingIn.model_validate(
        {
            "external_id": "L",
            "platform": "p",
            "url": "https://a.example/",
            "title": "t",
            "observed_at": "2026-05-01T10:00:00",
        }
    )
    assert listing.observed_at.utcoffset() is not None and listing.observed_at.hour == 10


def test_a_timestamp_with_an_offset_is_converted_to_utc() -> None:
    listing = ListingIn.model_validate(
        {
            "external_id": "L",
            "platform": "p",
            "url": "https://a.example/",
            "title": "t",
            "observed_at": "2026-05-01T10:00:00+08:00",
        }
    )
    assert listing.observed_at.hour == 2


def test_country_and_currency_are_upper_cased() -> None:
    product = ProductIn.model_validate({**BASE, "price_min": 1, "currency": "eur"})
    assert product.currency == "EUR"
