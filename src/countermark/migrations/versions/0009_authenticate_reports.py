"""consumer reports matched to listings, rights and threads; one case per fake cluster; shared rate limits

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _marking(table: str) -> list[sa.Column[object] | sa.ForeignKeyConstraint]:
    return [
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        _fk(table, "owner_org_id", "organisations"),
        _fk(table, "sharing_group_id", "sharing_groups"),
    ]


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    with op.batch_alter_table("consumer_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("matched_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_consumer_reports_matched_at"), ["matched_at"])
    op.create_table(
        "report_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("strength", sa.Double(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        *_marking("report_matches"),
        _fk("report_matches", "report_id", "consumer_reports", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_matches")),
    )
    _indexes("report_matches", "owner_org_id", "report_id")
    op.create_table(
        "cluster_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_key", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("seller", sa.String(length=200), nullable=True),
        sa.Column("code_ids", sa.JSON(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        *_marking("cluster_cases"),
        _fk("cluster_cases", "batch_id", "code_batches", "CASCADE"),
        _fk("cluster_cases", "case_id", "cases", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_cases")),
        sa.UniqueConstraint("owner_org_id", "cluster_key", name=op.f("uq_cluster_cases_owner_org_id")),
    )
    _indexes("cluster_cases", "batch_id", "case_id", "owner_org_id")
    op.create_table(
        "rate_limit_windows",
        sa.Column("bucket", sa.String(length=32), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "client_hash", "window_start", name=op.f("pk_rate_limit_windows")),
    )
    op.create_index("ix_rate_limit_windows_window_start", "rate_limit_windows", ["window_start"])


def downgrade() -> None:
    op.drop_table("rate_limit_windows")
    op.drop_table("cluster_cases")
    op.drop_table("report_matches")
    with op.batch_alter_table("consumer_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consumer_reports_matched_at"))
        batch_op.drop_column("matched_at")
