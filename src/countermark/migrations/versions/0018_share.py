"""sharing between instances: partners, collections, sync, requests (issue 19)

Revision ID: 0018
Revises: 0017

Reserved in the chain so that capabilities built side by side keep one linear history; until its
capability fills it, this revision changes nothing.
"""

from __future__ import annotations

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
