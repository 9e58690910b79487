"""`countermark demo`: build the world, ingest it through the ordinary path, run every step, summarise."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.cli.common import app_context, console, progress_bar
from countermark.cli.world import default_world_dir, print_figures
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.demo.monitor import crawl_online
from countermark.demo.steps import demo_steps
from countermark.demo.world import load_world
from countermark.ingest.service import IngestReport
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing
from countermark.orgs.auth_service import set_password
from countermark.orgs.models import Organisation, User
from countermark.orgs.service import create_user
from countermark.rights.models import Product, Recordal, Right
from countermark.targeting.models import Shipment


def _store_counts(session: Session) -> list[tuple[str, int]]:
    models = (
        ("organisations", Organisation),
        ("rights", Right),
        ("recordals", Recordal),
        ("products", Product),
        ("accounts", Account),
        ("listings", Listing),
        ("shipments", Shipment),
        ("identifiers", Identifier),
    )
    return [(name, session.scalar(select(func.count()).select_from(model)) or 0) for name, model in models]


def _shared_identifiers(session: Session, limit: int = 8) -> list[tuple[str, str, int]]:
    """Identifiers seen in the most distinct accounts: the first threads of the networks."""
    accounts = func.count(func.distinct(IdentifierSighting.subject_id))
    rows = session.execute(
        select(Identifier.kind, Identifier.value, accounts)
        .join(IdentifierSighting, IdentifierSighting.identifier_id == Identifier.id)
        .where(IdentifierSighting.subject_type == "account", Identifier.kind.not_in(("url", "domain")))
        .group_by(Identifier.id, Identifier.kind, Identifier.value)
        .having(accounts > 1)
        .order_by(accounts.desc(), Identifier.kind, Identifier.value)
        .limit(limit)
    )
    return [(kind, value, count) for kind, value, count in rows]


def _print_reports(reports: Sequence[IngestReport]) -> None:
    table = Table("kind", "read", "stored", "updated", "unchanged", "rejected", title="Ingestion")
    totals: dict[str, list[int]] = {}
    for r in reports:
        counts = totals.setdefault(r.kind, [0, 0, 0, 0, 0])
        for index, value in enumerate((r.read, r.stored, r.updated, r.unchanged, r.rejected)):
            counts[index] += value
    for kind, counts in totals.items():
        table.add_row(kind, *(str(v) for v in counts))
    console.print(table)


DEMO_ROLES = {
    "customs": "officer",
    "police": "analyst",
    "rights_holder": "admin",
    "platform": "analyst",
    "other": "viewer",
}


def ensure_demo_users(session: Session) -> list[tuple[str, str, str, str]]:
    """One user per organisation kind (the first organisation of each kind): (e-mail, password, role, org)."""
    logins = []
    for kind, role in DEMO_ROLES.items():
        org = session.scalar(select(Organisation).where(Organisation.kind == kind).order_by(Organisation.id))
        if org is None:
            continue
        email = f"{kind.replace('_', '-')}@demo.countermark.local"
        # A fixed, printed password: this is a local demonstration store, never a deployment.
        password = f"demo-{kind.replace('_', '-')}-2026"
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                session=session,
                org_id=org.id,
                email=email,
                display_name=f"Demo {kind}",
                role=role,
                actor="demo",
            )
            user.locale = {"CN": "zh", "FR": "fr"}.get(org.country, "en")
            set_password(session=session, user=user, password=password)
        logins.append((email, password, role, org.name))
    return logins


def demo_command(
    seed: int = typer.Option(7, help="Seed of the synthetic world."),
    scale: str = typer.Option("small", help="small, medium or large."),
    world: Path | None = typer.Option(None, help="World directory (default <data_dir>/world)."),
    serve: bool = typer.Option(True, help="Serve the web interface at the end."),
    port: int = typer.Option(8000, help="Port of the web interface."),
) -> None:
    """Run the whole job on the embedded store: world, ingestion, every step, evaluation."""
    from countermark.eval.run import evaluate
    from countermark.sim import build_world

    started = time.perf_counter()
    world_dir = world or default_world_dir()
    with app_context(require_schema=False) as ctx:
        upgrade(ctx.engine)
        console.rule("[bold]Countermark demo")
        console.print(f"store: {ctx.engine.url!r}; blobs: {ctx.settings.resolved_blob_dir()}")
        if not (world_dir / "world.json").exists():
            with progress_bar("building the synthetic world") as update:
                build_world(
                    world_dir,
                    seed=seed,
                    scale=scale,  # type: ignore[arg-type]
                    progress=lambda stage, done, total: update(done, total),
                )
            console.print(f"synthetic world (seed {seed}, {scale}) written to {world_dir}")
        else:
            console.print(f"using the synthetic world already in {world_dir}")
        with unit_of_work(ctx.sessions) as session, progress_bar("ingesting") as update:
            reports = load_world(
                session=session,
                blobs=ctx.blobs,
                world_dir=world_dir,
                progress=lambda kind, done, total: update(done, total),
                online=crawl_online(ctx),
            )
        _print_reports(reports)
        for step in demo_steps():
            with unit_of_work(ctx.sessions) as session, progress_bar(step.name) as update:
                summary = step.run(ctx, session, update)
            console.print(f"[bold]{step.name}[/bold]: {summary}")
        with unit_of_work(ctx.sessions) as session:
            counts = _store_counts(session)
            shared = _shared_identifiers(session)
            figures = evaluate(session, world_dir / "truth" / "truth.json", heavy=False)
        table = Table("record", "count", title="In the store")
        for name, count in counts:
            table.add_row(name, str(count))
        console.print(table)
        if shared:
            table = Table("kind", "identifier", "accounts", title="Identifiers shared by several accounts")
            for kind, value, count in shared:
                table.add_row(kind, value, str(count))
            console.print(table)
        print_figures(figures)
        console.print(
            "Detection, linking and sharing train or build their own stores: "
            "[bold].venv/bin/countermark eval --json[/bold] adds their figures (several minutes)."
        )
        with unit_of_work(ctx.sessions) as session:
            logins = ensure_demo_users(session)
    table = Table("e-mail", "password", "role", "organisation", title="Demo logins")
    for login in logins:
        table.add_row(*login)
    console.print(table)
    console.print(
        f"demo finished in {time.perf_counter() - started:.1f} s. "
        "Run it again: nothing is stored twice (see the 'unchanged' column)."
    )
    if serve:
        from countermark.cli.serve import serve_command

        console.print(
            f"[bold]open http://127.0.0.1:{port}/ and sign in with a login above (Ctrl-C stops)[/bold]"
        )
        serve_command(host="127.0.0.1", port=port, workers=1)
