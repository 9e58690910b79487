"""Revision 0012 gives existing targeting decisions their shipment's owner and every row the default TLP."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text

from countermark.core.migrate import alembic_config, current_revision, model_differences, upgrade
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.orgs.service import create_organisation
from countermark.tables import metadata
from tests.api.test_targeting_api import _shipment
from tests.conftest import _context


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_existing_rows_get_an_owner_and_the_default_marking(database_url: str, tmp_path: Path) -> None:
    ctx = _context(database_url, tmp_path)
    try:
        upgrade(ctx.engine, "0011")
        with ctx.sessions() as session:
            owners = [
                create_organisation(session=session, name=name, kind="customs", country="FR").id
                for name in ("First", "Second")
            ]
            for owner, number in zip(owners, (1, 2), strict=True):
                report = ingest_rows(
                    session=session,
                    blobs=ctx.blobs,
                    kind="shipments",
                    owner_org_id=owner,
                    rows=[RawRow(line=1, data=_shipment(number, cheap=False))],
                    actor="test",
                    label="test",
                    tlp="GREEN",
                    source="m",
                )
                assert report.rejected == 0, report.rejects
            session.commit()
        with ctx.engine.begin() as connection:
            shipment_ids = connection.execute(text("SELECT id FROM shipments ORDER BY id")).scalars().all()
            connection.execute(
                text(
                    "INSERT INTO targeting_models (owner_org_id, training_rows, positives, metrics, document,"
                    " active, created_by, created_at) VALUES (:o, 1, 1, '{}', '{}', true, 't', :now)"
                ),
                {"o": owners[0], "now": "2025-03-10 00:00:00"},
            )
            model_id = connection.execute(text("SELECT max(id) FROM targeting_models")).scalar()
            for shipment_id in shipment_ids:
                connection.execute(
                    text(
                        "INSERT INTO targeting_decisions (shipment_id, selected_on, model_id, score, lane,"
                        " exploration, reasons, created_at)"
                        " VALUES (:s, '2025-03-10', :m, 0.5, 'red', false, '[]', :now)"
                    ),
                    {"s": shipment_id, "m": model_id, "now": "2025-03-10 00:00:00"},
                )
            connection.execute(
                text(
                    "INSERT INTO rule_profiles (owner_org_id, name, expression, reason, instruction, lane,"
                    " weight, active, created_by, created_at, updated_at) VALUES (:o, 'r', 'quantity > 1',"
                    " 'x', 'y', 'red', 0.5, true, 't', :now, :now)"
                ),
                {"o": owners[1], "now": "2025-03-10 00:00:00"},
            )
        upgrade(ctx.engine)
        with ctx.engine.connect() as connection:
            decisions = connection.execute(
                text("SELECT shipment_id, owner_org_id, tlp FROM targeting_decisions ORDER BY shipment_id")
            ).all()
            profile = connection.execute(text("SELECT owner_org_id, tlp FROM rule_profiles")).one()
        assert [tuple(row) for row in decisions] == [
            (shipment_ids[0], owners[0], "AMBER"),
            (shipment_ids[1], owners[1], "AMBER"),
        ]
        assert tuple(profile) == (owners[1], "AMBER")
        _downgrade(ctx.engine, "0011")
        assert current_revision(ctx.engine) == "0011"
        upgrade(ctx.engine)
        with ctx.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM targeting_decisions")).scalar() == 2
            # The decisions still name their model, and the database still holds them to it.
            assert connection.execute(text("SELECT count(model_id) FROM targeting_decisions")).scalar() == 2
        assert model_differences(ctx.engine, metadata()) == []
    finally:
        ctx.close()
