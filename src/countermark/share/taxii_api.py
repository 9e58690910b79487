"""The TAXII 2.1 server: discovery, one API root, collections, objects, manifests, versions, status.

Partners authenticate with this instance's API tokens (a token of a user of the organisation that stands
for the partner): `read` to pull, `write` to push. What a partner reads is what the leaving rule lets out
(`share.objects_service.leaving_clause`: visible to its organisation, never RED, AMBER+STRICT only its
own, AMBER only through the record's sharing group). Reads are plain `def` routes (thread pool); a push
reads its body up to `MAX_BODY_BYTES` on the loop and parses, validates and stores it in a thread.
Errors use the application's `{status, code, message, detail}` body; TAXII clients act on the status.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from countermark.core.errors import CountermarkError, InvalidInput, NotFound
from countermark.core.http.deps import DbSession
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal
from countermark.share.collections_service import (
    collection_for,
    collections_for,
    require_read,
    require_write,
    scope_of,
)
from countermark.share.intake_service import MAX_OBJECTS_PER_REQUEST, receive
from countermark.share.models import StixObject, TaxiiStatus
from countermark.share.objects_service import (
    Filters,
    Marking,
    leaving_clause,
    page_of,
    parse_stix_time,
    raw_page_of,
    taxii_time,
)
from countermark.share.tlp import tlp_of

TAXII_MEDIA = "application/taxii+json;version=2.1"
MAX_BODY_BYTES = 20 * 2**20
API_ROOT = "/taxii2/api/"

router = APIRouter(prefix="/taxii2", tags=["taxii"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require_scope("read"))]
Writer = Annotated[Principal, Depends(require_scope("write"))]


class NotAcceptable(CountermarkError):
    status = 406
    code = "not_acceptable"


class UnsupportedMediaType(CountermarkError):
    status = 415
    code = "unsupported_media_type"


class TooLarge(CountermarkError):
    status = 413
    code = "too_large"


def _accepts_taxii(request: Request) -> None:
    """Version negotiation: TAXII 2.1 JSON, or anything when the client does not say."""
    accept = request.headers.get("accept", "").replace(" ", "").lower()
    if not accept or "*/*" in accept or "application/*" in accept:
        return
    for offered in accept.split(","):
        media, _, params = offered.partition(";")
        if media == "application/taxii+json" and (not params or "version=2.1" in params.split(";")):
            return
    raise NotAcceptable.of("this server speaks TAXII 2.1: send 'Accept: application/taxii+json;version=2.1'")


Negotiated = Depends(_accepts_taxii)


def _taxii(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=TAXII_MEDIA, headers=headers)


@router.get("/", dependencies=[Negotiated])
def discovery(request: Request, principal: Reader) -> JSONResponse:
    """The discovery resource: who we are and where the API root is."""
    root = str(request.base_url).rstrip("/") + API_ROOT
    return _taxii(
        {
            "title": "Countermark TAXII 2.1",
            "description": "Counterfeiting intelligence shared under TLP 2.0 and sharing agreements.",
            "default": root,
            "api_roots": [root],
        }
    )


@router.get("/api/", dependencies=[Negotiated])
def api_root(principal: Reader) -> JSONResponse:
    """The API root's information."""
    return _taxii(
        {
            "title": "Countermark",
            "description": "Collections of this instance, one per sharing agreement or group.",
            "versions": [TAXII_MEDIA],
            "max_content_length": MAX_BODY_BYTES,
        }
    )


def _collection_resource(access: Any) -> dict[str, Any]:
    collection = access.collection
    return {
        "id": collection.uuid,
        "title": collection.title,
        "description": collection.description or "",
        "can_read": access.can_read,
        "can_write": access.can_write,
        "media_types": [TAXII_MEDIA],
    }


@router.get("/api/collections/", dependencies=[Negotiated])
def list_collections(session: DbSession, principal: Reader) -> JSONResponse:
    """The collections the partner may read or write."""
    return _taxii({"collections": [_collection_resource(a) for a in collections_for(session, principal)]})


@router.get("/api/collections/{collection_id}/", dependencies=[Negotiated])
def get_collection(collection_id: str, session: DbSession, principal: Reader) -> JSONResponse:
    """One collection."""
    return _taxii(_collection_resource(collection_for(session, principal, collection_id)))


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _filters(request: Request, limit: int | None, added_after: str | None, next_: str | None) -> Filters:
    params = request.query_params
    known = {
        "match[id]",
        "match[type]",
        "match[version]",
        "match[spec_version]",
        "added_after",
        "limit",
        "next",
    }
    unknown = sorted(k for k in params if k not in known)
    if unknown:
        raise InvalidInput.of(
            "unknown filter {name!r}: use added_after, limit, next or match[id|type|version|spec_version]",
            name=unknown[0],
        )
    versions = _split(params.get("match[version]")) or ("last",)
    for version in versions:
        if version not in ("last", "first", "all"):
            parse_stix_time(version)
    return Filters(
        added_after=parse_stix_time(added_after) if added_after else None,
        ids=_split(params.get("match[id]")),
        types=_split(params.get("match[type]")),
        versions=versions,
        spec_versions=_split(params.get("match[spec_version]")),
        limit=limit or 1000,
        next=next_,
    )


Limit = Annotated[int | None, Query(ge=1, le=100_000)]
AddedAfter = Annotated[str | None, Query(max_length=40)]
Next = Annotated[str | None, Query(alias="next", max_length=200)]


def _page_headers(page: Any) -> dict[str, str]:
    headers = {}
    if page.first_added is not None:
        headers["X-TAXII-Date-Added-First"] = taxii_time(page.first_added)
        headers["X-TAXII-Date-Added-Last"] = taxii_time(page.last_added)
    return headers


def _readable_scope(session: Session, principal: Principal, collection_id: str) -> str:
    access = collection_for(session, principal, collection_id)
    require_read(access)
    return scope_of(access.collection)


@router.get("/api/collections/{collection_id}/objects/", dependencies=[Negotiated])
def get_objects(
    collection_id: str,
    request: Request,
    session: DbSession,
    principal: Reader,
    limit: Limit = None,
    added_after: AddedAfter = None,
    next_: Next = None,
) -> Response:
    """A page of the collection's objects the partner may take out, oldest added first."""
    scope = _readable_scope(session, principal, collection_id)
    page = raw_page_of(session, scope, principal, _filters(request, limit, added_after, next_))
    # The stored bodies are JSON already: the envelope is assembled around their text, not re-encoded.
    parts = ['{"more": ' + ("true" if page.more else "false")]
    if page.next:
        parts.append('"next": ' + json.dumps(page.next))
    if page.bodies:
        parts.append('"objects": [' + ",".join(page.bodies) + "]")
    return Response(", ".join(parts) + "}", media_type=TAXII_MEDIA, headers=_page_headers(page))


@router.get("/api/collections/{collection_id}/manifest/", dependencies=[Negotiated])
def get_manifest(
    collection_id: str,
    request: Request,
    session: DbSession,
    principal: Reader,
    limit: Limit = None,
    added_after: AddedAfter = None,
    next_: Next = None,
) -> JSONResponse:
    """What the collection holds for the partner, without the objects themselves."""
    scope = _readable_scope(session, principal, collection_id)
    page = page_of(session, scope, principal, _filters(request, limit, added_after, next_))
    envelope: dict[str, Any] = {"more": page.more}
    if page.next:
        envelope["next"] = page.next
    if page.rows:
        envelope["objects"] = [
            {
                "id": row.stix_id,
                "date_added": taxii_time(row.date_added),
                "version": row.body.get("modified") or row.body.get("created") or taxii_time(row.version),
                "media_type": "application/stix+json;version=2.1",
            }
            for row in page.rows
        ]
    return _taxii(envelope, headers=_page_headers(page))


@router.get("/api/collections/{collection_id}/objects/{object_id}/", dependencies=[Negotiated])
def get_object(
    collection_id: str,
    object_id: str,
    request: Request,
    session: DbSession,
    principal: Reader,
    limit: Limit = None,
    added_after: AddedAfter = None,
    next_: Next = None,
) -> JSONResponse:
    """One object (its last version unless `match[version]` says otherwise)."""
    scope = _readable_scope(session, principal, collection_id)
    filters = _filters(request, limit, added_after, next_)
    filters = Filters(**{**filters.__dict__, "ids": (object_id,)})
    page = page_of(session, scope, principal, filters)
    if not page.rows:
        raise NotFound.of("no object with this id that you may read in this collection")
    envelope: dict[str, Any] = {"more": page.more, "objects": [row.body for row in page.rows]}
    if page.next:
        envelope["next"] = page.next
    return _taxii(envelope, headers=_page_headers(page))


@router.get("/api/collections/{collection_id}/objects/{object_id}/versions/", dependencies=[Negotiated])
def get_versions(collection_id: str, object_id: str, session: DbSession, principal: Reader) -> JSONResponse:
    """Every version of one object the partner may read, oldest first."""
    scope = _readable_scope(session, principal, collection_id)
    rows = list(
        session.scalars(
            select(StixObject)
            .where(
                StixObject.scope == scope,
                StixObject.stix_id == object_id,
                StixObject.state == "stored",
                leaving_clause(principal),
            )
            .order_by(StixObject.version)
        )
    )
    if not rows:
        raise NotFound.of("no object with this id that you may read in this collection")
    versions = [
        row.body.get("modified") or row.body.get("created") or taxii_time(row.version) for row in rows
    ]
    return _taxii(
        {"more": False, "versions": versions},
        headers={
            "X-TAXII-Date-Added-First": taxii_time(min(r.date_added for r in rows)),
            "X-TAXII-Date-Added-Last": taxii_time(max(r.date_added for r in rows)),
        },
    )


async def _bounded_body(request: Request) -> bytes:
    content_type = request.headers.get("content-type", "").replace(" ", "").lower()
    if not content_type.startswith("application/taxii+json"):
        raise UnsupportedMediaType.of(
            "send the envelope as 'Content-Type: application/taxii+json;version=2.1'"
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge.of("the body is larger than {most} bytes", most=MAX_BODY_BYTES)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooLarge.of("the body is larger than {most} bytes", most=MAX_BODY_BYTES)
        chunks.append(chunk)
    return b"".join(chunks)


def _status_resource(status: TaxiiStatus) -> dict[str, Any]:
    return {
        "id": status.uuid,
        "status": status.status,
        "request_timestamp": taxii_time(status.request_timestamp),
        "total_count": status.total_count,
        "success_count": status.success_count,
        "failure_count": status.failure_count,
        "pending_count": status.pending_count,
        "successes": status.successes,
        "failures": status.failures,
        "pendings": status.pendings,
    }


def add_objects_now(session: Session, principal: Principal, collection_id: str, raw: bytes) -> TaxiiStatus:
    """Parse, validate and store a pushed envelope; the status resource that says what happened."""
    access = collection_for(session, principal, collection_id)
    require_write(access)
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput.of("the body is not JSON: {problem}", problem=exc) from None
    objects = envelope.get("objects") if isinstance(envelope, dict) else None
    if not isinstance(objects, list):
        raise InvalidInput.of("the body must be a TAXII envelope: an object with an 'objects' list")
    if len(objects) > MAX_OBJECTS_PER_REQUEST:
        raise TooLarge.of("at most {most} objects per request", most=MAX_OBJECTS_PER_REQUEST)
    collection = access.collection
    owner = int(principal.org_id or collection.owner_org_id)

    def marking_of(obj: dict[str, Any]) -> Marking:
        return Marking(owner, tlp_of(obj, "AMBER"), collection.sharing_group_id)

    result = receive(
        session,
        scope=scope_of(collection),
        objects=objects,
        marking_of=marking_of,
        collection_id=collection.id,
    )
    done = [{"id": i, "version": v} for i, v in result.stored + result.unchanged]
    pending = [{"id": i, "version": v} for i, v in result.waiting]
    failed = [
        {"id": r["id"] or f"#{r['index']}", "message": "; ".join(r["errors"])[:500]} for r in result.rejected
    ]
    status = TaxiiStatus(
        uuid=str(uuid.uuid4()),
        collection_id=collection.id,
        org_id=owner,
        status="complete" if not pending else "pending",
        total_count=len(objects),
        success_count=len(done),
        failure_count=len(failed),
        pending_count=len(pending),
        successes=done,
        failures=failed,
        pendings=pending,
    )
    session.add(status)
    session.flush()
    return status


@router.post("/api/collections/{collection_id}/objects/", dependencies=[Negotiated])
async def add_objects(
    collection_id: str, request: Request, session: DbSession, principal: Writer
) -> Response:
    """Add the objects of an envelope; answers 202 with the status resource."""
    raw = await _bounded_body(request)
    status = await run_in_threadpool(add_objects_now, session, principal, collection_id, raw)
    return _taxii(_status_resource(status), status=202)


@router.get("/api/status/{status_id}/", dependencies=[Negotiated])
def get_status(status_id: str, session: DbSession, principal: Reader) -> JSONResponse:
    """The status of an add-objects request, for the organisation that made it."""
    status = session.scalar(select(TaxiiStatus).where(TaxiiStatus.uuid == status_id))
    if status is None or (not principal.is_system and status.org_id != principal.org_id):
        raise NotFound.of("no status with this id that you may see")
    if status.pending_count:
        _refresh(session, status)
    return _taxii(_status_resource(status))


def _refresh(session: Session, status: TaxiiStatus) -> None:
    """Move pending objects that have since been resolved to the successes."""
    scope = f"c:{status.collection_id}"
    ids = [p["id"] for p in status.pendings]
    ready = set(
        session.scalars(
            select(StixObject.stix_id).where(
                StixObject.scope == scope, StixObject.state == "stored", StixObject.stix_id.in_(ids)
            )
        )
    )
    if ready:
        status.successes = [*status.successes, *[p for p in status.pendings if p["id"] in ready]]
        status.pendings = [p for p in status.pendings if p["id"] not in ready]
        status.success_count, status.pending_count = len(status.successes), len(status.pendings)
        status.status = "complete" if not status.pendings else "pending"
