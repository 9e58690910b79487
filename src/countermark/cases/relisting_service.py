"""The relisting check: closed takedown cases reopened when their listing comes back.

A listing comes back when a newer listing has the same URL, the same seller and title on the same
platform, or images that matched the same fingerprint bank entries as the case's listing.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.intake_service import relisted
from countermark.cases.models import Case, CaseLink
from countermark.core.context import AppContext
from countermark.fingerprint.service import listings_sharing_matches
from countermark.observe.service import listing_facts, same_offer_listings
from countermark.orgs.visibility import SYSTEM

TAKEDOWN_PROCEDURES = ("notice_and_takedown",)
ACTOR = "relisting check"


def relisting_candidates(session: Session, case: Case) -> tuple[set[int], set[int]]:
    """Newer listings that look like the case's listing: (by URL or seller and title, by image match)."""
    linked = set(
        session.scalars(
            select(CaseLink.subject_id).where(CaseLink.case_id == case.id, CaseLink.subject_type == "listing")
        )
    )
    listings = listing_facts(session=session, principal=SYSTEM, ids=linked)
    if not listings:
        return set(), set()
    newest = max(listing.observed_at for listing in listings.values())
    by_identity = same_offer_listings(session=session, listing_ids=listings, observed_after=newest)
    matching = listings_sharing_matches(session=session, listing_ids=listings) - linked
    by_image = {
        listing.id
        for listing in listing_facts(session=session, principal=SYSTEM, ids=matching).values()
        if listing.observed_at > newest
    }
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
            listing = listing_facts(session=session, principal=SYSTEM, ids=[listing_id]).get(listing_id)
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
