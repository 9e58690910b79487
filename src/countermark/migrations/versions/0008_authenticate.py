"""product codes, signing keys, scans, supply-chain events, clone alerts, consumer reports and rewards

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0008"
down_revision = "0007"
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


def _id(table: str) -> list[sa.Column[object] | sa.PrimaryKeyConstraint]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        *_id("signing_keys"),
        sa.Column("key_id", sa.String(length=6), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _time("created_at"),
        _time("retired_at", True),
        _time("revoked_at", True),
        sa.Column("revocation_reason", sa.String(length=500), nullable=True),
        _fk("signing_keys", "owner_org_id", "organisations"),
        sa.UniqueConstraint("key_id", name=op.f("uq_signing_keys_key_id")),
    )
    _indexes("signing_keys", "owner_org_id")
    op.create_table(
        "code_batches",
        *_id("code_batches"),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("key_id", sa.String(length=6), nullable=False),
        sa.Column("resolver", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("issued_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("public_info", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        _time("created_at"),
        _time("finished_at", True),
        *_marking("code_batches"),
        _fk("code_batches", "product_id", "products"),
    )
    _indexes("code_batches", "owner_org_id", "product_id")
    op.create_table(
        "product_codes",
        *_id("product_codes"),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("signature", sa.String(length=90), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _time("state_at", True),
        sa.Column("commissioned", sa.Boolean(), nullable=False),
        _time("created_at"),
        *_marking("product_codes"),
        _fk("product_codes", "batch_id", "code_batches", "CASCADE"),
        sa.UniqueConstraint("gtin", "serial", name=op.f("uq_product_codes_gtin")),
    )
    _indexes("product_codes", "batch_id", "owner_org_id")
    op.create_table(
        "code_scans",
        *_id("code_scans"),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        _time("scanned_at"),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("scanner_hash", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        *_marking("code_scans"),
        _fk("code_scans", "code_id", "product_codes", "CASCADE"),
    )
    _indexes("code_scans", "code_id", "owner_org_id", "scanned_at")
    op.create_index("ix_code_scans_gtin_serial", "code_scans", ["gtin", "serial"])
    op.create_table(
        "supply_events",
        *_id("supply_events"),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=True),
        _time("event_time"),
        sa.Column("tz_offset", sa.String(length=6), nullable=False),
        sa.Column("biz_step", sa.String(length=64), nullable=True),
        sa.Column("disposition", sa.String(length=64), nullable=True),
        sa.Column("read_point", sa.String(length=300), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        _time("created_at"),
        *_marking("supply_events"),
        _fk("supply_events", "code_id", "product_codes", "CASCADE"),
        sa.UniqueConstraint(
            "owner_org_id", "event_key", "code_id", name=op.f("uq_supply_events_owner_org_id")
        ),
    )
    _indexes("supply_events", "code_id", "owner_org_id")
    op.create_table(
        "clone_alerts",
        *_id("clone_alerts"),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        _time("decided_at", True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        *_marking("clone_alerts"),
        _fk("clone_alerts", "code_id", "product_codes", "CASCADE"),
        sa.UniqueConstraint("code_id", name=op.f("uq_clone_alerts_code_id")),
    )
    _indexes("clone_alerts", "owner_org_id")
    op.create_table(
        "reward_schemes",
        *_id("reward_schemes"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("created_at"),
        *_marking("reward_schemes"),
    )
    _indexes("reward_schemes", "owner_org_id")
    op.create_table(
        "consumer_reports",
        *_id("consumer_reports"),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("serial", sa.String(length=20), nullable=True),
        sa.Column("bought_at_kind", sa.String(length=16), nullable=False),
        sa.Column("shop", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("contact", sa.String(length=254), nullable=True),
        sa.Column("reporter_hash", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reward_status", sa.String(length=16), nullable=False),
        sa.Column("reward_scheme_id", sa.Integer(), nullable=True),
        _time("created_at"),
        *_marking("consumer_reports"),
        _fk("consumer_reports", "product_id", "products"),
        _fk("consumer_reports", "code_id", "product_codes", "SET NULL"),
        _fk("consumer_reports", "reward_scheme_id", "reward_schemes", "SET NULL"),
    )
    _indexes("consumer_reports", "created_at", "owner_org_id", "product_id")


def downgrade() -> None:
    for table in (
        "consumer_reports",
        "reward_schemes",
        "clone_alerts",
        "supply_events",
        "code_scans",
        "product_codes",
        "code_batches",
        "signing_keys",
    ):
        op.drop_table(table)
