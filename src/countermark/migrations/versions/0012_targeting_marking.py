"""targeting: rule profiles, trained models and targeting decisions carry an owner and a marking

Revision ID: 0012
Revises: 0011

Rule profiles and trained models already had an owner (the organisation whose analyst saved the rule or
whose inspection results trained the model); they gain a marking and a sharing group. Targeting decisions
gain all three. A decision's owner is its shipment's owner: a day's selection only ever took the
selecting organisation's own declarations (`select_for_day` filters on the shipment's owner), so the
shipment's owner is the organisation that made every existing decision. Every existing row takes the
default marking, AMBER (what the owner shares only with named recipients), as new rows do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DEFAULT_TLP = "AMBER"  # core.marking.DEFAULT_TLP when this revision was written (a migration never moves)


MODEL_FK = "fk_targeting_decisions_model_id_targeting_models"


def _marking(table: str) -> list[sa.Column[object]]:
    # A server default fills the existing rows (SQLite copies the table to add the foreign key anyway).
    return [
        sa.Column("tlp", sa.String(length=16), nullable=False, server_default=DEFAULT_TLP),
        sa.Column(
            "sharing_group_id",
            sa.Integer(),
            sa.ForeignKey("sharing_groups.id", name=op.f(f"fk_{table}_sharing_group_id_sharing_groups")),
            nullable=True,
        ),
    ]


def upgrade() -> None:
    # On SQLite a batch copies the table and drops the original. Dropping targeting_models while
    # decisions reference it fails with foreign keys on, so the decisions let go of their model for the
    # length of the copy (and hold to it again at the end). PostgreSQL alters the tables in place.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("targeting_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_org_id", sa.Integer(), nullable=True))
        for column in _marking("targeting_decisions"):
            batch_op.add_column(column)
        if sqlite:
            batch_op.drop_constraint(op.f(MODEL_FK), type_="foreignkey")
    for table in ("rule_profiles", "targeting_models"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _marking(table):
                batch_op.add_column(column)
    op.execute(
        "UPDATE targeting_decisions SET owner_org_id = "
        "(SELECT shipments.owner_org_id FROM shipments WHERE shipments.id = targeting_decisions.shipment_id)"
    )
    with op.batch_alter_table("targeting_decisions", schema=None) as batch_op:
        batch_op.alter_column("owner_org_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_targeting_decisions_owner_org_id_organisations"),
            "organisations",
            ["owner_org_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_targeting_decisions_owner_org_id"), ["owner_org_id"], unique=False
        )
        if sqlite:
            batch_op.create_foreign_key(op.f(MODEL_FK), "targeting_models", ["model_id"], ["id"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    model_fk = op.f(MODEL_FK)
    with op.batch_alter_table("targeting_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_targeting_decisions_owner_org_id"))
        for fk in ("sharing_group_id_sharing_groups", "owner_org_id_organisations"):
            batch_op.drop_constraint(batch_op.f(f"fk_targeting_decisions_{fk}"), type_="foreignkey")
        if sqlite:
            # As in upgrade: SQLite copies targeting_models below, which the decisions must let go of.
            batch_op.drop_constraint(model_fk, type_="foreignkey")
        for column in ("sharing_group_id", "tlp", "owner_org_id"):
            batch_op.drop_column(column)
    for table in ("targeting_models", "rule_profiles"):
        # SQLite cannot drop a column a foreign key names in place: the batch copies the table.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_sharing_group_id_sharing_groups"), type_="foreignkey"
            )
            batch_op.drop_column("sharing_group_id")
            batch_op.drop_column("tlp")
    if sqlite:
        with op.batch_alter_table("targeting_decisions", schema=None) as batch_op:
            batch_op.create_foreign_key(model_fk, "targeting_models", ["model_id"], ["id"])
