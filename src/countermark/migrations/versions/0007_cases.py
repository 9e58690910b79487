"""cases: procedures and steps with stored due dates, links, append-only events, tasks, evidence with
chain of custody, notices and their status history

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _marking() -> list[sa.Column[object]]:
    return [
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
    ]


def _marking_keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f(f"fk_{table}_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f(f"fk_{table}_sharing_group_id_sharing_groups"),
        ),
    ]


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("procedure", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("subdivision", sa.String(length=8), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("perishable", sa.Boolean(), nullable=False),
        sa.Column("rights_holder_org_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("step_entered_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_since", UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        *_marking(),
        sa.ForeignKeyConstraint(
            ["rights_holder_org_id"],
            ["organisations.id"],
            name=op.f("fk_cases_rights_holder_org_id_organisations"),
        ),
        *_marking_keys("cases"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    _index("cases", "owner_org_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "case_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_links_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_links")),
        sa.UniqueConstraint("case_id", "subject_type", "subject_id", name=op.f("uq_case_links_case_id")),
    )
    _index("case_links", "case_id")
    with op.batch_alter_table("case_links", schema=None) as batch_op:
        batch_op.create_index("ix_case_links_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("procedure", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("effect", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_case_events_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_case_events_case_id")),
    )
    _index("case_events", "case_id")

    op.create_table(
        "case_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_tasks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_case_tasks_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_tasks")),
    )
    _index("case_tasks", "case_id", "org_id")

    op.create_table(
        "case_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("derived_from", sa.String(length=500), nullable=True),
        sa.Column("added_by", sa.String(length=254), nullable=False),
        sa.Column("added_at", UTCDateTime(timezone=True), nullable=False),
        *_marking(),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_evidence_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name=op.f("fk_case_evidence_blob_sha256_blobs")
        ),
        *_marking_keys("case_evidence"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_evidence")),
        sa.UniqueConstraint("case_id", "blob_sha256", name=op.f("uq_case_evidence_case_id")),
    )
    _index("case_evidence", "case_id", "blob_sha256", "owner_org_id")

    op.create_table(
        "case_evidence_custody",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["case_evidence.id"],
            name=op.f("fk_case_evidence_custody_evidence_id_case_evidence"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_case_evidence_custody_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_evidence_custody")),
    )
    _index("case_evidence_custody", "evidence_id")

    op.create_table(
        "case_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=True),
        sa.Column("target_url", sa.String(length=2000), nullable=True),
        sa.Column("seller", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=1000), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        *_marking(),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notices_case_id_cases"), ondelete="CASCADE"
        ),
        *_marking_keys("case_notices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notices")),
    )
    _index("case_notices", "case_id", "owner_org_id")

    op.create_table(
        "case_notice_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["case_notices.id"],
            name=op.f("fk_case_notice_history_notice_id_case_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notice_history")),
    )
    _index("case_notice_history", "notice_id")


def downgrade() -> None:
    for table in (
        "case_notice_history",
        "case_notices",
        "case_evidence_custody",
        "case_evidence",
        "case_tasks",
        "case_events",
        "case_links",
        "cases",
    ):
        op.drop_table(table)
