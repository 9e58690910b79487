"""`countermark cases`: open, decide, tick, list, show and build notices."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.table import Table

from countermark.cli.common import app_context, console

app = typer.Typer(
    help="Cases and the legal workflow: deadlines per jurisdiction, decisions, notices.", no_args_is_help=True
)


def _when(raw: str | None) -> datetime:
    if not raw:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(f"{raw!r} is not an ISO time such as 2025-04-17T09:00:00+02:00") from None
    if moment.tzinfo is None:
        raise typer.BadParameter("give the time with its zone, e.g. 2025-04-17T09:00:00Z")
    return moment


@app.command("open")
def open_command(
    org: str = typer.Option(..., "--org", help="The organisation that owns the case."),
    procedure: str | None = typer.Option(None, help="Procedure key (see `countermark cases procedures`)."),
    title: str | None = typer.Option(None, help="Title, when opened by hand."),
    shipment: int | None = typer.Option(None, help="Open from this shipment id."),
    listing: int | None = typer.Option(None, help="Open from this listing id."),
    country: str | None = typer.Option(None, help="Country whose holidays count (default: the pack's)."),
    at: str | None = typer.Option(None, help="When the case opens (ISO time with zone; default now)."),
    platform: str | None = typer.Option(
        None, "--platform", help="The platform organisation a takedown is asked of (it takes its decisions)."
    ),
) -> None:
    """Open a case by hand, from a shipment or from a listing."""
    from countermark.cases.intake_service import open_from_listing, open_from_shipment
    from countermark.cases.service import open_case
    from countermark.core.db import unit_of_work
    from countermark.orgs.service import get_organisation_by_name_or_raise
    from countermark.orgs.visibility import SYSTEM

    moment = _when(at)
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        platform_id = None
        if platform:
            platform_id = get_organisation_by_name_or_raise(session=session, name=platform).id
        if shipment and platform_id:
            raise typer.BadParameter("a border case has no platform: --platform needs --listing or --title")
        if shipment:
            case = open_from_shipment(
                session=session,
                principal=SYSTEM,
                shipment_id=shipment,
                at=moment,
                actor="cli",
                procedure=procedure,
            )
        elif listing:
            case = open_from_listing(
                session=session,
                principal=SYSTEM,
                listing_id=listing,
                at=moment,
                actor="cli",
                platform_org_id=platform_id,
            )
        elif procedure and title:
            case = open_case(
                session=session,
                owner_org_id=owner.id,
                procedure=procedure,
                title=title,
                at=moment,
                actor="cli",
                country=country,
                platform_org_id=platform_id,
            )
        else:
            raise typer.BadParameter("give --shipment, --listing, or --procedure with --title")
        console.print(f"{case.reference} (id {case.id}): {case.procedure} / {case.step}, due {case.due_at}")


@app.command("decide")
def decide_command(
    case_id: int = typer.Argument(..., help="Case id."),
    decision: str = typer.Argument(
        ..., help="Decision, e.g. notify, confirm_infringement, declarant_opposes."
    ),
    role: str = typer.Option(..., help="customs_officer, rights_holder, platform or investigator."),
    at: str | None = typer.Option(None, help="When the decision was taken (default now)."),
    note: str | None = typer.Option(None),
) -> None:
    """Record a decision on a case's current step."""
    from countermark.cases.service import get_case, record_decision
    from countermark.core.db import unit_of_work
    from countermark.orgs.visibility import SYSTEM

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        case = get_case(session=session, principal=SYSTEM, case_id=case_id)
        record_decision(
            session=session,
            case=case,
            decision=decision,
            role=role,
            at=_when(at),
            actor="cli",
            org_id=None,
            note=note,
        )
        console.print(f"{case.reference}: now {case.procedure} / {case.step}, due {case.due_at}")


@app.command("tick")
def tick_command(
    now: str | None = typer.Option(None, help="The time to apply deadlines at (default now)."),
) -> None:
    """Apply every deadline that has lapsed; safe to run as often as wanted."""
    from countermark.cases.service import tick
    from countermark.core.db import unit_of_work

    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        report = tick(session=session, now=_when(now))
    for reference, step, effect in report.lapsed:
        console.print(f"{reference}: lapsed → {step} ({effect})")
    console.print(f"{len(report.lapsed)} lapsed, {len(report.overdue)} overdue")


@app.command("list")
def list_command(open_only: bool = typer.Option(True, "--open/--all")) -> None:
    """Cases, soonest deadline first."""
    from sqlalchemy import select

    from countermark.cases.models import Case

    with app_context() as ctx, ctx.sessions() as session:
        query = select(Case).order_by(Case.due_at.is_(None), Case.due_at, Case.id)
        if open_only:
            query = query.where(Case.status == "open")
        table = Table("id", "reference", "procedure", "step", "due (UTC)", "outcome")
        for case in session.scalars(query):
            table.add_row(
                str(case.id),
                case.reference,
                case.procedure,
                case.step,
                f"{case.due_at:%Y-%m-%d %H:%M}" if case.due_at else "—",
                case.outcome or "",
            )
        console.print(table)


@app.command("show")
def show_command(case_id: int = typer.Argument(...)) -> None:
    """A case with its timeline, tasks and allowed decisions, as JSON."""
    from countermark.cases.detail_service import case_detail
    from countermark.cases.service import get_case
    from countermark.orgs.visibility import SYSTEM

    with app_context() as ctx, ctx.sessions() as session:
        case = get_case(session=session, principal=SYSTEM, case_id=case_id)
        console.print_json(json.dumps(case_detail(session=session, principal=SYSTEM, case=case)))


@app.command("notice")
def notice_command(
    case_id: int = typer.Argument(...),
    kind: str = typer.Option(..., help="dsa, dmca, lumen or marketplace."),
    notifier: str = typer.Option(..., help="The notifier's name."),
    email: str = typer.Option(..., help="The notifier's e-mail."),
    explanation: str | None = typer.Option(
        None, help="Why the content infringes which right; default: the one generated from the case."
    ),
    good_faith: bool = typer.Option(False, help="State the good-faith belief (DSA (d), DMCA (v))."),
    accurate: bool = typer.Option(
        False, "--accurate", help="DMCA (vi): state, under penalty of perjury, accuracy and authority to act."
    ),
    signature: str | None = typer.Option(
        None, help="DMCA (i): the notifier's signature, e.g. /Jeanne Martin/."
    ),
    address: str | None = typer.Option(None, help="DMCA (iv): the notifier's postal address."),
    phone: str | None = typer.Option(None, help="DMCA (iv): the notifier's telephone."),
    right_kind: str | None = typer.Option(
        None, help="The right's kind when the case links none: copyright, trademark, design or patent."
    ),
    work: str | None = typer.Option(
        None, help="DMCA (ii): the copyrighted work, when the case links no right."
    ),
    original_url: list[str] = typer.Option([], help="Where the original work is (repeatable)."),
    url: list[str] = typer.Option([], help="Infringing URLs, when the case links no listing (repeatable)."),
    reason_code: str = typer.Option("9052", help="Marketplace reason code."),
    draft: bool = typer.Option(False, "--draft", help="Print the generated explanation and stop."),
) -> None:
    """Build, validate and store a notice of a case (DSA, DMCA, Lumen or marketplace) with every element."""
    from countermark.cases.notice_service import facts_for_case, generate_notice
    from countermark.cases.service import get_case
    from countermark.core.db import unit_of_work
    from countermark.core.errors import CountermarkError
    from countermark.orgs.visibility import SYSTEM

    if right_kind and right_kind not in ("copyright", "trademark", "design", "patent"):
        raise typer.BadParameter("--right-kind is copyright, trademark, design or patent")
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        case = get_case(session=session, principal=SYSTEM, case_id=case_id)
        facts = facts_for_case(
            session=session,
            principal=SYSTEM,
            case=case,
            kind=kind,
            notifier_name=notifier,
            notifier_email=email,
            explanation=explanation,
            good_faith=good_faith,
            accurate_under_penalty=accurate,
            signature=signature,
            notifier_address=address,
            notifier_phone=phone,
            right_kind=right_kind,
            right_name=work,
            original_urls=original_url,
            infringing_urls=url,
        )
        if draft:
            console.print(facts.explanation or "(the case links no right: write the explanation yourself)")
            return
        try:
            notice = generate_notice(
                session=session,
                case=case,
                kind=kind,
                facts=facts,
                actor="cli",
                org_id=None,
                at=datetime.now(UTC),
                reason_code=reason_code,
            )
        except CountermarkError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from exc
        console.print_json(json.dumps(notice.body))
