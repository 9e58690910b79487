"""fingerprint: a listing image with a flat frame (padding, letterbox, border) keeps the PDQ hash of the
picture inside it beside its own (issues 15 and 16)

Revision ID: 0030
Revises: 0029

One nullable column on image_hashes. Images hashed before keep their hash and have no inner one. Hashes
are now taken at one size (`pdq.CANONICAL_SIDE`: 512 x 512 at this revision, 320 x 320 since); an image
hashed before at a width the pdqhash binding mishandles (272-368 or 64-112 pixels) keeps the hash it had
then (docs/fingerprint.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("image_hashes") as batch:
        batch.add_column(sa.Column("pdq_inner", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("image_hashes") as batch:
        batch.drop_column("pdq_inner")
