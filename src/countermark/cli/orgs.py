"""`countermark org`: create and list organisations."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import select

from countermark.cli.common import app_context, console
from countermark.core.db import unit_of_work
from countermark.orgs.models import ORG_KINDS, Organisation
from countermark.orgs.service import create_organisation

app = typer.Typer(help="Organisations: customs, police, rights holders, platforms.", no_args_is_help=True)


@app.command("create")
def create_command(
    name: str = typer.Argument(..., help="Unique name."),
    kind: str = typer.Option(..., help=f"One of {', '.join(ORG_KINDS)}."),
    country: str = typer.Option(..., help="ISO 3166-1 alpha-2 code."),
    default_tlp: str | None = typer.Option(
        None, help="Marking given to its records by default (default: COUNTERMARK_DEFAULT_TLP)."
    ),
) -> None:
    """Create an organisation."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        org = create_organisation(
            session=session,
            name=name,
            kind=kind,
            country=country,
            default_tlp=default_tlp or ctx.settings.default_tlp,
        )
        console.print(f"created organisation {org.id}: {org.name} ({org.kind}, {org.country})")


@app.command("list")
def list_command() -> None:
    """List organisations."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        table = Table("id", "name", "kind", "country", "default TLP")
        for org in session.scalars(select(Organisation).order_by(Organisation.id)):
            table.add_row(str(org.id), org.name, org.kind, org.country, org.default_tlp)
        console.print(table)
