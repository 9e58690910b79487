"""ingested tables' indexes: the redundant owner and sighting ones dropped, created_at indexed (issues 12, 18)

Revision ID: 0027
Revises: 0026

Each ingested table is unique on (owner_org_id, source, external_id), an index that starts with the owner
and serves every lookup by owner; its separate `ix_<table>_owner_org_id` only cost each ingested row one
more index write. The same for identifier sightings, unique on (identifier_id, subject_type, subject_id,
field): `ix_identifier_sightings_identifier_id` is dropped. A shipment back-fill writes one row and about
four sightings per declaration, so this is five index writes fewer per row.

Their `created_at` is indexed instead: lists sort by it, and a watchlist looks for the records stored
since it was last seen (`web/watchlist_service.py`), which without it read the whole table for every
entry on every work-queue page.
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

INGESTED = (
    "accounts",
    "listings",
    "rights",
    "recordals",
    "products",
    "authorised_sellers",
    "shipments",
    "inspection_results",
)


def upgrade() -> None:
    for table in INGESTED:
        op.drop_index(f"ix_{table}_owner_org_id", table_name=table)
        op.create_index(f"ix_{table}_created_at", table, ["created_at"])
    op.drop_index("ix_identifier_sightings_identifier_id", table_name="identifier_sightings")


def downgrade() -> None:
    op.create_index("ix_identifier_sightings_identifier_id", "identifier_sightings", ["identifier_id"])
    for table in INGESTED:
        op.drop_index(f"ix_{table}_created_at", table_name=table)
        op.create_index(f"ix_{table}_owner_org_id", table, ["owner_org_id"])
