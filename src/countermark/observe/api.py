"""REST routes of accounts, listings and identifiers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.errors import InvalidInput
from countermark.core.http.deps import DbSession
from countermark.observe.models import Account, Identifier, Listing, ListingImage
from countermark.observe.schemas import AccountOut, ListingOut
from countermark.observe.service import identifiers_seen_in
from countermark.observe.visibility import visible_sightings
from countermark.orgs.deps import require_scope
from countermark.orgs.resources import ResourceSpec, add_resource_routes
from countermark.orgs.visibility import Principal, visible


def _account_detail(session: Session, account: Account, principal: Principal) -> dict[str, Any]:
    listings = session.scalar(
        select(func.count()).select_from(
            visible(Listing, principal).where(Listing.account_id == account.id).subquery()
        )
    )
    return {
        "identifiers": identifiers_seen_in(session, "account", account.id),
        "listing_count": listings or 0,
    }


def _listing_detail(session: Session, listing: Listing, principal: Principal) -> dict[str, Any]:
    images = session.scalars(
        select(ListingImage.blob_sha256)
        .where(ListingImage.listing_id == listing.id)
        .order_by(ListingImage.position)
    ).all()
    account = None
    if listing.account_id is not None:
        found = session.scalar(visible(Account, principal).where(Account.id == listing.account_id))
        account = AccountOut.model_validate(found).model_dump(mode="json") if found else None
    return {
        "images": list(images),
        "account": account,
        "identifiers": identifiers_seen_in(session, "listing", listing.id),
    }


ACCOUNTS = ResourceSpec(
    "accounts",
    Account,
    AccountOut,
    filters={"platform": "platform", "handle": "handle", "country": "country", "source": "source"},
    text_fields=("handle", "display_name", "bio"),
    sort_fields=("id", "handle", "created_at"),
    detail=_account_detail,
)
LISTINGS = ResourceSpec(
    "listings",
    Listing,
    ListingOut,
    filters={
        "platform": "platform",
        "language": "language",
        "ships_from": "ships_from",
        "account_id": "account_id",
        "seller": "seller_handle",
        "source": "source",
    },
    text_fields=("title", "description"),
    sort_fields=("id", "observed_at", "created_at", "title"),
    default_sort="-observed_at",
    detail=_listing_detail,
)

router = APIRouter(prefix="/api/v1", tags=["observations"])
add_resource_routes(router, ACCOUNTS)
add_resource_routes(router, LISTINGS)


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
        raise InvalidInput("give value= (exact, normalised) or q= (contained text)")
    if not 1 <= limit <= 200:
        raise InvalidInput("limit must be between 1 and 200")
    query = select(Identifier)
    if kind:
        query = query.where(Identifier.kind == kind)
    if value:
        query = query.where(Identifier.value == value)
    if q:
        query = query.where(func.lower(Identifier.value).like(f"%{q.lower()}%"))
    items = []
    for identifier in session.scalars(query.order_by(Identifier.id).limit(limit * 4)):
        sightings = visible_sightings(session, identifier.id, principal)
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
