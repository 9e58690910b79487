"""core: exchange rates the store keeps (issue 15: a price is compared with the genuine price in euros, at
the rate of the store's own days, for every currency it sees, not at a model's fixed table)

Revision ID: 0032
Revises: 0031

A new table, empty until `countermark rates import FILE`; until then scoring uses the model's rates, as
before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(length=3), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("per_eur", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("stored_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_exchange_rates_day", "exchange_rates", ["day"])


def downgrade() -> None:
    op.drop_index("ix_exchange_rates_day", table_name="exchange_rates")
    op.drop_table("exchange_rates")
