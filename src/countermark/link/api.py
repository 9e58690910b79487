"""REST routes of linking: networks (list, one, why a member is there), the hub list, and linking runs
asked for (jobs, run by the server in a process of its own).

Every read starts from the visible networks or hub entries; an absent network and another's are the
same 404. The hub list is edited by the organisation that owns it (write scope), and audited.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from countermark.core.errors import NotFound
from countermark.core.http.deps import DbSession, client_origin
from countermark.core.http.params import RecordId, clean_text
from countermark.link.jobs import get_job, request_job, visible_jobs
from countermark.link.models import LinkMember, LinkNetwork
from countermark.link.schemas import (
    EdgeOut,
    HubIn,
    HubOut,
    JobIn,
    JobOut,
    MemberOut,
    NetworkDetail,
    NetworkOut,
    NetworkPage,
    WhyOut,
)
from countermark.link.service import (
    get_network,
    member_chain,
    network_parts,
    networks_of_member,
    networks_of_record,
    remove_hub,
    set_hub,
    visible_hubs,
    visible_networks,
)
from countermark.link.visible_parts import member_counts, shown_counts
from countermark.orgs.deps import require_scope
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal

router = APIRouter(prefix="/api/v1", tags=["linking"])
reader = Depends(require_scope("read"))
writer = Depends(require_scope("write"))
MemberKind = Literal["account", "shop", "domain", "listing", "consignor"]
RecordType = Literal["account", "listing", "shipment"]


@router.get("/networks", summary="Networks you may see")
def list_networks(
    session: DbSession,
    principal: Principal = reader,
    operator: Annotated[
        bool | None, Query(description="Same-owner groups only (true) or none (false).")
    ] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    kind: Annotated[MemberKind | None, Query(description="Networks with a member of this kind.")] = None,
    record_type: Annotated[RecordType | None, Query(description="With record_id: its networks.")] = None,
    record_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    member: Annotated[str | None, Query(min_length=1, max_length=300, description="A member key.")] = None,
    include_dissolved: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> NetworkPage:
    """Largest first; filter by kind of member, score, same-owner groups, or a record or member."""
    if record_type is not None and record_id is not None:
        rows = networks_of_record(
            session=session, principal=principal, record_type=record_type, record_id=record_id
        )
        total = len(rows)
    elif member is not None:
        rows = networks_of_member(
            session=session, principal=principal, member_key=clean_text(member, what="member key")
        )
        total = len(rows)
    else:
        rows, total = visible_networks(
            session=session, principal=principal, operator=operator, min_score=min_score, kind=kind,
            include_dissolved=include_dissolved, limit=limit, offset=offset,
        )  # fmt: skip
    counts = shown_counts(session=session, principal=principal, networks=rows[:limit])
    return NetworkPage(
        items=[_counted(r, *counts[r.id]) for r in rows[:limit]], total=total, limit=limit, offset=offset
    )


def _counted(network: LinkNetwork, size: int, kinds: dict[str, int]) -> NetworkOut:
    """The network with its size and members by kind as the reader may see them (`shown_counts`)."""
    return NetworkOut.model_validate(network).model_copy(update={"size": size, "kinds": kinds})


def _members_counted(network: LinkNetwork, members: list[LinkMember]) -> NetworkOut:
    return _counted(network, *member_counts(members))


@router.get("/networks/{network_id}", summary="One network with its members and edges")
def network_detail(network_id: RecordId, session: DbSession, principal: Principal = reader) -> NetworkDetail:
    """Members (by depth from the root) and every edge with its evidence."""
    network = get_network(session=session, principal=principal, network_id=network_id)
    members, edges = network_parts(session=session, principal=principal, network_id=network.id)
    return NetworkDetail(
        network=_members_counted(network, members),
        members=[MemberOut.model_validate(m) for m in members],
        edges=[EdgeOut.model_validate(e) for e in edges],
    )


@router.get("/networks/{network_id}/why", summary="Why a member is in the network")
def network_why(
    network_id: RecordId,
    session: DbSession,
    member: Annotated[str, Query(min_length=1, max_length=300, description="A member key, e.g. account:12.")],
    principal: Principal = reader,
) -> WhyOut:
    """The chain of evidence from the network's root to the member."""
    member = clean_text(member, what="member key")
    network = get_network(session=session, principal=principal, network_id=network_id)
    members, edges = network_parts(session=session, principal=principal, network_id=network.id)
    found = next((m for m in members if m.key == member), None)
    if found is None:
        raise NotFound.of("no such member in this network")
    chain = member_chain(members, edges, member)
    return WhyOut(
        network=_members_counted(network, members),
        member=MemberOut.model_validate(found),
        chain=[EdgeOut.model_validate(e) for e in chain],
    )


@router.get("/link/hubs", summary="The hub list")
def list_hubs(session: DbSession, principal: Principal = reader) -> list[HubOut]:
    """Values kept off the links (detected, or listed by an analyst) and values an analyst kept on."""
    return [HubOut.model_validate(h) for h in visible_hubs(session=session, principal=principal)]


@router.put("/link/hubs", summary="Put a value on your organisation's hub list")
def put_hub(body: HubIn, request: Request, session: DbSession, principal: Principal = writer) -> HubOut:
    """Keep a value off the links (hub true) or on them (hub false) from the next run on."""
    row = set_hub(session=session, principal=principal, kind=body.kind, value=body.value, hub=body.hub)
    record_audit(
        session=session, actor=principal.email, action="link.hub.set", subject_type="link_hub",
        subject_id=str(row.id), org_id=principal.org_id, origin=client_origin(request),
        detail={"kind": row.kind, "hub": row.hub},
    )  # fmt: skip
    return HubOut.model_validate(row)


@router.delete(
    "/link/hubs/{hub_id}", summary="Remove an entry of your organisation's hub list", status_code=204
)
def delete_hub(hub_id: RecordId, request: Request, session: DbSession, principal: Principal = writer) -> None:
    """The next run decides on the value afresh."""
    row = remove_hub(session=session, principal=principal, hub_id=hub_id)
    record_audit(
        session=session, actor=principal.email, action="link.hub.remove", subject_type="link_hub",
        subject_id=str(hub_id), org_id=principal.org_id, origin=client_origin(request),
        detail={"kind": row.kind},
    )  # fmt: skip


@router.post("/link/jobs", status_code=202, summary="Ask for a linking run of your organisation")
def post_job(body: JobIn, request: Request, session: DbSession, principal: Principal = writer) -> JobOut:
    """Queue a run (one queued or running at a time per organisation: 409 otherwise, naming it); the
    server starts it within `COUNTERMARK_LINK_JOB_SECONDS` and the job then says how it went."""
    job = request_job(session=session, principal=principal, mode=body.mode)
    record_audit(
        session=session, actor=principal.email, action="link.job.request", subject_type="link_job",
        subject_id=str(job.id), org_id=principal.org_id, origin=client_origin(request),
        detail={"mode": job.mode},
    )  # fmt: skip
    return JobOut.model_validate(job)


@router.get("/link/jobs", summary="Your organisation's linking runs asked for, newest first")
def list_jobs(
    session: DbSession,
    principal: Principal = reader,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[JobOut]:
    """Queued, running, done and failed jobs."""
    return [JobOut.model_validate(j) for j in visible_jobs(session=session, principal=principal, limit=limit)]


@router.get("/link/jobs/{job_id}", summary="One linking job")
def one_job(job_id: RecordId, session: DbSession, principal: Principal = reader) -> JobOut:
    """A job of your organisation; another's is the same 404 as an absent one."""
    return JobOut.model_validate(get_job(session=session, principal=principal, job_id=job_id))
