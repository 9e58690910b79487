"""The domains a page is served under (`observe.redirects`) and the world's moving shops (`sim.moves`)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from pydantic import ValidationError

from countermark.observe.identifiers import normalise_identifier
from countermark.observe.redirects import redirect_domains, site_domain
from countermark.observe.schemas import AccountIn
from countermark.observe.service import account_sightings
from countermark.sim.moves import assign_moves, read_moves, write_moves
from tests.worlds import web_shop


def test_a_pages_own_domain_is_left_out_of_the_domains_it_was_reached_through() -> None:
    assert site_domain("https://www.Shop-B.co.uk/p/1") == "shop-b.co.uk"
    assert site_domain("not a url") is None and site_domain(None) is None
    chain = ["http://old-shop.com/", "https://old-shop.com/", "https://go.tracker.net/r?x=1"]
    assert redirect_domains("https://new-shop.com/", chain) == ["old-shop.com", "tracker.net"]
    # http -> https and www -> bare on one site is no other site
    assert redirect_domains("https://shop.com/", ["http://www.shop.com/"]) == []
    assert normalise_identifier("site_domain", "https://www.Shop.com/x") == "shop.com"


def test_a_shops_account_holds_its_own_domain_and_those_that_redirected_to_it() -> None:
    row = {"source": "t", "external_id": "A1", "platform": "web", "handle": "new-shop.com",
           "profile_url": "https://new-shop.com/"}  # fmt: skip
    record = AccountIn.model_validate({**row, "redirected_from": ["https://old-shop.com/"]})
    found = {(s.found.kind, s.found.value, s.field) for s in account_sightings(record)}
    assert ("site_domain", "new-shop.com", "site") in found
    assert ("site_domain", "old-shop.com", "redirect") in found
    market = AccountIn.model_validate(
        {**row, "platform": "Bazario", "handle": "seller1", "profile_url": None}
    )
    assert not [s for s in account_sightings(market) if s.found.kind == "site_domain"]
    with pytest.raises(ValidationError):
        AccountIn.model_validate({**row, "redirected_from": ["javascript:alert(1)"]})
    with pytest.raises(ValidationError):
        AccountIn.model_validate({**row, "redirected_from": [f"https://s{i}.com/" for i in range(21)]})


def test_a_networks_shop_moves_onto_a_sibling_and_few_honest_shops_are_parked(tmp_path: Path) -> None:
    shops = [web_shop(f"ring{n}-{i}.example", f"network-{n:03d}") for n in range(40) for i in range(2)]
    shops += [web_shop(f"honest{i}.example", None) for i in range(300)]
    moves = assign_moves(random.Random(3), shops)
    moved = {k: v for k, v in moves.items() if v is not None}
    assert 10 <= len(moved) <= 30
    for old, new in moved.items():
        assert old.split("-")[0] == new.split("-")[0] and old != new  # onto a sibling of its network
    parked = [k for k, v in moves.items() if v is None]
    assert parked and all(k.startswith("honest") for k in parked) and len(parked) <= 20
    write_moves(tmp_path, moves)
    assert read_moves(tmp_path) == (1, moves)
    assert read_moves(tmp_path / "none") == (1, {})
