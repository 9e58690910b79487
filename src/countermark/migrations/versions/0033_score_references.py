"""detect: a stored score keeps the digest of the registry and rates it was read against (issue 15: a
listing was not scored again when a mark, product, authorised seller or exchange rate changed, unless
`detect run --all`)

Revision ID: 0033
Revises: 0032

One nullable column on detect_scores. Scores stored before have none, so the next `detect run` scores
every listing once again and keeps the digest from then on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("detect_scores") as batch:
        batch.add_column(sa.Column("references_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("detect_scores") as batch:
        batch.drop_column("references_digest")
