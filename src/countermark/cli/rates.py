"""`countermark rates`: the exchange rates the store keeps (import the ECB's files, show those in force)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from countermark.cli.common import app_context, console, read_input_file
from countermark.core.clock import utcnow
from countermark.core.db import unit_of_work
from countermark.core.rates import MAX_BYTES, SOURCE_ECB, rates_in_force, read_rates, store_rates
from countermark.ingest.service import rejects_path_for

app = typer.Typer(help="Exchange rates: prices in any currency are compared with genuine prices in euros.")

_SHOWN_REFUSALS = 20


@app.command("import")
def import_rates(
    path: Path,
    source: str = typer.Option(SOURCE_ECB, help="Who published the rates (a table's own column wins)"),
) -> None:
    """Store the rates of a file: the ECB's eurofxref CSV (zipped or not) or XML (a day's or the
    history), or a table with columns currency, per_eur (units one euro buys) and day, as CSV or JSON
    Lines. Bad rows are refused with their reason and the good ones kept; importing a file again changes
    nothing."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        parsed = read_rates(read_input_file(path, most=MAX_BYTES), source=source.strip()[:40] or SOURCE_ECB)
        counts = store_rates(session, parsed.rates)
    console.print(
        f"{counts.stored} rates stored, {counts.updated} corrected, {counts.unchanged} unchanged, "
        f"{len(parsed.rejected)} refused"
    )
    # The refused quotations beside the input, as `countermark ingest` writes its rejected rows.
    target = rejects_path_for(path)
    try:
        if parsed.rejected:
            lines = (json.dumps({"where": w, "errors": [r]}, ensure_ascii=False) for w, r in parsed.rejected)
            target.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
            console.print(f"refused quotations written to {target}")
        else:
            target.unlink(missing_ok=True)
    except OSError as exc:  # the rates are stored; only the list of refusals could not be written
        console.print(f"[yellow]could not write {target}: {exc.strerror}[/yellow]")
    for where, reason in parsed.rejected[:_SHOWN_REFUSALS]:
        console.print(f"  [yellow]{where}: {reason}[/yellow]")
    if len(parsed.rejected) > _SHOWN_REFUSALS:
        console.print(f"  [yellow]… and {len(parsed.rejected) - _SHOWN_REFUSALS} more[/yellow]")


@app.command("show")
def show_rates(
    on: str = typer.Option("", help="The day (YYYY-MM-DD) whose rates in force are shown; today by default"),
) -> None:
    """Each currency's rate in force on a day: the latest quotation on or before it."""
    try:
        day = date.fromisoformat(on) if on else utcnow().date()
    except ValueError:
        raise typer.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)", param_hint="--on") from None
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        rates = rates_in_force(session, day)
    if not rates:
        console.print(
            "no exchange rates stored: prices are converted at the detection model's own table "
            "(import the ECB's eurofxref file with `countermark rates import`)"
        )
        return
    table = Table(title=f"Rates in force on {day.isoformat()}")
    for column in ("currency", "per euro", "euros per unit", "quoted on", "source"):
        table.add_column(column)
    for rate in rates:
        table.add_row(
            rate.currency, f"{rate.per_eur:g}", f"{1 / rate.per_eur:.6g}", rate.day.isoformat(), rate.source
        )
    console.print(table)
