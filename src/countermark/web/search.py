"""Search across rights, products, listings, accounts, shipments and identifiers, and the blob route."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from countermark.core.errors import InvalidInput, NotFound
from countermark.core.http.deps import DbSession, app_context
from countermark.core.models import Blob
from countermark.observe import identifier_service
from countermark.observe import service as observe_service
from countermark.observe.identifiers import normalise_identifier
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal, visible, visible_clause
from countermark.rights import service as rights_service
from countermark.rights.models import Product, Right
from countermark.targeting.models import Shipment

router = APIRouter(prefix="/api/v1", tags=["search"])
# Every kind of record an identifier is extracted from, by subject type.
SUBJECT_MODELS: dict[str, Any] = {**identifier_service.OWN_SUBJECTS, "shipment": Shipment}
SEARCH_KINDS = ("email", "phone", "iban", "crypto_wallet", "messaging_handle", "payment_account", "domain")

SEARCHABLE: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "rights": (Right, ("name", "holder_name", "registration_number"), "name"),
    "products": (Product, ("name", "brand", "gtin"), "name"),
    "listings": (Listing, ("title", "description", "url"), "title"),
    "accounts": (Account, ("handle", "display_name"), "handle"),
    "shipments": (
        Shipment,
        ("consignor_name", "consignee_name", "description", "external_id"),
        "external_id",
    ),
}


PER_KIND = 20


class Hits(list[dict[str, Any]]):
    """The first matches of one kind; `more` when there are others beyond them (a JSON list all the same)."""

    more: bool = False


def _first(rows: list[dict[str, Any]], per_kind: int) -> Hits:
    hits = Hits(rows[:per_kind])
    hits.more = len(rows) > per_kind
    return hits


def search_everything(
    session: Session, principal: Principal, text: str, *, per_kind: int = PER_KIND
) -> dict[str, Any]:
    """Records of every kind containing the text, and records where a matching identifier was seen: at
    most `per_kind` of each kind (records newest first), each kind's list saying whether it has `more`."""
    text = text.strip()
    if len(text) < 2 or len(text) > 200:
        raise InvalidInput.of("search for 2 to 200 characters")
    pattern = f"%{text.lower()}%"
    results: dict[str, Any] = {}
    for kind, (model, fields, label) in SEARCHABLE.items():
        query = visible(model, principal).where(
            or_(*(func.lower(getattr(model, f)).like(pattern) for f in fields))
        )
        rows = session.scalars(query.order_by(model.id.desc()).limit(per_kind + 1)).all()
        found = [{"id": row.id, "label": getattr(row, label), "tlp": row.tlp} for row in rows]
        results[kind] = _first(found, per_kind)
    hits = []
    # A phone or e-mail typed as people write it must find its normalised form.
    normalised = {value for kind in SEARCH_KINDS if (value := normalise_identifier(kind, text))}
    identifiers = session.scalars(
        select(Identifier)
        .where(or_(func.lower(Identifier.value).like(pattern), Identifier.value.in_(sorted(normalised))))
        .order_by(Identifier.id)
        .limit(200)
    )
    for identifier in identifiers:
        subjects = []
        for subject_type, model in SUBJECT_MODELS.items():
            ids = session.scalars(
                select(IdentifierSighting.subject_id)
                .join(model, model.id == IdentifierSighting.subject_id)
                .where(
                    IdentifierSighting.identifier_id == identifier.id,
                    IdentifierSighting.subject_type == subject_type,
                    visible_clause(model, principal),
                )
                .distinct()
            ).all()
            subjects += [{"subject_type": subject_type, "subject_id": i} for i in ids]
        if subjects:
            hits.append({"kind": identifier.kind, "value": identifier.value, "seen_in": subjects})
        if len(hits) > per_kind:
            break
    results["identifiers"] = _first(hits, per_kind)
    return results


@router.get("/search", summary="Search every kind of record you may see")
def search(
    session: DbSession, q: str = "", principal: Principal = Depends(require_scope("read"))
) -> dict[str, Any]:
    """Matches per kind (at most 20 each); `more` names the kinds that have others beyond those."""
    results = search_everything(session, principal, q)
    return {"query": q, "results": results, "more": [kind for kind, hits in results.items() if hits.more]}


def blob_is_visible(session: Session, principal: Principal, digest: str) -> bool:
    """Whether a blob belongs to a product or listing (image or snapshot) that the principal may see."""
    return rights_service.blob_is_visible(
        session=session, principal=principal, digest=digest
    ) or observe_service.blob_is_visible(session=session, principal=principal, digest=digest)


@router.get(
    "/blobs/{digest}",
    summary="A stored image or page snapshot",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "text/html": {}}}},
)
def get_blob(
    digest: str, request: Request, session: DbSession, principal: Principal = Depends(require_scope("read"))
) -> Response:
    """The blob's bytes, if it belongs to a record the principal may see (the same 404 otherwise)."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput.of("a blob is addressed by its lower-case hex SHA-256")
    meta = session.get(Blob, digest)
    if meta is None or not blob_is_visible(session, principal, digest):
        raise NotFound.of("no blob {digest} that you may see", digest=digest)
    data = app_context(request).blobs.get(digest)
    headers = {"cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"}
    if meta.media_type == "text/html":
        # A saved page is evidence, not content to run: no scripts, no requests out, rendered sandboxed.
        headers["content-security-policy"] = (
            "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
        )
    return Response(data, media_type=meta.media_type, headers=headers)


@router.get("/identifiers", summary="Find an identifier and the records you may see it in")
def find_identifier(
    session: DbSession,
    kind: str | None = None,
    value: str | None = None,
    q: str | None = None,
    limit: int = 50,
    principal: Principal = Depends(require_scope("read")),
) -> dict[str, Any]:
    """Identifiers matching a kind and value (or containing q), each with its visible sightings."""
    if not (value or q):
        raise InvalidInput.of("give value= (exact, normalised) or q= (contained text)")
    if not 1 <= limit <= 200:
        raise InvalidInput.of("limit must be between 1 and 200")
    query = select(Identifier)
    if kind:
        query = query.where(Identifier.kind == kind)
    if value:
        query = query.where(Identifier.value == value)
    if q:
        query = query.where(func.lower(Identifier.value).like(f"%{q.lower()}%"))
    items = []
    for identifier in session.scalars(query.order_by(Identifier.id).limit(limit * 4)):
        sightings = identifier_service.visible_sightings(session, identifier.id, principal, SUBJECT_MODELS)
        if sightings:
            items.append(
                {
                    "id": identifier.id,
                    "kind": identifier.kind,
                    "value": identifier.value,
                    "sightings": sightings,
                }
            )
        if len(items) >= limit:
            break
    return {"items": items}
