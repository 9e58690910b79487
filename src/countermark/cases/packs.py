"""Jurisdiction rule packs: TOML files loaded and validated into frozen dataclasses."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PACKS_DIR = Path(__file__).resolve().parent / "rulepacks"
UNITS = ("working_days", "business_days", "calendar_days")
ROLES = ("customs_officer", "rights_holder", "platform", "investigator")
LAPSE_EFFECTS = (
    "overdue",
    "release",
    "destruction",
    "deemed_detained",
    "disclose_to_owner",
    "excluded",
    "restored",
)


class RulePackError(ValueError):
    """A rule pack that does not describe a usable procedure."""


@dataclass(frozen=True)
class Deadline:
    """How long the actor of a step has, counted from entering the step (or an earlier step)."""

    count: int
    unit: str
    article: str
    confirmed: bool
    since: str | None = None
    perishable_count: int | None = None
    extension: int | None = None
    extension_article: str | None = None
    extension_confirmed: bool = False

    def days(self, *, perishable: bool) -> int:
        """The number of days that applies to perishable or ordinary goods."""
        return self.perishable_count if perishable and self.perishable_count else self.count


@dataclass(frozen=True)
class Lapse:
    """What happens when a step's deadline passes: an effect and, unless only overdue, the next step."""

    effect: str
    to: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Decision:
    """A decision a role may take in a step, leading to a step (`procedure.step` for another procedure)."""

    name: str
    role: str
    to: str | None = None
    extends: bool = False


@dataclass(frozen=True)
class Step:
    """One state of a procedure: who must act, by when, what they may decide, and what a lapse does."""

    key: str
    title: str
    actor: str | None = None
    deadline: Deadline | None = None
    lapse: Lapse | None = None
    decisions: tuple[Decision, ...] = ()
    outcome: str | None = None
    article: str | None = None

    @property
    def terminal(self) -> bool:
        """Whether the procedure ends here."""
        return self.outcome is not None


@dataclass(frozen=True)
class Procedure:
    """A procedure of a jurisdiction: its steps and where it starts (and restarts on relisting)."""

    key: str
    title: str
    pack: str
    jurisdiction: str
    first_step: str
    steps: dict[str, Step]
    reopen_step: str | None = None

    def step(self, key: str) -> Step:
        """The step with this key."""
        try:
            return self.steps[key]
        except KeyError:
            raise RulePackError(f"procedure {self.key} has no step {key!r}") from None


@dataclass(frozen=True)
class RulePack:
    """A jurisdiction's rule pack."""

    key: str
    jurisdiction: str
    title: str
    legal_source: str
    default_country: str
    procedures: dict[str, Procedure]


def _deadline(raw: dict[str, Any] | None, where: str) -> Deadline | None:
    if raw is None:
        return None
    if raw.get("unit") not in UNITS:
        raise RulePackError(f"{where}: unit must be one of {', '.join(UNITS)}")
    if not isinstance(raw.get("count"), int) or raw["count"] < 1:
        raise RulePackError(f"{where}: count must be a positive integer")
    if not raw.get("article"):
        raise RulePackError(f"{where}: every deadline cites the article it comes from")
    if not isinstance(raw.get("confirmed"), bool):
        raise RulePackError(f"{where}: say whether the deadline was confirmed (confirmed = true/false)")
    return Deadline(
        count=raw["count"],
        unit=raw["unit"],
        article=raw["article"],
        confirmed=raw["confirmed"],
        since=raw.get("since"),
        perishable_count=raw.get("perishable_count"),
        extension=raw.get("extension"),
        extension_article=raw.get("extension_article"),
        extension_confirmed=bool(raw.get("extension_confirmed", False)),
    )


def _step(raw: dict[str, Any], where: str) -> Step:
    where = f"{where}.{raw.get('key')}"
    lapse_raw = raw.get("lapse")
    lapse = Lapse(**lapse_raw) if lapse_raw else None
    if lapse and lapse.effect not in LAPSE_EFFECTS:
        raise RulePackError(f"{where}: unknown lapse effect {lapse.effect!r}")
    decisions = tuple(Decision(**d) for d in raw.get("decision", []))
    for decision in decisions:
        if decision.role not in ROLES:
            raise RulePackError(f"{where}: unknown role {decision.role!r}")
        if not decision.extends and not decision.to:
            raise RulePackError(f"{where}: decision {decision.name} leads nowhere")
    step = Step(
        key=raw["key"],
        title=raw["title"],
        actor=raw.get("actor"),
        deadline=_deadline(raw.get("deadline"), where),
        lapse=lapse,
        decisions=decisions,
        outcome=raw.get("outcome"),
        article=raw.get("article"),
    )
    if step.deadline and not step.lapse:
        raise RulePackError(f"{where}: a step with a deadline says what happens when it lapses")
    if step.terminal and (step.deadline or step.decisions):
        raise RulePackError(f"{where}: a final step has no deadline and no decisions")
    if not step.terminal and not step.decisions:
        raise RulePackError(f"{where}: a step that is not final needs decisions")
    return step


def parse_pack(raw: dict[str, Any]) -> RulePack:
    """A rule pack from parsed TOML, validated."""
    head = raw["pack"]
    procedures: dict[str, Procedure] = {}
    for proc_raw in raw.get("procedure", []):
        where = f"{head['key']}.{proc_raw['key']}"
        steps = {s["key"]: _step(s, where) for s in proc_raw.get("step", [])}
        procedure = Procedure(
            key=proc_raw["key"],
            title=proc_raw["title"],
            pack=head["key"],
            jurisdiction=head["jurisdiction"],
            first_step=proc_raw["first_step"],
            steps=steps,
            reopen_step=proc_raw.get("reopen_step"),
        )
        for key in filter(None, (procedure.first_step, procedure.reopen_step)):
            procedure.step(key)
        procedures[procedure.key] = procedure
    if not procedures:
        raise RulePackError(f"{head['key']}: a rule pack needs at least one procedure")
    return RulePack(
        key=head["key"],
        jurisdiction=head["jurisdiction"],
        title=head["title"],
        legal_source=head["legal_source"],
        default_country=head["default_country"],
        procedures=procedures,
    )


def _check_targets(procedures: dict[str, Procedure]) -> None:
    for procedure in procedures.values():
        for step in procedure.steps.values():
            targets = [d.to for d in step.decisions if d.to] + (
                [step.lapse.to] if step.lapse and step.lapse.to else []
            )
            if step.deadline and step.deadline.since:
                procedure.step(step.deadline.since)
            for target in targets:
                proc_key, _, step_key = target.rpartition(".")
                other = procedures.get(proc_key or procedure.key)
                if other is None:
                    raise RulePackError(f"{procedure.key}.{step.key}: unknown procedure in {target!r}")
                other.step(step_key)


@dataclass(frozen=True)
class PackSet:
    """Every loaded rule pack, with lookups by procedure."""

    packs: dict[str, RulePack]

    @property
    def procedures(self) -> dict[str, Procedure]:
        """Every procedure of every pack, by key."""
        return {key: proc for pack in self.packs.values() for key, proc in pack.procedures.items()}

    def procedure(self, key: str) -> Procedure:
        """The procedure with this key; a clear error otherwise."""
        found = self.procedures.get(key)
        if found is None:
            raise RulePackError(f"no procedure {key!r}; known: {', '.join(sorted(self.procedures))}")
        return found

    def pack_of(self, procedure_key: str) -> RulePack:
        """The pack a procedure belongs to."""
        return self.packs[self.procedure(procedure_key).pack]


def load_packs(directory: Path = PACKS_DIR) -> PackSet:
    """Load and validate every rule pack in a directory."""
    packs: dict[str, RulePack] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as handle:
            try:
                pack = parse_pack(tomllib.load(handle))
            except (KeyError, TypeError) as exc:
                raise RulePackError(f"{path.name}: malformed rule pack ({exc})") from None
        clash = set(pack.procedures) & {k for other in packs.values() for k in other.procedures}
        if clash:
            raise RulePackError(f"{path.name}: procedure keys already used: {', '.join(sorted(clash))}")
        packs[pack.key] = pack
    result = PackSet(packs=packs)
    _check_targets(result.procedures)
    return result


@cache
def default_packs() -> PackSet:
    """The rule packs shipped with Countermark (loaded once per process)."""
    return load_packs()
