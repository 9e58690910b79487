"""user lifecycle: disabled users, when a password last changed, sign-in attempts by address

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: SQLite adds them in place (no table copy), PostgreSQL without rewriting the table.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("password_changed_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempts_origin"), ["origin"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempts_origin"))
    # Not in batch mode: on SQLite a batch would copy `users` and drop the original, and with foreign keys
    # on, dropping it deletes every session and token (ON DELETE CASCADE) or fails on the other references.
    # SQLite 3.35+ drops a column in place, as PostgreSQL does.
    op.drop_column("users", "password_changed_at")
    op.drop_column("users", "disabled_at")
