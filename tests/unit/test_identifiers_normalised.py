"""Identifier normalisation of structured fields, and extraction under hostile input, network blocked."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from countermark.observe import weblinks
from countermark.observe.identifiers import KINDS, extract_identifiers, normalise_identifier
from tests.unit.test_identifiers import (
    ANALYTICS,
    EIP55,
    EMAILS,
    GENESIS,
    HANDLES,
    IBANS,
    PHONES,
    URLS,
    WALLETS,
    cases,
    found,
    values,
)

# ------------------------------------------------------------------------------ structured fields


def test_every_extracted_value_normalises_to_itself() -> None:
    """Free-text and structured sources must produce the same join key for the same identifier."""
    tables: list[list[Any]] = [PHONES, IBANS, EMAILS, URLS, WALLETS, ANALYTICS, HANDLES]
    checked = 0
    for text in (row[1] for table in tables for row in table):
        for item in found(text, "FR"):
            assert normalise_identifier(item.kind, item.value, default_region="FR") == item.value, item
            checked += 1
    assert checked > 100


NORMALISED = [
    ("email", "email", " John.Doe+x@Shop.COM ", "john.doe+x@shop.com"),
    ("email-mailto", "email", "mailto:John@Shop.com?subject=x", "john@shop.com"),
    ("email-obfuscated", "email", "john [at] shop [dot] com", "john@shop.com"),
    ("phone-international", "phone", "+33 6 12 34 56 78", "+33612345678"),
    ("phone-e164-without-plus", "phone", "8613800138000", "+8613800138000"),
    ("url-without-scheme", "url", "WWW.Example.com/A", "http://www.example.com/A"),
    ("domain-from-url", "domain", "https://shop.example.co.uk/x", "example.co.uk"),
    ("domain-trailing-dot", "domain", "Shop.Example.COM.", "example.com"),
    ("domain-idn-to-punycode", "domain", "例子.中国", "xn--fsqu00a.xn--fiqs8s"),
    ("iban", "iban", "IBAN: de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("wallet-bip21", "crypto_wallet", f"bitcoin:{GENESIS}?amount=1", f"btc:{GENESIS}"),
    ("wallet-eth", "crypto_wallet", EIP55, f"eth:{EIP55.lower()}"),
    ("handle-prefixed", "messaging_handle", "telegram:@Name_x", "telegram:name_x"),
    ("handle-labelled", "messaging_handle", "TG: @name_x", "telegram:name_x"),
    ("handle-url", "messaging_handle", "https://t.me/Name_x", "telegram:name_x"),
    ("handle-x-is-twitter", "messaging_handle", "x:@Elon", "twitter:elon"),
    ("handle-whatsapp", "messaging_handle", "whatsapp:+33 6 12 34 56 78", "whatsapp:+33612345678"),
    ("payment-paypal-email", "payment_account", "paypal:Some@X.com", "paypal:some@x.com"),
    ("payment-paypal-me", "payment_account", "paypal.me/Shop", "paypal:shop"),
    ("payment-cashtag", "payment_account", "$CashTag", "cashapp:cashtag"),
    ("analytics-ua", "analytics_id", "ua-12345678-2", "UA-12345678"),
    ("analytics-adsense", "analytics_id", "pub-1234567890123456", "ca-pub-1234567890123456"),
    ("analytics-snippet", "analytics_id", "fbq('init', '123456789012345');", "fbpixel:123456789012345"),
    ("name-accents-suffix", "name", "Société Générale S.A.", "societe generale"),
    ("name-chinese-suffix", "name", "深圳市明亮贸易有限公司", "深圳市明亮贸易"),
    ("name-stacked-suffixes", "name", "Müller GmbH & Co. KG", "muller"),
    ("name-full-width", "name", "ＳＨＥＮＺＨＥＮ  Bright", "shenzhen bright"),
    (
        "address-abbreviations",
        "postal_address",
        "Rm 1203, Bldg 5, No. 8 Jianguo Rd.",
        "room 1203 building 5 number 8 jianguo road",
    ),
    ("address-accents", "postal_address", "12 Rue de l'Église", "12 rue de l eglise"),
]


@pytest.mark.parametrize(("kind", "raw", "value"), cases(NORMALISED))
def test_structured_fields_normalise(kind: str, raw: str, value: str) -> None:
    assert normalise_identifier(kind, raw) == value


def test_national_phone_field_uses_the_default_region() -> None:
    assert normalise_identifier("phone", "06 12 34 56 78", default_region="fr") == "+33612345678"


def test_company_name_variants_share_one_key() -> None:
    a = normalise_identifier("name", "Shenzhen Bright Trading Co., Ltd.")
    b = normalise_identifier("name", "SHENZHEN BRIGHT TRADING CO LTD")
    assert a == b == "shenzhen bright trading"


def test_street_abbreviation_and_spelling_share_one_key() -> None:
    assert normalise_identifier("postal_address", "123 Main St.") == normalise_identifier(
        "postal_address", "123 MAIN STREET"
    )


@pytest.mark.parametrize(
    ("kind", "raw"),
    cases(
        [
            ("email", "email", "not an email"),
            ("phone-too-short", "phone", "12345"),
            ("phone-national-without-region", "phone", "06 12 34 56 78"),
            ("url-not-http", "url", "ftp://x.com"),
            ("url-words", "url", "not a url"),
            ("domain-no-suffix", "domain", "localhost"),
            ("iban-bad-checksum", "iban", "DE89370400440532013001"),
            ("wallet-bad-checksum", "crypto_wallet", GENESIS[:-1] + "b"),
            ("payment-but-messaging", "payment_account", "telegram:@Name"),
            ("handle-unknown-platform", "messaging_handle", "myspace:foo"),
            ("analytics-too-short", "analytics_id", "UA-12"),
            ("name-only-punctuation", "name", " ,.; "),
            ("unknown-kind", "no_such_kind", "x"),
        ]
    ),
)
def test_invalid_structured_values_give_none(kind: str, raw: str) -> None:
    assert normalise_identifier(kind, raw) is None


# --------------------------------------------------------------------------- robustness and offline


@pytest.mark.parametrize(
    "text",
    cases(
        [
            ("1MB-at-dot", "a@a." * 250_000),
            ("dotted-labels", "a." * 100_000),
            ("obfuscated-at", "a [at] " * 15_000),
            ("iban-prefixes", "DE89 " * 20_000),
            ("digits", "1" * 100_000),
            ("labels", "tg: @" * 20_000),
            ("schemes", "http://" * 30_000),
        ]
    ),
)
def test_hostile_input_is_processed_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    extract_identifiers(text, default_region="US")
    # Catastrophic backtracking would take minutes; linear scanning takes well under a second here.
    assert time.perf_counter() - started < 10


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(
            st.sampled_from(
                [
                    "a",
                    "@",
                    ".",
                    " ",
                    "[at]",
                    "(dot)",
                    "com",
                    "+33",
                    "06",
                    "1",
                    "0x",
                    "DE89",
                    "t.me/",
                    "www.",
                    "http://",
                    "/",
                    "微信:",
                    "＠",
                    "é",
                    "\x00",
                    "\u200b",
                    "😀",
                    "tg:",
                    "$",
                    "UA-",
                    "-",
                    ":",
                    "\n",
                ]
            ),
            max_size=60,
        ).map("".join),
    ),
    st.sampled_from([None, "US", "FR", "CN", "zz", ""]),
)
def test_extraction_never_raises_and_raw_always_matches_offsets(text: str, region: str | None) -> None:
    found(text, region)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(KINDS)), st.text(max_size=200), st.sampled_from([None, "GB", "xx"]))
def test_normalise_never_raises(kind: str, raw: str, region: str | None) -> None:
    result = normalise_identifier(kind, raw, default_region=region)
    assert result is None or isinstance(result, str)


def test_domains_are_extracted_with_the_network_blocked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("identifier extraction tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    # A cache directory it could write to, to prove it does not.
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(weblinks, "_extractor", None)
    weblinks.registrable_domain.cache_clear()

    assert values("domain", "Buy at https://shop.fake-brand.co.uk/item") == ["fake-brand.co.uk"]
    assert list(tmp_path.iterdir()) == []
