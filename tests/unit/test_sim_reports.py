"""Synthetic consumer reports: deterministic per seed, and each one true to the listing its truth names."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from countermark.sim.reports import PHOTOS_DIR, REPORTS_FILE, TRUTH_FILE, generate_reports, write_reports
from countermark.sim.scans import Histories, generate_histories
from tests.worlds import shared_world

pytestmark = pytest.mark.slow


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_world(tmp_path_factory, seed=7)


def _products(world: Path) -> dict[str, str]:
    """The products (external id → 14-digit GTIN) of the brand with the most counterfeit listings."""
    truth = json.loads((world / "truth" / "truth.json").read_text("utf-8"))
    counts: dict[str, int] = {}
    for label in truth["listings"].values():
        if label["infringing"] and label["brand"]:
            counts[label["brand"]] = counts.get(label["brand"], 0) + 1
    brand = max(sorted(counts), key=lambda b: counts[b])
    products = [p for path in world.glob("holders/*/products.jsonl") for p in _jsonl(path)]
    return {p["external_id"]: p["gtin"].zfill(14) for p in products if p["brand"] == brand and p.get("gtin")}


def _histories(gtins: dict[str, str], seed: int) -> Histories:
    uris = [f"https://id.example/01/{gtin}/21/S{n:04d}" for gtin in gtins.values() for n in range(60)]
    return generate_histories(seed, uris)


def test_reports_are_deterministic_per_seed(world: Path) -> None:
    gtins = _products(world)
    first = generate_reports(world, 3, gtins, _histories(gtins, 3))
    again = generate_reports(world, 3, gtins, _histories(gtins, 3))
    other = generate_reports(world, 4, gtins, _histories(gtins, 4))
    assert first.rows and first.rows == again.rows and first.truth == again.truth
    assert first.photos == again.photos
    assert first.rows != other.rows


def test_each_report_is_true_to_the_listing_its_truth_names(world: Path, tmp_path: Path) -> None:
    gtins = _products(world)
    histories = _histories(gtins, 5)
    reports = generate_reports(world, 5, gtins, histories)
    truth = json.loads((world / "truth" / "truth.json").read_text("utf-8"))
    listings = {f"sim:{r['external_id']}": r for r in _jsonl(world / "online" / "listings.jsonl")}
    accounts = {f"sim:{r['external_id']}": r for r in _jsonl(world / "online" / "accounts.jsonl")}
    about = [r for r in reports.rows if reports.truth[r["external_id"]]["listing"]]
    distractors = [r for r in reports.rows if not reports.truth[r["external_id"]]["listing"]]
    assert len(about) >= 5 and distractors
    assert any(r["url"] for r in about) and any(not r["url"] for r in about)
    assert any(r["photos"] for r in about) and any(r["code_uri"] for r in about)
    for row in about:
        label = reports.truth[row["external_id"]]
        listing, listing_truth = listings[label["listing"]], truth["listings"][label["listing"]]
        assert listing_truth["infringing"] and label["seller"] == listing_truth["seller"]
        gtin = gtins[listing_truth["product"]]
        assert row["gtin"] == gtin or f"/01/{gtin}/" in row["code_uri"]
        if row["code_uri"]:
            assert histories.truth[row["code_uri"]]["cloned"]
        names = {listing["seller"].lower(), accounts[label["seller"]]["display_name"].lower()}
        typed = row["shop"].strip().lower()
        assert typed in names or typed in {n.replace("_", " ") for n in names}
        assert row["url"] in (None, listing["url"])
        for name in row["photos"]:
            with Image.open(io.BytesIO(reports.photos[name])) as image:
                assert image.format == "JPEG"
    for row in distractors:
        assert histories.truth[row["code_uri"]] == {"cloned": False, "kind": "genuine"}
        assert row["url"] is None and not row["photos"]

    write_reports(tmp_path, reports, seed=5)
    assert _jsonl(tmp_path / REPORTS_FILE) == reports.rows
    assert json.loads((tmp_path / TRUTH_FILE).read_text("utf-8")) == {"seed": 5, "reports": reports.truth}
    assert {p.name for p in (tmp_path / PHOTOS_DIR).iterdir()} == set(reports.photos)
