"""keys of ingested records are unique per owning organisation (issue 12)

Revision ID: 0014
Revises: 0013

Every ingested kind was unique on (source, external_id) across the instance, so ingesting a key another
organisation held was refused, and the refusal confirmed that the key existed. Each organisation now has
its own key space: the unique constraint becomes (owner_org_id, source, external_id) and another
organisation's same key is another record. Existing rows already satisfy the new constraint.

SQLite cannot drop a constraint in place; Alembic's batch mode copies the table and drops the original.
With foreign keys on (the store's connections always have them), dropping the original performs a
DELETE FROM first, which would cascade to listing images, product images and rights, inspection results
and targeting decisions, or fail on the others' references. SQLite ignores `PRAGMA foreign_keys` inside
a transaction, and the driver opens one at the first write of the upgrade, so the work done so far is
committed first (SQLite's driver runs DDL outside transactions anyway), foreign keys are turned off for
the copies (SQLite's own procedure for changing a table), checked with `foreign_key_check`, and on again.
PostgreSQL changes the constraints in place, in the upgrade's transaction.

Downgrade restores the instance-wide keys, and refuses, naming the table, while two organisations hold
the same key: it would have to delete one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = (
    "rights",
    "recordals",
    "products",
    "authorised_sellers",
    "accounts",
    "listings",
    "shipments",
    "inspection_results",
)
INSTANCE_KEY = ("source", "external_id")
ORGANISATION_KEY = ("owner_org_id", "source", "external_id")


def _replace(table: str, drop: str, create: str, columns: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(drop, table, type_="unique")
        op.create_unique_constraint(create, table, list(columns))
        return
    with op.batch_alter_table(table, recreate="always") as batch_op:
        batch_op.drop_constraint(drop, type_="unique")
        batch_op.create_unique_constraint(create, list(columns))


@contextmanager
def _foreign_keys_off() -> Iterator[None]:
    """On SQLite: foreign keys off while the tables are copied, checked before they are on again."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    raw: Any = bind.connection.dbapi_connection
    raw.commit()  # PRAGMA foreign_keys is a no-op inside a transaction
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        if raw.execute("PRAGMA foreign_keys").fetchone()[0]:
            raise RuntimeError("revision 0014 could not turn SQLite's foreign keys off to copy the tables")
        yield
        dangling = raw.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"revision 0014 left references dangling: {dangling[:5]}")
        raw.commit()
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def upgrade() -> None:
    with _foreign_keys_off():
        for table in TABLES:
            _replace(table, f"uq_{table}_source", f"uq_{table}_owner_org_id", ORGANISATION_KEY)


def downgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        shared = bind.execute(
            sa.text(
                f'SELECT source, external_id FROM "{table}" GROUP BY source, external_id '
                "HAVING count(*) > 1 LIMIT 1"
            )
        ).first()
        if shared is not None:
            raise RuntimeError(
                f"cannot downgrade below 0014: several organisations hold the same key in {table} "
                f"(source {shared[0]!r}, external_id {shared[1]!r}); instance-wide keys would lose one"
            )
    with _foreign_keys_off():
        for table in TABLES:
            _replace(table, f"uq_{table}_owner_org_id", f"uq_{table}_source", INSTANCE_KEY)
