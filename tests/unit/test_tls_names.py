"""TLS certificate names as an identifier (`observe.tls`), the world's certificates (`sim.certificates`),
and what linking makes of them: one operator's shops on one certificate are tied, a CDN's is a hub."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from countermark.link.engine import run_linking
from countermark.link.evidence import Party
from countermark.observe.identifiers import normalise_identifier
from countermark.observe.schemas import ListingIn
from countermark.observe.tls import MAX_VALUE, tls_name, tls_names_value
from countermark.sim.certificates import assign_certificates, read_certificates, write_certificates
from tests.worlds import web_shop


def test_names_are_normalised_sorted_and_deduplicated() -> None:
    found = tls_names_value(["WWW.Shop-A.example.", "shop-a.example", "*.Shop-A.example", "shop-a.example"])
    assert found == "*.shop-a.example,shop-a.example,www.shop-a.example"
    assert tls_names_value(["bücher.example"]) == "xn--bcher-kva.example"
    assert tls_names_value(["localhost", "not a name", "-bad-.example", ""]) is None
    assert normalise_identifier("tls_names", "b.example, a.example") == "a.example,b.example"


def test_a_long_list_keeps_its_start_and_a_hash_of_the_whole() -> None:
    many = [f"customer-shop-number-{i:03d}.example" for i in range(100)]
    value = tls_names_value(many)
    assert value is not None and len(value) == MAX_VALUE and "#" in value
    assert tls_names_value([*many[:-1], "other.example"]) != value


@given(st.lists(st.text(max_size=70), max_size=8))
def test_any_input_gives_a_value_or_none_without_failing(names: list[str]) -> None:
    value = tls_names_value(names)
    assert value is None or all(tls_name(n) == n for n in value.split("#")[0].split(",") if n)


def test_a_listing_row_with_names_that_are_not_dns_names_is_refused() -> None:
    row = {"source": "t", "external_id": "L1", "platform": "web", "url": "https://a.example/p/1",
           "title": "Bag", "observed_at": "2025-01-01T00:00:00Z"}  # fmt: skip
    assert ListingIn.model_validate({**row, "tls_names": ["a.example"]}).tls_names == ["a.example"]
    with pytest.raises(ValidationError, match="not a DNS name"):
        ListingIn.model_validate({**row, "tls_names": ["<script>"]})
    with pytest.raises(ValidationError):
        ListingIn.model_validate({**row, "tls_names": [f"n{i}.example" for i in range(101)]})
    # Not in the record's dump: the content hash of a row stored before the field existed is unchanged.
    assert "tls_names" not in ListingIn.model_validate({**row, "tls_names": ["a.example"]}).model_dump()


def test_certificates_of_shops_a_networks_own_a_cdns_and_a_hosts(tmp_path: Path) -> None:
    shops = [web_shop(f"ring{n}-{i}.example", f"network-{n:03d}") for n in range(20) for i in range(3)]
    shops += [web_shop(f"honest{i}.example", None) for i in range(150)]
    names = assign_certificates(random.Random(7), shops)
    assert set(names) == {s.handle for s in shops}
    groups = Counter(names.values())
    for handle, found in names.items():
        assert handle in found  # every certificate names the shop it is served for
    cdn = [n for n in groups if n[0].endswith(".edgessl-cdn.net")]
    hosting = [n for n in groups if n[0].endswith(".hostbox-shared.com")]
    assert cdn and all(12 <= groups[n] <= 30 + 11 for n in cdn)
    assert hosting and all(groups[n] >= 4 for n in hosting)
    shared_by_rings = [n for n in groups if groups[n] >= 2 and n not in cdn and n not in hosting]
    assert shared_by_rings and all(n[0].startswith("ring") for n in shared_by_rings)
    assert all(groups[n] == 1 for n in groups if n[0].startswith("honest"))
    write_certificates(tmp_path, names)
    assert read_certificates(tmp_path) == names


def _site(key: str, *values: tuple[str, str]) -> Party:
    return Party(key=key, kind="shop", platform="web", country="CN", values=frozenset(values))


def test_one_certificate_ties_an_operators_shops_and_a_cdns_ties_nobody() -> None:
    own = ("tls_names", "a.example,b.example,www.a.example,www.b.example")
    cdn = ("tls_names", "sni1.edgessl-cdn.net," + ",".join(f"c{i}.example" for i in range(12)))
    parties = [_site("a", own), _site("b", own)] + [_site(f"c{i}", cdn) for i in range(12)]
    run = run_linking(parties)
    assert run.member_of["a"] == run.member_of["b"]
    assert not any(f"c{i}" in run.member_of for i in range(12))
    assert cdn in run.hubs
