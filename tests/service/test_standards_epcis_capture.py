"""Capture into the EPCIS repository moves the capturing organisation's own codes, and only those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from countermark.codes import epcis_service
from countermark.codes.epcis_documents import constrained_sgtin, epcis_document, object_event
from countermark.codes.models import ProductCode
from countermark.codes.signed import parse_uri
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.orgs.service import create_organisation
from tests.service.codes_fixtures import add_product, issue_codes

T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)


def _event(uri: str, step: str, disposition: str, at: datetime) -> dict[str, Any]:
    code = parse_uri(uri)
    return object_event(
        epcs=[constrained_sgtin(code.gtin, code.serial)],
        at=at,
        tz_offset="+01:00",
        action="ADD" if step == "commissioning" else "OBSERVE",
        biz_step=step,
        disposition=disposition,
    )


def test_capture_moves_own_codes_and_stores_the_rest(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        org = create_organisation(session=session, name="Maison Aurel", kind="rights_holder", country="FR").id
        other = create_organisation(session=session, name="Other", kind="rights_holder", country="FR").id
    _, uris = issue_codes(store, org, add_product(store, org), quantity=2)
    events = [
        _event(uris[0], "commissioning", "active", T0),
        _event(uris[0], "retail_selling", "retail_sold", T0 + timedelta(days=2)),
        _event(uris[1], "destroying", "destroyed", T0 + timedelta(days=1)),
        _event("https://id.example.org/01/09506000134352/21/NOTOURS1", "shipping", "in_transit", T0),
    ]
    document = epcis_document(events, created=T0)
    with unit_of_work(store.sessions) as session:
        job = epcis_service.capture(session=session, document=document, owner_org_id=org, actor="t")
        assert (job.stored, job.errors, job.success) == (4, [], True)
        foreign = epcis_service.capture(session=session, document=document, owner_org_id=other, actor="t")
        assert foreign.stored == 4  # stored in the other organisation's repository, moving no code
    with unit_of_work(store.sessions) as session:
        states = {
            code.serial: code.state
            for code in session.scalars(select(ProductCode).where(ProductCode.owner_org_id == org))
        }
    assert states == {parse_uri(uris[0]).serial: "sold", parse_uri(uris[1]).serial: "destroyed"}
