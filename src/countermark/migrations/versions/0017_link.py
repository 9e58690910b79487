"""network linking: evidence, networks, hub values (issue 16)

Revision ID: 0017
Revises: 0016

Reserved in the chain so that capabilities built side by side keep one linear history; until its
capability fills it, this revision changes nothing.
"""

from __future__ import annotations

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
