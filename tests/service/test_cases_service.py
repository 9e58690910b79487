"""Case services on both databases: open, decide, tick, restart safety, evidence custody, relisting."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from countermark.cases.evidence_service import add_evidence, custody_of
from countermark.cases.intake_service import open_from_listing, open_from_shipment, relisted
from countermark.cases.models import Case, CaseEvent, CaseRecordIsAppendOnly, CaseTask, Notice
from countermark.cases.service import events_of, open_case, record_decision, tick
from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work
from countermark.core.settings import Settings
from countermark.observe.models import Listing
from countermark.orgs.service import create_organisation
from countermark.orgs.visibility import SYSTEM, Principal
from countermark.targeting.models import Shipment

THURSDAY_BEFORE_EASTER = datetime(2025, 4, 17, 9, tzinfo=UTC)
DUE = datetime(2025, 5, 5, 22, tzinfo=UTC)  # ten French working days later, at midnight in Paris


def orgs(ctx: AppContext) -> tuple[int, int]:
    with unit_of_work(ctx.sessions) as session:
        customs = create_organisation(session=session, name="DGDDI", kind="customs", country="FR").id
        brand = create_organisation(
            session=session, name="Maison Aurel", kind="rights_holder", country="FR"
        ).id
    return customs, brand


def notified_case(ctx: AppContext, customs: int, brand: int, procedure: str = "eu_standard") -> int:
    with unit_of_work(ctx.sessions) as session:
        case = open_case(
            session=session,
            owner_org_id=customs,
            procedure=procedure,
            title="Bags at Roissy",
            at=THURSDAY_BEFORE_EASTER.replace(hour=7),
            actor="officer@douane.example",
            rights_holder_org_id=brand,
        )
        record_decision(
            session=session,
            case=case,
            decision="notify",
            role="customs_officer",
            at=THURSDAY_BEFORE_EASTER,
            actor="officer@douane.example",
            org_id=customs,
        )
        return case.id


def test_opening_a_case_stores_its_step_due_date_and_the_officers_task(store: AppContext) -> None:
    customs, brand = orgs(store)
    with unit_of_work(store.sessions) as session:
        case = open_case(
            session=session,
            owner_org_id=customs,
            procedure="eu_standard",
            title="Bags",
            at=THURSDAY_BEFORE_EASTER,
            actor="officer",
            rights_holder_org_id=brand,
        )
        assert case.reference.startswith("CM-2025-") and case.step == "detained"
        assert case.due_at == datetime(2025, 4, 18, 22, tzinfo=UTC)
        [task] = session.scalars(select(CaseTask).where(CaseTask.case_id == case.id)).all()
        assert (task.role, task.org_id, task.status) == ("customs_officer", customs, "open")


def test_a_decision_moves_the_case_and_hands_the_task_to_the_rights_holder(store: AppContext) -> None:
    customs, brand = orgs(store)
    case_id = notified_case(store, customs, brand)
    with unit_of_work(store.sessions) as session:
        case = session.get(Case, case_id)
        assert case is not None and (case.step, case.due_at) == ("awaiting_holder", DUE)
        tasks = session.scalars(
            select(CaseTask).where(CaseTask.case_id == case_id).order_by(CaseTask.id)
        ).all()
        assert [(t.role, t.status) for t in tasks] == [("customs_officer", "done"), ("rights_holder", "open")]
        assert tasks[1].org_id == brand and tasks[1].due_at == DUE
        assert [e.kind for e in events_of(session=session, case=case)] == ["opened", "decision"]
        ledger = pytest.importorskip("countermark.ledger.service")
        logged = ledger.entries_for_subject(session=session, subject_type="case", subject_id=case_id)
        assert [entry.kind for entry in logged] == ["case_action", "case_action"]
        assert logged[1].content_hash == events_of(session=session, case=case)[1].content_hash


def test_tick_releases_a_lapsed_case_once_and_is_idempotent(store: AppContext) -> None:
    customs, brand = orgs(store)
    case_id = notified_case(store, customs, brand)
    with unit_of_work(store.sessions) as session:
        assert tick(session=session, now=datetime(2025, 5, 5, 21, 59, tzinfo=UTC)).lapsed == []
    for _ in range(2):
        with unit_of_work(store.sessions) as session:
            tick(session=session, now=datetime(2025, 5, 7, tzinfo=UTC))
    with unit_of_work(store.sessions) as session:
        case = session.get(Case, case_id)
        assert case is not None and (case.step, case.status, case.outcome) == (
            "released",
            "closed",
            "release",
        )
        lapses = [e for e in events_of(session=session, case=case) if e.kind == "lapse"]
        assert len(lapses) == 1 and lapses[0].at == DUE and lapses[0].effect == "release"
        assert (
            session.scalars(
                select(CaseTask).where(CaseTask.case_id == case_id, CaseTask.status == "open")
            ).all()
            == []
        )


def test_a_restart_in_the_middle_keeps_every_deadline(store: AppContext, tmp_path: Path) -> None:
    database_url = store.settings.resolved_database_url()
    customs, brand = orgs(store)
    case_id = notified_case(store, customs, brand, procedure="eu_small_consignment")
    store.close()
    restarted = build_context(
        Settings(data_dir=tmp_path / "data2", database_url=database_url),
        blobs=LocalBlobStore(tmp_path / "blobs"),
    )
    try:
        with unit_of_work(restarted.sessions) as session:
            report = tick(session=session, now=datetime(2025, 6, 1, tzinfo=UTC))
        with unit_of_work(restarted.sessions) as session:
            case = session.get(Case, case_id)
            assert case is not None and case.outcome == "destruction"
            lapse = next(e for e in events_of(session=session, case=case) if e.kind == "lapse")
            assert lapse.at == DUE  # dated at the legal deadline, not when the scheduler came back
        assert [r[1:] for r in report.lapsed] == [("destruction", "destruction")]
    finally:
        restarted.close()


def test_a_missed_notification_is_flagged_overdue_once(store: AppContext) -> None:
    customs, _ = orgs(store)
    with unit_of_work(store.sessions) as session:
        case_id = open_case(
            session=session,
            owner_org_id=customs,
            procedure="eu_standard",
            title="Bags",
            at=THURSDAY_BEFORE_EASTER,
            actor="officer",
        ).id
    for _ in range(2):
        with unit_of_work(store.sessions) as session:
            tick(session=session, now=datetime(2025, 4, 30, tzinfo=UTC))
    with unit_of_work(store.sessions) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.step == "detained" and case.overdue_since is not None
        assert [e.kind for e in events_of(session=session, case=case)] == ["opened", "overdue"]


def test_evidence_keeps_its_chain_of_custody_and_events_cannot_be_rewritten(store: AppContext) -> None:
    customs, brand = orgs(store)
    case_id = notified_case(store, customs, brand)
    with unit_of_work(store.sessions) as session:
        case = session.get(Case, case_id)
        assert case is not None
        first = add_evidence(
            session=session,
            blobs=store.blobs,
            case=case,
            data=b"photo bytes",
            media_type="image/jpeg",
            description="Parcel opened",
            source="officer's camera",
            actor="officer",
            org_id=customs,
            at=THURSDAY_BEFORE_EASTER,
            derived_from="shipment:1",
        )
        again = add_evidence(
            session=session,
            blobs=store.blobs,
            case=case,
            data=b"photo bytes",
            media_type="image/jpeg",
            description="Same photo",
            source="right holder's e-mail",
            actor="expert",
            org_id=brand,
            at=THURSDAY_BEFORE_EASTER,
        )
        assert again.id == first.id and store.blobs.get(first.blob_sha256) == b"photo bytes"
        chain = custody_of(session=session, evidence=first)
        assert [(c.action, c.actor, c.org_id) for c in chain] == [
            ("added", "officer", customs),
            ("resubmitted", "expert", brand),
        ]
    with pytest.raises(CaseRecordIsAppendOnly), unit_of_work(store.sessions) as session:
        event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).first()
        assert event is not None
        event.decision = "something else"
        session.flush()


def _listing(session: object, owner: int, external_id: str, url: str, seller: str, title: str) -> Listing:
    listing = Listing(
        source="t",
        external_id=external_id,
        content_hash="0" * 64,
        platform="shopmarket",
        url=url,
        title=title,
        seller_handle=seller,
        observed_at=THURSDAY_BEFORE_EASTER,
        owner_org_id=owner,
    )
    session.add(listing)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    return listing


def test_a_relisted_item_reopens_its_closed_takedown_case(store: AppContext) -> None:
    _, brand = orgs(store)
    principal = Principal(org_id=brand, role="admin", scopes=frozenset({"read", "write"}))
    with unit_of_work(store.sessions) as session:
        first = _listing(session, brand, "L-1", "https://shop.example/i/1", "luxe88", "AUREL tote replica")
        case = open_from_listing(
            session=session,
            principal=principal,
            listing_id=first.id,
            at=THURSDAY_BEFORE_EASTER,
            actor="brand",
        )
        for decision, role in (("send_notice", "rights_holder"), ("action_taken", "platform")):
            record_decision(
                session=session,
                case=case,
                decision=decision,
                role=role,
                at=THURSDAY_BEFORE_EASTER,
                actor="x",
                org_id=brand,
            )
        session.add(
            Notice(
                case_id=case.id,
                kind="dsa",
                status="actioned",
                content_hash="0" * 64,
                created_by="x",
                owner_org_id=brand,
            )
        )
        assert case.status == "closed"
        unrelated = _listing(session, brand, "L-2", "https://shop.example/i/2", "other", "Plain tote")
        assert relisted(session=session, listing_id=unrelated.id, at=THURSDAY_BEFORE_EASTER, actor="w") == []
        again = _listing(session, brand, "L-3", "https://shop.example/i/99", "luxe88", "AUREL tote replica")
        [reopened] = relisted(
            session=session, listing_id=again.id, at=THURSDAY_BEFORE_EASTER, actor="watcher"
        )
        assert (reopened.id, reopened.status, reopened.step) == (case.id, "open", "relisted")
        assert session.scalars(select(Notice.status).where(Notice.case_id == case.id)).all() == ["relisted"]
        assert (
            relisted(session=session, listing_id=again.id, at=THURSDAY_BEFORE_EASTER, actor="watcher") == []
        )


def test_a_small_postal_parcel_opens_the_small_consignment_procedure_of_its_office(store: AppContext) -> None:
    customs, _ = orgs(store)
    with unit_of_work(store.sessions) as session:
        parcel = Shipment(
            source="t",
            external_id="P-1",
            content_hash="0" * 64,
            kind="consignment",
            declared_on=date(2025, 4, 17),
            office="FR-Chilly-Mazarin Postal Centre",
            transport_mode="post",
            quantity=2,
            gross_mass_kg=Decimal("0.8"),
            owner_org_id=customs,
        )
        freight = Shipment(
            source="t",
            external_id="S-1",
            content_hash="0" * 64,
            declared_on=date(2025, 4, 17),
            office="FR-Le Havre Port",
            transport_mode="sea",
            quantity=400,
            owner_org_id=customs,
        )
        session.add_all([parcel, freight])
        session.flush()
        small = open_from_shipment(
            session=session,
            principal=SYSTEM,
            shipment_id=parcel.id,
            at=THURSDAY_BEFORE_EASTER,
            actor="officer",
        )
        big = open_from_shipment(
            session=session,
            principal=SYSTEM,
            shipment_id=freight.id,
            at=THURSDAY_BEFORE_EASTER,
            actor="officer",
        )
        assert (small.procedure, small.country, big.procedure) == (
            "eu_small_consignment",
            "FR",
            "eu_standard",
        )
