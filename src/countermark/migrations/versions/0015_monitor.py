"""online monitoring: sources, crawl runs, snapshots, crawled items and notice checks (issue 14)

Revision ID: 0015
Revises: 0014

Five new tables and nothing changed in existing ones, so the same operations serve SQLite and
PostgreSQL; downgrade drops them in the reverse order of their foreign keys.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("frequency_minutes", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_monitor_sources_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_monitor_sources_sharing_group_id_sharing_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_sources")),
        sa.UniqueConstraint("owner_org_id", "name", name=op.f("uq_monitor_sources_owner_org_id")),
    )
    op.create_index(op.f("ix_monitor_sources_next_due_at"), "monitor_sources", ["next_due_at"], unique=False)
    op.create_index(
        op.f("ix_monitor_sources_owner_org_id"), "monitor_sources", ["owner_org_id"], unique=False
    )
    op.create_table(
        "monitor_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("work_dir", sa.String(length=1000), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("listings_found", sa.Integer(), nullable=False),
        sa.Column("listings_new", sa.Integer(), nullable=False),
        sa.Column("listings_changed", sa.Integer(), nullable=False),
        sa.Column("listings_unchanged", sa.Integer(), nullable=False),
        sa.Column("listings_gone", sa.Integer(), nullable=False),
        sa.Column("accounts_found", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["monitor_sources.id"],
            name=op.f("fk_monitor_runs_source_id_monitor_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_runs")),
    )
    op.create_index(op.f("ix_monitor_runs_source_id"), "monitor_runs", ["source_id"], unique=False)
    op.create_table(
        "monitor_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("observed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_seen", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", UTCDateTime(timezone=True), nullable=False),
        sa.Column("gone_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["last_run_id"],
            ["monitor_runs.id"],
            name=op.f("fk_monitor_items_last_run_id_monitor_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["monitor_sources.id"],
            name=op.f("fk_monitor_items_source_id_monitor_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_items")),
        sa.UniqueConstraint("source_id", "kind", "external_id", name=op.f("uq_monitor_items_source_id")),
    )
    op.create_index(op.f("ix_monitor_items_source_id"), "monitor_items", ["source_id"], unique=False)
    op.create_table(
        "monitor_notice_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("checked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("warc_sha256", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["case_notices.id"],
            name=op.f("fk_monitor_notice_checks_notice_id_case_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warc_sha256"], ["blobs.sha256"], name=op.f("fk_monitor_notice_checks_warc_sha256_blobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_notice_checks")),
    )
    op.create_index(
        op.f("ix_monitor_notice_checks_notice_id"), "monitor_notice_checks", ["notice_id"], unique=False
    )
    op.create_table(
        "monitor_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("fetched_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("warc_sha256", sa.String(length=64), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=True),
        sa.Column("block_digest", sa.String(length=100), nullable=False),
        sa.Column("payload_digest", sa.String(length=100), nullable=True),
        sa.Column("text_sha256", sa.String(length=64), nullable=True),
        sa.Column("screenshot_sha256", sa.String(length=64), nullable=True),
        sa.Column("listing_source", sa.String(length=100), nullable=True),
        sa.Column("listing_external_id", sa.String(length=200), nullable=True),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_monitor_snapshots_owner_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["payload_sha256"], ["blobs.sha256"], name=op.f("fk_monitor_snapshots_payload_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["monitor_runs.id"],
            name=op.f("fk_monitor_snapshots_run_id_monitor_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["screenshot_sha256"], ["blobs.sha256"], name=op.f("fk_monitor_snapshots_screenshot_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_monitor_snapshots_sharing_group_id_sharing_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["monitor_sources.id"],
            name=op.f("fk_monitor_snapshots_source_id_monitor_sources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["text_sha256"], ["blobs.sha256"], name=op.f("fk_monitor_snapshots_text_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["warc_sha256"], ["blobs.sha256"], name=op.f("fk_monitor_snapshots_warc_sha256_blobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_snapshots")),
        sa.UniqueConstraint("run_id", "fingerprint", name=op.f("uq_monitor_snapshots_run_id")),
    )
    op.create_index(
        "ix_monitor_snapshots_listing",
        "monitor_snapshots",
        ["listing_source", "listing_external_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_monitor_snapshots_owner_org_id"), "monitor_snapshots", ["owner_org_id"], unique=False
    )
    op.create_index(op.f("ix_monitor_snapshots_run_id"), "monitor_snapshots", ["run_id"], unique=False)
    op.create_index(op.f("ix_monitor_snapshots_source_id"), "monitor_snapshots", ["source_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_monitor_snapshots_source_id"), table_name="monitor_snapshots")
    op.drop_index(op.f("ix_monitor_snapshots_run_id"), table_name="monitor_snapshots")
    op.drop_index(op.f("ix_monitor_snapshots_owner_org_id"), table_name="monitor_snapshots")
    op.drop_index("ix_monitor_snapshots_listing", table_name="monitor_snapshots")
    op.drop_table("monitor_snapshots")
    op.drop_index(op.f("ix_monitor_notice_checks_notice_id"), table_name="monitor_notice_checks")
    op.drop_table("monitor_notice_checks")
    op.drop_index(op.f("ix_monitor_items_source_id"), table_name="monitor_items")
    op.drop_table("monitor_items")
    op.drop_index(op.f("ix_monitor_runs_source_id"), table_name="monitor_runs")
    op.drop_table("monitor_runs")
    op.drop_index(op.f("ix_monitor_sources_owner_org_id"), table_name="monitor_sources")
    op.drop_index(op.f("ix_monitor_sources_next_due_at"), table_name="monitor_sources")
    op.drop_table("monitor_sources")
