"""`countermark link run|show|why`: link the stored accounts, shops, listings and consignments into networks
(or, with --world, a world directory's files into a JSON run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cli.common import app_context, cli_settings, console, err_console
from countermark.core.db import unit_of_work
from countermark.link.models import LinkNetwork
from countermark.orgs.visibility import SYSTEM

app = typer.Typer(
    help="Network linking: accounts, shops, domains and consignors of one operator.", no_args_is_help=True
)


def _run_file(out: Path | None) -> Path:
    return out or cli_settings().data_dir / "link" / "run.json"


def _load(path: Path) -> dict[str, Any]:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(
            f"no readable linking run at {path} (write one with `countermark link run --world DIR`): {exc}"
        ) from exc
    if not isinstance(saved, dict):
        raise typer.BadParameter(f"{path} is not a linking run")
    return saved


def _world_run(world: Path, out: Path | None) -> None:
    """Link a world directory's files and keep the run as JSON (the evaluation's way)."""
    from countermark.eval.link import world_parties
    from countermark.eval.link_photos import PhotoPrints, photo_insides, reference_hashes, world_photos
    from countermark.eval.world_files import read_world
    from countermark.link.engine import run_linking
    from countermark.link.report import previous_ids, run_dict

    target = _run_file(out)
    previous = _load(target) if target.is_file() else {}
    files = read_world(world)
    prints: PhotoPrints = {}
    photos = world_photos(files, prints)
    run = run_linking(
        world_parties(files, photos),
        references=reference_hashes(files),
        photo_insides=photo_insides(prints),
        previous=previous_ids(previous),
        next_number=int(previous.get("next_number", 1)),
        marks=sorted({p.brand for p in files.products}),
        progress=err_console.log,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(run_dict(run), indent=1), encoding="utf-8")
    networks = [n for n in run.networks if not n.operator]
    console.print(
        f"{len(networks)} networks, {len(run.networks) - len(networks)} same-owner groups, "
        f"{len(run.hubs)} hub values kept off the links; written to {target}"
    )


def _link_owner(
    session: Session, owner: int, *, incremental: bool, actor: str
) -> tuple[int, dict[str, Any], str]:
    """Link one organisation (an increment when asked and possible); the run's id, summary and a line."""
    from dataclasses import asdict

    from countermark.link.store_reads import (
        MAX_INCREMENT_RECORDS,
        link_organisation,
        link_organisation_increment,
    )

    progress = err_console.log
    increment = (
        link_organisation_increment(session=session, owner_org_id=owner, actor=actor, progress=progress)
        if incremental
        else None
    )
    if increment is not None:
        line = (
            f"organisation {owner}: {increment.parties} new parties, {increment.joined} joined a "
            f"network, {increment.created} new networks, {increment.held} held for a full run "
            f"(they tie two networks), {increment.members} members added "
            f"({increment.seconds.get('total', 0.0):.1f} s)"
        )
        return increment.run_id, {"mode": "incremental", **asdict(increment)}, line
    if incremental:
        err_console.print(
            f"organisation {owner}: a full run instead (never linked before, or more than "
            f"{MAX_INCREMENT_RECORDS:,} records to add)"
        )
    summary = link_organisation(session=session, owner_org_id=owner, actor=actor, progress=progress)
    line = (
        f"organisation {owner}: {summary.parties} parties, {summary.networks} networks, "
        f"{summary.operator_groups} same-owner groups, {summary.hubs} hub values kept off the links, "
        f"{summary.kept} networks kept their id, {summary.dissolved} dissolved "
        f"({summary.seconds.get('total', 0.0):.1f} s)"
    )
    return summary.run_id, {"mode": "full", **asdict(summary)}, line


def _run_job(job_id: int) -> None:
    """Do a linking job asked for through the API or the web, recording its run or why it failed."""
    import os
    import socket

    from countermark.core.errors import CountermarkError
    from countermark.link.jobs import begin_job, fail_job, finish_job

    with app_context() as ctx:
        try:
            with unit_of_work(ctx.sessions) as session:
                job = begin_job(session=session, job_id=job_id, host=socket.gethostname(), pid=os.getpid())
                owner, incremental, actor = job.owner_org_id, job.mode == "incremental", job.requested_by
        except CountermarkError as exc:
            err_console.print(f"[red]error:[/red] {exc.message}")
            raise typer.Exit(2) from None
        try:
            from countermark.cli.fingerprint import match_stored_listing_photos

            with unit_of_work(ctx.sessions) as session:
                match_stored_listing_photos(ctx, session)
            with unit_of_work(ctx.sessions) as session:
                run_id, summary, line = _link_owner(session, owner, incremental=incremental, actor=actor)
        except BaseException as exc:
            with unit_of_work(ctx.sessions) as session:
                fail_job(session=session, job_id=job_id, message=f"{type(exc).__name__}: {exc}")
            raise
        # The log is written out before the job shows done: whoever reads it then finds the whole of it.
        console.print(f"job {job_id}: {line}")
        console.file.flush()
        with unit_of_work(ctx.sessions) as session:
            finish_job(session=session, job_id=job_id, run_id=run_id, summary=summary)


@app.command("run")
def run_command(
    org: int | None = typer.Option(None, help="Link only this organisation's records (default: every one)."),
    world: Path | None = typer.Option(None, help="Link a world directory's files instead of the store."),
    out: Path | None = typer.Option(None, help="With --world: where to keep the run (JSON)."),
    incremental: bool = typer.Option(
        False, help="Add only what was stored since the last run to the standing networks."
    ),
    job: int | None = typer.Option(
        None, min=1, help="Do this linking job (asked for through the API or the web; the server starts it)."
    ),
    photos: bool = typer.Option(
        True, help="Hash and match the listing photos not hashed yet first (`fingerprint listings`)."
    ),
) -> None:
    """Link the stored accounts, shops, listings and consignments of each organisation into networks.

    Each organisation's own records are linked and its networks stored, owned by it; a network keeps its
    id when members join. With --incremental, only the records stored since the organisation's last run
    are read and joined to its networks by their exact identifiers (a full run when it has none, or
    when more than 20,000 records changed). With --job, the job's organisation and mode are linked and
    the job records the run. With --world, a world directory's files are linked and kept as JSON instead.
    The stored listing photos not hashed yet are hashed and matched first (a job does it too; not with
    --world), so that shared shots are read (--no-photos leaves them for `countermark fingerprint listings`).
    """
    if job is not None:
        if world is not None or org is not None or incremental:
            raise typer.BadParameter("--job takes its organisation and mode from the job: give it alone")
        _run_job(job)
        return
    if world is not None:
        _world_run(world, out)
        return
    from countermark.link.store_reads import organisations_with_records

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        if photos:
            from countermark.cli.fingerprint import match_stored_listing_photos

            match_stored_listing_photos(ctx, session)
        owners = [org] if org is not None else organisations_with_records(session)
        for owner in owners:
            console.print(_link_owner(session, owner, incremental=incremental, actor="cli")[2])
        if not owners:
            console.print("nothing stored to link")


def _find_network(session: Session, network: str) -> LinkNetwork:
    from countermark.link.service import get_network

    if network.isdigit():
        return get_network(session=session, principal=SYSTEM, network_id=int(network))
    rows = session.scalars(
        select(LinkNetwork).where(LinkNetwork.key == network).order_by(LinkNetwork.id)
    ).all()
    if len(rows) != 1:
        raise typer.BadParameter(
            f"{len(rows)} stored networks have the key {network}: give the network's number instead"
        )
    return rows[0]


@app.command("show")
def show_command(
    network: str | None = typer.Argument(None, help="A network's number or key (all networks when omitted)."),
    out: Path | None = typer.Option(None, help="Read a --world run file instead of the store."),
) -> None:
    """The stored networks, or one network's members with the evidence that ties each in."""
    if out is not None:
        _show_file(network, out)
        return
    from countermark.link.service import member_chain, network_parts, visible_networks

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        if network is None:
            rows, total = visible_networks(session=session, principal=SYSTEM, limit=500)
            table = Table(
                "#",
                "network",
                "org",
                "score",
                "members",
                "by kind",
                "same owner",
                title=f"Networks ({total})",
            )
            for row in rows:
                kinds = ", ".join(f"{v} {k}" for k, v in sorted(row.kinds.items()))
                same = "yes" if row.operator else ""
                table.add_row(
                    str(row.id),
                    row.key,
                    str(row.owner_org_id),
                    f"{row.score:.2f}",
                    str(row.size),
                    kinds,
                    same,
                )
            console.print(table)
            return
        found = _find_network(session, network)
        members, edges = network_parts(session=session, principal=SYSTEM, network_id=found.id)
        same = ", same-owner group" if found.operator else ""
        title = f"{found.key} (#{found.id}, score {found.score:.2f}{same})"
        table = Table("member", "kind", "label", "tied by", title=title)
        for member in members:
            chain = member_chain(members, edges, member.key)
            label = member.label
            if member.lookalike_of:
                label += f" (imitates {member.lookalike_of}: {member.lookalike_kind})"
            tied = " → ".join(e.evidence for e in chain) or "(root)"
            table.add_row(member.key, member.kind, label, tied)
        console.print(table)


@app.command("why")
def why_command(
    member: str = typer.Argument(..., help="A member key, e.g. account:12, listing:40, shipment:7."),
    out: Path | None = typer.Option(None, help="Read a --world run file instead of the store."),
) -> None:
    """Why a member sits in its network: the chain of evidence from the network's root to it."""
    if out is not None:
        _why_file(member, out)
        return
    from countermark.link.service import member_chain, network_parts, networks_of_member

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        found = networks_of_member(session=session, principal=SYSTEM, member_key=member)
        if not found:
            console.print(f"{member} is in no network")
            raise typer.Exit(code=1)
        for network in found:
            members, edges = network_parts(session=session, principal=SYSTEM, network_id=network.id)
            label = " (same-owner group)" if network.operator else ""
            console.print(
                f"{member} is in {network.key} (#{network.id}, organisation {network.owner_org_id}){label}"
            )
            for edge in member_chain(members, edges, member):
                console.print(f"  {edge.a} — {edge.evidence}: {edge.detail} — {edge.b}")


def _show_file(network: str | None, out: Path) -> None:
    """The networks of a --world run file, or one network's members."""
    saved = _load(_run_file(out))
    if network is None:
        table = Table("network", "score", "members", "by kind", "operator", title="Networks")
        for item in saved["networks"]:
            kinds = ", ".join(f"{v} {k}" for k, v in sorted(item["kinds"].items()))
            table.add_row(
                item["id"],
                f"{item['score']:.2f}",
                str(len(item["members"])),
                kinds,
                "yes" if item["operator"] else "",
            )
        console.print(table)
        return
    found = next((n for n in saved["networks"] if n["id"] == network), None)
    if found is None:
        raise typer.BadParameter(f"no network {network} in the last run")
    table = Table("member", "tied by", title=f"{network} (score {found['score']:.2f})")
    for member in found["members"]:
        chain = found["chains"].get(member, [])
        table.add_row(member, " → ".join(link["evidence"] for link in chain) or "(root)")
    console.print(table)


def _why_file(member: str, out: Path) -> None:
    """Why a party of a --world run file sits in its network."""
    from countermark.link.report import why

    answer = why(_load(_run_file(out)), member)
    if answer is None:
        console.print(f"{member} is in no network")
        raise typer.Exit(code=1)
    console.print(f"{member} is in {answer['network']}{' (same-owner group)' if answer['operator'] else ''}")
    for link in answer["chain"]:
        console.print(f"  {link['a']} — {link['evidence']}: {link['detail']} — {link['b']}")
