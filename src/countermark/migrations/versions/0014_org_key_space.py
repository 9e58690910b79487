"""keys of ingested records are unique per owning organisation (issue 12)

Revision ID: 0014
Revises: 0013

Reserved in the chain so that capabilities built side by side keep one linear history; until its
capability fills it, this revision changes nothing.
"""

from __future__ import annotations

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
