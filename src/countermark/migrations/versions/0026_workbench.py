"""workbench: watchlists, and reasons kept as codes with parameters (issue 18)

Revision ID: 0026
Revises: 0025

Adds the organisations' watchlists, and the coded form of clone-alert and report-match reasons (rows
stored before keep an empty list and are shown by their English sentence).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watchlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_until", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_watchlist_entries_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_entries")),
        sa.UniqueConstraint("org_id", "kind", "value", name=op.f("uq_watchlist_entries_org_id")),
    )
    op.create_index(op.f("ix_watchlist_entries_org_id"), "watchlist_entries", ["org_id"])
    for table in ("clone_alerts", "report_matches"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("reason_codes", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    for table in ("report_matches", "clone_alerts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("reason_codes")
    op.drop_index(op.f("ix_watchlist_entries_org_id"), table_name="watchlist_entries")
    op.drop_table("watchlist_entries")
