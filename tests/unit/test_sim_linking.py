"""The world's sellers, networks and shipments: populations, fuzzy links, hubs and what is linkable."""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from countermark.cli.main import app
from countermark.sim.consignors import misread, transliterate, written_address
from countermark.sim.fuzzy import family_domain, similar_handle, typo
from countermark.sim.identifiers import EMAIL, Identifier
from countermark.sim.population import network_sizes
from tests.worlds import shared_world

KINDS = {
    "brand_store",
    "authorised",
    "grey_market",
    "private",
    "accessory",
    "unrelated",
    "network",
    "lone",
    "mixer",
    "parody",
    "outlet",
}
EU = {"FR", "DE", "IT", "ES", "NL", "BE", "PL", "PT"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = shared_world(tmp_path_factory, seed=8)
    return root, json.loads((root / "truth" / "truth.json").read_text(encoding="utf-8"))


def _held(truth: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """Identifiers each account shows on its page or in its offers (text and page scripts)."""
    held: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for section in ("planted_identifiers", "snapshot_identifiers"):
        for name, items in truth[section].items():
            where, key = name.split(":", 1)
            account = key if where == "accounts" else truth["listings"][key]["seller"]
            held[account] |= {(e["kind"], e["value"]) for e in items}
    return held


def _pairs(groups: list[set[str]]) -> set[tuple[str, str]]:
    return {pair for group in groups for pair in combinations(sorted(group), 2)}


def _components(nodes: list[str], edges: list[tuple[str, str]]) -> list[set[str]]:
    parent = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[str, set[str]] = defaultdict(set)
    for n in nodes:
        groups[find(n)].add(n)
    return list(groups.values())


def _f1(predicted: set[tuple[str, str]], actual: set[tuple[str, str]]) -> float:
    hits = len(predicted & actual)
    if not hits:
        return 0.0
    precision, recall = hits / len(predicted), hits / len(actual)
    return 2 * precision * recall / (precision + recall)


def test_every_account_has_a_population_and_a_style(world: tuple[Path, dict[str, Any]]) -> None:
    _, truth = world
    accounts = truth["accounts"]
    assert {a["kind"] for a in accounts.values()} == KINDS
    assert all(a["style"] for a in accounts.values())
    mixers = [a for a in accounts.values() if a["kind"] == "mixer"]
    assert all(0.1 <= a["fake_share"] <= 0.3 for a in mixers)
    assert all(a["fake_share"] is None for a in accounts.values() if a["kind"] != "mixer")
    # Styles are not labels: honest and infringing sellers share them.
    infringing_styles = {a["style"] for a in accounts.values() if a["role"] == "counterfeiter"}
    honest_styles = {a["style"] for a in accounts.values() if a["role"] != "counterfeiter"}
    assert len(infringing_styles & honest_styles) >= 3


def test_listings_of_mixers_grey_market_parody_and_lone_sellers(world: tuple[Path, dict[str, Any]]) -> None:
    root, truth = world
    accounts, listings = truth["accounts"], truth["listings"]
    by_seller: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for listing in listings.values():
        by_seller[listing["seller"]].append(listing)
    mixers = [k for k, a in accounts.items() if a["kind"] == "mixer"]
    assert all(
        any(x["infringing"] for x in by_seller[k])
        and any(not x["infringing"] and x["product"] for x in by_seller[k])
        for k in mixers
    )
    assert all(x["network"] is None for k in mixers for x in by_seller[k])
    records = {
        f"sim:{a['external_id']}": a
        for a in map(json.loads, (root / "online" / "accounts.jsonl").read_text().splitlines())
    }
    grey = [k for k, a in accounts.items() if a["kind"] == "grey_market"]
    assert grey and all(records[k].get("country") in ("CN", "HK") for k in grey)
    assert all(not x["infringing"] for k in grey for x in by_seller[k])
    assert any(x["kind"] == "grey_market" for k in grey for x in by_seller[k])
    authorised = set()
    for path in (root / "holders").glob("*/authorised_sellers.jsonl"):
        authorised |= {json.loads(line)["handle"] for line in path.read_text().splitlines()}
    assert not {accounts[k]["handle"] for k in grey} & authorised
    parody = [x for x in listings.values() if x["kind"] == "parody"]
    assert parody and all(accounts[x["seller"]]["kind"] == "parody" for x in parody)
    infringing = [x for x in listings.values() if x["infringing"]]
    lone = [x for x in infringing if accounts[x["seller"]]["kind"] == "lone"]
    assert 0.15 <= len(lone) / len(infringing) <= 0.3
    lone_networks = [n for n in truth["networks"] if n["kind"] == "lone"]
    assert lone_networks and all(n["size"] == 1 for n in lone_networks)
    assert all(records[n["accounts"][0]].get("country") in EU for n in lone_networks)


def test_account_ages_overlap_on_both_sides(world: tuple[Path, dict[str, Any]]) -> None:
    root, truth = world
    joined = {
        f"sim:{a['external_id']}": a["joined_at"][:10]
        for a in map(json.loads, (root / "online" / "accounts.jsonl").read_text().splitlines())
    }
    sides: dict[bool, list[str]] = defaultdict(list)
    for key, account in truth["accounts"].items():
        sides[account["role"] == "counterfeiter"].append(joined[key])
    for dates in sides.values():
        # TODAY is 2026-06-30: some accounts opened in its last 200 days, some over five years before.
        assert min(dates) < "2021-06-30" and max(dates) > "2025-12-12"


def test_network_sizes_are_heavy_tailed() -> None:
    sizes = network_sizes(random.Random(3), 25)
    assert min(sizes) >= 2 and max(sizes) <= 40 and max(sizes) >= 25 and sizes.count(2) >= 3
    small = network_sizes(random.Random(3), 5)
    assert max(small) <= 14 and 2 in small


def test_linkability_pairs_are_evidenced_by_the_files(world: tuple[Path, dict[str, Any]]) -> None:
    root, truth = world
    held = _held(truth)
    hubs = {(e["kind"], e["value"]) for e in truth["shared_identifiers"]}
    network_of = {a: n["id"] for n in truth["networks"] for a in n["accounts"]}
    handles = {
        f"sim:{a['external_id']}": a
        for a in map(json.loads, (root / "online" / "accounts.jsonl").read_text().splitlines())
    }
    pairs = truth["linkability"]["pairs"]
    assert pairs and truth["linkability"]["note"]
    evidence_kinds = {e for p in pairs for e in p["evidence"]}
    assert {"exact:email", "fuzzy:handle", "fuzzy:bio"} <= evidence_kinds
    assert any(e.startswith("photo:") for e in evidence_kinds)
    for pair in pairs:
        a, b = pair["a"], pair["b"]
        assert network_of[a] == network_of[b] == pair["network"] and pair["evidence"]
        for evidence in pair["evidence"]:
            if evidence.startswith("exact:"):
                kind = evidence.removeprefix("exact:")
                assert any(k == kind for k, _ in (held[a] & held[b]) - hubs), (pair, evidence)
            if evidence == "fuzzy:bio":
                bio_a = set(handles[a].get("bio", "").splitlines())
                assert bio_a & set(handles[b].get("bio", "").splitlines())
    # Almost every network stays connected by some evidence: the upper bound.
    actual = _pairs([set(n["accounts"]) for n in truth["networks"]])
    reach = _components(list(truth["accounts"]), [(p["a"], p["b"]) for p in pairs])
    assert _f1(_pairs(reach), actual) >= 0.97


def test_exact_components_with_the_best_hub_cut_miss_much(world: tuple[Path, dict[str, Any]]) -> None:
    _, truth = world
    held = _held(truth)
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for account, values in held.items():
        for value in values:
            holders[value].add(account)
    actual = _pairs([set(n["accounts"]) for n in truth["networks"]])
    scores = []
    for cut in range(2, 30):
        edges = [
            (min(group), other)
            for group in holders.values()
            if 2 <= len(group) <= cut
            for other in group
            if other != min(group)
        ]
        scores.append(_f1(_pairs(_components(list(truth["accounts"]), edges)), actual))
    assert max(scores) <= 0.8
    # About 30% of the organised networks' accounts share no exact value with their network.
    network_of = {a: n["id"] for n in truth["networks"] if n["kind"] == "network" for a in n["accounts"]}
    linked = {
        a
        for value, group in holders.items()
        if value not in {(e["kind"], e["value"]) for e in truth["shared_identifiers"]}
        for a in group
        if a in network_of and sum(network_of.get(b) == network_of[a] for b in group) >= 2
    }
    assert 0.15 <= 1 - len(linked) / len(network_of) <= 0.5


def test_hubs_operators_and_networks_sharing_a_value(world: tuple[Path, dict[str, Any]]) -> None:
    _, truth = world
    held = _held(truth)
    accounts = truth["accounts"]
    hubs = truth["hubs"]
    assert 5 <= len(hubs) <= 10
    for hub in hubs:
        holders = [a for a, values in held.items() if (hub["kind"], hub["value"]) in values]
        assert 5 <= len(holders) <= 20
    assert any(
        {accounts[a]["role"] for a, values in held.items() if (h["kind"], h["value"]) in values}
        >= {"counterfeiter", "honest"}
        for h in hubs
    )
    assert truth["cross_network_identifiers"]
    operators: dict[str, list[str]] = defaultdict(list)
    for key, account in accounts.items():
        if account["operator"]:
            operators[account["operator"]].append(key)
    assert len(operators) >= 5 and all(len(group) >= 2 for group in operators.values())
    assert all(accounts[k]["network"] is None for group in operators.values() for k in group)
    replacing = [a for a in accounts.values() if a["replaces"]]
    assert all(accounts[a["replaces"]]["network"] == a["network"] for a in replacing)


def test_shipments_are_linked_only_fuzzily(world: tuple[Path, dict[str, Any]]) -> None:
    root, truth = world
    rows = list(csv.DictReader((root / "customs" / "shipments.csv").open(encoding="utf-8")))
    mapping = json.loads((root / "customs" / "shipments-mapping.json").read_text())
    column: dict[str, str] = mapping  # schema field -> the administration's header
    consignments = [r for r in rows if r[column["kind"]] == "consignment"]
    with_seller = [r for r in consignments if r[column["attributes.seller_id"]]]
    assert 0.08 <= len(with_seller) / len(consignments) <= 0.18
    labels = truth["shipments"]
    names: dict[str, set[bool]] = defaultdict(set)
    unlisted = 0
    listed = {n["id"]: set(n["consignor_names"]) for n in truth["networks"]}
    for row in rows:
        label = labels[f"sim-customs:{row[column['external_id']]}"]
        names[row[column["consignor_name"]]].add(label["infringing"])
        if label["network"] and row[column["consignor_name"]] not in listed[label["network"]]:
            unlisted += 1
    assert any(flags == {True, False} for flags in names.values())
    assert unlisted >= 20
    forwarded = [
        r
        for r in rows
        if "c/o" in r[column["consignor_address"]]
        and not labels[f"sim-customs:{r[column['external_id']]}"]["infringing"]
    ]
    assert len(forwarded) >= 100
    # Honest parcels travel under the same headings as fakes, and some are declared far below their worth.
    fake_codes = {
        r[column["hs_code"]]
        for r in consignments
        if labels[f"sim-customs:{r[column['external_id']]}"]["infringing"]
    }
    honest_codes = {
        r[column["hs_code"]]
        for r in consignments
        if not labels[f"sim-customs:{r[column['external_id']]}"]["infringing"]
    }
    assert len(fake_codes & honest_codes) >= 8
    assert any(t["undervalued"] and not t["infringing"] for t in labels.values())


def test_written_names_and_handles_vary_but_stay_recognisable() -> None:
    rng = random.Random(1)
    assert transliterate(rng, "Zhang Wei") in {"Chang Wei", "Cheung Wei"}
    assert {transliterate(rng, "Shenzhen Bright Trading") for _ in range(30)} == {
        "Shen Zhen Bright Trading",
        "Shumchun Bright Trading",
        "ShenZhen Bright Trading",
    }
    assert transliterate(rng, "CHEN WEI") in {"CHAN WEI", "CH'EN WEI"}
    assert misread(rng, "Shenzhen Bright Trading Co., Ltd.") != "Shenzhen Bright Trading Co., Ltd."
    moved = {
        written_address(rng, "Room 1203, Block A, Jinlong Tower", unit=1.0, noisy=0.0) for _ in range(20)
    }
    assert len(moved) > 3 and all("Jinlong Tower" in m for m in moved)
    taken = {"luxbags88"}
    handle = similar_handle(rng, "luxbags88", taken)
    assert handle != "luxbags88" and "luxbags" in handle and handle in taken
    assert family_domain(rng, "gucii-outlet.shop", set()).startswith("gucii-")
    email = Identifier(EMAIL, "brightstore@163.com")
    assert all(typo(rng, email).value != email.value for _ in range(20))


def test_world_build_takes_size_and_scale() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["world", "build", "--size", "enormous"])
    assert result.exit_code == 2 and "size must be one of" in result.output
    result = runner.invoke(app, ["world", "build", "--scale", "enormous"])
    assert result.exit_code == 2


def test_strangers_never_share_a_free_mail_address_or_a_handle() -> None:
    from countermark.sim import identifiers as ids

    def draw() -> list[str]:
        rng = random.Random(5)
        values = [ids.make_email(rng, "Outlet Club", western=True).value for _ in range(40)]
        values += [ids.make_paypal(rng, "kaixin").value for _ in range(120)]
        values += [ids.make_handle(rng, "telegram", "meida").value for _ in range(40)]
        values += [ids.make_email(rng, "support", "brand.com").value for _ in range(3)]
        return values

    loose = draw()
    assert len(set(loose)) < len(loose) - 2  # drawn freely, strangers collide
    with ids.distinct_identifiers():
        kept = draw()
    assert len(set(kept[:-3])) == len(kept) - 3  # every free-mail address and handle is one owner's
    assert set(kept[-3:]) == {"support@brand.com"}  # an address on a given domain is not a drawn stem
    paypal = next(v for v in kept if v.startswith("paypal:") and "x" in v.removeprefix("paypal:kai"))
    assert paypal.startswith("paypal:kaixin")


def test_the_world_has_no_identifier_two_owners_share_by_accident(world: tuple[Path, dict[str, Any]]) -> None:
    _, truth = world
    accounts = truth["accounts"]
    meant = {
        (e["kind"], e["value"])
        for name in ("shared_identifiers", "hubs", "cross_network_identifiers")
        for e in truth[name]
    }
    # A WhatsApp account shared on purpose is also its phone number.
    meant |= {("phone", v.removeprefix("whatsapp:")) for k, v in meant if v.startswith("whatsapp:")}
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, found in truth["planted_identifiers"].items():
        if key.startswith("accounts:"):
            account = accounts[key.split(":", 1)[1]]
            owner = account.get("network") or account.get("operator") or key
            for identifier in found:
                owners[(identifier["kind"], identifier["value"])].add(owner)
    shared = {value for value, held in owners.items() if len(held) > 1 and value not in meant}
    assert shared == set()
