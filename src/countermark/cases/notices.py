"""Notices built from a case's facts, each checked for the elements its law or platform requires."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from countermark.core.errors import Code, Codes, InvalidInput

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
# The request parameters Lumen's `POST /notices` accepts: its NoticesController#notice_params and its
# entity_params / work_params (berkmancenter/lumendatabase, app/controllers/notices_controller.rb), plus
# `type`, which the controller reads from the notice before `except(:type)`. Anything else is dropped by
# Lumen's strong parameters, so the export uses these keys and no other (a test holds it to them).
LUMEN_NOTICE_KEYS = frozenset(
    {
        "type", "title", "subject", "body", "date_sent", "date_received", "source", "tag_list",
        "jurisdiction_list", "regulation_list", "language", "action_taken", "request_type",
        "mark_registration_number", "url_count", "webform", "counternotice_for_id", "counternotice_for_sid",
        "case_id_number", "topic_ids", "file_uploads_attributes", "entity_notice_roles_attributes",
        "works_attributes",
    }
)  # fmt: skip
LUMEN_ROLE_KEYS = frozenset({"entity_id", "name", "entity_attributes"})
LUMEN_ENTITY_KEYS = frozenset(
    {
        "name", "kind", "address_line_1", "address_line_2", "city", "state", "zip", "country_code",
        "phone", "email", "url", "full_notice_only_researchers",
    }
)  # fmt: skip
LUMEN_WORK_KEYS = frozenset(
    {"description", "kind", "infringing_urls_attributes", "copyrighted_urls_attributes"}
)
LUMEN_URL_KEYS = frozenset({"url"})
# EntityNoticeRole::ROLES and Entity::KINDS in Lumen's models.
LUMEN_ROLES = ("principal", "agent", "attorney", "recipient", "sender", "submitter", "target")
LUMEN_ENTITY_KINDS = ("organization", "individual")
# An address a mail server would accept: a local part, one @, a domain of dot-separated labels with a TLD.
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
WORD_RE = re.compile(r"[^\W\d_]{2,}")
MIN_EXPLANATION_WORDS = 5


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
    holder_country: str = ""
    notifier_country: str = ""
    notice_date: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def valid_email(text: str) -> bool:
    """Whether a text is one plausible e-mail address (no spaces, no display name, a real domain form)."""
    local = text.strip()
    return bool(EMAIL_RE.match(local)) and ".." not in local and not local.split("@")[0].startswith(".")


def is_web_url(text: str) -> bool:
    """Whether a text is an absolute http(s) URL with a host: what "exact electronic location" means."""
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text.strip()


def explanation_names_right(facts: NoticeFacts) -> bool:
    """Whether the explanation substantiates a claim: several real words naming the right concerned.

    A length test alone let twenty `a`s pass; an explanation must say which right (its name or its
    registration number) and in words why (at least five distinct words).
    """
    text = facts.explanation.strip()
    words = {word.lower() for word in WORD_RE.findall(text)}
    if len(words) < MIN_EXPLANATION_WORDS or not facts.right_name.strip():
        return False
    lowered = text.casefold()
    names = [facts.right_name.strip().casefold(), facts.registration_number.strip().casefold()]
    return any(name and name in lowered for name in names)


def explain(
    *,
    right_kind: str,
    right_name: str,
    registration_number: str,
    office: str,
    holder_name: str,
    product: str,
    listings: list[tuple[str, str]],
    evidence: list[tuple[str, str]],
    identifiers: tuple[str, ...] = (),
) -> str:
    """The explanation generated from a case: which right, which product, what the listings show, and the
    evidence kept (description and SHA-256). The notifier may edit it before the notice is generated."""
    right = f"the {right_kind} {right_name}"
    if registration_number:
        right += f" (registration {registration_number}{', ' + office if office else ''})"
    owner = f", owned by {holder_name}," if holder_name else ""
    sentences = []
    for url, title in listings:
        offer = f"the listing at {url}" + (f' ("{title}")' if title else "")
        what = f"{product} " if product else "goods "
        sentences.append(
            f"{offer[0].upper()}{offer[1:]} offers {what}bearing {right}{owner} that the holder did not "
            "make or authorise: the use of the sign on identical goods without consent infringes that right."
        )
    if not sentences:
        sentences.append(f"The content concerned uses {right}{owner} without the holder's consent.")
    if evidence:
        kept = "; ".join(f"{text} (SHA-256 {digest[:16]}…)" for text, digest in evidence[:10])
        sentences.append(f"Evidence kept: {kept}.")
    if identifiers:
        sentences.append(f"Other identifiers of the seller: {', '.join(identifiers[:20])}.")
    return " ".join(sentences)


def _require(kind: str, checks: dict[str, bool]) -> None:
    missing = [name for name, present in checks.items() if not present]
    if missing:
        # The kind and each element are English words that a page shows in the reader's language.
        raise NoticeIncomplete.of(
            "the {kind} notice lacks required elements: {missing}",
            kind=Code(kind, kind),
            missing=Codes(Code(name, name) for name in missing),
            detail={"missing": missing},
        )


def dsa_notice(facts: NoticeFacts) -> dict[str, Any]:
    """A notice under Art. 16(2) DSA: (a) explanation, (b) exact location, (c) notifier, (d) good faith.

    Locations are URLs only; other identifiers (a phone number, a handle) go into the explanation.
    """
    not_urls = [u for u in facts.infringing_urls if not is_web_url(u)]
    _require(
        "DSA Art. 16(2)",
        {
            "(a) substantiated explanation naming the right concerned": explanation_names_right(facts),
            "(b) exact electronic location (http(s) URLs only)": bool(facts.infringing_urls) and not not_urls,
            "(c) notifier name and valid e-mail": bool(facts.notifier_name.strip())
            and valid_email(facts.notifier_email),
            "(d) good-faith statement": facts.good_faith,
        },
    )
    explanation = facts.explanation.strip()
    others = [i for i in facts.identifiers if i not in explanation]
    if others:
        explanation += f" Other identifiers: {', '.join(others)}."
    return {
        "legal_basis": "Regulation (EU) 2022/2065, Art. 16",
        "explanation": explanation,
        "locations": [u.strip() for u in facts.infringing_urls],
        "notifier": {"name": facts.notifier_name.strip(), "email": facts.notifier_email.strip()},
        "statement": "The notifier has a bona fide belief that the information and allegations in this "
        "notice are accurate and complete.",
        "right": {
            "kind": facts.right_kind,
            "name": facts.right_name,
            "registration": facts.registration_number,
            "holder": facts.holder_name,
        },
        "trusted_flagger": facts.trusted_flagger,
    }


def dmca_notice(facts: NoticeFacts) -> dict[str, Any]:
    """A notice under 17 U.S.C. 512(c)(3)(A) (i)-(vi); copyright only."""
    if facts.right_kind != "copyright":
        raise InvalidInput.of(
            "a DMCA notice covers copyright only, and this right is a {right_kind}: "
            "send a DSA notice or a marketplace report instead",
            right_kind=Code(facts.right_kind),
            detail={"right_kind": facts.right_kind},
        )
    contact = valid_email(facts.notifier_email) and bool(
        facts.notifier_address.strip() or facts.notifier_phone.strip()
    )
    _require(
        "DMCA 512(c)(3)(A)",
        {
            "(i) signature": bool(facts.signature.strip()),
            "(ii) the copyrighted work": bool(facts.right_name.strip()),
            "(iii) the infringing material and where it is": bool(facts.infringing_urls)
            and all(is_web_url(u) for u in facts.infringing_urls),
            "(iv) contact details (address or phone, and a valid e-mail)": contact,
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


def _entity(role: str, name: str, **fields: str) -> dict[str, Any]:
    attributes = {"name": name.strip(), "kind": "organization"}
    attributes.update({key: value.strip() for key, value in fields.items() if value and value.strip()})
    return {"name": role, "entity_attributes": attributes}


def lumen_notice(facts: NoticeFacts) -> dict[str, Any]:
    """The body of a `POST /notices` to Lumen, with exactly the parameters its API accepts.

    The submitter adds its own `authentication_token` beside `notice` when sending (never stored here).
    Lumen derives a Counterfeit notice's jurisdiction from the principal's country; we send it too.
    """
    _require(
        "Lumen",
        {
            "infringing URLs (http(s))": bool(facts.infringing_urls)
            and all(is_web_url(u) for u in facts.infringing_urls),
            "sender": bool(facts.notifier_name.strip()),
            "right": bool(facts.right_name.strip()),
            "explanation (body)": bool(facts.explanation.strip()),
        },
    )
    notice_type = (
        "Counterfeit"
        if facts.counterfeit and facts.right_kind == "trademark"
        else LUMEN_TYPES.get(facts.right_kind, "Other")
    )
    email = facts.notifier_email.strip() if valid_email(facts.notifier_email) else ""
    roles = [
        _entity(
            "sender",
            facts.notifier_name,
            email=email,
            address_line_1=facts.notifier_address,
            phone=facts.notifier_phone,
            country_code=facts.notifier_country.upper(),
        ),
        _entity(
            "principal", facts.holder_name or facts.notifier_name, country_code=facts.holder_country.upper()
        ),
    ]
    if facts.agent_name:
        roles.append(_entity("agent", facts.agent_name))
    if facts.platform:
        roles.append(_entity("recipient", facts.platform))
    work: dict[str, Any] = {
        "description": facts.right_name.strip(),
        "infringing_urls_attributes": [{"url": u.strip()} for u in facts.infringing_urls],
    }
    if facts.original_urls:
        work["copyrighted_urls_attributes"] = [{"url": u} for u in facts.original_urls]
    notice: dict[str, Any] = {
        "type": notice_type,
        "title": f"{notice_type} notice: {facts.right_name}"[:255],
        "subject": facts.right_name.strip()[:255],
        "body": facts.explanation.strip(),
        "jurisdiction_list": ", ".join(c.upper() for c in facts.countries),
        "language": "en",
        "entity_notice_roles_attributes": roles,
        "works_attributes": [work],
    }
    if facts.notice_date:
        notice["date_sent"] = facts.notice_date
    if facts.registration_number and facts.right_kind == "trademark":
        notice["mark_registration_number"] = facts.registration_number
    return {"notice": {key: value for key, value in notice.items() if value not in ("", None, [])}}


def marketplace_report(facts: NoticeFacts, *, reason_code: str) -> dict[str, Any]:
    """A VeRO-like report: a known reason code, countries where needed, a message of at most 1000 chars."""
    if reason_code not in VERO_REASONS:
        raise InvalidInput.of(
            "unknown reason code {code!r}; known: {known}",
            code=reason_code,
            known=", ".join(sorted(VERO_REASONS)),
        )
    _require(
        "marketplace report",
        {
            "listing URLs": bool(facts.infringing_urls),
            "countries (reason 9037)": reason_code != "9037" or bool(facts.countries),
            "rights owner": bool(facts.notifier_name.strip()),
            "the right concerned": bool(facts.right_name.strip()),
            "explanation": bool(facts.explanation.strip()),
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
    raise InvalidInput.of(
        "unknown notice kind {kind!r}; choose one of {kinds}", kind=kind, kinds=", ".join(NOTICE_KINDS)
    )


def check_status_change(current: str, new: str) -> None:
    """Refuse a status change the notice's life does not allow."""
    if new not in STATUSES:
        raise InvalidInput.of(
            "unknown notice status {new!r}; one of {statuses}", new=new, statuses=", ".join(STATUSES)
        )
    if new not in NEXT_STATUSES.get(current, ()):
        allowed = ", ".join(NEXT_STATUSES.get(current, ())) or "nothing"
        raise InvalidInput.of(
            "a {current} notice can become {allowed}, not {new}",
            current=Code(current),
            allowed=allowed,
            new=Code(new),
        )
