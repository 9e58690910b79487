"""The world-difficulty controls on a small world, through `countermark eval --world-difficulty`."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from countermark.cli.main import app
from countermark.eval.world_difficulty import TARGETS, difficulty_of_world, world_difficulty
from countermark.eval.world_files import read_world

runner = CliRunner()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    work = tmp_path_factory.mktemp("worlds")
    result = runner.invoke(
        app,
        ["eval", "--world-difficulty", "--size", "small", "--seeds", "7", "--work-dir", str(work), "--json"],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    # Progress goes to stderr: stdout is the JSON alone.
    return work / "seed-7", json.loads(result.stdout)["world_difficulty"]


def test_the_report_holds_every_control_with_its_target(small: tuple[Path, dict[str, Any]]) -> None:
    _, report = small
    assert report["size"] == "small"
    assert report["seeds"] == [7]
    assert set(report["per_seed"]) == {"7"}
    mean = report["mean"]
    assert mean == report["per_seed"]["7"] | {}  # one seed: the mean is that seed
    for name in TARGETS:
        assert name in mean
        assert name in report["targets_met"]
    for name in (
        "price_ratio_ap",
        "account_age_ap",
        "seller_country_ap",
        "text_classifier_ap",
        "photo_tell_precision_at_recall_0.5",
        "file_hash_f1",
        "identifier_components_f1",
    ):
        value = mean[name]
        assert value is not None and 0.0 <= value <= 1.0, name
    singles = [mean[f"{n}_ap"] for n in ("price_ratio", "account_age", "seller_country", "ships_from")]
    assert mean["best_single_feature_ap"] >= max(v for v in singles if v is not None)
    assert mean["photo_tell_reference_quality"] is not None


def test_targeting_is_measured_beside_the_controls(small: tuple[Path, dict[str, Any]]) -> None:
    _, report = small
    seed = report["per_seed"]["7"]
    assert seed["targeting_evaluated"] > 0
    assert 0.0 < seed["targeting_base_rate"] < 1.0
    for share in ("1%", "2%", "5%", "10%"):
        assert 0.0 <= seed[f"targeting_precision@{share}"] <= 1.0
        assert 0.0 <= seed[f"targeting_recall@{share}"] <= 1.0


def test_the_best_hub_cut_is_the_best_of_the_scan(small: tuple[Path, dict[str, Any]]) -> None:
    _, report = small
    mean = report["mean"]
    variants = [
        mean[f"identifier_components_{v}_f1"] for v in ("online", "online_consignors", "online_all_parties")
    ]
    assert mean["identifier_components_f1"] == pytest.approx(max(variants))
    assert mean["identifier_components_degree"] >= 1


def test_controls_are_deterministic_and_read_no_truth_for_features(
    small: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    root, report = small
    again = world_difficulty(root)
    for name, value in report["mean"].items():
        if name.endswith("seconds") or name.startswith("targeting_"):
            continue
        expected = again.get(name)
        assert (value is None and expected is None) or value == pytest.approx(expected), name
    # The world's files are read without the truth directory.
    copy = tmp_path / "world"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("truth"))
    world = read_world(copy)
    assert len(world.listings) == report["mean"]["listings"]
    assert all(listing.seller in world.accounts for listing in world.listings if listing.seller)


def test_a_world_without_truth_is_a_clear_error(small: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    root, _ = small
    copy = tmp_path / "world"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("truth", "images", "snapshots"))
    from countermark.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="truth"):
        difficulty_of_world(copy)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--seeds", "7,x"], "integers"),
        (["--seeds", ","], "at least one"),
        (["--seeds", "7", "--size", "huge"], "size"),
    ],
)
def test_bad_options_are_rejected(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["eval", "--world-difficulty", *arguments], terminal_width=200)
    assert result.exit_code == 2
    assert message in result.output


def test_nan_never_reaches_the_report(small: tuple[Path, dict[str, Any]]) -> None:
    _, report = small
    for figures in (report["mean"], *report["per_seed"].values()):
        assert not any(isinstance(v, float) and math.isnan(v) for v in figures.values())
