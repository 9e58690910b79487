"""`countermark codes`: issue signed product codes, verify one (offline too), export sheets, manage keys."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import typer
from sqlalchemy import select

from countermark.cli.common import app_context, console, err_console, progress_bar
from countermark.core.db import unit_of_work

app = typer.Typer(
    help="Signed product codes (GS1 Digital Link): issue, verify, export, keys.", no_args_is_help=True
)
keys_app = typer.Typer(help="Organisations' Ed25519 signing keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
ORG = typer.Option(..., "--org", help="The organisation (rights holder) by name.")


@app.command("issue")
def issue_command(
    org: str = ORG,
    product_id: int = typer.Option(..., help="Product id (see `countermark` pages)."),
    quantity: int = typer.Option(..., min=1, max=100_000),
    resolver: str = typer.Option(..., help="Host name printed in the codes, e.g. id.brand.example."),
    label: str | None = typer.Option(None),
) -> None:
    """Issue a batch of signed codes for one of the organisation's products."""
    from countermark.codes import service
    from countermark.orgs.service import get_organisation_by_name_or_raise
    from countermark.orgs.visibility import Principal

    with app_context() as ctx, unit_of_work(ctx.sessions) as session, progress_bar("issuing") as update:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        batch = service.create_batch(
            session=session,
            principal=Principal(org_id=owner.id),
            product_id=product_id,
            quantity=quantity,
            resolver=resolver,
            actor="cli",
            label=label,
        )
        service.issue_batch(
            session=session, directory=ctx.settings.keys_dir, batch=batch, progress=update
        )
        console.print(
            f"batch {batch.id}: {batch.issued_count} codes for GTIN {batch.gtin}, key {batch.key_id}"
        )


@app.command("verify")
def verify_command(
    uri: str = typer.Argument(..., help="The scanned URI."),
    keys: Path | None = typer.Option(None, help="Exported public keys: verify offline."),
) -> None:
    """Verify a code: offline from a key file (signature only), or against the store (with its history)."""
    from countermark.codes import service
    from countermark.codes.keys import load_public_keys
    from countermark.codes.signed import CodeError
    from countermark.codes.verify import verify_uri

    if keys is not None:
        try:
            public = load_public_keys(keys.read_text(encoding="utf-8"))
        except (OSError, CodeError) as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        result = verify_uri(uri, public, None, online=False)
    else:
        with app_context() as ctx, unit_of_work(ctx.sessions) as session:
            result, _ = service.verify_and_record(
                session=session,
                uri=uri,
                keys=service.public_keys(session=session),
                salt=service.scanner_salt(ctx.settings.keys_dir),
                channel="cli",
            )
    console.print(f"{result.verdict.value}" + (" (offline)" if result.offline else ""))
    for reason in result.reasons:
        console.print(f"  {reason}")
    raise typer.Exit(0 if result.safe else 1)


@app.command("export")
def export_command(
    batch: int = typer.Option(..., help="Batch id."),
    fmt: str = typer.Option("csv", "--format", help="csv, svg, png or pdf."),
    out: Path = typer.Option(..., help="File to write."),
) -> None:
    """Write a batch's codes as CSV (serial, URI) or a print sheet (SVG, PNG, PDF)."""
    from countermark.codes import service, sheets
    from countermark.codes.models import CodeBatch

    if fmt not in ("csv", "svg", "png", "pdf"):
        raise typer.BadParameter("format must be csv, svg, png or pdf")
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        found = session.scalar(select(CodeBatch).where(CodeBatch.id == batch))
        if found is None:
            raise typer.BadParameter(f"no batch {batch}")
        rows = service.batch_codes(session=session, batch=found)
    items = [(uri, code.serial) for code, uri in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["serial", "uri"])
        writer.writerows((serial, uri) for uri, serial in items)
        out.write_text(buffer.getvalue(), encoding="utf-8")
    elif fmt == "svg":
        out.write_text(sheets.sheet_svg(items), encoding="utf-8")
    else:
        out.write_bytes(sheets.sheet_pdf(items) if fmt == "pdf" else sheets.sheet_png(items))
    console.print(f"{len(items)} codes written to {out}")


@keys_app.command("create")
def keys_create(org: str = ORG) -> None:
    """Create a new signing key; the previous active key is retired (its codes still verify)."""
    from countermark.codes import service
    from countermark.orgs.service import get_organisation_by_name_or_raise

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        key = service.create_signing_key(
            session=session, directory=ctx.settings.keys_dir, org_id=owner.id, actor="cli"
        )
        console.print(f"key {key.key_id} created for {org}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: str, org: str = ORG, reason: str = typer.Option(..., help="Why, for the audit.")
) -> None:
    """Revoke a key: every code it signed stops verifying."""
    from countermark.codes import service
    from countermark.orgs.service import get_organisation_by_name_or_raise

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        service.revoke_signing_key(
            session=session, org_id=owner.id, key_id=key_id, reason=reason, actor="cli"
        )
        console.print(f"key {key_id} revoked")


@keys_app.command("list")
def keys_list() -> None:
    """Every key with its owner and status."""
    from countermark.codes import service

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        for key in service.list_signing_keys(session=session):
            console.print(f"{key.key_id}  org {key.owner_org_id}  {key.status}  {key.created_at:%Y-%m-%d}")


@keys_app.command("export")
def keys_export(out: Path = typer.Option(..., help="JSON file for offline verifiers.")) -> None:
    """Write every public key (with status) for offline verification."""
    from countermark.codes import service

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        out.write_text(service.export_keys(session=session), encoding="utf-8")
    console.print(f"public keys written to {out}")
