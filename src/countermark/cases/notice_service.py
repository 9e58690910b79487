"""Notices of a case: built from its links and the notifier's statements, stored with their status history."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.models import Case, CaseLink, EvidenceItem, Notice, NoticeStatusChange
from countermark.cases.notices import NoticeFacts, build_notice, check_status_change, explain
from countermark.cases.service import content_hash, link_case, record_in_ledger
from countermark.core.clock import utcnow
from countermark.observe.service import ListingFacts, listing_facts
from countermark.orgs.service import organisation_summary, record_audit
from countermark.orgs.visibility import SYSTEM, Principal
from countermark.rights.service import (
    branded_name,
    products_with_gtin,
    rights_of_product,
    rights_with_brand,
    visible_rights,
)

MAX_CANDIDATE_RIGHTS = 2000


def _names(text: str, sign: str) -> bool:
    """Whether a text names a sign as a whole word (any case): 'AUREL tote' names AUREL, 'Laurel' does not."""
    sign = sign.strip()
    return bool(sign) and re.search(rf"(?<!\w){re.escape(sign)}(?!\w)", text, re.IGNORECASE) is not None


def covering_rights(
    *, session: Session, holder_org_id: int, listings: list[ListingFacts]
) -> tuple[list[int], str]:
    """The holder's rights that cover what the listings offer, and the product they offer ("" if unknown).

    The holder's products the listing's title names by name (failing that, by brand) bring the rights
    their product–right links name; a right whose brand the title names is taken too. Only the holder's
    own rights: a notice is sent by or for the holder of the right it invokes.
    """
    holder = Principal(org_id=holder_org_id, role="admin", scopes=frozenset({"read"}))
    titles = " ".join(listing.title for listing in listings)
    found: list[int] = []
    product_name = ""
    products = products_with_gtin(session=session, owner_org_id=holder_org_id, limit=MAX_CANDIDATE_RIGHTS)
    # The products the title names by name; failing that, those of a brand it names (any of its products).
    named = [p for p in products if _names(titles, p.name)] or [
        p for p in products if _names(titles, p.brand)
    ]
    for product in named:
        product_name = product_name or branded_name(product.brand, product.name)
        found += [r.id for r in rights_of_product(session=session, principal=holder, product_id=product.id)]
    for right in rights_with_brand(session=session, principal=holder, limit=MAX_CANDIDATE_RIGHTS):
        if right.brand and _names(titles, right.brand):
            found.append(right.id)
    own = visible_rights(session=session, principal=holder, ids=found)
    return [
        i for i in dict.fromkeys(found) if i in own and own[i].owner_org_id == holder_org_id
    ], product_name


def link_covering_rights(*, session: Session, case: Case) -> list[int]:
    """Link a listing case to its holder's rights covering the listed product (once; idempotent); the ids
    of the rights the case links.

    Called when a case is opened from a listing and again when a notice is drafted (a case opened before
    this existed named no right, so its notices named none); cases that already link a right are left as
    they are.
    """
    links = session.scalars(select(CaseLink).where(CaseLink.case_id == case.id)).all()
    linked = [link.subject_id for link in links if link.subject_type == "right"]
    if linked:
        return linked
    listing_ids = [link.subject_id for link in links if link.subject_type == "listing"]
    holder = case.rights_holder_org_id or case.owner_org_id
    if not listing_ids or holder is None:
        return []
    listings = list(listing_facts(session=session, principal=SYSTEM, ids=listing_ids).values())
    right_ids, _ = covering_rights(session=session, holder_org_id=holder, listings=listings)
    for right_id in right_ids:
        link_case(
            session=session,
            case=case,
            subject_type="right",
            subject_id=right_id,
            note="covers the listed product",
        )
    session.flush()
    return right_ids


def _chosen_right(rights: list[Any], wanted_kind: str | None, notice_kind: str | None) -> Any:
    """The linked right a notice invokes: of the kind asked for, a copyright for a DMCA notice, else a
    trademark (counterfeits), else the first."""
    if wanted_kind:  # the notifier names the right's kind: a linked right of another kind is not it
        return next((right for right in rights if right.kind == wanted_kind), None)
    for kind in ("copyright" if notice_kind == "dmca" else None, "trademark"):
        match = next((right for right in rights if kind and right.kind == kind), None)
        if match is not None:
            return match
    return rights[0] if rights else None


def facts_for_case(
    *,
    session: Session,
    principal: Principal,
    case: Case,
    kind: str | None = None,
    link_rights: bool = True,
    **statements: Any,
) -> NoticeFacts:
    """Notice facts from the notifier's statements, completed by the case's visible listings and right.

    The explanation, unless the notifier wrote one, is generated from the case: the right (and why it
    covers the listing), the product, the listings and the evidence kept.
    """
    if link_rights:  # a page only showing the draft (link_rights=False) writes nothing
        link_covering_rights(session=session, case=case)
    links = session.scalars(select(CaseLink).where(CaseLink.case_id == case.id)).all()
    listing_ids = [link.subject_id for link in links if link.subject_type == "listing"]
    right_ids = [link.subject_id for link in links if link.subject_type == "right"]
    listings = list(listing_facts(session=session, principal=principal, ids=listing_ids).values())
    rights = list(visible_rights(session=session, principal=principal, ids=right_ids).values())
    right = _chosen_right(rights, statements.get("right_kind"), kind)
    holder_id = case.rights_holder_org_id or case.owner_org_id
    holder = organisation_summary(session=session, org_id=holder_id)
    product = ""
    if listings:
        product = covering_rights(session=session, holder_org_id=holder_id, listings=listings)[1]
    evidence = session.scalars(
        select(EvidenceItem).where(EvidenceItem.case_id == case.id).order_by(EvidenceItem.id)
    ).all()
    values: dict[str, Any] = {
        "infringing_urls": tuple(listing.url for listing in listings),
        "platform": listings[0].platform if listings else "",
        "right_kind": right.kind if right else "trademark",
        "right_name": right.name if right else "",
        "holder_name": right.holder_name if right else "",
        "registration_number": right.registration_number if right else "",
        "countries": tuple(right.jurisdictions) if right else (),
        "holder_country": holder.country if holder else "",
        "notice_date": utcnow().date().isoformat(),
        "notifier_name": "",
        "notifier_email": "",
        "explanation": explain(
            right_kind=right.kind,
            right_name=right.name,
            registration_number=right.registration_number,
            office=right.office,
            holder_name=right.holder_name,
            product=product,
            listings=[(listing.url, listing.title) for listing in listings],
            evidence=[(item.description, item.blob_sha256) for item in evidence],
        )
        if right
        else "",
    }
    values.update(
        {
            k: (tuple(v) if isinstance(v, list) else v)
            for k, v in statements.items()
            if v not in (None, "", [], ())
        }
    )
    names = {f.name for f in dataclasses.fields(NoticeFacts)}
    return NoticeFacts(**{k: v for k, v in values.items() if k in names})


def generate_notice(
    *,
    session: Session,
    case: Case,
    kind: str,
    facts: NoticeFacts,
    actor: str,
    org_id: int | None,
    at: datetime,
    reason_code: str = "9052",
) -> Notice:
    """Build, validate and store a notice of the case as a draft."""
    body = build_notice(kind, facts, reason_code=reason_code)
    digest = content_hash(body)
    listing_url = facts.infringing_urls[0] if facts.infringing_urls else None
    notice = Notice(
        case_id=case.id,
        kind=kind,
        platform=facts.platform or None,
        target_url=listing_url,
        body=body,
        status="draft",
        content_hash=digest,
        created_by=actor,
        created_at=at,
        owner_org_id=org_id or case.owner_org_id,
        tlp=case.tlp,
        sharing_group_id=case.sharing_group_id,
    )
    session.add(notice)
    session.flush()
    session.add(NoticeStatusChange(notice_id=notice.id, at=at, status="draft", actor=actor))
    record_in_ledger(
        session=session,
        kind="notice",
        subject_type="case_notice",
        subject_id=str(notice.id),
        content_hash=digest,
        metadata={"case_id": case.id, "notice_kind": kind},
        marked_like=notice,
    )
    record_audit(
        session=session,
        actor=actor,
        org_id=org_id,
        action="notice",
        subject_type="case",
        subject_id=str(case.id),
        detail={"kind": kind, "notice_id": notice.id},
    )
    return notice


def set_notice_status(
    *, session: Session, notice: Notice, status: str, actor: str, at: datetime, note: str | None = None
) -> Notice:
    """Move a notice to its next status (sent, acknowledged, actioned, refused, counter-notice, relisted)."""
    check_status_change(notice.status, status)
    notice.status = status
    session.add(NoticeStatusChange(notice_id=notice.id, at=at, status=status, actor=actor, note=note))
    session.flush()
    return notice


def notice_history(*, session: Session, notice: Notice) -> list[NoticeStatusChange]:
    """A notice's status changes, oldest first."""
    return list(
        session.scalars(
            select(NoticeStatusChange)
            .where(NoticeStatusChange.notice_id == notice.id)
            .order_by(NoticeStatusChange.at, NoticeStatusChange.id)
        )
    )
