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
    world: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="A world built by `countermark world build`: its truth stands for analysts' verdicts.",
    ),
    verdicts: bool = typer.Option(True, help="Add the store's verdicts on alerts to the training data."),
    model: Path | None = typer.Option(None, help="Model file (default <data_dir>/detect/model.pkl)."),
    rules: Path | None = typer.Option(None, exists=True, dir_okay=False, help="Per-brand rules (JSON list)."),
    target_precision: float | None = typer.Option(
        None, min=0.5, max=1.0, help="Precision the threshold must keep (default: the detector's own target)."
    ),
    seed: int = typer.Option(0, help="Seed of the seller split."),
    rescore: bool = typer.Option(True, help="Score the stored listings again with the new model."),
    prior: bool = typer.Option(
        True, help="Also fit on the prior shipped with the package (synthetic worlds' labelled listings)."
    ),
) -> None:
    """Refit the scorer on a world and/or the store's verdicts (and the shipped prior), print the change in
    held-out precision and recall (sellers split), save the new model and score the stored listings again."""
    from countermark.detect.model_store import load_model, save_model
    from countermark.detect.rules import rules_from_json
    from countermark.detect.verdict_training import LabelledRows, combine, empty_rows

    target = _model_file(model)
    try:
        previous_model = load_model(target) if target.exists() else None
    except CountermarkError:
        previous_model = None
    try:
        brand_rules = rules_from_json(json.loads(rules.read_text(encoding="utf-8"))) if rules else None
        rows, references = empty_rows(), None
        if world is not None:
            from countermark.detect.training import matrix
            from countermark.eval.detect import world_training_set

            with progress_bar("hashing photos and reading signals") as update:
                update(0, 1)
                training = world_training_set(world, seed=seed)
            rows = LabelledRows(matrix(training.evidences), training.labels, training.groups.astype(str))
            references = training.references
        from_store = _verdict_rows() if verdicts else empty_rows()
        rows = combine(rows, from_store)
        if references is None:
            if previous_model is None:
                raise InvalidInput.of("no references to train with: give --world once, then verdicts suffice")
            references = previous_model.references
        if brand_rules is None:
            brand_rules = dict(previous_model.rules) if previous_model else {}
        from countermark.eval.detect import prior_exclusions

        new, previous = _fit(rows, references, brand_rules, target_precision, seed, previous_model,
                             prior=prior, prior_exclude=prior_exclusions(world))  # fmt: skip
    except (CountermarkError, ValueError) as exc:
        raise _fail(exc if isinstance(exc, CountermarkError) else InvalidInput(str(exc))) from None
    console.print(
        f"training rows: {len(rows)} ({len(from_store)} from verdicts: "
        f"{int(from_store.labels.sum())} confirmed, {int((~from_store.labels).sum())} dismissed); "
        f"prior rows fitted on too: {int(new.figures.get('prior_rows', 0))}"
    )
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
        f"threshold {new.threshold:.3f}"
        + ("" if new.parody_threshold is None else f", parody shops' offers {new.parody_threshold:.3f}")
        + f" (target precision {new.figures['target_precision']:.3f}); "
        f"LightGBM AP {new.figures['lightgbm_ap']:.3f}, logistic AP {new.figures['logistic_ap']:.3f}: "
        f"kept {'LightGBM' if new.figures['lightgbm_chosen'] else 'logistic regression'}"
    )
    save_model(new, target)
    console.print(f"model saved to {target}")
    if rescore:
        _register_and_rescore(new)


def _verdict_rows() -> Any:
    from countermark.cli.common import app_context
    from countermark.core.db import unit_of_work
    from countermark.detect.verdict_training import verdict_rows

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        return verdict_rows(session=session)


def _fit(rows: Any, references: Any, brand_rules: Any, target_precision: float | None, seed: int,
         previous_model: Any, *, prior: bool, prior_exclude: tuple[str, ...]
         ) -> tuple[Any, dict[str, float] | None]:  # fmt: skip
    from countermark.detect.training import TARGET_PRECISION, fit_model, held_out_figures, split_by_seller

    split = split_by_seller(rows.labels, rows.groups, seed)
    new = fit_model(rows.X, rows.labels, rows.groups, split, references, rules=brand_rules,
                    target_precision=target_precision or TARGET_PRECISION, seed=seed, prior=prior,
                    prior_exclude=prior_exclude)  # fmt: skip
    previous = None
    if previous_model is not None:
        previous = held_out_figures(previous_model, rows.X[split.held_out], rows.labels[split.held_out])
    return new, previous


def _register_and_rescore(model: Any) -> None:
    from countermark.cli.common import app_context
    from countermark.core.db import unit_of_work
    from countermark.detect.stored_service import register_model, score_stored_listings

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        record = register_model(session=session, blobs=ctx.blobs, model=model)
        with progress_bar("scoring stored listings") as update:
            report = score_stored_listings(session=session, blobs=ctx.blobs, progress=update)
    console.print(
        f"model {record.version[:12]} active: {report.scored} stored listings scored again, "
        f"{report.alerts_opened} alerts opened, {report.alerts_cleared} cleared"
    )


@app.command("run")
def run_command(
    model: Path | None = typer.Option(
        None,
        help="Model file to make active first (default: the active one, else <data_dir>/detect/model.pkl).",
    ),
    photos: bool = typer.Option(
        True, help="Hash and match the listing photos not hashed yet first (`fingerprint listings`)."
    ),
    every: bool = typer.Option(
        False,
        "--all",
        help="Score every stored listing again (those read against a registry that changed since, or in a "
        "currency that gained a rate, are scored again without it; a day's move of the rates is not).",
    ),
) -> None:
    """Score the stored listings that are new or changed since their last score, and report the alerts.

    The stored listing photos not hashed yet are hashed and matched against the banks first, so that the
    photo signals read them (--no-photos leaves them for `countermark fingerprint listings`). A listing
    whose owner's registry (marks, products, authorised sellers) changed since its score, or scored
    before a currency gained a rate, is scored again; --all scores every listing again whatever changed."""
    from countermark.cli.common import app_context
    from countermark.cli.fingerprint import match_stored_listing_photos
    from countermark.core.db import unit_of_work
    from countermark.detect.model_store import load_model
    from countermark.detect.stored_service import active_model_record, register_model, score_stored_listings

    try:
        with app_context() as ctx, unit_of_work(ctx.sessions) as session:
            if model is not None or active_model_record(session=session) is None:
                register_model(session=session, blobs=ctx.blobs, model=load_model(_model_file(model)))
            # Listings scored before their photos were hashed (at ingest) are scored again with them.
            rephotographed = match_stored_listing_photos(ctx, session) if photos else set()
            with progress_bar("scoring stored listings") as update:
                report = score_stored_listings(
                    session=session, blobs=ctx.blobs, progress=update, again=rephotographed, every=every,
                    registry=True,
                )  # fmt: skip
    except CountermarkError as exc:
        raise _fail(exc) from None
    console.print(
        f"{report.seen} stored listings, {report.scored} scored with model "
        f"{(report.model_version or '')[:12]}: "
        f"{report.alerts_opened} alerts opened, {report.alerts_cleared} cleared"
    )


def _with_store_references(model: Any, org: str) -> Any:
    from countermark.cli.common import app_context
    from countermark.core.clock import utcnow
    from countermark.detect.store_references import model_for_owner
    from countermark.orgs.service import get_organisation_by_name_or_raise

    with app_context() as ctx, ctx.sessions() as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        return model_for_owner(session=session, model=model, owner_org_id=owner.id, today=utcnow().date())


def _photo_hasher(base: Path) -> Any:
    from countermark.fingerprint.pdq import image_hashes
    from countermark.observe.schemas import ListingIn

    def hashes(record: ListingIn) -> list[str]:
        found: list[str] = []
        for name in record.images:
            path = (base / name).resolve()
            if not path.is_file() or path.stat().st_size > MAX_PHOTO_BYTES:
                continue
            try:
                # The photo's own hash, and the hash inside its flat frame when it has one.
                digests = image_hashes(path.read_bytes())
            except (OSError, CountermarkError):
                continue
            found.extend(d.hex for d in digests if d.usable)
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
    org: str | None = typer.Option(
        None,
        help="Compare the listings with the marks, products and authorised sellers this organisation may "
        "see in the store (default: the model's own references).",
    ),
) -> None:
    """Score every listing of a file without storing it; bad rows are reported with their reasons."""
    from countermark.detect.batch import score_rows, scored_json
    from countermark.detect.model_store import load_model
    from countermark.ingest.kinds import KINDS
    from countermark.ingest.readers import detect_format, load_mapping, read_csv, read_jsonl

    try:
        detector = load_model(_model_file(model))
        if org is not None:
            detector = _with_store_references(detector, org)
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
