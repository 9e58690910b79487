"""listing detection: scores, alerts, verdicts, rules (issue 15)

Revision ID: 0016
Revises: 0015

Reserved in the chain so that capabilities built side by side keep one linear history; until its
capability fills it, this revision changes nothing.
"""

from __future__ import annotations

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
