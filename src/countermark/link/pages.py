"""Network pages: the list (with the latest linking run asked for, and buttons to ask for one), one
network (graph drawn as SVG on the server, members, timeline, why is this here), a record's network, and
the organisation's hub list.

Every page starts from the visible networks; an absent network and another's are the same 404. The
graph pans by scrolling its frame and zooms by a few CSS rules of this project, served here
(`/networks/graph.css`): no script.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.errors import Conflict, NotFound
from countermark.core.http.deps import DbSession, client_origin
from countermark.core.http.labels import label_of
from countermark.core.http.params import RecordId, clean_text
from countermark.core.http.templating import environment, render, request_locale, translations
from countermark.fingerprint.link_reads import listing_photo_hashes
from countermark.link.graph import GRAPH_CSS, layout
from countermark.link.graph_labels import LINE, TALL_LINE, ZOOMS
from countermark.link.hubs import HUB_KINDS
from countermark.link.jobs import request_job, visible_jobs
from countermark.link.models import LinkEdge, LinkMember
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
from countermark.link.visible_parts import shown_counts
from countermark.link.wording import evidence_value, hub_reason, kind_counts, nearest_photo
from countermark.observe.link_reads import listing_photos_query, posted_listing_ids_query
from countermark.orgs.deps import PageViewer, check_csrf
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal

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
        can_link=_can_link(viewer), asked=request.query_params.get("linking", ""), kind_counts=kind_counts,
        shown=shown_counts(session=session, principal=viewer.principal, networks=rows),
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
    catalogue = translations(request_locale(request))
    # The kinds a hub can be, by their names in the reader's language (e-mail first: the commonest).
    kinds = sorted(HUB_KINDS, key=lambda k: (k != "email", catalogue.gettext(label_of(k)).casefold()))
    return _page(
        request, "network_hubs.html", viewer, hubs=hubs, reasons=reasons,
        can_edit="write" in viewer.principal.scopes, hub_kinds=kinds,
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
    why = (
        (asked, _from_the_root(members, member_chain(members, edges, member))) if asked is not None else None
    )
    timeline: dict[Any, list[Any]] = defaultdict(list)
    dated = [(m.seen_at, m) for m in members if m.seen_at is not None]
    for seen, item in sorted(dated, key=lambda pair: (pair[0], pair[1].key)):
        timeline[seen.date()].append(item)
    # The graph makes room for each edge's evidence as the page writes it, in the reader's language (whose
    # script may stand taller: a Chinese page's fonts).
    locale = request_locale(request)
    macros: Any = environment(locale).get_template("_macros.html").module
    graph = layout(
        members,
        edges,
        focus=asked.key if asked is not None else "",
        describe=lambda code: str(macros.evidence(code)),
        line=TALL_LINE if locale == "zh" else LINE,
    )
    return _page(
        request, "network.html", viewer, network=network, members=members, edges=edges,
        graph=graph, zooms=ZOOMS, why=why, asked=member, by_key={m.key: m for m in members},
        photos=photos_shown(session, viewer.principal, members, edges),
        timeline=list(timeline.items())[-60:], record_pages=RECORD_PAGES, evidence_value=evidence_value,
    )  # fmt: skip


def _from_the_root(members: Sequence[LinkMember], chain: list[LinkEdge]) -> list[tuple[LinkEdge, str, str]]:
    """Each edge of a chain with its two ends in the chain's order: the one nearer the root first."""
    depth = {m.key: m.depth for m in members}
    ordered = []
    for edge in chain:
        near, far = (edge.a, edge.b) if depth.get(edge.a, 0) <= depth.get(edge.b, 0) else (edge.b, edge.a)
        ordered.append((edge, near, far))
    return ordered


def photos_shown(
    session: Session, principal: Principal, members: Sequence[LinkMember], edges: Sequence[LinkEdge]
) -> dict[int, list[tuple[LinkMember, str]]]:
    """Edge id -> the photo an `exact:photo` edge rests on, as each of its two ends shows it: the listing
    member it is on and the photo's blob (for a thumbnail), read from the listings the viewer may see.
    An end whose listings show none of it (not hashed, not visible) is left out."""
    photo_edges = [e for e in edges if e.evidence == "exact:photo"]
    if not photo_edges:
        return {}
    by_key = {m.key: m for m in members}
    listings_of: dict[str, list[LinkMember]] = defaultdict(list)  # a party's key -> its listing members
    for edge in edges:
        if edge.evidence == "listed_by":
            pair = [by_key.get(edge.a), by_key.get(edge.b)]
            listing = next((m for m in pair if m is not None and m.kind == "listing"), None)
            party = next((m for m in pair if m is not None and m.kind != "listing"), None)
            if listing is not None and party is not None and listing.record_id is not None:
                listings_of[party.key].append(listing)
    ends = {key for e in photo_edges for key in (e.a, e.b)}
    accounts = {
        m.record_id for key in ends if (m := by_key.get(key)) and m.record_type == "account" and m.record_id
    }
    if not accounts:
        return {}
    shown = listing_photos_query(posted_listing_ids_query(principal=principal, account_ids=accounts))
    blobs_of: dict[int, list[str]] = defaultdict(list)
    for listing_id, blob in session.execute(shown):
        blobs_of[listing_id].append(blob)
    pictures = shown.subquery()
    # Each blob in place of the listing id, to read each photo's hash by its blob.
    by_blob = select(pictures.c.blob_sha256.label("blob"), pictures.c.blob_sha256.label("sha"))
    hashes: dict[str, tuple[str, str | None]] = {
        str(blob): (pdq, colour)
        for blob, pdq, _, colour in listing_photo_hashes(session=session, photos=by_blob)
    }
    found: dict[int, list[tuple[LinkMember, str]]] = {}
    for edge in photo_edges:
        value = evidence_value(edge.evidence, edge.detail)
        sides = []
        for key in (edge.a, edge.b):
            photos = [
                ((listing, blob), *hashes[blob])
                for listing in listings_of.get(key, ())
                for blob in blobs_of.get(listing.record_id or 0, ())
                if blob in hashes
            ]
            best = nearest_photo(value, photos)
            if best is not None and best not in sides:
                sides.append(best)
        found[edge.id] = sides
    return found
