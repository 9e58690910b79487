"""List and detail pages of listings and seller accounts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from countermark.core.http.deps import DbSession
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.observe.api import ACCOUNTS, LISTINGS
from countermark.observe.identifier_service import identifiers_seen_in
from countermark.observe.models import Account, Listing, ListingImage
from countermark.orgs.deps import PageViewer
from countermark.orgs.resources import choices, get_visible_or_404, list_page
from countermark.orgs.visibility import visible

router = APIRouter(include_in_schema=False)

def _page(request: Request, template: str, viewer: PageViewer, active: str, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": active, **values})


@router.get("/listings")
def listings_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Listings the viewer may see, filtered by platform, language and origin, newest first."""
    page = list_page(request, session, LISTINGS, viewer.principal)
    options = {name: choices(session, Listing, name, viewer.principal)
               for name in ("platform", "language", "ships_from")}
    return _page(request, "listings.html", viewer, "listings", page=page, options=options)


@router.get("/listings/{record_id}")
def listing_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One listing: its images, seller account, identifiers and the saved page, shown sandboxed."""
    listing = get_visible_or_404(session, LISTINGS, viewer.principal, record_id)
    images = session.scalars(
        select(ListingImage.blob_sha256).where(ListingImage.listing_id == listing.id)
        .order_by(ListingImage.position)
    ).all()
    account = session.scalar(visible(Account, viewer.principal).where(Account.id == listing.account_id)) \
        if listing.account_id is not None else None
    return _page(request, "listing.html", viewer, "listings", listing=listing, images=images, account=account,
                 identifiers=identifiers_seen_in(session, "listing", listing.id))


@router.get("/accounts")
def accounts_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Seller accounts the viewer may see."""
    page = list_page(request, session, ACCOUNTS, viewer.principal)
    options = {name: choices(session, Account, name, viewer.principal) for name in ("platform", "country")}
    return _page(request, "accounts.html", viewer, "accounts", page=page, options=options)


@router.get("/accounts/{record_id}")
def account_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One seller account with its identifiers and the listings of it the viewer may see."""
    account = get_visible_or_404(session, ACCOUNTS, viewer.principal, record_id)
    listings = session.scalars(
        visible(Listing, viewer.principal).where(Listing.account_id == account.id)
        .order_by(Listing.observed_at.desc()).limit(100)
    ).all()
    return _page(request, "account.html", viewer, "accounts", account=account, listings=listings,
                 identifiers=identifiers_seen_in(session, "account", account.id))
