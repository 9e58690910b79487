"""linking: stored networks, members and edges with evidence (issue 16)

Revision ID: 0024
Revises: 0023

Five new tables (runs, networks, members, edges, the hub list) and nothing changed in existing ones, so
the same operations serve SQLite and PostgreSQL; downgrade drops them in the reverse order of their
foreign keys.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _marking(table: str) -> list[Any]:
    return [
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f(f"fk_{table}_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f(f"fk_{table}_sharing_group_id_sharing_groups"),
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "link_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("parties", sa.Integer(), nullable=False),
        sa.Column("networks", sa.Integer(), nullable=False),
        sa.Column("operator_groups", sa.Integer(), nullable=False),
        sa.Column("hubs", sa.Integer(), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        *_marking("link_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_runs")),
    )
    op.create_index(op.f("ix_link_runs_owner_org_id"), "link_runs", ["owner_org_id"], unique=False)
    op.create_table(
        "link_networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("operator", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("first_seen", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_seen", UTCDateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("dissolved_at", UTCDateTime(timezone=True), nullable=True),
        *_marking("link_networks"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["link_runs.id"], name=op.f("fk_link_networks_run_id_link_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_networks")),
        sa.UniqueConstraint("owner_org_id", "key", name=op.f("uq_link_networks_owner_org_id")),
    )
    op.create_index(op.f("ix_link_networks_owner_org_id"), "link_networks", ["owner_org_id"], unique=False)
    op.create_table(
        "link_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("via_edge_id", sa.Integer(), nullable=True),
        sa.Column("seen_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["link_networks.id"],
            name=op.f("fk_link_members_network_id_link_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_members")),
        sa.UniqueConstraint("network_id", "key", name=op.f("uq_link_members_network_id")),
    )
    op.create_index(op.f("ix_link_members_network_id"), "link_members", ["network_id"], unique=False)
    op.create_index("ix_link_members_record", "link_members", ["record_type", "record_id"], unique=False)
    op.create_table(
        "link_edges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("a", sa.String(length=300), nullable=False),
        sa.Column("b", sa.String(length=300), nullable=False),
        sa.Column("evidence", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.Column("strong", sa.Boolean(), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["link_networks.id"],
            name=op.f("fk_link_edges_network_id_link_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_edges")),
    )
    op.create_index(op.f("ix_link_edges_network_id"), "link_edges", ["network_id"], unique=False)
    op.create_table(
        "link_hubs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.Column("hub", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("holders", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        *_marking("link_hubs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_hubs")),
        sa.UniqueConstraint("owner_org_id", "kind", "value", name=op.f("uq_link_hubs_owner_org_id")),
    )
    op.create_index(op.f("ix_link_hubs_owner_org_id"), "link_hubs", ["owner_org_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_link_hubs_owner_org_id"), table_name="link_hubs")
    op.drop_table("link_hubs")
    op.drop_index(op.f("ix_link_edges_network_id"), table_name="link_edges")
    op.drop_table("link_edges")
    op.drop_index("ix_link_members_record", table_name="link_members")
    op.drop_index(op.f("ix_link_members_network_id"), table_name="link_members")
    op.drop_table("link_members")
    op.drop_index(op.f("ix_link_networks_owner_org_id"), table_name="link_networks")
    op.drop_table("link_networks")
    op.drop_index(op.f("ix_link_runs_owner_org_id"), table_name="link_runs")
    op.drop_table("link_runs")
