"""REST routes of accounts and listings (identifiers are looked up across capabilities in `web.search`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.observe.identifier_service import identifiers_seen_in
from countermark.observe.models import Account, Listing, ListingImage
from countermark.observe.schemas import AccountOut, ListingOut
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
