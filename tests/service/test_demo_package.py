"""The demo's evidence package: exported from a real case, verified offline, and a one-byte change caught."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from countermark.cases.intake_service import open_from_shipment
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.demo.evidence_package import export_demo_package, tamper_one_byte
from countermark.ledger.package import verify_package
from countermark.orgs.visibility import SYSTEM
from countermark.targeting.models import Shipment
from tests.service.helpers import ingest, make_org, write_jsonl

CONSIGNMENT = {
    "source": "t", "external_id": "D-1", "kind": "consignment", "declared_on": "2026-04-02",
    "transport_mode": "post", "consignor_name": "Shenzhen Bright Trading", "consignor_country": "CN",
    "consignee_name": "J. Martin", "consignee_country": "FR", "office": "FR000001", "hs_code": "640399",
    "quantity": 1, "gross_mass_kg": "0.9", "declared_value": "12", "currency": "EUR",
}  # fmt: skip


def test_the_demo_package_verifies_and_a_changed_byte_is_named(store: AppContext, tmp_path: Path) -> None:
    customs = make_org(store, name="DGDDI", kind="customs")
    ingest(store, "shipments", write_jsonl(tmp_path / "s.jsonl", [CONSIGNMENT]), customs)
    with unit_of_work(store.sessions) as session:
        shipment_id = session.scalars(select(Shipment.id)).one()
        open_from_shipment(session=session, principal=SYSTEM, shipment_id=shipment_id,
                           at=datetime(2026, 4, 2, 10, tzinfo=UTC), actor="test")  # fmt: skip
    with unit_of_work(store.sessions) as session:
        summary = export_demo_package(store, session, lambda done, total: None)

    package = next((store.settings.data_dir / "evidence").glob("case-*[0-9].zip"))
    assert verify_package(package).ok, summary
    tampered = tmp_path / "tampered.zip"
    member = tamper_one_byte(package, tampered)
    report = verify_package(tampered)
    assert not report.ok
    assert [item.name for item in report.items if not item.ok] == [member]
    assert "verifies offline: OK" in summary
    assert f"fails on {member}" in summary
