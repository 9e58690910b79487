"""Case services: open, decide, add evidence and the scheduler's tick. Keyword-only, never commit."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.calendar import CalendarContext
from countermark.cases.models import (
    LINK_TYPES,
    Case,
    CaseEvent,
    CaseLink,
    CaseTask,
    EvidenceItem,
    Notice,
)
from countermark.cases.packs import PackSet, default_packs
from countermark.cases.workflow import STATE_EVENTS, CaseState, Event, Transition, advance, decide, replay
from countermark.core.blobs import sha256_hex
from countermark.core.errors import InvalidInput, NotFound
from countermark.core.marking import DEFAULT_TLP
from countermark.orgs.service import organisation_summary, record_audit
from countermark.orgs.visibility import SYSTEM, Principal, visible

ROLES_BY_ORG_KIND = {
    "customs": ("customs_officer",),
    "rights_holder": ("rights_holder",),
    "platform": ("platform",),
    "police": ("investigator",),
}


def content_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a payload's canonical JSON: what the ledger records instead of the content."""
    return sha256_hex(json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode())


def record_in_ledger(
    *,
    session: Session,
    kind: str,
    subject_type: str,
    subject_id: str,
    content_hash: str,
    metadata: dict[str, Any],
    marked_like: Case | EvidenceItem | Notice,
) -> int | None:
    """Append to the tamper-evident ledger, owned and marked like the record the entry describes (so the
    entry, its metadata and its proof are shown only to whom may see that record); None when the ledger
    module is not installed."""
    try:
        from countermark.ledger.service import append
    except ImportError:  # the ledger is a separate capability; cases work without it
        return None
    entry = append(
        session=session,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        content_hash=content_hash,
        metadata=metadata,
        owner_org_id=marked_like.owner_org_id,
        tlp=marked_like.tlp,
        sharing_group_id=marked_like.sharing_group_id,
    )
    return int(entry.id)


def roles_of(org_kind: str | None) -> tuple[str, ...]:
    """The workflow roles an organisation of this kind acts in."""
    return ROLES_BY_ORG_KIND.get(org_kind or "", ())


def calendar_of(case: Case) -> CalendarContext:
    """Where the case's deadlines are counted."""
    return CalendarContext(country=case.country, subdivision=case.subdivision, timezone=case.timezone)


def events_of(*, session: Session, case: Case) -> list[CaseEvent]:
    """The case's events in order."""
    return list(
        session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    )


def state_of(*, session: Session, case: Case, packs: PackSet | None = None) -> CaseState:
    """The workflow state replayed from the case's stored events."""
    events = [
        Event(kind=e.kind, at=e.at, procedure=e.procedure, step=e.step, decision=e.decision, role=e.role)
        for e in events_of(session=session, case=case)
    ]
    return replay(packs or default_packs(), events, ctx=calendar_of(case), perishable=case.perishable)


def get_case(*, session: Session, principal: Principal, case_id: int) -> Case:
    """A case the principal may see; NotFound otherwise (the same for absent and not yours)."""
    case: Case | None = session.scalar(visible(Case, principal).where(Case.id == case_id))
    if case is None:
        raise NotFound.of("no case {case_id} that you may see", case_id=case_id)
    return case


def _append_event(
    session: Session,
    case: Case,
    transition: Transition,
    *,
    actor: str,
    org_id: int | None,
    note: str | None = None,
) -> CaseEvent:
    seq = len(events_of(session=session, case=case))
    payload = {
        "case": case.reference,
        "seq": seq,
        "kind": transition.kind,
        "at": transition.at.isoformat(),
        "procedure": transition.procedure,
        "step": transition.step,
        "decision": transition.decision,
        "role": transition.role,
        "effect": transition.effect,
        "actor": actor,
        "note": note,
    }
    row = CaseEvent(
        case_id=case.id,
        seq=seq,
        at=transition.at,
        kind=transition.kind,
        procedure=transition.procedure,
        step=transition.step,
        decision=transition.decision,
        role=transition.role,
        effect=transition.effect,
        actor=actor,
        org_id=org_id,
        note=note or transition.note or None,
        content_hash=content_hash(payload),
    )
    session.add(row)
    session.flush()
    metadata = {
        "case_id": case.id,
        "seq": seq,
        "event": transition.kind,
        "procedure": transition.procedure,
        "step": transition.step,
        "decision": transition.decision,
        "effect": transition.effect,
    }
    record_in_ledger(
        session=session,
        kind="case_action",
        subject_type="case",
        subject_id=str(case.id),
        content_hash=row.content_hash,
        metadata=metadata,
        marked_like=case,
    )
    return row


def record_note_event(
    *, session: Session, case: Case, kind: str, at: datetime, actor: str, org_id: int | None, note: str
) -> CaseEvent:
    """Record something done to a case that does not move its workflow (it stays at its step)."""
    assert kind not in STATE_EVENTS, "workflow events go through decide/lapse/reopen"
    transition = Transition(kind=kind, at=at, procedure=case.procedure, step=case.step)
    return _append_event(session, case, transition, actor=actor, org_id=org_id, note=note)


def _task_org(case: Case, role: str) -> int | None:
    return {
        "customs_officer": case.owner_org_id,
        "rights_holder": case.rights_holder_org_id,
        "platform": case.platform_org_id,
    }.get(role)


def _sync(session: Session, case: Case, state: CaseState, at: datetime) -> None:
    """Store the state's step, due date and outcome on the case and renew the open task."""
    moved = (case.procedure, case.step, case.step_entered_at) != (
        state.procedure.key,
        state.step.key,
        state.entered_at,
    )
    case.procedure, case.step, case.step_entered_at = state.procedure.key, state.step.key, state.entered_at
    case.jurisdiction = (
        state.procedure.jurisdiction if state.procedure.jurisdiction != "ANY" else case.jurisdiction
    )
    if case.due_at != state.due_at:
        case.overdue_since = None
    case.due_at = state.due_at
    case.outcome = state.step.outcome
    case.status = "closed" if state.terminal else "open"
    open_tasks = list(
        session.scalars(select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.status == "open"))
    )
    if moved or state.terminal:
        for task in open_tasks:
            task.status, task.closed_at = "done", at
        open_tasks = []
    for task in open_tasks:
        task.due_at = state.due_at
    if not state.terminal and state.step.actor and not open_tasks:
        session.add(
            CaseTask(
                case_id=case.id,
                role=state.step.actor,
                org_id=_task_org(case, state.step.actor),
                step=state.step.key,
                title=state.step.title,
                due_at=state.due_at,
                created_at=at,
            )
        )
    session.flush()


def _next_reference(session: Session, at: datetime) -> str:
    prefix = f"CM-{at:%Y}-"
    last = session.scalar(
        select(Case.reference)
        .where(Case.reference.like(prefix + "%"))
        .order_by(Case.reference.desc())
        .limit(1)
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:06d}"


def open_case(
    *,
    session: Session,
    owner_org_id: int,
    procedure: str,
    title: str,
    at: datetime,
    actor: str,
    country: str | None = None,
    subdivision: str | None = None,
    timezone: str | None = None,
    perishable: bool = False,
    rights_holder_org_id: int | None = None,
    platform_org_id: int | None = None,
    tlp: str = DEFAULT_TLP,
    sharing_group_id: int | None = None,
    links: Iterable[tuple[str, int]] = (),
    packs: PackSet | None = None,
) -> Case:
    """Open a case under a procedure at a time; its first step, due date and task are stored at once."""
    packs = packs or default_packs()
    proc = packs.procedure(procedure) if procedure in packs.procedures else None
    if proc is None:
        raise InvalidInput.of(
            "unknown procedure {procedure!r}; choose one of {procedures}",
            procedure=procedure,
            procedures=", ".join(sorted(packs.procedures)),
        )
    if not title.strip() or len(title) > 300:
        raise InvalidInput.of("a case needs a title of at most 300 characters")
    # The rights holder takes part in the case (it may change it): name an organisation that exists.
    named = rights_holder_org_id is not None and rights_holder_org_id != owner_org_id
    if named and organisation_summary(session=session, org_id=rights_holder_org_id) is None:
        raise InvalidInput.of(
            "no organisation {org_id} to name as the case's rights holder", org_id=rights_holder_org_id
        )
    # The platform takes part too (it takes the platform's decisions): name a platform organisation.
    if platform_org_id is not None:
        platform = organisation_summary(session=session, org_id=platform_org_id)
        if platform is None or platform.kind != "platform":
            raise InvalidInput.of(
                "no platform organisation {org_id} to name as the case's platform", org_id=platform_org_id
            )
    pack = packs.pack_of(procedure)
    case = Case(
        reference=_next_reference(session, at),
        title=title.strip(),
        jurisdiction=pack.jurisdiction,
        procedure=procedure,
        step=proc.first_step,
        status="open",
        country=(country or pack.default_country).upper(),
        subdivision=subdivision,
        timezone=timezone,
        perishable=perishable,
        rights_holder_org_id=rights_holder_org_id,
        platform_org_id=platform_org_id,
        opened_at=at,
        step_entered_at=at,
        opened_by=actor,
        owner_org_id=owner_org_id,
        tlp=tlp,
        sharing_group_id=sharing_group_id,
    )
    try:
        calendar_of(case).zone  # noqa: B018 - an unknown zone must fail here, not at the first tick
    except Exception:
        raise InvalidInput.of("unknown time zone {timezone!r}", timezone=timezone) from None
    session.add(case)
    session.flush()
    for subject_type, subject_id in links:
        link_case(session=session, case=case, subject_type=subject_type, subject_id=subject_id)
    opening = Transition(kind="opened", at=at, procedure=procedure, step=proc.first_step)
    _append_event(session, case, opening, actor=actor, org_id=owner_org_id)
    _sync(session, case, state_of(session=session, case=case, packs=packs), at)
    record_audit(
        session=session,
        actor=actor,
        org_id=owner_org_id,
        action="open",
        subject_type="case",
        subject_id=str(case.id),
        detail={"procedure": procedure},
    )
    return case


def link_case(
    *, session: Session, case: Case, subject_type: str, subject_id: int, note: str | None = None
) -> CaseLink:
    """Link a record to the case (idempotent)."""
    if subject_type not in LINK_TYPES:
        raise InvalidInput.of(
            "a case links to one of {types}, not {subject_type!r}",
            types=", ".join(LINK_TYPES),
            subject_type=subject_type,
        )
    found = session.scalar(
        select(CaseLink).where(
            CaseLink.case_id == case.id,
            CaseLink.subject_type == subject_type,
            CaseLink.subject_id == subject_id,
        )
    )
    if found is None:
        found = CaseLink(case_id=case.id, subject_type=subject_type, subject_id=subject_id, note=note)
        session.add(found)
        session.flush()
    return found


def record_decision(
    *,
    session: Session,
    case: Case,
    decision: str,
    role: str,
    at: datetime,
    actor: str,
    org_id: int | None,
    note: str | None = None,
    packs: PackSet | None = None,
) -> CaseEvent:
    """Record a role's decision; the workflow refuses it when it is out of turn, of another role, or late."""
    packs = packs or default_packs()
    state = state_of(session=session, case=case, packs=packs)
    transition = decide(state, decision=decision, role=role, at=at)
    event = _append_event(session, case, transition, actor=actor, org_id=org_id, note=note)
    _sync(session, case, state_of(session=session, case=case, packs=packs), at)
    record_audit(
        session=session,
        actor=actor,
        org_id=org_id,
        action="decide",
        subject_type="case",
        subject_id=str(case.id),
        detail={"decision": decision, "role": role},
    )
    return event


@dataclass
class TickReport:
    """What one run of the scheduler did."""

    lapsed: list[tuple[str, str, str]] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)


def tick(
    *, session: Session, now: datetime, actor: str = "scheduler", packs: PackSet | None = None
) -> TickReport:
    """Apply every lapsed deadline as the rule packs say; driven by stored due dates, so safe to rerun."""
    packs = packs or default_packs()
    report = TickReport()
    due = session.scalars(
        visible(Case, SYSTEM)
        .where(
            Case.status == "open", Case.due_at.is_not(None), Case.due_at <= now, Case.overdue_since.is_(None)
        )
        .order_by(Case.due_at, Case.id)
    )
    for case in list(due):
        events = [
            Event(kind=e.kind, at=e.at, procedure=e.procedure, step=e.step, decision=e.decision, role=e.role)
            for e in events_of(session=session, case=case)
        ]
        for transition in advance(packs, events, now=now, ctx=calendar_of(case), perishable=case.perishable):
            _append_event(session, case, transition, actor=actor, org_id=None)
            if transition.kind == "overdue":
                case.overdue_since = transition.at
                report.overdue.append(case.reference)
                session.add(
                    CaseTask(
                        case_id=case.id,
                        role=case_step_actor(case, packs),
                        org_id=case.owner_org_id,
                        step=case.step,
                        title=f"Overdue: {transition.procedure}.{transition.step}",
                        due_at=None,
                        created_at=now,
                    )
                )
            else:
                report.lapsed.append((case.reference, transition.step, transition.effect or ""))
        _sync(session, case, state_of(session=session, case=case, packs=packs), now)
    session.flush()
    if report.lapsed or report.overdue:
        record_audit(
            session=session,
            actor=actor,
            action="tick",
            subject_type="cases",
            detail={"lapsed": len(report.lapsed), "overdue": len(report.overdue), "at": now.isoformat()},
        )
    return report


def case_step_actor(case: Case, packs: PackSet) -> str:
    """The role that must act at the case's current step (the officer when nobody is named)."""
    return packs.procedure(case.procedure).step(case.step).actor or "customs_officer"


def reopen(
    *, session: Session, case: Case, at: datetime, actor: str, reason: str, packs: PackSet | None = None
) -> Case:
    """Reopen a closed case at its procedure's reopening step (e.g. when a listing comes back)."""
    packs = packs or default_packs()
    procedure = packs.procedure(case.procedure)
    step = procedure.reopen_step or procedure.first_step
    _append_event(
        session,
        case,
        Transition(kind="reopened", at=at, procedure=procedure.key, step=step),
        actor=actor,
        org_id=None,
        note=reason,
    )
    _sync(session, case, state_of(session=session, case=case, packs=packs), at)
    return case


def cases_linked_to(
    *, session: Session, principal: Principal, subject_type: str, subject_ids: Collection[int]
) -> list[Case]:
    """Visible cases linked to any of these records."""
    if not subject_ids:
        return []
    return list(
        session.scalars(
            visible(Case, principal)
            .join(CaseLink, CaseLink.case_id == Case.id)
            .where(CaseLink.subject_type == subject_type, CaseLink.subject_id.in_(list(subject_ids)))
            .distinct()
        )
    )


@dataclass(frozen=True)
class CaseSummary:
    """What another capability may show of a case: its reference, title, procedure, step and status."""

    id: int
    reference: str
    title: str
    procedure: str
    step: str
    status: str


def case_summary(*, session: Session, principal: Principal, case_id: int) -> CaseSummary | None:
    """The case, if the principal may see it; None otherwise (the same for absent and not theirs)."""
    case = session.scalar(visible(Case, principal).where(Case.id == case_id))
    if case is None:
        return None
    return CaseSummary(case.id, case.reference, case.title, case.procedure, case.step, case.status)
