"""an index on cases.updated_at

Revision ID: 0020
Revises: 0019

Targeting's intelligence asks, on every scoring run, whether any case changed since it last read the
confirmed outcomes (`cases/outcome_service.py`: max(cases.updated_at)); without an index that is a scan
of every case, each time.
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_updated_at", table_name="cases")
