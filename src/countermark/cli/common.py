"""What every command shares: the console, the context, errors shown plainly, progress bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from countermark.core.context import AppContext, build_context
from countermark.core.errors import CountermarkError, InvalidInput
from countermark.core.migrate import current_revision, head_revision
from countermark.core.settings import Settings

console = Console()
err_console = Console(stderr=True)


def cli_settings() -> Settings:
    """The settings in force for a command, read from the environment (the one place the CLI does it).

    A variable with a value it cannot take ends the command with the variable's name and the reason.
    """
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            variable = "COUNTERMARK_" + "_".join(str(p) for p in error["loc"]).upper()
            err_console.print(f"[red]error:[/red] {variable}: {error['msg']}")
        raise typer.Exit(2) from None


@contextmanager
def app_context(*, require_schema: bool = True) -> Iterator[AppContext]:
    """The application context for one command; user errors end the command with a clear message."""
    try:
        ctx = build_context(cli_settings())
    except CountermarkError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    from countermark.cases.outcome_service import (
        provide_case_outcomes,  # (imported here: commands start fast)
    )
    from countermark.link.case_networks import provide_case_networks

    provide_case_outcomes(ctx)  # targeting's intelligence reads the confirmed cases (targeting/outcomes.py)
    provide_case_networks(ctx)  # and the other records of their stored networks (link/case_networks.py)
    try:
        if require_schema and current_revision(ctx.engine) != head_revision():
            err_console.print(
                "[red]error:[/red] the database is not at the latest schema: "
                "run [bold]countermark db upgrade[/bold]"
            )
            raise typer.Exit(2)
        yield ctx
    except CountermarkError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        ctx.close()


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar; yields an update(done, total) callback."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def read_input_file(path: Path, *, most: int | None = None) -> bytes:
    """A file's bytes, or InvalidInput naming the file and why it cannot be read (or is over `most`)."""
    try:
        if most is not None and path.stat().st_size > most:
            raise InvalidInput.of("the file is larger than {limit} bytes", limit=most)
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput.of("cannot read {path}: {reason}", path=str(path), reason=exc.strerror) from None
