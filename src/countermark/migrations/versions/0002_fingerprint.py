"""fingerprint banks, their entries, image hashes and listing-image matches

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _marking_columns(table: str) -> list[sa.Column[object] | sa.ForeignKeyConstraint]:
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
        "image_hashes",
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdq", sa.String(length=64), nullable=True),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("hashed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name=op.f("fk_image_hashes_blob_sha256_blobs")
        ),
        sa.PrimaryKeyConstraint("blob_sha256", name=op.f("pk_image_hashes")),
    )
    op.create_table(
        "fingerprint_banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("match_scope", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        *_marking_columns("fingerprint_banks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fingerprint_banks")),
        sa.UniqueConstraint("owner_org_id", "name", name=op.f("uq_fingerprint_banks_owner_org_id")),
    )
    op.create_index(op.f("ix_fingerprint_banks_owner_org_id"), "fingerprint_banks", ["owner_org_id"])
    op.create_table(
        "fingerprint_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(length=16), nullable=False),
        sa.Column("signal", sa.Text(), nullable=False),
        sa.Column("signal_digest", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("right_id", sa.Integer(), nullable=True),
        sa.Column("blob_sha256", sa.String(length=64), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        *_marking_columns("fingerprint_entries"),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["fingerprint_banks.id"],
            name=op.f("fk_fingerprint_entries_bank_id_fingerprint_banks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name=op.f("fk_fingerprint_entries_blob_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_fingerprint_entries_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["rights.id"],
            name=op.f("fk_fingerprint_entries_right_id_rights"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fingerprint_entries")),
        sa.UniqueConstraint(
            "bank_id", "signal_type", "signal_digest", name=op.f("uq_fingerprint_entries_bank_id")
        ),
    )
    for column in ("bank_id", "blob_sha256", "owner_org_id", "product_id", "right_id"):
        op.create_index(op.f(f"ix_fingerprint_entries_{column}"), "fingerprint_entries", [column])
    op.create_index(
        "ix_fingerprint_entries_signal_type_signal_digest",
        "fingerprint_entries",
        ["signal_type", "signal_digest"],
    )
    op.create_table(
        "listing_image_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("inliers", sa.Integer(), nullable=False),
        sa.Column("matched_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name=op.f("fk_listing_image_matches_blob_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["fingerprint_entries.id"],
            name=op.f("fk_listing_image_matches_entry_id_fingerprint_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_listing_image_matches_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_image_matches")),
        sa.UniqueConstraint(
            "listing_id", "blob_sha256", "entry_id", name=op.f("uq_listing_image_matches_listing_id")
        ),
    )
    for column in ("blob_sha256", "entry_id", "listing_id"):
        op.create_index(op.f(f"ix_listing_image_matches_{column}"), "listing_image_matches", [column])


def downgrade() -> None:
    op.drop_table("listing_image_matches")
    op.drop_table("fingerprint_entries")
    op.drop_table("fingerprint_banks")
    op.drop_table("image_hashes")
