"""`countermark detect`: train the listing detector and score files of listings without storing them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from countermark.cli.common import cli_settings, console, err_console, progress_bar
from countermark.core.errors import CountermarkError, InvalidInput

app = typer.Typer(
    help="Listing detection: scores with reasons, retraining from verdicts.", no_args_is_help=True
)
MAX_PHOTO_BYTES = 20 * 1024 * 1024


def _model_file(model: Path | None) -> Path:
    from countermark.detect.model_store import model_path

    return model or model_path(cli_settings().data_dir)


def _fail(exc: CountermarkError) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {exc.message}")
    return typer.Exit(2)


@app.command("retrain")
def retrain_command(
    world: Path = typer.Option(
        ...,
        exists=True,
        file_okay=False,
        help="A world built by `countermark world build`: its truth stands "
        "for analysts' verdicts (the store's verdicts are not yet a training source).",
    ),
    model: Path | None = typer.Option(None, help="Model file (default <data_dir>/detect/model.pkl)."),
    rules: Path | None = typer.Option(None, exists=True, dir_okay=False, help="Per-brand rules (JSON list)."),
    target_precision: float = typer.Option(0.98, min=0.5, max=1.0, help="Precision the threshold must keep."),
    seed: int = typer.Option(0, help="Seed of the seller split."),
) -> None:
    """Refit the scorer, print the change in held-out precision and recall, and save the new model."""
    from countermark.detect.model_store import load_model, save_model
    from countermark.detect.rules import rules_from_json
    from countermark.detect.training import fit_model, held_out_figures, matrix
    from countermark.eval.detect import world_training_set

    target = _model_file(model)
    try:
        brand_rules = rules_from_json(json.loads(rules.read_text(encoding="utf-8"))) if rules else {}
        with progress_bar("hashing photos and reading signals") as update:
            update(0, 1)
            training = world_training_set(world, seed=seed)
        split = training.split
        features = matrix(training.evidences)
        new = fit_model(
            features,
            training.labels,
            training.groups,
            split,
            training.references,
            rules=brand_rules,
            target_precision=target_precision,
            seed=seed,
        )
        previous: dict[str, float] | None = None
        if target.exists():
            try:
                previous = held_out_figures(
                    load_model(target), features[split.held_out], training.labels[split.held_out]
                )
            except CountermarkError:
                previous = None
    except (CountermarkError, ValueError) as exc:
        raise _fail(exc if isinstance(exc, CountermarkError) else InvalidInput(str(exc))) from None
    table = Table("held-out sellers", "previous model", "new model", "change")
    for name in ("ap", "precision", "recall", "calibration_error"):
        now = new.figures[name]
        before = previous.get(name) if previous else None
        table.add_row(
            name,
            "—" if before is None else f"{before:.3f}",
            f"{now:.3f}",
            "—" if before is None else f"{now - before:+.3f}",
        )
    console.print(table)
    console.print(
        f"threshold {new.threshold:.3f} (target precision {target_precision:.2f}); "
        f"LightGBM AP {new.figures['lightgbm_ap']:.3f}, logistic AP {new.figures['logistic_ap']:.3f}: "
        f"kept {'LightGBM' if new.figures['lightgbm_chosen'] else 'logistic regression'}"
    )
    save_model(new, target)
    console.print(f"model saved to {target}")


def _photo_hasher(base: Path) -> Any:
    from countermark.fingerprint.pdq import hash_image
    from countermark.observe.schemas import ListingIn

    def hashes(record: ListingIn) -> list[str]:
        found = []
        for name in record.images:
            path = (base / name).resolve()
            if not path.is_file() or path.stat().st_size > MAX_PHOTO_BYTES:
                continue
            try:
                digest = hash_image(path.read_bytes())
            except (OSError, CountermarkError):
                continue
            if digest.usable:
                found.append(digest.hex)
        return found

    return hashes


@app.command("score")
def score_command(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Listings: JSON Lines or CSV, ingestion schema."
    ),
    out: Path | None = typer.Option(
        None, help="Write the scores here (JSON Lines) instead of printing them."
    ),
    language: str = typer.Option("en", help="Language of the reasons: en, fr or zh."),
    fmt: str | None = typer.Option(None, "--format", help="jsonl or csv (default: from the extension)."),
    mapping: Path | None = typer.Option(
        None, "--map", exists=True, dir_okay=False, help="CSV column mapping."
    ),
    photos: bool = typer.Option(True, help="Hash the listings' photos (paths relative to the file)."),
    model: Path | None = typer.Option(None, help="Model file (default <data_dir>/detect/model.pkl)."),
) -> None:
    """Score every listing of a file without storing it; bad rows are reported with their reasons."""
    from countermark.detect.batch import score_rows, scored_json
    from countermark.detect.model_store import load_model
    from countermark.ingest.kinds import KINDS
    from countermark.ingest.readers import detect_format, load_mapping, read_csv, read_jsonl

    try:
        detector = load_model(_model_file(model))
        kind = detect_format(file, fmt)
        if kind == "jsonl":
            raw = read_jsonl(file)
        else:
            spec = KINDS["listings"]
            raw = read_csv(
                file,
                mapping=load_mapping(mapping),
                fields=spec.fields,
                list_fields=spec.fields_of_type(list),
                dict_fields=spec.fields_of_type(dict),
            )
        rows = [(row.line, row.data, row.error) for row in raw]
        result = score_rows(
            detector, rows, language=language, photos=_photo_hasher(file.parent) if photos else None
        )
    except CountermarkError as exc:
        raise _fail(exc) from None
    lines = [json.dumps(scored_json(line, item), ensure_ascii=False) for line, item in result.scored]
    if out is not None:
        out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    else:
        for line in lines:
            typer.echo(line)
    for reject in result.rejected:
        err_console.print(f"line {reject['line']} rejected: {'; '.join(reject['errors'])}")
    alerts = sum(item.alert for _, item in result.scored)
    err_console.print(
        f"{len(result.scored)} listings scored, {alerts} alerts, {len(result.rejected)} rows rejected"
        + (f"; scores in {out}" if out else "")
    )
