"""`countermark ingest KIND FILE`: the one ingestion path for users' files and the synthetic world."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from countermark.cli.common import app_context, console, progress_bar
from countermark.core.db import unit_of_work
from countermark.ingest.docs import schema_markdown
from countermark.ingest.kinds import KINDS
from countermark.ingest.service import ingest_file
from countermark.orgs.service import get_organisation_by_name_or_raise


def ingest_command(
    kind: str = typer.Argument(..., help=f"What the file holds: {', '.join(KINDS)}."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON Lines or CSV file."),
    org: str = typer.Option(..., "--org", help="Name of the organisation that owns the records."),
    tlp: str | None = typer.Option(None, help="TLP 2.0 marking; default: the organisation's."),
    source: str | None = typer.Option(None, help="Source name when rows carry none (default file:<name>)."),
    fmt: str | None = typer.Option(None, "--format", help="jsonl or csv (default: from the extension)."),
    mapping: Path | None = typer.Option(
        None, "--map", exists=True, dir_okay=False, help="CSV column mapping: JSON {field: header}."
    ),
    actor: str = typer.Option("cli", help="Who runs the ingestion, for the audit trail."),
    strict: bool = typer.Option(False, help="Exit with status 1 when any row is rejected."),
) -> None:
    """Validate and store the records of a file; rejected rows are written beside it with reasons."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        with progress_bar(f"ingesting {kind}") as update:
            report = ingest_file(
                session=session,
                blobs=ctx.blobs,
                kind=kind,
                path=file,
                owner_org_id=owner.id,
                actor=actor,
                tlp=tlp or owner.default_tlp,
                source=source,
                fmt=fmt,
                mapping_path=mapping,
                progress=update,
            )
    console.print(report.summary())
    if strict and report.rejected:
        raise typer.Exit(1)


def kinds_command(
    markdown: bool = typer.Option(False, "--markdown", help="Print the full schema reference as Markdown."),
) -> None:
    """List the kinds of record that can be ingested and their fields."""
    if markdown:
        typer.echo(schema_markdown(), nl=False)
        return
    table = Table("kind", "what", "fields")
    for spec in KINDS.values():
        table.add_row(spec.name, spec.summary, ", ".join(spec.schema.model_fields))
    console.print(table)
