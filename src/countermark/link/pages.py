"""Network pages: the list (with the latest linking run asked for, and buttons to ask for one), one
network (graph drawn as SVG on the server, members, timeline, why is this here), a record's network, and
the organisation's hub list.

Every page starts from the visible networks; an absent network and another's are the same 404. The
graph pans by scrolling its frame and zooms by a few CSS rules of this project, served here
(`/networks/graph.css`): no script.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from countermark.core.errors import Conflict, NotFound
from countermark.core.http.deps import DbSession, client_origin
from countermark.core.http.params import RecordId, clean_text
from countermark.core.http.templating import render
from countermark.link.graph import GRAPH_CSS, ZOOMS, layout
from countermark.link.jobs import request_job, visible_jobs
from countermark.link.service import (
    get_network,
    last_run,
    member_chain,
    network_parts,
    networks_of_record,
    remove_hub,
    set_hub,
    visible_hubs,
    visible_networks,
)
from countermark.link.wording import evidence_value, hub_reason
from countermark.orgs.deps import PageViewer, check_csrf
from countermark.orgs.service import record_audit

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
KINDS = ("account", "shop", "domain", "listing", "consignor")
RECORD_PAGES = {"account": "/accounts", "listing": "/listings", "shipment": "/shipments"}


def _page(request: Request, template: str, viewer: PageViewer, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": "networks", **values})


@router.get("/networks/graph.css")
def graph_style() -> Response:
    """The graph's frame and zoom levels: this project's own stylesheet, no script, nothing from elsewhere."""
    return Response(GRAPH_CSS, media_type="text/css", headers={"cache-control": "max-age=3600"})


@router.get("/networks")
def networks_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    kind: Annotated[Literal["", "account", "shop", "domain", "listing", "consignor"], Query()] = "",
    group: Annotated[Literal["", "networks", "operators"], Query()] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Networks the viewer may see, largest first; same-owner groups are told apart."""
    operator = {"networks": False, "operators": True}.get(group)
    rows, total = visible_networks(
        session=session, principal=viewer.principal, operator=operator, kind=kind or None,
        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
    )  # fmt: skip
    run = last_run(session=session, principal=viewer.principal)
    jobs = visible_jobs(session=session, principal=viewer.principal, limit=1)
    return _page(
        request, "networks.html", viewer, networks=rows, total=total, kind=kind, group=group, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), kinds=KINDS, run=run, job=jobs[0] if jobs else None,
        can_link=_can_link(viewer), asked=request.query_params.get("linking", ""),
    )  # fmt: skip


def _can_link(viewer: PageViewer) -> bool:
    return viewer.principal.org_id is not None and "write" in viewer.principal.scopes


@router.post("/networks/link")
def ask_for_linking(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    mode: Literal["full", "incremental"] = Form("full"),
) -> Response:
    """Queue a linking run of the viewer's organisation; the server starts it in a process of its own."""
    check_csrf(viewer.web_session, csrf_token)
    if not _can_link(viewer):
        raise NotFound.of("no linking that you may start")
    try:
        job = request_job(session=session, principal=viewer.principal, mode=mode)
    except Conflict:
        return RedirectResponse("/networks?linking=busy", status_code=303)
    record_audit(
        session=session, actor=viewer.principal.email, action="link.job.request", subject_type="link_job",
        subject_id=str(job.id), org_id=viewer.principal.org_id, origin=client_origin(request),
        detail={"mode": job.mode},
    )  # fmt: skip
    return RedirectResponse("/networks?linking=queued", status_code=303)


@router.get("/networks/hubs")
def hubs_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The hub list: values kept off the links, detected or listed by an analyst."""
    hubs = visible_hubs(session=session, principal=viewer.principal)
    reasons = {hub.id: hub_reason(hub.reason or "") for hub in hubs}
    return _page(
        request, "network_hubs.html", viewer, hubs=hubs, reasons=reasons,
        can_edit="write" in viewer.principal.scopes,
    )  # fmt: skip


@router.post("/networks/hubs")
def add_hub(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    kind: str = Form("", max_length=32),
    value: str = Form("", max_length=1000),
    hub: str = Form("yes"),
) -> Response:
    """Put a value on the organisation's hub list (a hub, or kept on the links)."""
    check_csrf(viewer.web_session, csrf_token)
    if "write" not in viewer.principal.scopes:
        raise NotFound.of("no hub list that you may change")
    row = set_hub(session=session, principal=viewer.principal, kind=kind, value=value, hub=hub == "yes")
    record_audit(
        session=session, actor=viewer.principal.email, action="link.hub.set", subject_type="link_hub",
        subject_id=str(row.id), org_id=viewer.principal.org_id, origin=client_origin(request),
        detail={"kind": row.kind, "hub": row.hub},
    )  # fmt: skip
    return RedirectResponse("/networks/hubs", status_code=303)


@router.post("/networks/hubs/{hub_id}/remove")
def drop_hub(
    hub_id: RecordId, request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form("")
) -> Response:
    """Remove an entry of the organisation's hub list."""
    check_csrf(viewer.web_session, csrf_token)
    if "write" not in viewer.principal.scopes:
        raise NotFound.of("no hub list that you may change")
    row = remove_hub(session=session, principal=viewer.principal, hub_id=hub_id)
    record_audit(
        session=session, actor=viewer.principal.email, action="link.hub.remove", subject_type="link_hub",
        subject_id=str(hub_id), org_id=viewer.principal.org_id, origin=client_origin(request),
        detail={"kind": row.kind},
    )  # fmt: skip
    return RedirectResponse("/networks/hubs", status_code=303)


@router.get("/networks/of/{record_type}/{record_id}")
def record_network(
    record_type: Literal["account", "listing", "shipment"],
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
) -> Response:
    """The network a stored record belongs to (straight to it when there is one)."""
    found = networks_of_record(
        session=session, principal=viewer.principal, record_type=record_type, record_id=record_id
    )
    if len(found) == 1:
        return RedirectResponse(
            f"/networks/{found[0].id}?member={record_type}:{record_id}#why", status_code=303
        )
    back = f"{RECORD_PAGES[record_type]}/{record_id}"
    return _page(request, "network_none.html", viewer, networks=found, back=back)


@router.get("/networks/{network_id}")
def network_page(
    network_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    member: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """One network: its graph, members by kind, activity timeline, and why a member is here."""
    member = clean_text(member, what="member key")
    network = get_network(session=session, principal=viewer.principal, network_id=network_id)
    members, edges = network_parts(session=session, principal=viewer.principal, network_id=network.id)
    asked = next((m for m in members if m.key == member), None) if member else None
    why = (asked, member_chain(members, edges, member)) if asked is not None else None
    timeline: dict[Any, list[Any]] = defaultdict(list)
    dated = [(m.seen_at, m) for m in members if m.seen_at is not None]
    for seen, item in sorted(dated, key=lambda pair: (pair[0], pair[1].key)):
        timeline[seen.date()].append(item)
    return _page(
        request, "network.html", viewer, network=network, members=members, edges=edges,
        graph=layout(members, edges), zooms=ZOOMS, why=why, asked=member,
        timeline=list(timeline.items())[-60:], record_pages=RECORD_PAGES, evidence_value=evidence_value,
    )  # fmt: skip
