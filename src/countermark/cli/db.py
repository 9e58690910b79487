"""`countermark db`: upgrade the store, check it against the models, show its revision."""

from __future__ import annotations

import typer

from countermark.cli.common import app_context, console, err_console
from countermark.core.migrate import current_revision, head_revision, model_differences, upgrade
from countermark.tables import metadata

app = typer.Typer(help="Create and upgrade the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply the migrations up to the revision (default: the latest)."""
    with app_context(require_schema=False) as ctx:
        before = current_revision(ctx.engine)
        upgrade(ctx.engine, revision)
        after = current_revision(ctx.engine)
        console.print(f"database at revision {after} (was {before or 'empty'}): {ctx.engine.url!r}")


@app.command("check")
def check_command() -> None:
    """Fail unless the database is at the latest revision and matches the models."""
    with app_context(require_schema=False) as ctx:
        current, head = current_revision(ctx.engine), head_revision()
        if current != head:
            err_console.print(
                f"[red]database at {current or 'empty'}, latest is {head}[/red]: run countermark db upgrade"
            )
            raise typer.Exit(1)
        differences = model_differences(ctx.engine, metadata())
        if differences:
            for difference in differences:
                err_console.print(f"  {difference}")
            err_console.print("[red]the models and the migrations disagree[/red]")
            raise typer.Exit(1)
        console.print(f"database at {current}, matching the models")


@app.command("current")
def current_command() -> None:
    """Print the database's current revision."""
    with app_context(require_schema=False) as ctx:
        console.print(current_revision(ctx.engine) or "empty")
