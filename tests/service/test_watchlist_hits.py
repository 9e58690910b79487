"""A watched identifier is told when it appears again, however often it was seen before (issue 18)."""

from __future__ import annotations

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.orgs.service import create_organisation
from countermark.orgs.visibility import Principal
from countermark.web import watchlist_service
from countermark.web.watchlist_service import MAX_HITS, add_entry, hits


def _accounts(ctx: AppContext, org_id: int, first: int, count: int) -> None:
    rows = [
        RawRow(
            line=n,
            data={
                "external_id": f"A-{n}",
                "platform": "shopmarket",
                "handle": f"shop{n}",
                "bio": "orders: sales.team@bright-trade.example",
            },
        )
        for n in range(first, first + count)
    ]
    with unit_of_work(ctx.sessions) as session:
        report = ingest_rows(
            session=session, blobs=ctx.blobs, kind="accounts", owner_org_id=org_id, rows=rows,
            actor="test", label="accounts", tlp="AMBER", source="test",
        )  # fmt: skip
        assert report.stored == count, report.summary()


def test_a_new_record_is_a_hit_behind_hundreds_of_older_sightings_of_the_same_value(
    store: AppContext,
) -> None:
    with unit_of_work(store.sessions) as session:
        org = create_organisation(session=session, name="Maison Aurel", kind="rights_holder", country="FR")
        org_id = org.id
    principal = Principal(org_id=org_id, scopes=frozenset({"read", "write"}))
    _accounts(store, org_id, 1, 3 * MAX_HITS + 20)  # the value is common before the entry is added
    with unit_of_work(store.sessions) as session:
        entry = add_entry(
            session=session, principal=principal, kind="identifier",
            value="sales.team@bright-trade.example", actor="test",
        )  # fmt: skip
    with unit_of_work(store.sessions) as session:
        entry = watchlist_service.entry_of(session=session, principal=principal, entry_id=entry.id)
        assert entry.seen_until <= utcnow()
        old = hits(session=session, principal=principal, entry=entry)
    assert old == []  # everything was stored before the entry was added (its first `seen_until`)
    _accounts(store, org_id, 10_000, 1)
    with unit_of_work(store.sessions) as session:
        entry = watchlist_service.entry_of(session=session, principal=principal, entry_id=entry.id)
        found = hits(session=session, principal=principal, entry=entry)
    assert [h.label for h in found] == ["shopmarket: shop10000"]
