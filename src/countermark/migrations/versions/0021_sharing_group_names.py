"""sharing group names are unique per owning organisation, not across the instance

Revision ID: 0021
Revises: 0020

With one global name space, creating a group whose name another organisation had chosen was refused with
"exists", which told the caller the other organisation's group name (issue #12, existence oracles). Names
are now unique per owner. Downgrading fails if two organisations have since chosen the same name.
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sharing_groups") as batch:
        batch.drop_constraint("uq_sharing_groups_name", type_="unique")
        batch.create_unique_constraint("uq_sharing_groups_owner_org_id", ["owner_org_id", "name"])


def downgrade() -> None:
    with op.batch_alter_table("sharing_groups") as batch:
        batch.drop_constraint("uq_sharing_groups_owner_org_id", type_="unique")
        batch.create_unique_constraint("uq_sharing_groups_name", ["name"])
