"""an online case may name the platform organisation the takedown is asked of

Revision ID: 0013
Revises: 0012

Since write access on a case follows participation (0011's change of the cases capability), a platform
organisation could no longer record its own decisions on a takedown case (action taken, refusal, counter
notice): only the owner and the rights holder organisation took part. A case now may name its platform
organisation, which then takes the platform's decisions. The column is nullable: existing cases name
none, as before, and their platform decisions stay with the command line.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

FK_NAME = "fk_cases_platform_org_id_organisations"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        if "platform_org_id" in {c["name"] for c in sa.inspect(bind).get_columns("cases")}:
            return  # left in place by this revision's downgrade (see there)
        # Not in batch mode: a batch copies `cases` and drops the original, and with foreign keys on,
        # dropping it deletes every event, link, task, evidence item and notice (ON DELETE CASCADE).
        # SQLite adds a column with its REFERENCES clause in place.
        op.execute(
            f"ALTER TABLE cases ADD COLUMN platform_org_id INTEGER CONSTRAINT {FK_NAME} "
            "REFERENCES organisations (id)"
        )
        return
    op.add_column("cases", sa.Column("platform_org_id", sa.Integer(), nullable=True))
    op.create_foreign_key(FK_NAME, "cases", "organisations", ["platform_org_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK_NAME, "cases", type_="foreignkey")
    # SQLite refuses DROP COLUMN on a column with a REFERENCES clause, and copying `cases` in batch mode
    # would cascade-delete its children: the unused, nullable column stays, and upgrade finds it there.
    if op.get_bind().dialect.name == "sqlite":
        return
    op.drop_column("cases", "platform_org_id")
