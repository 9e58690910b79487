"""shipment targeting: inspection results, rule profiles, model registry, targeting decisions

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _owner(table: str) -> list[sa.Column[object] | sa.ForeignKeyConstraint]:
    return [
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f(f"fk_{table}_owner_org_id_organisations")
        ),
    ]


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "rule_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("lane", sa.String(length=8), nullable=False),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        *_owner("rule_profiles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_profiles")),
        sa.UniqueConstraint("owner_org_id", "name", name=op.f("uq_rule_profiles_owner_org_id")),
    )
    _index("rule_profiles", "owner_org_id")

    op.create_table(
        "targeting_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trained_through", sa.Date(), nullable=True),
        sa.Column("training_rows", sa.Integer(), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        *_owner("targeting_models"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_models")),
    )
    _index("targeting_models", "owner_org_id")

    op.create_table(
        "inspection_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("lane", sa.String(length=8), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("finding", sa.String(length=200), nullable=True),
        sa.Column("officer", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        *_owner("inspection_results"),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_inspection_results_sharing_group_id_sharing_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_inspection_results_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_results")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_inspection_results_source")),
    )
    _index("inspection_results", "inspected_on", "owner_org_id", "shipment_id")

    op.create_table(
        "targeting_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("selected_on", sa.Date(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("model_score", sa.Double(), nullable=True),
        sa.Column("lane", sa.String(length=8), nullable=False),
        sa.Column("exploration", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["targeting_models.id"],
            name=op.f("fk_targeting_decisions_model_id_targeting_models"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_targeting_decisions_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_decisions")),
        sa.UniqueConstraint("shipment_id", "selected_on", name=op.f("uq_targeting_decisions_shipment_id")),
    )
    _index("targeting_decisions", "selected_on", "shipment_id")


def downgrade() -> None:
    for table in ("targeting_decisions", "inspection_results", "targeting_models", "rule_profiles"):
        op.drop_table(table)
