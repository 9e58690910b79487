"""`countermark eval --world-difficulty`: the controls a hard synthetic world must defeat, as a table."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from countermark.cli.common import console, err_console

SIZES = ("small", "medium", "large")


def parse_seeds(seeds: str) -> list[int]:
    """'7,8,9' -> [7, 8, 9]; a clear error otherwise."""
    try:
        numbers = [int(part) for part in seeds.split(",") if part.strip()]
    except ValueError as exc:
        raise typer.BadParameter("seeds must be integers separated by commas, e.g. 7,8,9") from exc
    if not numbers:
        raise typer.BadParameter("seeds must name at least one seed, e.g. 7,8,9")
    return numbers


def over_seeds(size: str, seeds: str, work_dir: Path | None, as_json: bool) -> None:
    """Build a world of this size per seed, run the controls on each, print the report."""
    from countermark.eval.world_difficulty import difficulty_over_seeds

    if size not in SIZES:
        raise typer.BadParameter(f"size must be one of {', '.join(SIZES)}")
    numbers = parse_seeds(seeds)
    with tempfile.TemporaryDirectory(prefix="countermark-worlds-") as scratch:
        report = difficulty_over_seeds(size, numbers, work_dir or Path(scratch), err_console.log)
    if as_json:
        typer.echo(json.dumps({"world_difficulty": report}, indent=2, sort_keys=True))
        return
    print_difficulty(report)


def print_difficulty(report: dict[str, Any]) -> None:
    """The controls as one table: the mean over the seeds, its target, whether it is met, each seed."""
    seeds = [str(seed) for seed in report["seeds"]]
    title = f"World difficulty ({report.get('size')} world, seeds {', '.join(seeds)})"
    table = Table("figure", "mean", "target", "met", *[f"seed {s}" for s in seeds], title=title)

    def shown(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    for name, value in report["mean"].items():
        met = report["targets_met"].get(name)
        table.add_row(
            name,
            shown(value),
            report["targets"].get(name, ""),
            "" if met is None else ("yes" if met else "NO"),
            *[shown(report["per_seed"][s].get(name)) for s in seeds],
        )
    console.print(table)
