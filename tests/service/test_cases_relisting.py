"""The relisting pipeline: a closed takedown case reopens when its listing comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.intake_service import open_from_listing
from countermark.cases.models import Case, CaseLink, Notice
from countermark.cases.relisting_service import check_relistings
from countermark.cases.service import record_decision
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.models import Blob
from countermark.fingerprint.models import FingerprintBank, FingerprintEntry, ListingImageMatch, signal_digest
from countermark.observe.models import Listing
from countermark.orgs.service import create_organisation
from countermark.orgs.visibility import Principal

TAKEN_DOWN = datetime(2025, 4, 17, 9, tzinfo=UTC)


def _listing(session: Session, owner: int, external_id: str, url: str, seller: str, at: datetime) -> Listing:
    listing = Listing(
        source="t",
        external_id=external_id,
        content_hash="0" * 64,
        platform="shopmarket",
        url=url,
        title=f"Tote {external_id}",
        seller_handle=seller,
        observed_at=at,
        owner_org_id=owner,
    )
    session.add(listing)
    session.flush()
    return listing


def _image_match(session: Session, listing: Listing, entry: FingerprintEntry, photo: str) -> None:
    """What the fingerprint engine stores when a listing photo matches a bank entry."""
    if session.get(Blob, photo) is None:
        session.add(Blob(sha256=photo, size=10, media_type="image/jpeg"))
        session.flush()
    session.add(
        ListingImageMatch(
            listing_id=listing.id, blob_sha256=photo, entry_id=entry.id, stage="pdq", distance=12, score=0.9
        )
    )
    session.flush()


def _progress(done: int, total: int) -> None:
    assert 0 < done <= total


def test_a_closed_takedown_reopens_when_a_listing_with_a_matching_image_appears(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        brand = create_organisation(
            session=session, name="Maison Aurel", kind="rights_holder", country="FR"
        ).id
        principal = Principal(org_id=brand, role="admin", scopes=frozenset({"read", "write"}))
        bank = FingerprintBank(name="Aurel genuine", purpose="genuine", owner_org_id=brand)
        session.add(bank)
        session.flush()
        entries = []
        for signal in ("a" * 64, "b" * 64):
            entry = FingerprintEntry(
                bank_id=bank.id,
                signal_type="pdq",
                signal=signal,
                signal_digest=signal_digest(signal),
                owner_org_id=brand,
            )
            session.add(entry)
            entries.append(entry)
        session.flush()
        first = _listing(session, brand, "L-1", "https://shop.example/i/1", "luxe88", TAKEN_DOWN)
        _image_match(session, first, entries[0], "1" * 64)
        case = open_from_listing(
            session=session, principal=principal, listing_id=first.id, at=TAKEN_DOWN, actor="brand"
        )
        for decision, role in (("send_notice", "rights_holder"), ("action_taken", "platform")):
            record_decision(
                session=session,
                case=case,
                decision=decision,
                role=role,
                at=TAKEN_DOWN,
                actor="x",
                org_id=brand,
            )
        session.add(
            Notice(case_id=case.id, kind="dsa", status="actioned", content_hash="0" * 64, created_by="x",
                   owner_org_id=brand)
        )  # fmt: skip
        assert case.status == "closed"
        # Another seller, another URL, an image matching another entry: not a relisting.
        other = _listing(
            session, brand, "L-2", "https://shop.example/i/2", "other", TAKEN_DOWN + timedelta(days=2)
        )
        _image_match(session, other, entries[1], "2" * 64)
        case_id = case.id

    with unit_of_work(store.sessions) as session:
        summary = check_relistings(store, session, _progress)
        assert "0 reopened" in summary
        assert session.get(Case, case_id).status == "closed"  # type: ignore[union-attr]

    back_at = TAKEN_DOWN + timedelta(days=5)
    with unit_of_work(store.sessions) as session:
        # New seller, new URL, new title: only the photo (a different file) matches the same bank entry.
        back = _listing(session, brand, "L-3", "https://elsewhere.example/p/77", "newshop", back_at)
        _image_match(session, back, session.get(FingerprintEntry, entries[0].id), "3" * 64)  # type: ignore[arg-type]
        back_id = back.id

    with unit_of_work(store.sessions) as session:
        summary = check_relistings(store, session, _progress)
        assert "1 reopened" in summary
        reopened = session.get(Case, case_id)
        assert reopened is not None
        assert (reopened.status, reopened.step) == ("open", "relisted")
        linked = session.scalars(
            select(CaseLink.subject_id).where(CaseLink.case_id == case_id, CaseLink.subject_type == "listing")
        ).all()
        assert back_id in linked and other.id not in linked
        assert session.scalars(select(Notice.status).where(Notice.case_id == case_id)).all() == ["relisted"]

    with unit_of_work(store.sessions) as session:
        assert "0 reopened" in check_relistings(store, session, _progress)
