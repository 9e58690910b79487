"""`countermark share`: partners, collections, publishing, sync, STIX export, private matching."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import typer
from rich.table import Table

from countermark.cli.common import app_context, console, err_console
from countermark.core.db import unit_of_work

app = typer.Typer(
    help="Share with partner instances: STIX 2.1 over TAXII 2.1, private matching.", no_args_is_help=True
)


@app.command("partners")
def partners_command() -> None:
    """List the partner instances, where they are and how we match with them."""
    from countermark.share.partners_service import list_partners, subscriptions_of

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        table = Table("id", "name", "API root", "matching", "collections followed")
        for partner in list_partners(session):
            subs = ", ".join(s.title for s in subscriptions_of(session, partner)) or "-"
            table.add_row(str(partner.id), partner.name, partner.api_root_url, partner.matching, subs)
        console.print(table)


@app.command("partner-add")
def partner_add_command(
    name: str = typer.Option(..., help="The partner's name (its organisation here)."),
    kind: str = typer.Option("customs", help="customs, police, rights_holder, platform or other."),
    country: str = typer.Option(..., help="Two-letter country code."),
    acting_org: str = typer.Option(..., help="Our organisation that follows this partner."),
    api_root: str = typer.Option(
        ..., help="The partner's TAXII API root, e.g. https://cm.example/taxii2/api/"
    ),
    token: str = typer.Option("", help="The token the partner issued us (empty: set later)."),
) -> None:
    """Register a partner; prints once the token to hand to it."""
    from countermark.orgs.service import get_organisation_by_name_or_raise
    from countermark.share.partners_service import register_partner

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        org = get_organisation_by_name_or_raise(session=session, name=acting_org)
        new = register_partner(
            session,
            name=name,
            kind=kind,
            country=country.upper(),
            acting_org_id=org.id,
            api_root_url=api_root,
            token=token or None,
        )
        console.print(f"partner {new.partner.id} registered; give it this token (shown once):")
        typer.echo(new.token_for_partner)


@app.command("collection-add")
def collection_add_command(
    title: str = typer.Option(..., help="The collection's title."),
    org: str = typer.Option(..., help="The organisation that owns the agreement."),
    group: int | None = typer.Option(
        None, help="The sharing group whose records it carries (none: GREEN/CLEAR)."
    ),
    partner: list[str] = typer.Option(
        [], help="A partner to grant, as name:r, name:w or name:rw (repeatable)."
    ),
) -> None:
    """Create a collection for an agreement and grant partners read and/or write."""
    from countermark.orgs.service import get_organisation_by_name_or_raise
    from countermark.share.collections_service import create_collection, grant
    from countermark.share.partners_service import get_partner

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        collection = create_collection(session, title=title, owner_org_id=owner.id, sharing_group_id=group)
        for spec in partner:
            name, _, rights = spec.rpartition(":")
            found = get_partner(session, name_or_id=name or spec)
            grant(
                session,
                collection=collection,
                org_id=found.org_id,
                can_read="r" in rights,
                can_write="w" in rights,
            )
        console.print(f"collection {collection.uuid} created")


@app.command("publish")
def publish_command(
    origin: str = typer.Option("", help="This instance's name in object ids (default: host)."),
) -> None:
    """Map the records of every collection to STIX and store what changed (revoking what left)."""
    import socket

    from sqlalchemy import select

    from countermark.share.collections_service import publish
    from countermark.share.models import ShareCollection

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        for collection in session.scalars(select(ShareCollection).order_by(ShareCollection.id)):
            counts = publish(session, collection=collection, origin=origin or socket.getfqdn())
            console.print(f"{collection.title}: {counts.stored} new versions, {counts.unchanged} unchanged")


@app.command("sync")
def sync_command(
    partner: str = typer.Option("", help="One partner (name or id); default: every enabled partner."),
    push_from: int | None = typer.Option(None, help="Our collection id to push where the partner lets us."),
    every: int = typer.Option(0, help="Repeat every N seconds (0: once)."),
) -> None:
    """Pull partners' collections from where we stopped (and push where allowed)."""
    from countermark.share.partners_service import get_partner, list_partners
    from countermark.share.sync_service import sync_partner

    with app_context() as ctx:
        while True:
            with unit_of_work(ctx.sessions) as session:
                ids = (
                    [get_partner(session, name_or_id=partner).id]
                    if partner
                    else [p.id for p in list_partners(session) if p.enabled]
                )
            for partner_id in ids:
                try:
                    for summary in sync_partner(ctx.sessions, partner_id, source_collection_id=push_from):
                        console.print(
                            f"partner {partner_id} run {summary.run_id}: {summary.status}, "
                            f"{summary.received} received, {summary.stored} stored, "
                            f"{summary.waiting} waiting, {summary.rejected} rejected"
                        )
                        for error in summary.errors[:5]:
                            err_console.print(f"  {error}")
                except Exception as exc:  # one partner down must not stop the schedule for the others
                    err_console.print(f"[red]partner {partner_id}:[/red] {type(exc).__name__}: {exc}")
            if every <= 0:
                return
            time.sleep(every)


@app.command("export")
def export_command(
    collection: str = typer.Option(..., help="The collection's id (uuid)."),
    out: Path = typer.Option(..., help="Where to write the STIX 2.1 bundle."),
    partner: str = typer.Option(
        "", help="Export only what this partner may read (default: everything that may leave to anyone)."
    ),
) -> None:
    """Write a collection as a STIX bundle, validated by stix2-validator (refused when it has errors)."""
    from sqlalchemy import select

    from countermark.orgs.visibility import SYSTEM, Principal
    from countermark.share.models import ShareCollection
    from countermark.share.objects_service import Filters, page_of
    from countermark.share.partners_service import get_partner, partner_principal
    from countermark.share.validation import full_errors

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        found = session.scalar(select(ShareCollection).where(ShareCollection.uuid == collection))
        if found is None:
            err_console.print(f"[red]error:[/red] no collection {collection}")
            raise typer.Exit(2)
        reader: Principal = (
            partner_principal(session, get_partner(session, name_or_id=partner)) if partner else SYSTEM
        )
        objects, filters = [], Filters(limit=1000)
        while True:
            page = page_of(session, f"c:{found.id}", reader, filters)
            objects += [row.body for row in page.rows if reader is not SYSTEM or row.tlp not in ("RED",)]
            if not page.next:
                break
            filters = Filters(limit=1000, next=page.next)
    errors = full_errors(objects)
    if errors:
        for error in errors[:20]:
            err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(1)
    out.write_text(
        json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}, indent=1)
    )
    console.print(f"{len(objects)} objects written to {out}; stix2-validator: no error")


@app.command("psi")
def psi_command(
    partner: str = typer.Option(..., help="The partner to match with (name or id)."),
    org: str = typer.Option(..., help="Our organisation whose identifiers we ask about."),
) -> None:
    """Private matching: which of our e-mails, phones, IBANs, wallets and names the partner also holds."""
    from countermark.orgs.service import get_organisation_by_name_or_raise
    from countermark.share.matching_service import instance_base, match_with, own_values
    from countermark.share.partners_service import get_partner

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        found = get_partner(session, name_or_id=partner)
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        values, base, token = (
            own_values(session, owner_org_id=owner.id),
            instance_base(found.api_root_url),
            found.token,
        )
    started = time.perf_counter()
    result = match_with(base, token, values)
    console.print(
        f"asked {result.asked}, partner offered {result.offered}, in common {len(result.matched)} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    for value in result.matched:
        typer.echo(value)
