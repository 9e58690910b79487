"""The English words for the codes a case carries, so that pages translate words, never show codes.

Rule packs, decisions and events are stored as codes (`send_notice`, `working_days`, `overdue`): codes
are what the API returns and the ledger hashes. People read words. Every code a case can show has an
English label here, and every label (with every title of every rule pack) is a message of the interface
catalogues (`core/http/translations`), which `tests/unit/test_case_wording.py` checks for French and
Chinese. A code without a label is shown humanised ("refer_to_police" → "Refer to police") and the test
fails, so a new decision in a rule pack cannot reach a page untranslated.
"""

from __future__ import annotations

from collections.abc import Iterable

from countermark.cases.packs import PackSet

DECISIONS: dict[str, str] = {
    "action_taken": "Content taken down",
    "apply_and_bond": "Apply and post the bond",
    "close_no_action": "Close without action",
    "confirm_infringement": "Confirm the infringement",
    "counter_notice": "Counter-notice received",
    "court_assistance_received": "Court assistance notice received",
    "declarant_agrees": "Declarant agrees to destruction",
    "declarant_opposes": "Declarant opposes",
    "declarant_silent": "Declarant did not answer",
    "detain": "Detain",
    "disclose_to_owner": "Disclose to the mark owner",
    "disclosed": "Identity disclosed",
    "grant_application": "Grant the application",
    "importer_responds": "Importer responded",
    "not_infringing": "Not infringing",
    "notify": "Notify",
    "prosecute": "Prosecute",
    "purchase_made": "Purchase made",
    "received": "Parcel received",
    "refer_investigation": "Refer for investigation",
    "refer_to_police": "Refer to the police",
    "refer_to_prosecutor": "Refer to the prosecutor",
    "refuse": "Refuse",
    "refuse_application": "Refuse the application",
    "release": "Release",
    "request_extension": "Request an extension",
    "seize": "Seize",
    "send_notice": "Send the notice",
    "start_proceedings": "Proceedings started",
    "submit_application": "Submit the application",
}

EFFECTS: dict[str, str] = {
    "deemed_detained": "deemed detained",
    "destruction": "destruction",
    "disclose_to_owner": "disclosure to the mark owner",
    "excluded": "deemed excluded",
    "overdue": "overdue",
    "release": "release of the goods",
    "restored": "content restored",
}

OUTCOMES: dict[str, str] = {
    "closed": "closed",
    "confiscation": "confiscation",
    "destruction": "destruction",
    "disclosed": "identity disclosed",
    "evidence": "evidence ready",
    "exclusion": "exclusion",
    "forfeiture": "forfeiture",
    "proceedings": "proceedings",
    "prosecution": "prosecution",
    "refused": "refused",
    "release": "release",
    "restored": "restored",
    "takedown": "takedown",
}

EVENTS: dict[str, str] = {
    "opened": "Opened",
    "decision": "Decision",
    "lapse": "Deadline passed",
    "reopened": "Reopened",
    "overdue": "Overdue",
    "platform_named": "Platform named",
}

ROLES: dict[str, str] = {
    "customs_officer": "customs officer",
    "investigator": "investigator",
    "platform": "platform",
    "rights_holder": "rights holder",
}

STATUSES: dict[str, str] = {"open": "open", "closed": "closed", "done": "done"}

# Singular and plural, for ngettext.
UNITS: dict[str, tuple[str, str]] = {
    "working_days": ("%(num)s working day", "%(num)s working days"),
    "business_days": ("%(num)s business day", "%(num)s business days"),
    "calendar_days": ("%(num)s calendar day", "%(num)s calendar days"),
}


def humanised(code: str) -> str:
    """A code as words, for a code that has no label yet: 'refer_to_police' → 'Refer to police'."""
    return code.replace("_", " ").strip().capitalize()


def label(table: dict[str, str], code: str | None) -> str:
    """The English label of a code in one of the tables above ('' for no code)."""
    if not code:
        return ""
    return table.get(code) or humanised(code)


def pack_codes(packs: PackSet) -> dict[str, set[str]]:
    """Every code the packs can put on a case, by kind: decisions, effects, outcomes, units, roles."""
    codes: dict[str, set[str]] = {k: set() for k in ("decision", "effect", "outcome", "unit", "role")}
    for procedure in packs.procedures.values():
        for step in procedure.steps.values():
            codes["outcome"] |= {step.outcome} if step.outcome else set()
            codes["role"] |= {step.actor} if step.actor else set()
            if step.deadline is not None:
                codes["unit"].add(step.deadline.unit)
            if step.lapse is not None:
                codes["effect"].add(step.lapse.effect)
            for decision in step.decisions:
                codes["decision"].add(decision.name)
                codes["role"] |= {decision.role} if decision.role else set()
    return codes


def pack_messages(packs: PackSet) -> set[str]:
    """Every English message a case page may show for these packs: titles, labels, unit forms."""
    messages: set[str] = set()
    for pack in packs.packs.values():
        messages.add(pack.title)
    for procedure in packs.procedures.values():
        messages.add(procedure.title)
        messages |= {step.title for step in procedure.steps.values()}
    codes = pack_codes(packs)
    for kind, table in (("decision", DECISIONS), ("effect", EFFECTS), ("outcome", OUTCOMES), ("role", ROLES)):
        messages |= {label(table, code) for code in codes[kind]}
    for unit in codes["unit"]:
        messages |= set(UNITS.get(unit, (humanised(unit), humanised(unit))))
    messages |= set(EVENTS.values()) | set(STATUSES.values()) | set(EFFECTS.values())
    return messages


def missing_labels(packs: PackSet) -> list[str]:
    """Codes of the packs that have no label here (each one reaches pages humanised, untranslated)."""
    codes = pack_codes(packs)
    tables: Iterable[tuple[str, dict[str, str] | dict[str, tuple[str, str]]]] = (
        ("decision", DECISIONS),
        ("effect", EFFECTS),
        ("outcome", OUTCOMES),
        ("role", ROLES),
        ("unit", UNITS),
    )
    return sorted(f"{kind}:{code}" for kind, table in tables for code in codes[kind] if code not in table)


class Words:
    """The labels a case page shows for codes; the template passes each through the catalogue."""

    def decision(self, code: str | None) -> str:
        """A decision's label ('send_notice' → 'Send the notice')."""
        return label(DECISIONS, code)

    def effect(self, code: str | None) -> str:
        """What a lapse does."""
        return label(EFFECTS, code)

    def outcome(self, code: str | None) -> str:
        """How a case ended."""
        return label(OUTCOMES, code)

    def event(self, code: str | None) -> str:
        """A timeline event's kind."""
        return label(EVENTS, code)

    def role(self, code: str | None) -> str:
        """A workflow role."""
        return label(ROLES, code)

    def status(self, code: str | None) -> str:
        """A case's or task's status."""
        return label(STATUSES, code)

    def unit(self, code: str) -> tuple[str, str]:
        """A deadline unit's singular and plural, with %(num)s for the count (for ngettext)."""
        return UNITS.get(code, (f"%(num)s {humanised(code)}", f"%(num)s {humanised(code)}"))


WORDS = Words()
