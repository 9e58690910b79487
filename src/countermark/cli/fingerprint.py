"""`countermark fingerprint`: banks, enrolment, lookup and the benchmarks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from countermark.cli.common import app_context, console, progress_bar, read_input_file
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import InvalidInput
from countermark.core.marking import DEFAULT_TLP
from countermark.fingerprint import service
from countermark.orgs.service import get_organisation_by_name_or_raise

app = typer.Typer(help="Fingerprint content and match it against banks of genuine and infringing content.")
banks_app = typer.Typer(help="Banks of fingerprints.")
app.add_typer(banks_app, name="banks")


@banks_app.command("create")
def create_bank(
    name: str,
    org: str = typer.Option(..., help="Owning organisation"),
    purpose: str = typer.Option("genuine", help="genuine or infringing"),
    tlp: str = typer.Option(DEFAULT_TLP),
    match_scope: str = typer.Option("readers", help="readers, sharing_group, everyone"),
) -> None:
    """Create a bank owned by an organisation."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        bank = service.create_bank(
            session=session, owner_org_id=owner.id, name=name, purpose=purpose, tlp=tlp,
            match_scope=match_scope,
        )  # fmt: skip
        console.print(f"bank {bank.id} {bank.name!r} created for {org}")


@banks_app.command("list")
def list_banks(org: str = typer.Option(..., help="Organisation whose view is shown")) -> None:
    """The banks an organisation may read."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        principal = get_organisation_by_name_or_raise(session=session, name=org)
        for bank, count in service.list_banks(session=session, principal_org_id=principal.id):
            console.print(
                f"{bank.id:>5}  {bank.name:<30} {bank.purpose:<10} {bank.tlp:<12} {count:>8} entries"
            )


@app.command("add")
def add(
    files: list[Path],
    bank: str = typer.Option(..., help="Bank name"),
    org: str = typer.Option(..., help="Owner"),
    kind: str = typer.Option("image", help="image, file or text"),
) -> None:
    """Enrol pictures, files or text files in a bank."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        target = service.get_bank_by_name(session=session, owner_org_id=owner.id, name=bank)
        if target is None:
            raise InvalidInput.of(
                "{org} has no bank named {bank!r}: create it with `fingerprint banks create`",
                org=org,
                bank=bank,
            )
        problems: list[str] = []
        with progress_bar("enrolling") as update:
            for done, path in enumerate(files, start=1):
                try:
                    if kind == "image":
                        service.add_image(
                            ctx=ctx, session=session, bank=target, data=read_input_file(path), label=path.name
                        )
                    elif kind == "file":
                        service.add_file(
                            ctx=ctx, session=session, bank=target, data=read_input_file(path), label=path.name
                        )
                    else:
                        content = read_input_file(path).decode("utf-8", errors="replace")
                        service.add_text(session=session, bank=target, content=content, label=path.name)
                except InvalidInput as exc:
                    problems.append(f"{path}: {exc.message}")
                update(done, len(files))
        console.print(f"{len(files) - len(problems)} enrolled, {len(problems)} refused")
        for problem in problems:
            console.print(f"  [yellow]{problem}[/yellow]")


@app.command("match")
def match(
    path: Path,
    org: str = typer.Option(..., help="Organisation asking"),
    kind: str = typer.Option("image"),
) -> None:
    """Match a picture, file or text file against every bank the organisation may match against."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        principal = get_organisation_by_name_or_raise(session=session, name=org)
        data = read_input_file(path)
        if kind == "image":
            found = service.lookup_image(ctx=ctx, session=session, principal_org_id=principal.id, data=data)
        elif kind == "file":
            found = service.lookup_file(session=session, principal_org_id=principal.id, data=data)
        else:
            content = data.decode("utf-8", errors="replace")
            found = service.lookup_text(session=session, principal_org_id=principal.id, content=content)
        if not found:
            console.print("no match")
        for m in found:
            who = f"entry {m.entry_id} {m.label or ''}" if m.readable else "(bank not readable: match only)"
            console.print(f"{m.stage:<9} distance {m.distance:>3} score {m.score:.2f}  bank {m.bank_name!r} "
                          f"product {m.product_id} right {m.right_id}  {who}")  # fmt: skip


@app.command("products")
def products(
    org: str | None = typer.Option(None, help="Only this rights holder's products (default: every one)."),
    match_scope: str = typer.Option(
        "everyone", help="Who may match against a bank created now: readers, sharing_group, everyone."
    ),
) -> None:
    """Enrol the products' reference photos in their rights holders' genuine banks (idempotent)."""
    from countermark.fingerprint.product_banks import enrol_product_images

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org).id if org else None
        with progress_bar("enrolling reference photos") as update:
            report = enrol_product_images(
                ctx=ctx, session=session, owner_org_id=owner, match_scope=match_scope, progress=update
            )
        console.print(report.summary())
        for problem in report.problems[:20]:
            console.print(f"  [yellow]{problem}[/yellow]")


@app.command("listings")
def listings(
    again: bool = typer.Option(
        False,
        "--again",
        help="Hash every listing photo anew and match it again (after enrolling reference photos that "
        "photos stored earlier may show, or after an upgrade that changes how pictures are hashed).",
    ),
) -> None:
    """Hash the stored listing photos not hashed yet and match them against the banks.

    Ingestion stores each photo by its SHA-256; detection's photo signals, the linker's shared shots and
    the listing pages read the hashes and matches this step stores (`detect run` and `link run` run it
    first)."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        match_stored_listing_photos(ctx, session, again=again)


def match_stored_listing_photos(ctx: AppContext, session: Session, *, again: bool = False) -> set[int]:
    """Run the listing-photo step with a progress bar and print its summary; the listings showing a photo
    hashed or given matches in this run. Another run hashing the same new photos at the same time (a
    server's linking job beside a command) undoes this step alone, and the caller goes on with the photos
    hashed so far."""
    from countermark.fingerprint.listing_images import match_listing_images

    savepoint = session.begin_nested()
    try:
        with progress_bar("hashing and matching listing photos") as update:
            report = match_listing_images(ctx=ctx, session=session, progress=update, again=again)
    except IntegrityError:
        savepoint.rollback()
        console.print("listing images: another run is hashing them now; going on with those hashed so far")
        return set()
    savepoint.commit()
    console.print(report.summary())
    return report.listings


@app.command("bench")
def bench(
    which: str = typer.Argument("robustness", help="robustness or lookup"),
    sizes: str = typer.Option("1000000", help="lookup bench: comma-separated index sizes"),
) -> None:
    """Run a benchmark script from bench/ (in a source checkout) and print its table."""
    script = Path(__file__).resolve().parents[3] / "bench" / f"fingerprint_{which}.py"
    if not script.exists():
        raise typer.BadParameter(f"no benchmark {script} (benchmarks ship with the source checkout)")
    args = [sys.executable, str(script)] + (["--sizes", sizes] if which == "lookup" else [])
    raise typer.Exit(subprocess.call(args))
