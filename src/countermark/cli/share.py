"""`countermark share`: partners, collections, publishing, sync, STIX export, private matching."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from countermark.cli.common import app_context, console, err_console
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.orgs.visibility import Principal

app = typer.Typer(
    help="Share with partner instances: STIX 2.1 over TAXII 2.1, private matching.", no_args_is_help=True
)


@contextmanager
def share_context() -> Iterator[AppContext]:
    """The command's context, with the store's key for partner secrets registered (`share.token_vault`)."""
    from countermark.share.token_vault import use_keys

    with app_context() as ctx:
        use_keys(ctx.engine, ctx.settings.keys_dir)
        yield ctx


@app.command("partners")
def partners_command() -> None:
    """List the partner instances, where they are and how we match with them."""
    from countermark.share.partners_service import issued_token, list_partners, subscriptions_of

    with share_context() as ctx, unit_of_work(ctx.sessions) as session:
        table = Table(
            "id",
            "name",
            "API root",
            "matching",
            "enabled",
            "their token",
            "our token",
            "collections followed",
        )
        for partner in list_partners(session):
            subs = ", ".join(s.title for s in subscriptions_of(session, partner)) or "-"
            ours = issued_token(session, partner)
            table.add_row(
                str(partner.id),
                partner.name,
                partner.api_root_url,
                partner.matching,
                "yes" if partner.enabled else "no",
                partner.token_hint or "-",
                f"cm_{ours.prefix}_…{' (revoked)' if ours.revoked_at else ''}" if ours else "-",
                subs,
            )
        console.print(table)


@app.command("partner-token")
def partner_token_command(
    partner: str = typer.Option(..., help="The partner (name or id)."),
    token: str = typer.Option(
        ..., prompt=True, hide_input=True, help="The token the partner issued us (empty: forget it)."
    ),
) -> None:
    """Keep the token a partner issued us, sealed with this instance's key."""
    from countermark.share.partners_service import get_partner, set_partner_token

    with share_context() as ctx, unit_of_work(ctx.sessions) as session:
        found = get_partner(session, name_or_id=partner)
        set_partner_token(session, partner=found, raw=token or None)
        console.print(f"partner {found.name}: token {found.token_hint or 'forgotten'}")


@app.command("partner-reissue")
def partner_reissue_command(
    partner: str = typer.Option(..., help="The partner (name or id)."),
    days: int = typer.Option(90, help="Days until the new token expires (1 to 730)."),
) -> None:
    """Revoke the token we issued a partner and print a new one (shown once)."""
    from countermark.share.partners_service import get_partner, reissue_token

    with share_context() as ctx, unit_of_work(ctx.sessions) as session:
        raw = reissue_token(session, partner=get_partner(session, name_or_id=partner), expires_in_days=days)
        console.print("the previous token is revoked; give the partner this one (shown once):")
        typer.echo(raw)


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

    with share_context() as ctx, unit_of_work(ctx.sessions) as session:
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

    with share_context() as ctx, unit_of_work(ctx.sessions) as session:
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

    with share_context() as ctx, unit_of_work(ctx.sessions) as session:
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

    with share_context() as ctx:
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

    from countermark.orgs.visibility import SYSTEM
    from countermark.share.models import ShareCollection
    from countermark.share.objects_service import Filters, page_of
    from countermark.share.partners_service import get_partner, partner_principal
    from countermark.share.validation import full_errors

    with share_context() as ctx, unit_of_work(ctx.sessions) as session:
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
    import requests as http

    from countermark.orgs.service import get_organisation_by_name_or_raise
    from countermark.share.matching_service import instance_base, match_with, own_values
    from countermark.share.partners_service import get_partner

    with share_context() as ctx, unit_of_work(ctx.sessions) as session:
        found = get_partner(session, name_or_id=partner)
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        values, base, token = (
            own_values(session, owner_org_id=owner.id),
            instance_base(found.api_root_url),
            found.token,
        )
    started = time.perf_counter()
    try:
        result = match_with(base, token, values)
    except http.RequestException as exc:
        err_console.print(f"[red]the partner did not answer the private matching:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(
        f"asked {result.asked}, partner offered {result.offered}, in common {len(result.matched)} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    for value in result.matched:
        typer.echo(value)


requests_app = typer.Typer(help="Requests for assistance between agencies.", no_args_is_help=True)
app.add_typer(requests_app, name="requests")


def _as_org(session: Any, name: str) -> Principal:
    """The organisation a command acts for, as a principal of its own (what a member of it would see)."""
    from countermark.orgs.service import get_organisation_by_name_or_raise, group_ids_of

    org = get_organisation_by_name_or_raise(session=session, name=name)
    return Principal(
        org_id=org.id,
        scopes=frozenset({"read", "write"}),
        group_ids=group_ids_of(session, org.id),
        email=f"cli:{org.name}",
    )


@requests_app.command("list")
def requests_list_command(
    org: str = typer.Option(..., help="Our organisation (its requests only)."),
    direction: str = typer.Option("", help="incoming or outgoing (default: both)."),
    refresh: bool = typer.Option(False, help="First read back the status of our open outgoing requests."),
) -> None:
    """List the requests for assistance an organisation sent or received."""
    from countermark.share.partners_service import list_partners
    from countermark.share.requests_service import list_requests, refresh_requests

    with share_context() as ctx:
        if refresh:
            with unit_of_work(ctx.sessions) as session:
                ids = [p.id for p in list_partners(session) if p.enabled]
            for partner_id in ids:
                try:
                    changed = refresh_requests(ctx.sessions, partner_id=partner_id)
                    console.print(f"partner {partner_id}: {changed} status changes")
                except Exception as exc:  # a partner down must not hide the list
                    err_console.print(f"[red]partner {partner_id}:[/red] {type(exc).__name__}: {exc}")
        with unit_of_work(ctx.sessions) as session:
            table = Table("id", "uuid", "direction", "partner", "subject", "status", "deadline", "updated")
            names = {p.id: p.name for p in list_partners(session)}
            for found in list_requests(session, _as_org(session, org), direction=direction or None):
                table.add_row(
                    str(found.id),
                    found.uuid,
                    found.direction,
                    names.get(found.partner_id or 0, "-"),
                    found.subject,
                    found.status,
                    found.deadline.isoformat() if found.deadline else "-",
                    found.updated_at.strftime("%Y-%m-%d %H:%M"),
                )
            console.print(table)


@requests_app.command("send")
def requests_send_command(
    partner: str = typer.Option(..., help="The partner instance asked (name or id)."),
    org: str = typer.Option(..., help="Our organisation asking."),
    subject: str = typer.Option(..., help="A one-line subject."),
    asked: str = typer.Option(..., help="What is asked."),
    legal_basis: str = typer.Option(..., help="The legal basis of the request."),
    deadline: str = typer.Option("", help="Answer wanted by (YYYY-MM-DD)."),
    attach: list[str] = typer.Option([], help="A STIX id attached by reference (repeatable)."),
) -> None:
    """Send a request for assistance to a partner instance."""
    from datetime import date

    import requests as http

    from countermark.core.errors import InvalidInput
    from countermark.orgs.service import get_organisation_by_name_or_raise
    from countermark.share.partners_service import get_partner
    from countermark.share.requests_service import send_request

    try:
        wanted_by = date.fromisoformat(deadline) if deadline else None
    except ValueError:
        err_console.print(f"[red]error:[/red] the deadline {deadline!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from None
    with share_context() as ctx:
        with unit_of_work(ctx.sessions) as session:
            partner_id = get_partner(session, name_or_id=partner).id
            org_id = get_organisation_by_name_or_raise(session=session, name=org).id
        try:
            sent = send_request(
                ctx.sessions,
                partner_id=partner_id,
                org_id=org_id,
                subject=subject,
                asked=asked,
                legal_basis=legal_basis,
                deadline=wanted_by,
                attachment_refs=list(attach),
            )
        except InvalidInput as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        except http.RequestException as exc:
            err_console.print(f"[red]the partner did not take the request:[/red] {exc}")
            raise typer.Exit(1) from None
    console.print(f"request {sent} sent")


def _move(request_id: int, org: str, status: str, answer: str | None) -> None:
    from countermark.share.requests_service import get_request, set_status

    with share_context() as ctx, unit_of_work(ctx.sessions) as session:
        principal = _as_org(session, org)
        found = get_request(session, principal, request_id)
        if found.direction != "incoming":
            err_console.print("[red]error:[/red] only a request addressed to us can be moved on")
            raise typer.Exit(2)
        moved = set_status(session, principal, found.uuid, status, answer)
        console.print(f"request {moved.id} is {moved.status}")


@requests_app.command("accept")
def requests_accept_command(
    request_id: int = typer.Argument(..., help="The request's id here."),
    org: str = typer.Option(..., help="Our organisation asked."),
) -> None:
    """Accept an incoming request."""
    _move(request_id, org, "accepted", None)


@requests_app.command("answer")
def requests_answer_command(
    request_id: int = typer.Argument(..., help="The request's id here."),
    org: str = typer.Option(..., help="Our organisation asked."),
    text: str = typer.Option(..., "--text", help="The answer."),
) -> None:
    """Answer an accepted incoming request."""
    if not text.strip() or len(text) > 20_000:
        err_console.print("[red]error:[/red] the answer must be 1 to 20,000 characters")
        raise typer.Exit(2)
    _move(request_id, org, "answered", text)


@requests_app.command("refuse")
def requests_refuse_command(
    request_id: int = typer.Argument(..., help="The request's id here."),
    org: str = typer.Option(..., help="Our organisation asked."),
    reason: str = typer.Option("", help="Why (sent back as the answer)."),
) -> None:
    """Refuse an incoming request."""
    if len(reason) > 20_000:
        err_console.print("[red]error:[/red] the reason must be at most 20,000 characters")
        raise typer.Exit(2)
    _move(request_id, org, "refused", reason or None)
