"""sharing between instances: partners, collections, STIX objects, sync, TAXII statuses, requests (issue 19)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TIME = UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete
    )


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "share_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("acting_org_id", sa.Integer(), nullable=False),
        sa.Column("api_root_url", sa.String(length=1000), nullable=False),
        sa.Column("token", sa.String(length=200), nullable=True),
        sa.Column("matching", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        _fk("share_partners", "org_id", "organisations.id"),
        _fk("share_partners", "acting_org_id", "organisations.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_partners")),
        sa.UniqueConstraint("name", name=op.f("uq_share_partners_name")),
    )
    _index("share_partners", "org_id")

    op.create_table(
        "share_collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        _fk("share_collections", "owner_org_id", "organisations.id"),
        _fk("share_collections", "sharing_group_id", "sharing_groups.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_collections")),
        sa.UniqueConstraint("uuid", name=op.f("uq_share_collections_uuid")),
    )

    op.create_table(
        "share_collection_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("can_read", sa.Boolean(), nullable=False),
        sa.Column("can_write", sa.Boolean(), nullable=False),
        _fk("share_collection_access", "collection_id", "share_collections.id", "CASCADE"),
        _fk("share_collection_access", "org_id", "organisations.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_collection_access")),
        sa.UniqueConstraint("collection_id", "org_id", name=op.f("uq_share_collection_access_collection_id")),
    )
    _index("share_collection_access", "org_id")

    op.create_table(
        "stix_objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("stix_id", sa.String(length=120), nullable=False),
        sa.Column("stix_type", sa.String(length=64), nullable=False),
        sa.Column("version", TIME, nullable=False),
        sa.Column("date_added", TIME, nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("missing_refs", sa.JSON(), nullable=False),
        sa.Column("source_record", sa.String(length=64), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        _fk("stix_objects", "collection_id", "share_collections.id", "CASCADE"),
        _fk("stix_objects", "partner_id", "share_partners.id", "CASCADE"),
        _fk("stix_objects", "owner_org_id", "organisations.id"),
        _fk("stix_objects", "sharing_group_id", "sharing_groups.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stix_objects")),
        sa.UniqueConstraint("scope", "stix_id", "version", name=op.f("uq_stix_objects_scope")),
    )
    _index("stix_objects", "stix_id", "owner_org_id")
    with op.batch_alter_table("stix_objects", schema=None) as batch_op:
        batch_op.create_index("ix_stix_objects_scope_date_added", ["scope", "date_added"], unique=False)

    op.create_table(
        "share_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("collection_uuid", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("can_read", sa.Boolean(), nullable=False),
        sa.Column("can_write", sa.Boolean(), nullable=False),
        sa.Column("added_after", sa.String(length=40), nullable=True),
        sa.Column("pushed_until", TIME, nullable=True),
        sa.Column("last_run_at", TIME, nullable=True),
        _fk("share_subscriptions", "partner_id", "share_partners.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_subscriptions")),
        sa.UniqueConstraint("partner_id", "collection_uuid", name=op.f("uq_share_subscriptions_partner_id")),
    )

    op.create_table(
        "share_sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("collection_uuid", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(length=40), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        _fk("share_sync_runs", "partner_id", "share_partners.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_sync_runs")),
    )
    _index("share_sync_runs", "partner_id")

    op.create_table(
        "taxii_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request_timestamp", TIME, nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("pending_count", sa.Integer(), nullable=False),
        sa.Column("successes", sa.JSON(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("pendings", sa.JSON(), nullable=False),
        _fk("taxii_statuses", "collection_id", "share_collections.id", "CASCADE"),
        _fk("taxii_statuses", "org_id", "organisations.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxii_statuses")),
        sa.UniqueConstraint("uuid", name=op.f("uq_taxii_statuses_uuid")),
    )
    _index("taxii_statuses", "org_id")

    op.create_table(
        "share_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("attachment_refs", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        _fk("share_requests", "org_id", "organisations.id"),
        _fk("share_requests", "partner_id", "share_partners.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_requests")),
        sa.UniqueConstraint("uuid", "direction", name=op.f("uq_share_requests_uuid")),
    )
    _index("share_requests", "org_id")

    op.create_table(
        "share_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("stix_ref", sa.String(length=120), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        _fk("share_alerts", "org_id", "organisations.id"),
        _fk("share_alerts", "partner_id", "share_partners.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_alerts")),
    )
    _index("share_alerts", "org_id")


def downgrade() -> None:
    for table in (
        "share_alerts",
        "share_requests",
        "taxii_statuses",
        "share_sync_runs",
        "share_subscriptions",
        "stix_objects",
        "share_collection_access",
        "share_collections",
        "share_partners",
    ):
        op.drop_table(table)
