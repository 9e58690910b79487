"""EPCIS 2.0 event repository and query (issue 17)

Revision ID: 0019
Revises: 0018

The EPCIS capture and query interface (REST binding) stores every captured event whole, with the fields
the query interface filters on (time, business step, disposition, places) and one row per identifier it
names, and one row per capture job.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0019"
down_revision = "0018"
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


def upgrade() -> None:
    op.create_table(
        "epcis_captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        *_marking("epcis_captures"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_captures")),
        sa.UniqueConstraint("capture_id", name=op.f("uq_epcis_captures_capture_id")),
    )
    op.create_index(op.f("ix_epcis_captures_owner_org_id"), "epcis_captures", ["owner_org_id"])
    op.create_table(
        "epcis_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=300), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("event_time", UTCDateTime(timezone=True), nullable=False),
        sa.Column("record_time", UTCDateTime(timezone=True), nullable=False),
        sa.Column("tz_offset", sa.String(length=6), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("biz_step", sa.String(length=300), nullable=True),
        sa.Column("disposition", sa.String(length=300), nullable=True),
        sa.Column("read_point", sa.String(length=500), nullable=True),
        sa.Column("biz_location", sa.String(length=500), nullable=True),
        sa.Column("capture_id", sa.String(length=36), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        *_marking("epcis_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_events")),
        sa.UniqueConstraint("owner_org_id", "event_id", name=op.f("uq_epcis_events_owner_org_id")),
    )
    op.create_index(op.f("ix_epcis_events_owner_org_id"), "epcis_events", ["owner_org_id"])
    op.create_index(op.f("ix_epcis_events_record_time"), "epcis_events", ["record_time"])
    op.create_index(op.f("ix_epcis_events_biz_step"), "epcis_events", ["biz_step"])
    op.create_index("ix_epcis_events_event_time_id", "epcis_events", ["event_time", "id"])
    op.create_table(
        "epcis_event_epcs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_row_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("epc", sa.String(length=500), nullable=False),
        _fk("epcis_event_epcs", "event_row_id", "epcis_events", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_event_epcs")),
    )
    op.create_index(op.f("ix_epcis_event_epcs_event_row_id"), "epcis_event_epcs", ["event_row_id"])
    op.create_index(op.f("ix_epcis_event_epcs_epc"), "epcis_event_epcs", ["epc"])


def downgrade() -> None:
    op.drop_table("epcis_event_epcs")
    op.drop_table("epcis_events")
    op.drop_table("epcis_captures")
