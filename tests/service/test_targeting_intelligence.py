"""Intelligence in targeting: parties sharing an identifier with a confirmed infringer are flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from countermark.cases.intake_service import open_from_listing
from countermark.cases.models import Case
from countermark.cases.outcome_service import StoredCaseOutcomes, provide_case_outcomes
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.ingestion import IngestContext
from countermark.observe.models import Listing
from countermark.observe.schemas import ListingIn
from countermark.observe.service import ingest_listing
from countermark.orgs.visibility import Principal
from countermark.targeting.engine_service import score_declarations
from countermark.targeting.frames import declaration_row, row_columns
from countermark.targeting.intelligence_service import confirmed_infringer_flags
from countermark.targeting.models import Shipment
from countermark.targeting.schemas import ShipmentIn
from countermark.targeting.service import ingest_shipment, shipment_key
from tests.service.helpers import make_org

T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)
PHONE = "+86 138 0013 8000"
OTHER_PHONE = "+86 139 1111 2222"


def _world(store: AppContext, tmp_path: Path) -> dict[str, int]:
    provide_case_outcomes(store)  # as the app and the command line do
    customs = make_org(store, "Douane", "customs", "FR")
    platform = make_org(store, "Market", "platform", "IE")
    stranger = make_org(store, "Other customs", "customs", "DE")
    with unit_of_work(store.sessions) as session:

        def ctx(org: int, tlp: str) -> IngestContext:
            return IngestContext(session, store.blobs, tmp_path, "test", org, tlp)

        for external_id, phone, org, tlp in (
            ("l-confirmed", PHONE, platform, "GREEN"),
            ("l-private", OTHER_PHONE, stranger, "AMBER"),
        ):
            ingest_listing(
                ctx(org, tlp),
                ListingIn(
                    external_id=external_id,
                    platform="market",
                    url=f"https://market.example/item/{external_id}",
                    title="Aurel tote, factory price",
                    description=f"whatsapp {phone}",
                    observed_at=T0,
                ),
            )
        for external_id, contact, name in (
            ("s-linked", PHONE, "Guangzhou Bright Trading"),
            ("s-private", OTHER_PHONE, "Shenzhen Quiet Export"),
            ("s-clean", "+86 137 5555 6666", "Ningbo Honest Goods"),
        ):
            ingest_shipment(
                ctx(customs, "AMBER"),
                ShipmentIn(
                    external_id=external_id,
                    declared_on=date(2025, 3, 2),
                    transport_mode="post",
                    consignor_name=name,
                    consignor_contact=contact,
                    consignee_name="Jean Dupont",
                ),
            )
        ids = {
            external_id: id_ for external_id, id_ in session.execute(select(Listing.external_id, Listing.id))
        }
        for external_id, owner in (("l-confirmed", customs), ("l-private", stranger)):
            case = open_from_listing(
                session=session,
                principal=Principal(org_id=owner, role="analyst", scopes=frozenset({"read", "write"})),
                listing_id=ids[external_id],
                at=T0,
                actor="test",
            )
            case.tlp = "AMBER"
    return {"customs": customs, "stranger": stranger}


def _score(store: AppContext, org_id: int) -> dict[str, tuple[float, list[str]]]:
    with unit_of_work(store.sessions) as session:
        shipments = session.scalars(select(Shipment).order_by(Shipment.id)).all()
        rows = [
            declaration_row(
                {
                    "declared_on": s.declared_on,
                    "consignor_name": s.consignor_name,
                    "consignee_name": s.consignee_name,
                    "transport_mode": s.transport_mode,
                },
                key=shipment_key(s.source, s.external_id),
            )
            for s in shipments
        ]
        scored = score_declarations(ctx=store, session=session, owner_org_id=org_id, frame=row_columns(rows))
        return {
            s.external_id: (
                float(scored["intel_score"].iloc[i]),
                [r["text"] for r in scored["reasons"].iloc[i]],
            )
            for i, s in enumerate(shipments)
        }


def test_a_confirmed_case_flags_the_consignor_who_shares_the_sellers_phone(
    store: AppContext, tmp_path: Path
) -> None:
    orgs = _world(store, tmp_path)
    # While the cases are open nothing is confirmed: no intelligence.
    with unit_of_work(store.sessions) as session:
        flags = confirmed_infringer_flags(
            session=session, owner_org_id=orgs["customs"], outcomes=StoredCaseOutcomes()
        )
        assert flags == []
    assert all(score == 0.0 for score, _ in _score(store, orgs["customs"]).values())
    with unit_of_work(store.sessions) as session:
        for case in session.scalars(select(Case)):
            case.outcome, case.status = "takedown", "closed"
    scores = _score(store, orgs["customs"])
    linked_score, linked_reasons = scores["s-linked"]
    assert linked_score > 0, linked_reasons
    assert any(PHONE.replace(" ", "") in text and "takedown" in text for text in linked_reasons)
    # The other customs office's confirmed case is not the customs' to see: its thread does not count.
    assert scores["s-private"][0] == 0.0
    assert scores["s-clean"][0] == 0.0
    # A case closed without confirming infringement (goods released) flags nobody.
    with unit_of_work(store.sessions) as session:
        for case in session.scalars(select(Case)):
            case.outcome = "release"
    assert _score(store, orgs["customs"])["s-linked"][0] == 0.0
