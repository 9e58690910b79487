"""Lookalike domains of registered marks, from dnstwist's permutations (no DNS asked)."""

from __future__ import annotations

import socket

import pytest

from countermark.link.lookalikes import lookalike_of, lookalike_table, mark_label


def test_a_mark_becomes_a_domain_label() -> None:
    assert mark_label("Maison Aurel") == "maisonaurel"
    assert mark_label("Éclat d'Or") == "eclatdor"
    assert mark_label("LV") is None  # too short: its permutations are everyday domains


@pytest.mark.parametrize(
    ("domain", "kind"),
    [
        ("aure1.com", "homoglyph"),
        ("arel.com", "omission"),
        ("auerl.com", "transposition"),
        ("aurel.shop", "tld-swap"),
        ("aure1.shop", "homoglyph"),
        ("xn--aurl-dpa.top", "homoglyph"),  # aurél.top
        ("aurel-outlet.com", "dictionary"),
        ("www.aurel-official.com", "dictionary"),
        ("au-rel.com", "hyphenation"),
        ("aurelz.com", "addition"),
    ],
)
def test_permutations_of_a_mark_are_found_with_their_kind(domain: str, kind: str) -> None:
    table = lookalike_table(["Aurel", "Quellwave"])
    assert lookalike_of(domain, table) == ("aurel.com", kind)


@pytest.mark.parametrize(
    ("domain", "imitated", "kind"),
    [
        ("dermaville-store-prime.top", "dermavelle.com", "vowel-swap"),
        ("glimmerhold-store-star.net", "glimmerhold.com", "dictionary"),
        ("pluumibo-soldes-daily.com", "plumibo.com", "repetition"),
        ("best-aurel-deals.shop", "aurel.com", "dictionary"),
    ],
)
def test_a_word_of_a_longer_label_imitates_a_mark(domain: str, imitated: str, kind: str) -> None:
    table = lookalike_table(["Aurel", "Dermavelle", "Glimmerhold", "Plumibo"])
    assert lookalike_of(domain, table) == (imitated, kind)


def test_short_words_and_short_marks_are_not_matched_inside_longer_labels() -> None:
    table = lookalike_table(["Luna", "Aurel"])
    assert lookalike_of("lunar-shop.com", table) is None  # "lunar" is an addition to "luna", a 4-letter mark
    assert lookalike_of("luna.shop", table) == ("luna.com", "tld-swap")  # the whole label still counts
    assert lookalike_of("aure-shop.com", table) is None  # a 4-letter word


def test_the_marks_own_domain_and_unrelated_domains_are_not_lookalikes() -> None:
    table = lookalike_table(["Aurel"])
    for domain in ("aurel.com", "bagstudio.com", "aurelia-gardens.com", "shop.example"):
        assert lookalike_of(domain, table) is None, domain
    assert lookalike_table([]) == {}


def test_generating_permutations_asks_no_name_server(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a lookup was attempted")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)
    assert lookalike_of("voltax1s.com", lookalike_table(["Voltaxis Audio"])) is None  # another label
    assert lookalike_of("voltaxisaudio.top", lookalike_table(["Voltaxis Audio"])) == (
        "voltaxisaudio.com",
        "tld-swap",
    )
