"""The confirmed infringements of a seller's network as `countermark eval` reads them: the other sellers'
infringing listings whose verdict is known (the training sellers'), never the seller's own nor a held-out
seller's."""

from __future__ import annotations

import numpy as np

from countermark.detect.facts import ListingFacts, SellerFacts
from countermark.eval.detect import network_confirmed


def _row(account: str | None) -> tuple[ListingFacts, SellerFacts | None]:
    facts = ListingFacts(key=f"l:{account}", platform="ShopMarket", title="Kelondo Ondine", seller=account)
    return facts, SellerFacts("ShopMarket", account) if account else None


def test_only_the_known_verdicts_of_the_networks_other_sellers_count() -> None:
    accounts = ["a1", "a1", "a2", "a2", "a3", "a4", None]
    rows = [_row(a) for a in accounts]
    networks = {"a1": (0, 3), "a2": (0, 3), "a3": (1, 2)}
    labels = np.array([True, True, True, False, True, True, True])
    known = np.array([0, 1, 4, 5])  # a1's and a3's and a4's verdicts; a2 is held out
    counts = network_confirmed(rows, accounts, networks, labels, known)
    # a1's own two count for a2 only; a2's infringing listing is held out, so a1 sees none; a3's network
    # holds no other seller; a4 is in no network; a listing without a seller has none.
    assert counts == [0, 0, 2, 2, 0, 0, 0]


def test_nothing_is_known_without_networks() -> None:
    rows = [_row("a1"), _row("a2")]
    assert network_confirmed(rows, ["a1", "a2"], {}, np.array([True, True]), np.array([0, 1])) == [0, 0]
