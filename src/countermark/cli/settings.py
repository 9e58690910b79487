"""`countermark settings`: every setting, its environment variable, default and value in force, and every
directory the store uses."""

from __future__ import annotations

from rich.table import Column, Table

from countermark.cli.common import cli_settings, console
from countermark.core.settings import settings_help


def settings_command() -> None:
    """Show every COUNTERMARK_* setting with its help and the value in force."""
    current = cli_settings()
    table = Table("value in force", "description")
    table.columns.insert(0, Column("variable", no_wrap=True))
    for variable, _default, description in settings_help():
        value = getattr(current, variable.removeprefix("COUNTERMARK_").lower())
        table.add_row(variable, "" if value is None else str(value), description)
    console.print(table)
    console.print(f"database in force: {current.resolved_database_url()}")
    console.print("directories (under the data directory unless set):")
    for name, path in current.directories().items():
        console.print(f"  {name}: {path}", soft_wrap=True, highlight=False)
