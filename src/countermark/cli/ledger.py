"""`countermark ledger`: verify the log or a package, sign checkpoints, print proofs, make the key."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from countermark.cli.common import app_context, cli_settings, console, err_console
from countermark.core.db import unit_of_work

app = typer.Typer(
    help="Tamper-evident ledger: checkpoints, proofs, verification, evidence packages.", no_args_is_help=True
)


@app.command("keygen")
def keygen_command(
    origin: str = typer.Option("countermark.local/ledger", help="The log's name (a schema-less URL)."),
) -> None:
    """Create the log's Ed25519 signing key under the data directory (mode 0600)."""
    from countermark.ledger.keys import create_signing_key, key_paths

    key_dir = cli_settings().ledger_dir
    signer = create_signing_key(key_dir=key_dir, name=origin)
    private, public = key_paths(key_dir)
    console.print(f"signing key: {private} (keep it secret, back it up)\npublic key:  {public}")
    console.print(signer.verifier().encode())


@app.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the current tree head, after proving it consistent with the last signed one."""
    from countermark.ledger import service
    from countermark.ledger.keys import load_signer

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        checkpoint = service.sign_checkpoint(
            session=session, signer=load_signer(key_dir=ctx.settings.ledger_dir)
        )
        typer.echo(checkpoint.note, nl=False)  # plain text: a note must not be re-wrapped


@app.command("proof")
def proof_command(
    entry_id: int = typer.Argument(..., help="The ledger entry's id."),
    tree_size: int | None = typer.Option(None, help="Prove inclusion in the tree of this size."),
) -> None:
    """Print the inclusion proof of an entry as JSON."""
    from countermark.ledger import service
    from countermark.orgs.visibility import SYSTEM

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        proof = service.inclusion_proof(
            session=session, principal=SYSTEM, entry_id=entry_id, tree_size=tree_size
        )
        console.print_json(json.dumps(asdict(proof)))


@app.command("export")
def export_command(
    entry_ids: list[int] = typer.Argument(..., help="Ledger entries to put in the package."),
    out: Path = typer.Option(..., "--out", help="The zip file to write."),
    title: str = typer.Option("Evidence package", help="Title of the summary page."),
) -> None:
    """Write an evidence package: files, entries, inclusion proofs, signed checkpoint, public key."""
    from countermark.ledger.keys import load_verifier
    from countermark.ledger.package_service import export_package

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        summary = export_package(
            session=session,
            blobs=ctx.blobs,
            entry_ids=entry_ids,
            destination=out,
            verifier=load_verifier(key_dir=ctx.settings.ledger_dir),
            title=title,
        )
    console.print(
        f"{summary.path}: {summary.items} items, {summary.files} files, tree size {summary.tree_size}"
    )


@app.command("verify")
def verify_command(
    package: Path | None = typer.Option(None, "--package", help="Verify this evidence package offline."),
    key: str | None = typer.Option(None, "--key", help="Trusted public key text to check the package with."),
) -> None:
    """Verify the stored ledger (every leaf and checkpoint) or, with --package, an evidence package."""
    if package is not None:
        _verify_package(package, key)
        return
    from countermark.ledger import service
    from countermark.ledger.keys import key_paths, load_verifier

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        has_key = key_paths(ctx.settings.ledger_dir)[1].exists()
        verifier = load_verifier(key_dir=ctx.settings.ledger_dir) if has_key else None
        report = service.verify_store(session=session, verifier=verifier)
    console.print(
        f"{report.entries_checked} entries, {report.checkpoints_checked} checkpoints checked; "
        f"tree size {report.tree_size}, root {report.root_hash}"
    )
    if verifier is None:
        err_console.print("[yellow]no public key in the data directory: checkpoint signatures not checked")
    for problem in report.problems:
        err_console.print(f"[red]tampered:[/red] {problem.reason}")
    if not report.ok:
        raise typer.Exit(1)
    console.print("[green]the ledger verifies")


def _verify_package(path: Path, key: str | None) -> None:
    from countermark.ledger.package import verify_package

    report = verify_package(path, trusted_key=key)
    table = Table("item", "entry", "result", title=f"{path.name}: tree size {report.tree_size}")
    for item in report.items:
        table.add_row(item.name, str(item.entry_id), "ok" if item.ok else "; ".join(item.problems))
    console.print(table)
    console.print(f"checkpoint signature: {'ok' if report.checkpoint_ok else 'FAILED'}")
    for problem in report.problems:
        err_console.print(f"[red]problem:[/red] {problem}")
    if not report.ok:
        raise typer.Exit(1)
    console.print("[green]the package verifies")
