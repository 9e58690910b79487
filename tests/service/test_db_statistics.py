"""After a bulk load, PostgreSQL plans with the table as it now is, not as the empty table it was.

A page of listings sorted by date (what the API's list route asks) must walk the date index once the
loader has refreshed the statistics; with the empty table's statistics it scans and sorts everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from countermark.core.context import AppContext, build_context
from countermark.core.db import refresh_statistics, unit_of_work
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.observe.api import LISTINGS
from countermark.observe.models import Listing
from countermark.orgs.resources import list_query, output_columns
from countermark.orgs.visibility import Principal
from tests.service.helpers import make_org

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(postgres_schema_url: str, tmp_path: Path) -> Iterator[AppContext]:
    ctx = build_context(Settings(data_dir=tmp_path / "data", database_url=postgres_schema_url))
    upgrade(ctx.engine)
    try:
        yield ctx
    finally:
        ctx.close()


def _planner_rows(session: object) -> float:
    return float(
        session.scalar(  # type: ignore[attr-defined]
            text("SELECT reltuples FROM pg_class WHERE oid = 'listings'::regclass")
        )
    )


def test_a_loader_leaves_statistics_that_make_a_page_of_listings_an_index_walk(pg_store: AppContext) -> None:
    org = make_org(pg_store)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "platform": "shop",
            "url": f"https://shop.example/{i}",
            "title": f"bag {i}",
            "observed_at": start + timedelta(minutes=i),
            "source": "test",
            "external_id": str(i),
            "version": 1,
            "content_hash": f"{i:064x}",
            "created_at": start,
            "updated_at": start,
            "tlp": "GREEN",
            "owner_org_id": org,
        }
        for i in range(4000)
    ]
    with unit_of_work(pg_store.sessions) as session:
        session.execute(insert(Listing), rows)
        before = _planner_rows(session)
        refresh_statistics(session)
        after = _planner_rows(session)
    assert before < 1000 <= 3900 <= after <= 4100, (before, after)

    principal = Principal(org_id=org + 1000, scopes=frozenset({"read"}))
    query, _ = list_query(LISTINGS, principal, {})
    columns = output_columns(LISTINGS)
    assert columns is not None
    page = query.with_only_columns(*columns).order_by(Listing.observed_at.desc(), Listing.id.desc()).limit(51)
    with pg_store.engine.connect() as connection:
        sql = str(page.compile(pg_store.engine, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(row[0] for row in connection.execute(text("EXPLAIN " + sql)))
    assert "ix_listings_observed_at" in plan and "Seq Scan" not in plan, plan


def test_statistics_are_left_to_sqlite(tmp_path: Path) -> None:
    ctx = build_context(Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'cm.db'}"))
    try:
        upgrade(ctx.engine)
        with unit_of_work(ctx.sessions) as session:
            refresh_statistics(session)
        with ctx.engine.connect() as connection:
            found = connection.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar()
        assert found == 0
    finally:
        ctx.close()
