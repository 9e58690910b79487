"""linking jobs: a run asked for through the API or the web, and what became of it (issue 16)

Revision ID: 0028
Revises: 0027

One new table and nothing changed in existing ones, so the same operations serve SQLite and PostgreSQL;
a partial unique index (both have them) keeps one queued or running job per organisation.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("requested_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_link_jobs_owner_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_jobs")),
    )
    op.create_index(op.f("ix_link_jobs_owner_org_id"), "link_jobs", ["owner_org_id"], unique=False)
    op.create_index("ix_link_jobs_status", "link_jobs", ["status", "id"], unique=False)
    active = sa.text("status IN ('queued', 'running')")
    op.create_index(
        "uq_link_jobs_active", "link_jobs", ["owner_org_id"], unique=True,
        sqlite_where=active, postgresql_where=active,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_link_jobs_active", table_name="link_jobs")
    op.drop_index("ix_link_jobs_status", table_name="link_jobs")
    op.drop_index(op.f("ix_link_jobs_owner_org_id"), table_name="link_jobs")
    op.drop_table("link_jobs")
