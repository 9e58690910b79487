"""online monitoring: sources, crawl runs, snapshots (issue 14)

Revision ID: 0015
Revises: 0014

Reserved in the chain so that capabilities built side by side keep one linear history; until its
capability fills it, this revision changes nothing.
"""

from __future__ import annotations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
