"""The bulk path (batches decided in memory, written set-based) against the row-by-row path, on SQLite and
PostgreSQL: the same file gives the same counts, the same rejects and the same stored rows and identifiers,
with bad rows, duplicates, newer and older versions and keys another organisation holds (each organisation
has its own key space: another's same key is a new record of one's own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ingest import parallel
from countermark.ingest import service as ingest_service
from countermark.ingest.service import IngestReport, ingest_file
from countermark.observe.models import Identifier, IdentifierSighting
from countermark.orgs.models import AuditEntry
from countermark.targeting.models import Shipment
from tests.service.helpers import make_org, write_jsonl

BASE: dict[str, Any] = {
    "source": "dgddi",
    "declared_on": "2026-03-02",
    "transport_mode": "post",
    "consignor_name": "Shenzhen Bright Trading Co",
    "consignor_country": "CN",
    "consignor_contact": "sales@bright-trade.cn",
    "consignee_name": "Marie Curie",
    "consignee_address": "12 rue des Lilas, 75011 Paris",
    "consignee_country": "FR",
    "hs_code": "420221",
    "quantity": 3,
    "declared_value": "24.50",
    "currency": "EUR",
    "description": "handbags",
}


def shipment(external_id: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid shipment record with these changes."""
    return {**BASE, "external_id": external_id, "version": version, **changes}


# Stored before the file: two of the organisation's own records, one of another organisation.
OWN_BEFORE = [shipment("S-1"), shipment("S-2", version=2, description="watches")]
OTHER_BEFORE = [shipment("S-9", consignor_contact="+86 755 8888 1234")]

FILE: list[dict[str, Any] | str] = [
    shipment("S-1", version=2, consignor_contact="export@other-sender.com"),  # newer: updated
    shipment("S-2", version=1, description="changed but older"),  # older: unchanged
    shipment("S-2", version=2, description="watches"),  # same version and content: unchanged
    shipment("S-2", version=2, description="watches, changed"),  # same version, other content: rejected
    shipment("S-9", version=5),  # a key another organisation holds: a new record of one's own
    shipment("S-10"),  # new
    shipment("S-10"),  # the same again in the file: unchanged
    shipment("S-11", consignee_contact="+33 6 12 34 56 78"),  # new
    shipment("S-11", version=3, consignee_contact="+33 6 98 76 54 32"),  # newer in the same file: updated
    shipment("S-11", version=2),  # older than the file's own newer row: unchanged
    shipment("S-12", transport_mode="teleport"),  # invalid: rejected
    "{not json",  # unreadable: rejected
    shipment("S-13", declared_value="10", currency=None),  # fails the model's check: rejected
    shipment("S-14", gross_mass_kg="123456789012345"),  # too large for the column on PostgreSQL only
    shipment("S-15", source="", consignor_contact="a.b@sender-mail.net"),  # the default source
    *[shipment(f"S-{n}", consignee_name=f"Person {n}") for n in range(20, 32)],
]


def _wipe(ctx: AppContext) -> None:
    with unit_of_work(ctx.sessions) as session:
        for table in (IdentifierSighting, Identifier, Shipment, AuditEntry):
            session.execute(delete(table))


def _ingest(ctx: AppContext, path: Path, org_id: int, *, bulk: bool) -> IngestReport:
    with unit_of_work(ctx.sessions) as session:
        return ingest_file(
            session=session, blobs=ctx.blobs, kind="shipments", path=path, owner_org_id=org_id,
            actor="test", tlp="AMBER", bulk=bulk,
        )  # fmt: skip


def _stored(ctx: AppContext) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every stored shipment (without ids and times) and every sighting by the shipment's key."""
    columns = [c for c in Shipment.__table__.columns if c.name not in ("id", "created_at", "updated_at")]
    with unit_of_work(ctx.sessions) as session:
        shipments = sorted(tuple(repr(v) for v in row) for row in session.execute(select(*columns)))
        sightings = session.execute(
            select(
                Shipment.source,
                Shipment.external_id,
                Identifier.kind,
                Identifier.value,
                IdentifierSighting.field,
                IdentifierSighting.raw,
            )
            .join(Shipment, Shipment.id == IdentifierSighting.subject_id)
            .join(Identifier, Identifier.id == IdentifierSighting.identifier_id)
            .where(IdentifierSighting.subject_type == "shipment")
        )
        return shipments, sorted(tuple(row) for row in sightings)


def _run(ctx: AppContext, tmp_path: Path, own: int, other: int, *, bulk: bool) -> dict[str, Any]:
    _wipe(ctx)
    _ingest(ctx, write_jsonl(tmp_path / "own.jsonl", OWN_BEFORE), own, bulk=bulk)
    _ingest(ctx, write_jsonl(tmp_path / "other.jsonl", OTHER_BEFORE), other, bulk=bulk)
    report = _ingest(ctx, write_jsonl(tmp_path / "file.jsonl", FILE), own, bulk=bulk)
    shipments, sightings = _stored(ctx)
    counts = {k: getattr(report, k) for k in ("read", "stored", "updated", "unchanged", "rejected")}
    return {"counts": counts, "rejects": report.rejects, "shipments": shipments, "sightings": sightings}


def test_bulk_path_stores_and_rejects_exactly_as_row_by_row(
    store: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    own, other = make_org(store, "DGDDI", kind="customs"), make_org(store, "Rival SARL")
    row_by_row = _run(store, tmp_path, own, other, bulk=False)
    monkeypatch.setattr(ingest_service, "BATCH_ROWS", 4)  # duplicates and versions straddle batches
    small_batches = _run(store, tmp_path, own, other, bulk=True)
    monkeypatch.setattr(ingest_service, "BATCH_ROWS", 5000)
    one_batch = _run(store, tmp_path, own, other, bulk=True)
    monkeypatch.setattr(parallel, "PARALLEL_ROWS", 1)  # validated and prepared in worker processes
    in_workers = _run(store, tmp_path, own, other, bulk=True)

    assert small_batches == row_by_row
    assert one_batch == row_by_row
    assert in_workers == row_by_row
    postgres = database_url.startswith("postgresql")
    # Expected independently of either path: the file's 27 rows.
    assert row_by_row["counts"] == {
        "read": 27,
        "stored": 16 if postgres else 17,  # S-9, S-10, S-11, S-15, S-20..S-31 (+ S-14 on SQLite)
        "updated": 2,  # S-1 to version 2; S-11 to version 3 within the file
        "unchanged": 4,  # S-2 older, S-2 same, S-10 again, S-11 older than the file's newer row
        "rejected": 5 if postgres else 4,
    }
    reasons = {reject["line"]: reject["errors"] for reject in row_by_row["rejects"]}
    assert "already stored with different content" in reasons[4][0]
    assert 5 not in reasons
    assert reasons[11][0].startswith("transport_mode: Input should be")
    assert 12 in reasons and 13 in reasons
    if postgres:
        assert reasons[14][0].startswith("the database refused the row: numeric field overflow")
    stored = {row[:2] for row in row_by_row["sightings"]}
    assert ("dgddi", "S-1") in stored and ("file:file.jsonl", "S-15") in stored
    s1 = [row for row in row_by_row["sightings"] if row[1] == "S-1" and row[4] == "consignor_contact"]
    assert sorted(row[3] for row in s1) == ["export@other-sender.com", "other-sender.com"]  # replaced
    s11 = [row[5] for row in row_by_row["sightings"] if row[1] == "S-11" and row[4] == "consignee_contact"]
    assert s11 == ["+33 6 98 76 54 32"]


def test_a_clean_file_is_written_in_batches_not_row_by_row(
    store: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = make_org(store, "DGDDI", kind="customs")
    rows = [shipment(f"S-{n}", consignor_contact=f"s{n}@sender-mail.net") for n in range(250)]
    calls = {"batches": 0, "rows": 0}
    write_batch, store_one = ingest_service.write_batch, ingest_service._store_one

    def counted_batch(*args: Any) -> None:
        calls["batches"] += 1
        write_batch(*args)

    def counted_row(*args: Any) -> Any:
        calls["rows"] += 1
        return store_one(*args)

    monkeypatch.setattr(ingest_service, "write_batch", counted_batch)
    monkeypatch.setattr(ingest_service, "_store_one", counted_row)
    monkeypatch.setattr(ingest_service, "BATCH_ROWS", 100)
    report = _ingest(store, write_jsonl(tmp_path / "clean.jsonl", rows), own, bulk=True)

    assert (report.stored, report.rejected, calls) == (250, 0, {"batches": 3, "rows": 0})
    again = _ingest(store, write_jsonl(tmp_path / "clean.jsonl", rows), own, bulk=True)
    assert (again.unchanged, again.stored) == (250, 0)
    shipments, sightings = _stored(store)
    # Each: two names, an address, and the contact's e-mail and its domain (shared by all).
    assert len(shipments) == 250 and len(sightings) == 250 * 5


def test_sightings_of_new_records_are_written_without_looking_for_old_ones(
    store: AppContext, tmp_path: Path
) -> None:
    """A batch of new declarations deletes no sightings (its records have none); a batch of newer versions
    replaces theirs, and an identifier stored before is reused, not stored again."""
    own = make_org(store, "DGDDI", kind="customs")
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    rows = [shipment(f"S-{n}", consignor_contact=f"s{n}@sender-mail.net") for n in range(30)]
    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        new = _ingest(store, write_jsonl(tmp_path / "new.jsonl", rows), own, bulk=True)
        deletes_when_new = [s for s in statements if s.lstrip().upper().startswith("DELETE")]
        statements.clear()
        newer = [{**row, "version": 2, "consignor_contact": "one@sender-mail.net"} for row in rows]
        updated = _ingest(store, write_jsonl(tmp_path / "newer.jsonl", newer), own, bulk=True)
        deletes_when_newer = [s for s in statements if s.lstrip().upper().startswith("DELETE")]
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert (new.stored, updated.updated) == (30, 30)
    assert deletes_when_new == []
    assert any("identifier_sightings" in s for s in deletes_when_newer)
    _, sightings = _stored(store)
    contacts = {row[3] for row in sightings if row[2] == "email"}
    assert contacts == {"one@sender-mail.net"}  # every old contact replaced
    with unit_of_work(store.sessions) as session:
        domains = session.scalars(select(Identifier.id).where(Identifier.value == "sender-mail.net")).all()
    assert len(domains) == 1
