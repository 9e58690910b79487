"""fingerprint: a listing image keeps its colour signature beside its PDQ hash, which reads luma only
(issue 16: a red and a brown bag drawn from one template were one photo to the linker)

Revision ID: 0031
Revises: 0030

One nullable column on image_hashes. Images hashed before have none until the next photo step reads
them again for it (`countermark fingerprint listings`: `fingerprint.listing_images.match_listing_images`);
until then the linker groups them by their hash alone, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("image_hashes") as batch:
        batch.add_column(sa.Column("colour", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("image_hashes") as batch:
        batch.drop_column("colour")
