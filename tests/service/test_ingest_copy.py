"""The bulk shipment path end to end on SQLite and PostgreSQL (COPY and the staged merge there): rejects with
their reasons and the good rows kept, 0 new rows on the second run, newer versions merged, each
organisation's key space, identifiers and audit; and the batch's one-query read of stored versions."""

from __future__ import annotations

import gc
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.ingestion import Batch
from countermark.ingest import service as ingest_service
from countermark.ingest.bulk import PostgresBatch, allocate_ids, insert_rows, new_batch
from countermark.ingest.service import IngestReport, ingest_file
from countermark.observe.models import Identifier, IdentifierSighting
from countermark.orgs.models import AuditEntry
from countermark.targeting.models import Shipment
from tests.service.helpers import make_org, write_jsonl


def shipment(source: str, n: int, version: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid declaration; its consignee's phone depends on the version (so a newer one changes it)."""
    return {
        "source": source, "external_id": f"D-{n}", "version": version, "declared_on": "2026-05-04",
        "transport_mode": "express", "consignor_name": f"Sender {n % 3}", "consignor_country": "CN",
        "consignor_contact": f"sales{n % 3}@sender-trade.cn", "consignee_name": f"Client {n}",
        "consignee_country": "FR", "consignee_contact": f"+33 6 12 34 {version:02d} {n % 100:02d}",
        "gross_mass_kg": "1.500", "declared_value": "12.00", "currency": "EUR",
        "attributes": {"import_type": "H7", "été": [1, 2.5, None]}, **changes,
    }  # fmt: skip


FILE: list[dict[str, Any] | str] = [
    *[shipment("export-a", n) for n in range(12)],
    *[shipment("export-b", n) for n in range(6)],  # the same external ids in another source
    shipment("export-a", 100, gross_mass_kg="123456789012345"),  # PostgreSQL cannot hold it
    json.dumps(shipment("export-a", 101, consignee_name="Client \ud800")),  # a lone surrogate, escaped
    shipment("export-a", 102, transport_mode="teleport"),
    "{broken",
    shipment("export-a", 3),  # the same row again in the file
]


def _ingest(ctx: AppContext, rows: Sequence[dict[str, Any] | str], org: int, tmp_path: Path) -> IngestReport:
    path = write_jsonl(tmp_path / "declarations.jsonl", rows)
    with unit_of_work(ctx.sessions) as session:
        return ingest_file(
            session=session, blobs=ctx.blobs, kind="shipments", path=path, owner_org_id=org,
            actor="test", tlp="AMBER",
        )  # fmt: skip


def _counts(report: IngestReport) -> tuple[int, int, int, int]:
    return report.stored, report.updated, report.unchanged, report.rejected


def _contacts(ctx: AppContext, org: int) -> dict[tuple[str, str], str]:
    with unit_of_work(ctx.sessions) as session:
        rows = session.execute(
            select(Shipment.source, Shipment.external_id, IdentifierSighting.raw)
            .join(IdentifierSighting, IdentifierSighting.subject_id == Shipment.id)
            .where(
                Shipment.owner_org_id == org,
                IdentifierSighting.subject_type == "shipment",
                IdentifierSighting.field == "consignee_contact",
            )
        )
        return {(source, external_id): raw for source, external_id, raw in rows}


def test_rejects_idempotence_versions_and_key_spaces(
    store: AppContext, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_service, "BATCH_ROWS", 10)  # several batches, one of them refused
    postgres = database_url.startswith("postgresql")
    own, other = make_org(store, "DGDDI", kind="customs"), make_org(store, "Douane BE", kind="customs")

    first = _ingest(store, FILE, own, tmp_path)
    assert gc.isenabled()  # the batches' pause of the collector is over
    stored = 18 + (0 if postgres else 1)  # the mass beyond numeric(14,3) is refused by PostgreSQL only
    assert _counts(first) == (stored, 0, 1, 23 - stored - 1)
    reasons = {reject["line"]: reject["errors"][0] for reject in first.rejects}
    assert reasons[20].startswith("consignee_name: Value error, text cannot be encoded as UTF-8")
    assert reasons[21].startswith("transport_mode: Input should be")
    assert 22 in reasons
    if postgres:
        assert reasons[19].startswith("the database refused the row: numeric field overflow")

    again = _ingest(store, FILE, own, tmp_path)  # idempotent: nothing new, nothing changed
    assert _counts(again) == (0, 0, stored + 1, first.rejected)
    assert [r["line"] for r in again.rejects] == [r["line"] for r in first.rejects]

    newer = [shipment("export-a", n, version=2) for n in range(0, 12, 4)] + [shipment("export-b", 1)]
    merged = _ingest(store, newer, own, tmp_path)
    assert _counts(merged) == (0, 3, 1, 0)
    contacts = _contacts(store, own)
    assert contacts[("export-a", "D-4")] == "+33 6 12 34 02 04"  # the newer version's identifiers
    assert contacts[("export-a", "D-5")] == "+33 6 12 34 01 05"
    assert contacts[("export-b", "D-4")] == "+33 6 12 34 01 04"  # the other source's record untouched

    theirs = _ingest(store, FILE, other, tmp_path)  # another organisation: its own records
    assert _counts(theirs) == _counts(first)
    with unit_of_work(store.sessions) as session:
        versions = dict(
            session.execute(
                select(Shipment.owner_org_id, func.sum(Shipment.version)).group_by(Shipment.owner_org_id)
            ).all()
        )
        audits = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "ingest")
        )
        phones = session.scalar(
            select(func.count()).select_from(Identifier).where(Identifier.kind == "phone")
        )
    assert versions == {own: stored + 3, other: stored}
    assert audits == 4
    # Every stored declaration has its consignee's phone; both organisations' share the identifiers.
    assert len(_contacts(store, own)) == len(_contacts(store, other)) == stored
    assert phones == len(set(_contacts(store, own).values()) | set(_contacts(store, other).values()))


def test_postgres_batches_read_stored_versions_in_one_query_per_source(
    store: AppContext, tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the array read is PostgreSQL's (SQLite reads the keys 1,000 at a time)")
    own, other = make_org(store, "DGDDI", kind="customs"), make_org(store, "Douane BE", kind="customs")
    _ingest(store, [shipment("export-a", n) for n in range(5)], own, tmp_path)
    _ingest(store, [shipment("export-a", n, version=3) for n in range(5, 8)], own, tmp_path)
    _ingest(store, [shipment("export-a", n, version=7) for n in range(10)], other, tmp_path)
    keys = {"export-a": {f"D-{n}" for n in range(3, 12)}, "export-b": {"D-1"}}
    with unit_of_work(store.sessions) as session:
        batch = new_batch(session, keys, 10)
        assert isinstance(batch, PostgresBatch)
        statements: list[str] = []
        connection = session.connection()

        def count(*args: Any) -> None:
            statements.append(str(args[2]))

        event.listen(connection, "before_cursor_execute", count)
        try:
            fast = batch.stored(session, Shipment, own)
            assert batch.stored(session, Shipment, own) is fast  # read once per batch
        finally:
            event.remove(connection, "before_cursor_execute", count)
        plain = Batch(keys=keys, allocate_ids=allocate_ids, insert_rows=insert_rows, remaining=10)
        expected = plain.stored(session, Shipment, own)
    assert len(statements) == 2  # one per source
    assert fast == expected
    assert {key: stored.version for key, stored in fast.items()} == {
        ("export-a", "D-3"): 1, ("export-a", "D-4"): 1, ("export-a", "D-5"): 3,
        ("export-a", "D-6"): 3, ("export-a", "D-7"): 3,
    }  # fmt: skip
    assert {stored.owner_org_id for stored in fast.values()} == {own}  # never the other's same keys
