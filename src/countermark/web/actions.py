"""Actions where the analyst stands: open or join a case, generate a notice, watch a value (issue 18).

`/act/{listing|account|shipment|report}/{id}` gathers what can be done with one record the viewer may see:
the cases it is already in, a new case under the procedures that fit it, an open case of the organisation
to add it to, a notice (listings), and the values worth watching for. Every write checks the CSRF token, a
user who may write, and (to join) the viewer's part in the case (`cases.access_service`); records the
viewer may not see answer 404 like absent ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import or_
from sqlalchemy.orm import Session

from countermark.cases.access_service import can_write, case_roles, writable_case
from countermark.cases.intake_service import open_from_listing, open_from_shipment
from countermark.cases.models import Case
from countermark.cases.packs import default_packs
from countermark.cases.service import cases_linked_to, link_case, open_case
from countermark.codes.match_reads import matches_of
from countermark.codes.models import ConsumerReport
from countermark.core.clock import utcnow
from countermark.core.errors import Code, Codes, CountermarkError, Forbidden, InvalidInput, NotFound
from countermark.core.http.deps import DbSession
from countermark.core.http.error_text import page_error
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.observe.identifier_service import identifiers_seen_in
from countermark.observe.models import Account, Listing
from countermark.orgs.deps import PageViewer, Viewer, check_csrf
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, visible
from countermark.targeting.models import Shipment

router = APIRouter(include_in_schema=False)
ONLINE = ("notice_and_takedown", "test_purchase", "platform_disclosure")
_MODELS: dict[str, Any] = {
    "listing": Listing,
    "account": Account,
    "shipment": Shipment,
    "report": ConsumerReport,
}
_PAGES = {
    "listing": "/listings/{id}",
    "account": "/accounts/{id}",
    "shipment": "/shipments/{id}",
    "report": "/codes/reports/{id}",
}


@dataclass(frozen=True)
class Subject:
    """The record acted on: its kind, the row, its page and what a case links to for it."""

    kind: str
    record: Any
    links: list[tuple[str, int]]

    @property
    def href(self) -> str:
        return _PAGES[self.kind].format(id=self.record.id)

    @property
    def label(self) -> str:
        r = self.record
        if self.kind == "listing":
            return f"{r.platform}: {r.title}"
        if self.kind == "account":
            return f"{r.platform}: {r.handle}"
        if self.kind == "shipment":
            return f"{r.external_id} — {r.consignor_name or ''}"
        return f"#{r.id} {r.shop or r.url or ''}"


def subject_of(session: Session, principal: Principal, kind: str, record_id: int) -> Subject:
    """The record if the principal may see it; the same 404 for absent, unseen and unknown kinds."""
    model = _MODELS.get(kind)
    record = session.scalar(visible(model, principal).where(model.id == record_id)) if model else None
    if record is None:
        raise NotFound.of(
            "no {kind} {record_id} that you may see",
            kind=Code(kind, "consumer report" if kind == "report" else None),
            record_id=record_id,
        )
    if kind == "listing":
        links = [("listing", record.id)] + ([("account", record.account_id)] if record.account_id else [])
    elif kind == "report":
        # A report is not a case record: the case takes the listings and accounts the report was matched to.
        matched = matches_of(session=session, principal=principal, report_id=record.id)
        wanted = list(
            dict.fromkeys(
                (m.subject_type, m.subject_id)
                for m in matched
                if m.subject_type in ("listing", "account") and m.subject_id is not None
            )
        )
        # Only the records the viewer may see itself go into its case.
        links = [
            (t, i)
            for t, i in wanted
            if session.scalar(visible(_MODELS[t], principal).where(_MODELS[t].id == i)) is not None
        ]
    else:
        links = [(kind, record.id)]
    return Subject(kind, record, links)


def _writer(viewer: Viewer, csrf_token: str) -> Principal:
    check_csrf(viewer.web_session, csrf_token)
    principal = viewer.principal
    if principal.org_id is None or not can_write(principal):
        raise Forbidden.of("opening or joining a case needs a user of an organisation who may write")
    return principal


def _open_cases(session: Session, principal: Principal) -> list[Case]:
    """The open cases the organisation takes part in (those it may add records to)."""
    if principal.org_id is None:
        return []
    org = principal.org_id
    mine = or_(Case.owner_org_id == org, Case.rights_holder_org_id == org, Case.platform_org_id == org)
    query = visible(Case, principal).where(Case.status == "open", mine)
    return list(session.scalars(query.order_by(Case.opened_at.desc()).limit(100)))


def _watch_candidates(session: Session, subject: Subject) -> list[tuple[str, str]]:
    r, kind = subject.record, subject.kind
    found: list[tuple[str, str]] = []
    if kind == "listing":
        found += [("seller", r.seller_handle)] if r.seller_handle else []
        found += [("domain", urlsplit(r.url).hostname or "")]
    elif kind == "account":
        found += [("seller", r.handle)]
        found += [("domain", urlsplit(r.profile_url).hostname or "")] if r.profile_url else []
    elif kind == "shipment":
        found += [("seller", r.consignor_name)] if r.consignor_name else []
    else:
        found += [("seller", r.shop)] if r.shop else []
        found += [("domain", urlsplit(r.url).hostname or "")] if r.url else []
    if kind in ("listing", "account", "shipment"):
        found += [
            ("identifier", i["raw"] or i["value"])
            for i in identifiers_seen_in(session, kind, r.id)
            if i["kind"] not in ("name", "postal_address", "url", "domain")
        ][:10]
    return [(k, v) for k, v in dict.fromkeys(found) if v]


def _page(
    request: Request,
    session: Session,
    viewer: Viewer,
    subject: Subject,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    principal = viewer.principal
    linked = {
        c.id: c
        for kind, ident in subject.links
        for c in cases_linked_to(session=session, principal=principal, subject_type=kind, subject_ids=[ident])
    }
    procedures = ONLINE if subject.kind != "shipment" else ()
    packs = default_packs()
    return render(
        request,
        "workbench_act.html",
        {
            "viewer": viewer,
            "subject": subject,
            "linked": list(linked.values()),
            "open_cases": [c for c in _open_cases(session, principal) if c.id not in linked],
            "procedures": [(p, packs.procedure(p).title) for p in procedures if p in packs.procedures],
            "watch": _watch_candidates(session, subject),
            "error": error,
            "may_write": principal.org_id is not None and can_write(principal),
            "active": {"report": "codes"}.get(subject.kind, f"{subject.kind}s"),
        },
        status_code=status_code,
    )


@router.get("/act/{kind}/{record_id}")
def act_page(
    kind: str, record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer
) -> Response:
    """What can be done with one record: its cases, a new case, an open case to join, a notice, a watch."""
    return _page(request, session, viewer, subject_of(session, viewer.principal, kind, record_id))


def _open(session: Session, principal: Principal, subject: Subject, procedure: str) -> Case:
    now, actor, r = utcnow(), principal.email, subject.record
    if subject.kind == "listing":
        return open_from_listing(
            session=session,
            principal=principal,
            listing_id=r.id,
            at=now,
            actor=actor,
            procedure=procedure or "notice_and_takedown",
        )
    if subject.kind == "shipment":
        return open_from_shipment(session=session, principal=principal, shipment_id=r.id, at=now, actor=actor)
    if procedure and procedure not in ONLINE:
        titles = Codes(Code(key, default_packs().procedure(key).title) for key in ONLINE)
        raise InvalidInput.of("choose one of {procedures}", procedures=titles)
    assert principal.org_id is not None
    title = (
        f"Account {r.handle} on {r.platform}"
        if subject.kind == "account"
        else f"Consumer report #{r.id}" + (f": {r.shop}" if r.shop else "")
    )
    return open_case(
        session=session,
        owner_org_id=principal.org_id,
        procedure=procedure or ONLINE[0],
        title=title[:300],
        at=now,
        actor=actor,
        rights_holder_org_id=principal.org_id,
        tlp=r.tlp,
        links=subject.links,
    )


@router.post("/act/{kind}/{record_id}/case")
def open_case_page(
    kind: str,
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    procedure: str = Form("", max_length=64),
) -> Response:
    """Open a case for the record (and the records it brings) and go to it."""
    principal = _writer(viewer, csrf_token)
    subject = subject_of(session, principal, kind, record_id)
    try:
        case = _open(session, principal, subject, procedure)
    except InvalidInput as exc:
        session.rollback()
        error = page_error(request, exc)
        return _page(request, session, viewer, subject, error=error, status_code=exc.status)
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.post("/act/{kind}/{record_id}/join")
def join_case_page(
    kind: str,
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    case_id: int = Form(0, ge=0, le=2_147_483_647),
) -> Response:
    """Add the record (and the records it brings) to an open case the organisation takes part in."""
    principal = _writer(viewer, csrf_token)
    subject = subject_of(session, principal, kind, record_id)
    if not subject.links:
        return _page(
            request,
            session,
            viewer,
            subject,
            status_code=422,
            error="this report was matched to no listing or account yet: nothing to add to a case",
        )
    case = writable_case(session=session, principal=principal, case_id=case_id).case
    for subject_type, subject_id in subject.links:
        link_case(session=session, case=case, subject_type=subject_type, subject_id=subject_id)
    record_audit(
        session=session,
        actor=principal.email,
        org_id=principal.org_id,
        action="link",
        subject_type="case",
        subject_id=str(case.id),
        detail={"records": [f"{t}:{i}" for t, i in subject.links], "from": subject.kind},
    )
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.post("/act/listing/{record_id}/notice")
def notice_page(
    record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form("")
) -> Response:
    """Go to the notice form of the listing's open takedown case, opening one if it has none."""
    principal = _writer(viewer, csrf_token)
    subject = subject_of(session, principal, "listing", record_id)
    for case in cases_linked_to(
        session=session, principal=principal, subject_type="listing", subject_ids=[record_id]
    ):
        usable = case.status == "open" and case.procedure == "notice_and_takedown"
        if usable and case_roles(session=session, principal=principal, case=case) is not None:
            return RedirectResponse(f"/cases/{case.id}#notices", status_code=303)
    try:
        case = _open(session, principal, subject, "notice_and_takedown")
    except CountermarkError as exc:
        if exc.status >= 500:
            raise
        session.rollback()
        error = page_error(request, exc)
        return _page(request, session, viewer, subject, error=error, status_code=exc.status)
    return RedirectResponse(f"/cases/{case.id}#notices", status_code=303)
