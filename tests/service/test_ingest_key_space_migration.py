"""Revision 0014 moves the keys of ingested records into one key space per organisation, on SQLite and
PostgreSQL, without losing a row: on SQLite the tables are copied, and the images, rights and inspection
results that cascade from them must survive the copy. Downgrade refuses while two organisations hold the
same key."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from countermark.core.migrate import alembic_config, current_revision, upgrade
from tests.conftest import _context
from tests.service.helpers import ingest, make_org, write_jsonl
from tests.service.test_ingest import CASES, ORDER, _prepare

INGESTED = (
    "rights",
    "recordals",
    "products",
    "authorised_sellers",
    "accounts",
    "listings",
    "shipments",
    "inspection_results",
)
DEPENDENTS = ("listing_images", "product_images", "product_rights", "identifier_sightings")


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _census(engine: Engine) -> dict[str, int]:
    """Rows of every ingested table and of the tables that depend on them, and listings with an account."""
    with engine.connect() as connection:
        counts = {
            table: int(connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar() or 0)
            for table in (*INGESTED, *DEPENDENTS)
        }
        counts["linked listings"] = int(
            connection.execute(text("SELECT count(account_id) FROM listings")).scalar() or 0
        )
    return counts


def _key_columns(engine: Engine, table: str) -> list[list[str]]:
    return sorted(sorted(uq["column_names"]) for uq in inspect(engine).get_unique_constraints(table))


def test_keys_move_to_one_space_per_organisation_and_back_without_losing_a_row(
    database_url: str, tmp_path: Path
) -> None:
    ctx = _context(database_url, tmp_path)
    try:
        upgrade(ctx.engine, "0013")
        holder = _prepare(ctx, tmp_path, "inspections")
        for kind in ("inspections",):
            report = ingest(ctx, kind, write_jsonl(tmp_path / f"{kind}.jsonl", [CASES[kind][0]]), holder)
            assert report.stored == 1, report.rejects
        before = _census(ctx.engine)
        assert all(before.values()), before  # every table holds something the copy could lose

        upgrade(ctx.engine, "0014")
        assert _census(ctx.engine) == before
        for table in INGESTED:
            assert ["external_id", "owner_org_id", "source"] in _key_columns(ctx.engine, table), table
            assert ["external_id", "source"] not in _key_columns(ctx.engine, table), table
        _downgrade(ctx.engine, "0013")
        assert _census(ctx.engine) == before
        assert ["external_id", "source"] in _key_columns(ctx.engine, "listings")

        upgrade(ctx.engine, "0014")
        rival = make_org(ctx, name="Rival SARL")
        for kind in ORDER:
            report = ingest(ctx, kind, write_jsonl(tmp_path / f"rival-{kind}.jsonl", [CASES[kind][0]]), rival)
            assert (report.stored, report.rejected) == (1, 0), (kind, report.rejects)
        with pytest.raises(RuntimeError, match="several organisations hold the same key in rights"):
            _downgrade(ctx.engine, "0013")
        assert current_revision(ctx.engine) == "0014"
        assert _census(ctx.engine)["listing_images"] == 2 * before["listing_images"]
    finally:
        ctx.close()
