"""The legal workflow as a pure state machine: events in, current step, due date and allowed decisions out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from countermark.cases.calendar import CalendarContext, deadline_after
from countermark.cases.packs import Lapse, PackSet, Procedure, Step
from countermark.cases.wording import WORDS
from countermark.core.errors import Code, Codes, Conflict, Forbidden, InvalidInput

STATE_EVENTS = ("opened", "decision", "lapse", "reopened")


@dataclass(frozen=True)
class Event:
    """A recorded event of a case that the workflow replays (other kinds, such as notes, are ignored)."""

    kind: str
    at: datetime
    procedure: str
    step: str
    decision: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Transition:
    """What a decision or a lapse does: the step (and procedure) the case enters, and when."""

    kind: str
    at: datetime
    procedure: str
    step: str
    decision: str | None = None
    role: str | None = None
    effect: str | None = None
    note: str = ""

    def as_event(self) -> Event:
        """The event that records this transition."""
        return Event(
            kind=self.kind,
            at=self.at,
            procedure=self.procedure,
            step=self.step,
            decision=self.decision,
            role=self.role,
        )


@dataclass(frozen=True)
class CaseState:
    """Where a case stands: its step, since when, until when, and who may decide what."""

    procedure: Procedure
    step: Step
    entered_at: datetime
    due_at: datetime | None
    extensions: int
    perishable: bool
    anchors: dict[str, datetime] = field(default_factory=dict)

    @property
    def terminal(self) -> bool:
        """Whether the procedure has ended."""
        return self.step.terminal

    @property
    def lapse(self) -> Lapse | None:
        """What happens if the deadline passes."""
        return self.step.lapse

    def lapsed(self, now: datetime) -> bool:
        """Whether the deadline has passed at `now`."""
        return self.due_at is not None and now >= self.due_at

    def can_extend(self) -> bool:
        """Whether the actor may still ask for the step's one extension."""
        deadline = self.step.deadline
        return bool(deadline and deadline.extension and not self.perishable and self.extensions == 0)

    def allowed(self) -> dict[str, tuple[str, ...]]:
        """The decisions each role may take now."""
        result: dict[str, list[str]] = {}
        for decision in self.step.decisions:
            if decision.extends and not self.can_extend():
                continue
            result.setdefault(decision.role, []).append(decision.name)
        return {role: tuple(names) for role, names in result.items()}


def _due(
    procedure: Procedure,
    step: Step,
    entered_at: datetime,
    anchors: dict[str, datetime],
    extensions: int,
    perishable: bool,
    ctx: CalendarContext,
) -> datetime | None:
    deadline = step.deadline
    if deadline is None:
        return None
    start = anchors.get(deadline.since, entered_at) if deadline.since else entered_at
    days = deadline.days(perishable=perishable) + extensions * (deadline.extension or 0)
    return deadline_after(start, days, deadline.unit, ctx)


def replay(
    packs: PackSet, events: Sequence[Event], *, ctx: CalendarContext, perishable: bool = False
) -> CaseState:
    """The state reached after these events, in order; the first must open the case."""
    relevant = [e for e in events if e.kind in STATE_EVENTS]
    if not relevant or relevant[0].kind != "opened":
        raise InvalidInput.of("a case's history starts with its opening")
    procedure: Procedure | None = None
    step_key, entered_at, extensions = "", relevant[0].at, 0
    anchors: dict[str, datetime] = {}
    for event in relevant:
        changed = procedure is None or event.procedure != procedure.key or event.step != step_key
        if procedure is None or event.procedure != procedure.key:
            procedure, anchors = packs.procedure(event.procedure), {}
        if changed or event.kind == "reopened":
            step_key, entered_at, extensions = event.step, event.at, 0
            anchors[step_key] = event.at
        elif event.kind == "decision":
            extensions += 1
    assert procedure is not None
    step = procedure.step(step_key)
    return CaseState(
        procedure=procedure,
        step=step,
        entered_at=entered_at,
        extensions=extensions,
        perishable=perishable,
        anchors=anchors,
        due_at=_due(procedure, step, entered_at, anchors, extensions, perishable, ctx),
    )


def _target(state: CaseState, to: str) -> tuple[str, str]:
    proc_key, _, step_key = to.rpartition(".")
    return proc_key or state.procedure.key, step_key


def _decision(name: str) -> Code:
    return Code(name, WORDS.decision(name))


def decide(state: CaseState, *, decision: str, role: str, at: datetime) -> Transition:
    """The transition a decision causes; refused when not allowed now, for this role, or too late."""
    # Refusals name the step, the decisions and the role by their codes in English (the API's message) and
    # by their titles and labels on a page, in the reader's language.
    if state.terminal:
        outcome = state.step.outcome
        raise Conflict.of(
            "the procedure has ended ({outcome}); reopen the case to act again",
            outcome=Code(outcome, WORDS.outcome(outcome)) if outcome else outcome,
        )
    allowed = state.allowed()
    if not any(decision in names for names in allowed.values()):
        offered = sorted({n for names in allowed.values() for n in names})
        raise Conflict.of(
            "{decision!r} is not possible at step {step!r}; possible: {offered}",
            decision=_decision(decision),
            step=Code(state.step.key, state.step.title),
            offered=Codes(_decision(name) for name in offered),
        )
    if decision not in allowed.get(role, ()):
        raise Forbidden.of(
            "the decision {decision!r} belongs to another role than {role!r}",
            decision=_decision(decision),
            role=Code(role, WORDS.role(role)),
        )
    if state.lapsed(at) and state.lapse and state.lapse.effect != "overdue":
        raise Conflict.of(
            "the deadline passed at {due_at:%Y-%m-%d %H:%M} UTC; the lapse applies", due_at=state.due_at
        )
    if at < state.entered_at:
        raise InvalidInput.of("a decision cannot predate the step it answers")
    chosen = next(d for d in state.step.decisions if d.name == decision and d.role == role)
    if chosen.extends:
        return Transition(
            kind="decision",
            at=at,
            procedure=state.procedure.key,
            step=state.step.key,
            decision=decision,
            role=role,
            effect="extension",
        )
    assert chosen.to is not None
    procedure, step = _target(state, chosen.to)
    return Transition(kind="decision", at=at, procedure=procedure, step=step, decision=decision, role=role)


def lapse_of(state: CaseState, now: datetime) -> Transition | None:
    """What the passing of the deadline does at `now`, if it has passed; dated at the deadline itself."""
    if state.terminal or not state.lapsed(now) or state.lapse is None or state.due_at is None:
        return None
    lapse = state.lapse
    if lapse.to is None:
        return Transition(
            kind="overdue",
            at=state.due_at,
            procedure=state.procedure.key,
            step=state.step.key,
            effect=lapse.effect,
            note=lapse.note,
        )
    procedure, step = _target(state, lapse.to)
    return Transition(
        kind="lapse", at=state.due_at, procedure=procedure, step=step, effect=lapse.effect, note=lapse.note
    )


def advance(
    packs: PackSet, events: Sequence[Event], *, now: datetime, ctx: CalendarContext, perishable: bool = False
) -> list[Transition]:
    """Every lapse that has happened by `now`, in order (several when the scheduler was down)."""
    history = list(events)
    transitions: list[Transition] = []
    while True:
        state = replay(packs, history, ctx=ctx, perishable=perishable)
        transition = lapse_of(state, now)
        if transition is None or transition.kind == "overdue":
            if transition is not None:
                transitions.append(transition)
            return transitions
        transitions.append(transition)
        history.append(transition.as_event())
