"""Notices built from a case's facts, each checked for the elements its law or platform requires."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from countermark.core.errors import InvalidInput

NOTICE_KINDS = ("dsa", "dmca", "lumen", "marketplace")
STATUSES = ("draft", "sent", "acknowledged", "actioned", "refused", "counter_notice", "relisted")
NEXT_STATUSES = {
    "draft": ("sent",),
    "sent": ("acknowledged", "actioned", "refused"),
    "acknowledged": ("actioned", "refused"),
    "actioned": ("counter_notice", "relisted"),
    "refused": ("sent",),
    "counter_notice": ("actioned", "relisted"),
    "relisted": ("sent",),
}
# eBay VeRO reason codes confirmed so far; others exist but are not encoded until checked.
VERO_REASONS = {
    "9037": "Item(s) unlawfully imported into the listed countries",
    "9048": "Item(s) infringe a patent",
    "9052": "Other infringement",
}
VERO_MESSAGE_LIMIT = 1000
LUMEN_TYPES = {"copyright": "DMCA", "trademark": "Trademark", "design": "Other", "patent": "Other"}


class NoticeIncomplete(InvalidInput):
    """A notice that lacks elements its law or platform requires."""


@dataclass(frozen=True)
class NoticeFacts:
    """What a case knows that notices are built from."""

    notifier_name: str
    notifier_email: str
    right_kind: str
    right_name: str
    infringing_urls: tuple[str, ...]
    explanation: str
    good_faith: bool = False
    accurate_under_penalty: bool = False
    signature: str = ""
    notifier_address: str = ""
    notifier_phone: str = ""
    holder_name: str = ""
    registration_number: str = ""
    original_urls: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    platform: str = ""
    countries: tuple[str, ...] = ()
    counterfeit: bool = True
    trusted_flagger: bool = False
    agent_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _require(kind: str, checks: dict[str, bool]) -> None:
    missing = [name for name, present in checks.items() if not present]
    if missing:
        raise NoticeIncomplete(
            f"the {kind} notice lacks required elements: {', '.join(missing)}", detail={"missing": missing}
        )


def dsa_notice(facts: NoticeFacts) -> dict[str, Any]:
    """A notice under Art. 16(2) DSA: (a) explanation, (b) exact location, (c) notifier, (d) good faith."""
    _require(
        "DSA Art. 16(2)",
        {
            "(a) substantiated explanation": len(facts.explanation.strip()) >= 20,
            "(b) exact electronic location": bool(facts.infringing_urls),
            "(c) notifier name and e-mail": bool(facts.notifier_name.strip() and "@" in facts.notifier_email),
            "(d) good-faith statement": facts.good_faith,
        },
    )
    return {
        "legal_basis": "Regulation (EU) 2022/2065, Art. 16",
        "explanation": facts.explanation.strip(),
        "locations": list(facts.infringing_urls) + list(facts.identifiers),
        "notifier": {"name": facts.notifier_name.strip(), "email": facts.notifier_email.strip()},
        "statement": "The notifier has a bona fide belief that the information and allegations in this "
        "notice are accurate and complete.",
        "right": {
            "kind": facts.right_kind,
            "name": facts.right_name,
            "registration": facts.registration_number,
        },
        "trusted_flagger": facts.trusted_flagger,
    }


def dmca_notice(facts: NoticeFacts) -> dict[str, Any]:
    """A notice under 17 U.S.C. 512(c)(3)(A) (i)-(vi); copyright only."""
    if facts.right_kind != "copyright":
        raise InvalidInput(
            f"a DMCA notice covers copyright only, and this right is a {facts.right_kind}: "
            "send a DSA notice or a marketplace report instead",
            detail={"right_kind": facts.right_kind},
        )
    contact = bool(facts.notifier_email and (facts.notifier_address or facts.notifier_phone))
    _require(
        "DMCA 512(c)(3)(A)",
        {
            "(i) signature": bool(facts.signature.strip()),
            "(ii) the copyrighted work": bool(facts.right_name.strip()),
            "(iii) the infringing material and where it is": bool(facts.infringing_urls),
            "(iv) contact details (address or phone, and e-mail)": contact,
            "(v) good-faith statement": facts.good_faith,
            "(vi) accuracy and authority under penalty of perjury": facts.accurate_under_penalty,
        },
    )
    return {
        "legal_basis": "17 U.S.C. 512(c)(3)(A)",
        "signature": facts.signature.strip(),
        "work": {"title": facts.right_name, "original_urls": list(facts.original_urls)},
        "infringing_material": list(facts.infringing_urls),
        "contact": {
            "name": facts.notifier_name,
            "email": facts.notifier_email,
            "address": facts.notifier_address,
            "phone": facts.notifier_phone,
        },
        "good_faith_statement": "I have a good faith belief that use of the material in the manner "
        "complained of is not authorized by the copyright owner, its agent, or the law.",
        "accuracy_statement": "The information in this notification is accurate, and under penalty of "
        "perjury, I am authorized to act on behalf of the owner of an exclusive right that is "
        "allegedly infringed.",
    }


def lumen_notice(facts: NoticeFacts) -> dict[str, Any]:
    """A notice in the shape of the Lumen database's submission model (type, parties by role, works)."""
    _require(
        "Lumen",
        {
            "infringing URLs": bool(facts.infringing_urls),
            "sender": bool(facts.notifier_name.strip()),
            "right": bool(facts.right_name.strip()),
        },
    )
    notice_type = (
        "Counterfeit"
        if facts.counterfeit and facts.right_kind == "trademark"
        else LUMEN_TYPES.get(facts.right_kind, "Other")
    )
    parties = [
        {"role": "sender", "name": facts.notifier_name},
        {"role": "principal", "name": facts.holder_name or facts.notifier_name},
    ]
    if facts.agent_name:
        parties.append({"role": "agent", "name": facts.agent_name})
    if facts.platform:
        parties.append({"role": "recipient", "name": facts.platform})
    return {
        "notice": {
            "type": notice_type,
            "title": f"{notice_type} notice: {facts.right_name}"[:200],
            "jurisdictions": list(facts.countries),
            "action_taken": "",
            "mark_registration_number": facts.registration_number or None,
            "entities": parties,
            "works": [
                {
                    "description": facts.right_name,
                    "copyrighted_urls": [{"url": u} for u in facts.original_urls],
                    "infringing_urls": [{"url": u} for u in facts.infringing_urls],
                }
            ],
            "body": facts.explanation,
        }
    }


def marketplace_report(facts: NoticeFacts, *, reason_code: str) -> dict[str, Any]:
    """A VeRO-like report: a known reason code, countries where needed, a message of at most 1000 chars."""
    if reason_code not in VERO_REASONS:
        raise InvalidInput(f"unknown reason code {reason_code!r}; known: {', '.join(sorted(VERO_REASONS))}")
    _require(
        "marketplace report",
        {
            "listing URLs": bool(facts.infringing_urls),
            "countries (reason 9037)": reason_code != "9037" or bool(facts.countries),
            "rights owner": bool(facts.notifier_name.strip()),
        },
    )
    message = f"{facts.right_name} ({facts.right_kind}"
    message += f", reg. {facts.registration_number})" if facts.registration_number else ")"
    message += f": {facts.explanation.strip()}"
    if len(message) > VERO_MESSAGE_LIMIT:
        message = message[: VERO_MESSAGE_LIMIT - 1].rstrip() + "…"
    return {
        "reason_code": reason_code,
        "reason": VERO_REASONS[reason_code],
        "items": list(facts.infringing_urls),
        "countries": list(facts.countries),
        "message": message,
        "rights_owner": facts.notifier_name,
    }


def build_notice(kind: str, facts: NoticeFacts, *, reason_code: str = "9052") -> dict[str, Any]:
    """The notice of a kind (dsa, dmca, lumen, marketplace), validated."""
    if kind == "dsa":
        return dsa_notice(facts)
    if kind == "dmca":
        return dmca_notice(facts)
    if kind == "lumen":
        return lumen_notice(facts)
    if kind == "marketplace":
        return marketplace_report(facts, reason_code=reason_code)
    raise InvalidInput(f"unknown notice kind {kind!r}; choose one of {', '.join(NOTICE_KINDS)}")


def check_status_change(current: str, new: str) -> None:
    """Refuse a status change the notice's life does not allow."""
    if new not in STATUSES:
        raise InvalidInput(f"unknown notice status {new!r}; one of {', '.join(STATUSES)}")
    if new not in NEXT_STATUSES.get(current, ()):
        allowed = ", ".join(NEXT_STATUSES.get(current, ())) or "nothing"
        raise InvalidInput(f"a {current} notice can become {allowed}, not {new}")
