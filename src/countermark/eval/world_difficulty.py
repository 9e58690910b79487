"""How hard a synthetic world is: trivial controls that must fail on it, and the bound a linker could reach.

Every control reads its features from the world's files only (eval.world_files); the truth is read
to score them and for the linkable upper bound. `difficulty_over_seeds` builds one world per seed and
reports each seed's figures and their mean (`countermark eval --world-difficulty --size medium
--seeds 7,8,9`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from countermark.core.errors import InvalidInput
from countermark.eval.controls_links import file_hash_grouping, identifier_components, linkable_upper_bound
from countermark.eval.controls_listings import (
    account_age_rule,
    country_rules,
    price_ratio_rule,
    text_classifier,
)
from countermark.eval.controls_photos import photo_tell
from countermark.eval.world_files import read_world

Figures = dict[str, float | None]
# The "done when": each control's figure must stay on the right side of its bound.
TARGETS: dict[str, tuple[Literal["<=", ">="], float]] = {
    "best_single_feature_ap": ("<=", 0.80),
    "text_classifier_ap": ("<=", 0.80),
    "photo_tell_precision_at_recall_0.5": ("<=", 0.60),
    "file_hash_f1": ("<=", 0.50),
    "identifier_components_f1": ("<=", 0.70),
    "linkable_upper_bound_f1": (">=", 0.97),
}
SINGLE_FEATURES = ("price_ratio", "price_ratio_known_product", "account_age", "seller_country", "ships_from")


def _truth(root: Path) -> dict[str, Any]:
    path = root / "truth" / "truth.json"
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read the truth file {path}: {exc}") from exc
    if not isinstance(truth, dict):
        raise InvalidInput(f"{path} is not a truth file")
    return truth


def _float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value):
        return float(value)
    return None


def world_difficulty(root: Path) -> Figures:
    """Every control's figures on one world directory, flat: {"<control>_<metric>": value or None}."""
    started = time.perf_counter()
    world = read_world(root)
    truth = _truth(root)
    labels = {k: bool(v.get("infringing")) for k, v in truth.get("listings", {}).items()}
    figures: Figures = {}
    rules = {
        "price_ratio": price_ratio_rule(world, labels),
        "account_age": account_age_rule(world, labels),
        **country_rules(world, labels),
    }
    # Diagnostic, not a control: the product each listing offers taken from the truth, its price from the
    # holder's file. It counts towards the best single feature so that a weak product matcher cannot
    # make the world look harder than it is.
    known = {k: v.get("product") for k, v in truth.get("listings", {}).items()}
    rules["price_ratio_known_product"] = price_ratio_rule(world, labels, known)
    for name, rule in rules.items():
        figures[f"{name}_ap"] = _float(rule.get("ap"))
        figures[f"{name}_coverage"] = _float(rule.get("coverage"))
    figures["price_ratio_lower_is_suspicious"] = (
        None
        if rules["price_ratio"].get("direction") is None
        else float(rules["price_ratio"]["direction"] == "lower")
    )
    singles = [v for name in SINGLE_FEATURES if (v := figures[f"{name}_ap"]) is not None]
    figures["best_single_feature_ap"] = max(singles) if singles else None
    figures["listings_base_rate"] = sum(labels.values()) / len(labels) if labels else None
    figures["text_classifier_ap"] = _float(text_classifier(world, labels).get("ap"))
    for metric, value in photo_tell(world, labels).items():
        figures[f"photo_tell_{metric}"] = _float(value)
    for metric, value in file_hash_grouping(world, truth).items():
        figures[f"file_hash_{metric}"] = _float(value)
    components = identifier_components(world, truth)
    for metric in ("precision", "recall", "f1", "degree"):
        figures[f"identifier_components_{metric}"] = _float(components[metric])
    for variant, scores in components["variants"].items():
        figures[f"identifier_components_{variant}_f1"] = _float(scores["f1"])
    bound = linkable_upper_bound(world, truth)
    for metric in ("precision", "recall", "f1"):
        figures[f"linkable_upper_bound_{metric}"] = None if bound is None else _float(bound[metric])
    figures["accounts"] = float(len(world.accounts))
    figures["listings"] = float(len(world.listings))
    figures["networks"] = float(len(truth.get("networks", [])))
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


def mean_figures(per_seed: Sequence[Figures]) -> Figures:
    """The mean of each figure over the seeds that have it (None where no seed has it)."""
    names = list(dict.fromkeys(name for figures in per_seed for name in figures))
    mean: Figures = {}
    for name in names:
        values = [v for figures in per_seed if (v := figures.get(name)) is not None]
        mean[name] = sum(values) / len(values) if values else None
    return mean


def targets_met(figures: Figures) -> dict[str, bool | None]:
    """Whether each targeted figure is on the right side of its bound (None when it was not measured)."""
    met: dict[str, bool | None] = {}
    for name, (operator, bound) in TARGETS.items():
        value = figures.get(name)
        met[name] = None if value is None else (value <= bound if operator == "<=" else value >= bound)
    return met


def report(per_seed: dict[int, Figures], size: str | None) -> dict[str, Any]:
    """The JSON section: the mean, every seed's figures and whether each target is met by the mean."""
    mean = mean_figures(list(per_seed.values()))
    return {
        "size": size,
        "seeds": sorted(per_seed),
        "mean": mean,
        "per_seed": {str(seed): figures for seed, figures in sorted(per_seed.items())},
        "targets": {name: f"{op} {bound}" for name, (op, bound) in TARGETS.items()},
        "targets_met": targets_met(mean),
    }


def difficulty_of_world(root: Path) -> dict[str, Any]:
    """The report for one existing world directory (its seed and size from world.json)."""
    try:
        manifest = json.loads((root / "world.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{root} holds no readable world.json: {exc}") from exc
    return report({int(manifest.get("seed", 0)): world_difficulty(root)}, manifest.get("scale"))


def difficulty_over_seeds(
    size: str,
    seeds: Sequence[int],
    work_dir: Path,
    progress: Callable[[str], None] | None = None,
    targeting: bool = True,
) -> dict[str, Any]:
    """Build a world of this size per seed under work_dir/seed-<n> and report the controls on each,
    and (with `targeting`) the targeting figures of a model trained on that world's inspections."""
    from countermark.eval.world_targeting import targeting_on_world
    from countermark.sim import build_world

    per_seed: dict[int, Figures] = {}
    for seed in seeds:
        root = Path(work_dir) / f"seed-{seed}"
        started = time.perf_counter()
        if progress:
            progress(f"building the {size} world of seed {seed}")
        build_world(root, seed=seed, scale=size)  # type: ignore[arg-type]
        built = time.perf_counter() - started
        if progress:
            progress(f"running the controls on seed {seed}")
        per_seed[seed] = {**world_difficulty(root), "build_seconds": round(built, 1)}
        if targeting:
            if progress:
                progress(f"ingesting the declarations of seed {seed} and training targeting on them")
            started = time.perf_counter()
            scratch = Path(work_dir) / f"seed-{seed}-store"
            for metric, value in targeting_on_world(root, scratch, _truth(root)).items():
                per_seed[seed][f"targeting_{metric}"] = _float(value)
            per_seed[seed]["targeting_seconds"] = round(time.perf_counter() - started, 1)
    return report(per_seed, size)
