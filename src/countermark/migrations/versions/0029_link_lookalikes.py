"""linking: a domain member that imitates a registered mark says which, and how; an authorised seller
among a network's members says for which brands (issue 16)

Revision ID: 0029
Revises: 0028

Three nullable columns on link_members, filled by the next run (`link.lookalikes`, the authorised-seller
lists).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_members") as batch:
        batch.add_column(sa.Column("lookalike_of", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("lookalike_kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("authorised_for", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("link_members") as batch:
        batch.drop_column("authorised_for")
        batch.drop_column("lookalike_kind")
        batch.drop_column("lookalike_of")
