"""The evaluation of the product's own networks: the store's standing networks read back, mapped to the
truth's keys and scored with the figures of the run over the world's files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.eval.link_store import evaluate_link_store
from tests.service.helpers import make_org
from tests.service.test_link_store import RING, _load, _run


def _truth(**changes: dict[str, Any]) -> dict[str, Any]:
    ring = {"network": "N1"}
    accounts = {"t:A1": ring, "t:A2": ring, "t:A3": ring, "t:A4": {},
                "t:A5": {"operator": "aurel"}, "t:A6": {"operator": "aurel"}}  # fmt: skip
    return {"accounts": {**accounts, **changes}, "shipments": {"t:S1": ring, "t:S2": ring}}


def _scores(store: AppContext, truth: dict[str, Any]) -> dict[str, float]:
    with unit_of_work(store.sessions) as session:
        return evaluate_link_store(session, truth)


def test_nothing_linked_gives_no_figures(store: AppContext, tmp_path: Path) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    assert _scores(store, _truth()) == {}


def test_the_stored_networks_are_scored_against_the_truth(store: AppContext, tmp_path: Path) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    _run(store, org)
    figures = _scores(store, _truth())
    assert figures["pairwise_precision"] == 1.0 and figures["pairwise_recall"] == 1.0
    assert figures["online_to_shipment_recall"] == 1.0 and figures["online_to_shipment_linked"] == 2.0
    assert figures["honest_merged"] == 0.0
    assert (figures["networks_found"], figures["operator_groups_found"]) == (1.0, 1.0)
    assert figures["accounts_stored"] == figures["accounts_in_truth"] == 6.0
    # The same networks against a truth in which the honest seller belongs to the ring: a missed member.
    missed = _scores(store, _truth(**{"t:A4": {"network": "N1"}}))
    assert missed["pairwise_recall"] == 0.5 and missed["pairwise_precision"] == 1.0
    # ...and against one in which the ring is two rings: the merge costs precision, the parcels of the
    # second ring are placed in the first's network.
    split = _scores(store, {**_truth(**{"t:A3": {"network": "N2"}}),
                            "shipments": {"t:S1": {"network": "N1"}, "t:S2": {"network": "N2"}}})  # fmt: skip
    assert split["pairwise_precision"] < 1.0
    assert split["online_to_shipment_precision"] == 0.5
    # An account of the truth the store never received (gone before the crawl) is not a pair to find.
    absent = _scores(store, {**_truth(), "accounts": {**_truth()["accounts"], "t:A9": {"network": "N1"}}})
    assert absent["accounts_stored"] == 6.0 and absent["accounts_in_truth"] == 7.0
    assert absent["pairwise_recall"] == 1.0 and absent["pairwise_precision"] == 1.0
