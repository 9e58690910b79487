"""timestamps written by the batched ingestion path on SQLite, in the ORM's text form

Revision ID: 0022
Revises: 0021

Until this revision the batched path (shipments since 0013's session, listings and accounts since 0014)
handed SQLite aware datetimes for its own adapter, which stores '2026-05-01 10:00:00+00:00', while the
ORM stores '2026-05-01 10:00:00.000000'. SQLite compares the text, so a cursor or a date filter put equal
times on the wrong side and list pages could repeat. Every UTC timestamp column is rewritten in the ORM's
form. PostgreSQL stores timestamptz and is untouched. Nothing to undo.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            if not isinstance(column["type"], sa.DateTime):
                continue
            name = column["name"]
            bind.exec_driver_sql(
                f'UPDATE "{table}" SET "{name}" = CASE WHEN length("{name}") = 25 '
                f"THEN substr(\"{name}\", 1, 19) || '.000000' ELSE substr(\"{name}\", 1, 26) END "
                f"WHERE \"{name}\" LIKE '%+00:00'"
            )


def downgrade() -> None:
    pass
