"""`countermark world build` and `countermark eval`: the synthetic world and its evaluation."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from countermark.cli.common import app_context, cli_settings, console, progress_bar
from countermark.core.db import unit_of_work

app = typer.Typer(
    help="The synthetic world: brands, platforms, networks, shipments and their truth.", no_args_is_help=True
)

SCALES = ("small", "medium", "large")


def default_world_dir() -> Path:
    """Where the demo builds its world: <data_dir>/world."""
    return cli_settings().world_dir


@app.command("build")
def build_command(
    out: Path | None = typer.Option(None, help="Output directory (default <data_dir>/world)."),
    seed: int = typer.Option(7, help="Random seed; the same seed gives the same world."),
    scale: str = typer.Option(
        "small",
        "--size",
        "--scale",
        help=f"How big a world: one of {', '.join(SCALES)} (--scale is an alias).",
    ),
) -> None:
    """Generate the synthetic world's files and its separate truth file."""
    from countermark.sim import build_world

    if scale not in SCALES:
        raise typer.BadParameter(f"size must be one of {', '.join(SCALES)}", param_hint="--size")
    target = out or default_world_dir()
    started = time.perf_counter()
    with progress_bar("building the world") as update:
        manifest = build_world(
            target,
            seed=seed,
            scale=scale,  # type: ignore[arg-type]
            progress=lambda stage, done, total: update(done, total),
        )
    counts = getattr(manifest, "counts", {})
    console.print(
        f"world written to {target} in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
    )


def eval_command(
    world: Path | None = typer.Option(
        None, help="World directory whose truth to use (default <data_dir>/world)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object {pipeline: {metric: value}}."),
    kcs: Path | None = typer.Option(
        None, help="Also train and measure targeting on the Korean customs data set in this directory."
    ),
    world_difficulty: bool = typer.Option(
        False,
        "--world-difficulty",
        help="Also run the controls that a hard world must defeat (from its files).",
    ),
    size: str = typer.Option("medium", help="With --seeds: the size of the worlds to build."),
    seeds: str | None = typer.Option(
        None,
        help="Build a world per seed (e.g. 7,8,9), report only their controls (implies --world-difficulty).",
    ),
    work_dir: Path | None = typer.Option(
        None, help="With --seeds: where to build them (default: a temporary one)."
    ),
) -> None:
    """Measure every pipeline against the world's ground truth (and, with --kcs, on the Korean data)."""
    from countermark.eval.run import evaluate

    if seeds is not None:
        from countermark.cli.difficulty import over_seeds

        over_seeds(size, seeds, work_dir, as_json)
        return
    truth_path = (world or default_world_dir()) / "truth" / "truth.json"
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        figures: dict[str, Any] = dict(evaluate(session, truth_path))
    if world_difficulty:
        from countermark.eval.world_difficulty import difficulty_of_world

        figures["world_difficulty"] = difficulty_of_world(world or default_world_dir())
    if kcs is not None:
        from countermark.eval.targeting import evaluate_kcs

        with progress_bar("training and measuring on the Korean data") as update:
            update(0, 1)
            figures.update(evaluate_kcs(kcs))
    if as_json:
        typer.echo(json.dumps(figures, indent=2, sort_keys=True))
        return
    print_figures(figures)


def print_figures(figures: dict[str, Any]) -> None:
    """Print the evaluation as one table (and the world's difficulty as another)."""
    if "world_difficulty" in figures:
        from countermark.cli.difficulty import print_difficulty

        print_difficulty(figures["world_difficulty"])
        figures = {k: v for k, v in figures.items() if k != "world_difficulty"}
    table = Table("pipeline", "metric", "value", title="Evaluation against the ground truth")
    for pipeline, metrics in figures.items():
        for index, (metric, value) in enumerate(metrics.items()):
            shown = f"{value:.0f}" if metric in ("planted", "evaluated") else f"{value:.3f}"
            table.add_row(pipeline if index == 0 else "", metric, shown)
    console.print(table)
