"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 19:06:29.915468
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import countermark.core.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.Column("first_seen", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifiers")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_identifiers_kind")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("default_tlp", sa.String(length=16), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=200), nullable=True),
        sa.Column("origin", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_audit_entries_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)

    op.create_table(
        "identifier_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.String(length=1000), nullable=False),
        sa.Column("seen_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["identifier_id"],
            ["identifiers.id"],
            name=op.f("fk_identifier_sightings_identifier_id_identifiers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifier_sightings")),
        sa.UniqueConstraint(
            "identifier_id",
            "subject_type",
            "subject_id",
            "field",
            name=op.f("uq_identifier_sightings_identifier_id"),
        ),
    )
    with op.batch_alter_table("identifier_sightings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identifier_sightings_identifier_id"), ["identifier_id"], unique=False
        )
        batch_op.create_index("ix_identifier_sightings_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "sharing_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_sharing_groups_owner_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_sharing_groups_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_users_org_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_org_id"), ["org_id"], unique=False)

    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=True),
        sa.Column("profile_url", sa.String(length=2000), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("joined_at", countermark.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_accounts_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_accounts_sharing_group_id_sharing_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_accounts_source")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index("ix_accounts_platform_handle", ["platform", "handle"], unique=False)

    op.create_table(
        "authorised_sellers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=True),
        sa.Column("handle", sa.String(length=200), nullable=True),
        sa.Column("domain", sa.String(length=253), nullable=True),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_authorised_sellers_owner_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_authorised_sellers_sharing_group_id_sharing_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorised_sellers")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_authorised_sellers_source")),
    )
    with op.batch_alter_table("authorised_sellers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_authorised_sellers_brand"), ["brand"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_authorised_sellers_owner_org_id"), ["owner_org_id"], unique=False
        )

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=True),
        sa.Column("price_min", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("price_max", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_products_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_products_sharing_group_id_sharing_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_products_source")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_brand"), ["brand"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_gtin"), ["gtin"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_owner_org_id"), ["owner_org_id"], unique=False)

    op.create_table(
        "rights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("holder_name", sa.String(length=300), nullable=False),
        sa.Column("registration_number", sa.String(length=100), nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("jurisdictions", sa.JSON(), nullable=False),
        sa.Column("nice_classes", sa.JSON(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_rights_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_rights_sharing_group_id_sharing_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_rights_source")),
    )
    with op.batch_alter_table("rights", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rights_brand"), ["brand"], unique=False)
        batch_op.create_index(batch_op.f("ix_rights_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rights_registration_number"), ["registration_number"], unique=False
        )

    op.create_table(
        "sharing_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_sharing_group_members_group_id_sharing_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_sharing_group_members_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_group_members")),
        sa.UniqueConstraint("group_id", "org_id", name=op.f("uq_sharing_group_members_group_id")),
    )
    with op.batch_alter_table("sharing_group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_group_members_org_id"), ["org_id"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("office", sa.String(length=64), nullable=True),
        sa.Column("transport_mode", sa.String(length=16), nullable=False),
        sa.Column("consignor_name", sa.String(length=300), nullable=True),
        sa.Column("consignor_address", sa.String(length=500), nullable=True),
        sa.Column("consignor_country", sa.String(length=2), nullable=True),
        sa.Column("consignee_name", sa.String(length=300), nullable=True),
        sa.Column("consignee_address", sa.String(length=500), nullable=True),
        sa.Column("consignee_country", sa.String(length=2), nullable=True),
        sa.Column("declarant", sa.String(length=200), nullable=True),
        sa.Column("courier", sa.String(length=200), nullable=True),
        sa.Column("hs_code", sa.String(length=10), nullable=True),
        sa.Column("origin_country", sa.String(length=2), nullable=True),
        sa.Column("departure_country", sa.String(length=2), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("gross_mass_kg", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("declared_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_shipments_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_shipments_sharing_group_id_sharing_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_shipments_source")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_declared_on"), ["declared_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_hs_code"), ["hs_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_owner_org_id"), ["owner_org_id"], unique=False)

    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("seller_handle", sa.String(length=200), nullable=True),
        sa.Column("ships_from", sa.String(length=2), nullable=True),
        sa.Column("observed_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_listings_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_listings_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_listings_sharing_group_id_sharing_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_sha256"], ["blobs.sha256"], name=op.f("fk_listings_snapshot_sha256_blobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_listings_source")),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listings_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listings_observed_at"), ["observed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_listings_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listings_platform"), ["platform"], unique=False)

    op.create_table(
        "product_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name=op.f("fk_product_images_blob_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_images_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_images")),
        sa.UniqueConstraint("product_id", "blob_sha256", name=op.f("uq_product_images_product_id")),
    )
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_images_blob_sha256"), ["blob_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_images_product_id"), ["product_id"], unique=False)

    op.create_table(
        "product_rights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_rights_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["right_id"], ["rights.id"], name=op.f("fk_product_rights_right_id_rights")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_rights")),
        sa.UniqueConstraint("product_id", "right_id", name=op.f("uq_product_rights_product_id")),
    )
    with op.batch_alter_table("product_rights", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_rights_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_rights_right_id"), ["right_id"], unique=False)

    op.create_table(
        "recordals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("application_number", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("products_covered", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("small_consignments", sa.Boolean(), nullable=False),
        sa.Column("identification_guide", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", countermark.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_recordals_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["right_id"], ["rights.id"], name=op.f("fk_recordals_right_id_rights")),
        sa.ForeignKeyConstraint(
            ["sharing_group_id"],
            ["sharing_groups.id"],
            name=op.f("fk_recordals_sharing_group_id_sharing_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordals")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_recordals_source")),
    )
    with op.batch_alter_table("recordals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recordals_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordals_right_id"), ["right_id"], unique=False)

    op.create_table(
        "listing_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name=op.f("fk_listing_images_blob_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_listing_images_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_images")),
        sa.UniqueConstraint("listing_id", "blob_sha256", name=op.f("uq_listing_images_listing_id")),
    )
    with op.batch_alter_table("listing_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_images_blob_sha256"), ["blob_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_listing_images_listing_id"), ["listing_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("listing_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listing_images_listing_id"))
        batch_op.drop_index(batch_op.f("ix_listing_images_blob_sha256"))

    op.drop_table("listing_images")
    with op.batch_alter_table("recordals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordals_right_id"))
        batch_op.drop_index(batch_op.f("ix_recordals_owner_org_id"))

    op.drop_table("recordals")
    with op.batch_alter_table("product_rights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_rights_right_id"))
        batch_op.drop_index(batch_op.f("ix_product_rights_product_id"))

    op.drop_table("product_rights")
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_images_product_id"))
        batch_op.drop_index(batch_op.f("ix_product_images_blob_sha256"))

    op.drop_table("product_images")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listings_platform"))
        batch_op.drop_index(batch_op.f("ix_listings_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_listings_observed_at"))
        batch_op.drop_index(batch_op.f("ix_listings_account_id"))

    op.drop_table("listings")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_shipments_hs_code"))
        batch_op.drop_index(batch_op.f("ix_shipments_declared_on"))

    op.drop_table("shipments")
    with op.batch_alter_table("sharing_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_group_members_org_id"))

    op.drop_table("sharing_group_members")
    with op.batch_alter_table("rights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_registration_number"))
        batch_op.drop_index(batch_op.f("ix_rights_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_rights_brand"))

    op.drop_table("rights")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_products_gtin"))
        batch_op.drop_index(batch_op.f("ix_products_brand"))

    op.drop_table("products")
    with op.batch_alter_table("authorised_sellers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorised_sellers_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_authorised_sellers_brand"))

    op.drop_table("authorised_sellers")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_platform_handle")
        batch_op.drop_index(batch_op.f("ix_accounts_owner_org_id"))

    op.drop_table("accounts")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_org_id"))

    op.drop_table("users")
    op.drop_table("sharing_groups")
    with op.batch_alter_table("identifier_sightings", schema=None) as batch_op:
        batch_op.drop_index("ix_identifier_sightings_subject")
        batch_op.drop_index(batch_op.f("ix_identifier_sightings_identifier_id"))

    op.drop_table("identifier_sightings")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))

    op.drop_table("audit_entries")
    op.drop_table("organisations")
    op.drop_table("identifiers")
    op.drop_table("blobs")
