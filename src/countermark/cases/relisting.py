"""The relisting check: closed takedown cases reopened when their listing comes back.

A listing comes back when a newer listing has the same URL, the same seller and title on the same
platform, or images that matched the same fingerprint bank entries as the case's listing.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from countermark.cases.intake import relisted
from countermark.cases.models import Case, CaseLink
from countermark.core.context import AppContext
from countermark.fingerprint.lookup import matches_of_listing
from countermark.fingerprint.models import ListingImageMatch
from countermark.observe.models import Listing

TAKEDOWN_PROCEDURES = ("notice_and_takedown",)
ACTOR = "relisting check"


def relisting_candidates(session: Session, case: Case) -> tuple[set[int], set[int]]:
    """Newer listings that look like the case's listing: (by URL or seller and title, by image match)."""
    linked = set(
        session.scalars(
            select(CaseLink.subject_id).where(CaseLink.case_id == case.id, CaseLink.subject_type == "listing")
        )
    )
    listings = list(session.scalars(select(Listing).where(Listing.id.in_(linked)))) if linked else []
    if not listings:
        return set(), set()
    newest = max(listing.observed_at for listing in listings)
    same: list[ColumnElement[bool]] = [Listing.url.in_({listing.url for listing in listings})]
    same += [
        and_(
            Listing.platform == listing.platform,
            Listing.seller_handle == listing.seller_handle,
            Listing.title == listing.title,
        )
        for listing in listings
        if listing.seller_handle
    ]
    newer = and_(Listing.observed_at > newest, Listing.id.not_in(linked))
    by_identity = set(session.scalars(select(Listing.id).where(newer, or_(*same))))
    entries = {
        m.entry_id for listing in listings for m in matches_of_listing(session=session, listing_id=listing.id)
    }
    by_image: set[int] = set()
    if entries:
        by_image = set(
            session.scalars(
                select(ListingImageMatch.listing_id)
                .join(Listing, Listing.id == ListingImageMatch.listing_id)
                .where(ListingImageMatch.entry_id.in_(entries), newer)
                .distinct()
            )
        )
    return by_identity, by_image - by_identity


def check_relistings(ctx: AppContext, session: Session, progress: Callable[[int, int], None]) -> str:
    """Reopen every closed takedown case whose listing came back (by URL, seller and title, or image)."""
    closed = list(
        session.scalars(
            select(Case)
            .where(Case.status == "closed", Case.procedure.in_(TAKEDOWN_PROCEDURES))
            .order_by(Case.id)
        )
    )
    reopened: set[int] = set()
    for done, case in enumerate(closed, start=1):
        by_identity, by_image = relisting_candidates(session, case)
        for listing_id in sorted(by_identity | by_image):
            if case.status != "closed":
                break
            listing = session.get(Listing, listing_id)
            if listing is None:
                continue
            at = max(listing.observed_at, case.step_entered_at)
            found = relisted(
                session=session,
                listing_id=listing_id,
                at=at,
                actor=ACTOR,
                matched_case_ids=(case.id,) if listing_id in by_image else (),
            )
            reopened.update(c.id for c in found)
        progress(done, len(closed))
    return (
        f"{len(closed)} closed takedown cases checked; {len(reopened)} reopened because the listing came back"
    )
