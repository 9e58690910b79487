"""`countermark target`: score, select, retrain, backtest, rules, inspection results, the KCS data set."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import func, select

from countermark.cli.common import app_context, console, progress_bar
from countermark.core.db import unit_of_work
from countermark.ingest.service import ingest_file
from countermark.orgs.service import get_organisation_by_name_or_raise

app = typer.Typer(
    help="Shipment risk targeting: rank declarations worth opening, learn from results.", no_args_is_help=True
)
rules_app = typer.Typer(help="Analysts' rule profiles.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

ORG = typer.Option(..., "--org", help="The customs organisation whose declarations are targeted.")


def _latest_day(session: object, org_id: int) -> date:
    from sqlalchemy.orm import Session

    from countermark.targeting.models import Shipment

    assert isinstance(session, Session)
    day = session.scalar(select(func.max(Shipment.declared_on)).where(Shipment.owner_org_id == org_id))
    if day is None:
        raise typer.BadParameter("no declarations stored for this organisation")
    return day


@app.command("retrain")
def retrain_command(org: str = ORG, actor: str = typer.Option("cli")) -> None:
    """Train a new model on every recorded inspection result and make it active."""
    from countermark.targeting.engine_service import retrain

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        version = retrain(session=session, owner_org_id=owner.id, actor=actor)
        console.print(
            f"model {version.id}: {version.training_rows} results, {version.positives} finds, "
            f"data through {version.trained_through}"
        )


@app.command("select")
def select_command(
    org: str = ORG,
    day: str | None = typer.Option(None, help="Declaration date, YYYY-MM-DD (default: the latest)."),
    red: int = typer.Option(..., help="Physical examinations possible today."),
    yellow: int = typer.Option(0, help="Document checks possible today."),
    explore: float = typer.Option(0.10, help="Share of the red capacity kept for exploration."),
    strategy: str = typer.Option("random", help="Exploration: random or uncertainty."),
    show: int = typer.Option(20, help="How many selected declarations to print."),
) -> None:
    """Choose red and yellow lanes within capacity and record each decision with its reasons."""
    from countermark.targeting.engine_service import select_for_day
    from countermark.targeting.models import Shipment
    from countermark.targeting.selection import Capacity

    capacity = Capacity(red=red, yellow=yellow, exploration_share=explore, exploration=strategy)  # type: ignore[arg-type]
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        chosen = date.fromisoformat(day) if day else _latest_day(session, owner.id)
        decisions = select_for_day(
            ctx=ctx, session=session, owner_org_id=owner.id, day=chosen, capacity=capacity, actor="cli"
        )
        table = Table("lane", "declaration", "score", "reasons", title=f"Targeting list {chosen}")
        for decision in [d for d in decisions if d.lane != "green"][:show]:
            shipment = session.get(Shipment, decision.shipment_id)
            assert shipment is not None
            reasons = "\n".join(r["text"] for r in decision.reasons)
            table.add_row(
                decision.lane + (" (explore)" if decision.exploration else ""),
                f"{shipment.source}:{shipment.external_id}",
                f"{decision.score:.3f}",
                reasons,
            )
        console.print(table)


@app.command("score")
def score_command(
    org: str = ORG,
    day: str | None = typer.Option(None, help="Declaration date (default: the latest)."),
    top: int = typer.Option(20, help="How many to print."),
) -> None:
    """Score a day's declarations without recording anything; prints the riskiest with reasons."""
    from countermark.targeting.engine_service import score_declarations
    from countermark.targeting.frames import DATE, KEY
    from countermark.targeting.service import load_history

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        chosen = date.fromisoformat(day) if day else _latest_day(session, owner.id)
        frame = load_history(session=session, owner_org_id=owner.id).declarations
        frame = frame[frame[DATE].dt.date == chosen].reset_index(drop=True)
        scored = score_declarations(ctx=ctx, session=session, owner_org_id=owner.id, frame=frame)
        table = Table("declaration", "score", "model", "rules", "intel", "reasons")
        for _, row in scored.sort_values("score", ascending=False).head(top).iterrows():
            table.add_row(
                row[KEY],
                f"{row['score']:.3f}",
                f"{row['model_score']:.3f}",
                f"{row['rule_score']:.2f}",
                f"{row['intel_score']:.2f}",
                "\n".join(r["text"] for r in row["reasons"]),
            )
        console.print(table)


@app.command("backtest")
def backtest_command(
    org: str = ORG,
    share: float = typer.Option(0.05, help="Top share of each week's inspected declarations measured."),
    min_weeks: int = typer.Option(4, help="Weeks of history before the first measured week."),
) -> None:
    """Retrain week by week on earlier results and report each week's precision."""
    from countermark.targeting.backtest import weekly_backtest
    from countermark.targeting.service import load_history

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        history = load_history(session=session, owner_org_id=owner.id)
    weeks = weekly_backtest(history, share=share, min_train_weeks=min_weeks)
    table = Table("week", "declarations", "inspected", "finds", f"precision@{share:.0%}", "trained on")
    for w in weeks:
        table.add_row(
            w.week,
            str(w.declarations),
            str(w.inspected),
            str(w.positives),
            f"{w.precision:.3f}",
            str(w.model_rows),
        )
    console.print(table)


@app.command("inspect")
def inspect_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON Lines or CSV of results."),
    org: str = ORG,
) -> None:
    """Record inspection results from a file (bad rows are written beside it with reasons)."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        report = ingest_file(
            session=session, blobs=ctx.blobs, kind="inspections", path=file, owner_org_id=owner.id,
            actor="cli",
        )
    console.print(report.summary())


@rules_app.command("add")
def rules_add(
    name: str,
    org: str = ORG,
    expression: str = typer.Option(..., "--expr", help="e.g. transport_mode == 'post' and value_per_kg < 5"),
    reason: str = typer.Option(..., help="Why a hit is risky, in words for the report."),
    instruction: str = typer.Option(..., help="What the examining officer must do."),
    lane: str = typer.Option("red", help="red or yellow."),
    weight: float = typer.Option(0.5, help="Contribution to the score, above 0 and at most 1."),
) -> None:
    """Create or replace a rule profile (the expression is checked before it is stored)."""
    from pydantic import ValidationError

    from countermark.targeting.schemas import RuleIn
    from countermark.targeting.service import save_rule

    try:
        rule = RuleIn(
            name=name,
            expression=expression,
            reason=reason,
            instruction=instruction,
            lane=lane,
            weight=weight,
        )
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from None
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        profile = save_rule(session=session, owner_org_id=owner.id, rule=rule, actor="cli")
        console.print(f"rule {profile.name!r} saved")


@rules_app.command("list")
def rules_list(org: str = ORG) -> None:
    """The organisation's rule profiles."""
    from countermark.targeting.models import RuleProfile

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        table = Table("name", "lane", "weight", "active", "expression", "reason / instruction")
        for p in session.scalars(select(RuleProfile).where(RuleProfile.owner_org_id == owner.id)):
            table.add_row(
                p.name,
                p.lane,
                f"{p.weight:.2f}",
                str(p.active),
                p.expression,
                f"{p.reason}\n→ {p.instruction}",
            )
        console.print(table)


@app.command("kcs-load")
def kcs_load_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A KCS split (df_syn_*.csv)."),
    org: str = ORG,
) -> None:
    """Load a Korean customs split: declarations as shipments, Fraud labels as inspection results."""
    from countermark.targeting.kcs import write_ingestible

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        shipments, inspections = write_ingestible(file, ctx.settings.kcs_dir)
        with progress_bar("declarations") as update:
            report = ingest_file(
                session=session,
                blobs=ctx.blobs,
                kind="shipments",
                path=shipments,
                owner_org_id=owner.id,
                actor="cli",
                progress=update,
            )
        console.print(report.summary())
        console.print(
            ingest_file(
                session=session, blobs=ctx.blobs, kind="inspections", path=inspections,
                owner_org_id=owner.id, actor="cli",
            ).summary()
        )


@app.command("kcs-eval")
def kcs_eval_command(
    dataset: Path = typer.Option(
        Path("../shared/datasets/kcs-customs"),
        help="Directory of the KCS splits (df_syn_train_eng.csv, df_syn_valid_eng.csv).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Train on KCS 2020, measure on 2021 Q1 (and a 2020 time split); prints precision, recall, revenue."""
    from countermark.cli.world import print_figures
    from countermark.eval.targeting import evaluate_kcs

    with progress_bar("training and measuring on KCS") as update:
        update(0, 1)
        figures = evaluate_kcs(dataset)
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    print_figures(figures)
