"""ledger entries carry an owner and a marking, like the records they describe

Revision ID: 0011
Revises: 0010

Until now any signed-in principal could read any entry and its proof by id, and entries about AMBER and
RED cases told other organisations the case's procedure, steps, decisions and its evidence files'
SHA-256. Each entry now carries the owner, TLP marking and sharing group of the record it describes.
Existing entries take them from that record: a case's events from the case, an evidence entry from the
evidence item, a notice entry from the notice, a right from the right. An entry whose record is gone or
of another kind takes the most restrictive marking, RED with no owner: only the system (the command
line) sees it. The marking is not part of an entry's hashed bytes, so no leaf, root or signed checkpoint
changes. When a record is re-marked later, the entries about it follow (`ledger.service.follow_marking`),
found by the new index on (subject type, subject id).
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

RESTRICTIVE_TLP = "RED"  # the marking of an entry whose record is unknown (a migration never moves)
# The subject types the cases capability and the demo record, and the table of each subject.
SUBJECT_TABLES = {
    "case": "cases",
    "case_evidence": "case_evidence",
    "case_notice": "case_notices",
    "right": "rights",
}
CHUNK = 5000

_entries = sa.table(
    "ledger_entries",
    sa.column("id", sa.Integer()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.String()),
    sa.column("owner_org_id", sa.Integer()),
    sa.column("tlp", sa.String()),
    sa.column("sharing_group_id", sa.Integer()),
)


def _marked(table: str) -> sa.TableClause:
    return sa.table(
        table,
        sa.column("id", sa.Integer()),
        sa.column("owner_org_id", sa.Integer()),
        sa.column("tlp", sa.String()),
        sa.column("sharing_group_id", sa.Integer()),
    )


def _markings(connection: sa.Connection) -> Iterator[dict[str, object]]:
    """The new marking of every entry whose record still exists, read table by table (no casts in SQL:
    subject ids are strings, record ids integers, and comparing them would defeat the indexes)."""
    for subject_type, table in SUBJECT_TABLES.items():
        records = _marked(table)
        marking = {
            str(row.id): (row.owner_org_id, row.tlp, row.sharing_group_id)
            for row in connection.execute(
                sa.select(records.c.id, records.c.owner_org_id, records.c.tlp, records.c.sharing_group_id)
            )
        }
        entries = connection.execute(
            sa.select(_entries.c.id, _entries.c.subject_id).where(_entries.c.subject_type == subject_type)
        )
        for entry_id, subject_id in entries:
            found = marking.get(subject_id)
            if found is not None:
                owner, tlp, group = found
                yield {"entry_id": entry_id, "owner": owner, "tlp": tlp, "group": group}


def upgrade() -> None:
    # Added in place, no table copy on SQLite: the owner and group are nullable, and the server default
    # gives every existing entry the restrictive marking until its record's marking is copied below.
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_org_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("tlp", sa.String(length=16), nullable=False, server_default=RESTRICTIVE_TLP)
        )
        batch_op.add_column(sa.Column("sharing_group_id", sa.Integer(), nullable=True))
    connection = op.get_bind()
    update = (
        sa.update(_entries)
        .where(_entries.c.id == sa.bindparam("entry_id"))
        .values(
            owner_org_id=sa.bindparam("owner"),
            tlp=sa.bindparam("tlp"),
            sharing_group_id=sa.bindparam("group"),
        )
    )
    batch: list[dict[str, object]] = []
    for row in _markings(connection):
        batch.append(row)
        if len(batch) == CHUNK:
            connection.execute(update, batch)
            batch = []
    if batch:
        connection.execute(update, batch)
    # Nothing references ledger_entries, so SQLite may copy the table to add the foreign keys; the
    # application's append-only guard is an ORM hook, which this revision's SQL does not go through.
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_ledger_entries_owner_org_id_organisations"),
            "organisations",
            ["owner_org_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ledger_entries_sharing_group_id_sharing_groups"),
            "sharing_groups",
            ["sharing_group_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_owner_org_id"), ["owner_org_id"], unique=False)
        # Re-marking a record re-marks the entries about it, found by subject.
        batch_op.create_index("ix_ledger_entries_subject", ["subject_type", "subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_subject")
        batch_op.drop_index(batch_op.f("ix_ledger_entries_owner_org_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_ledger_entries_sharing_group_id_sharing_groups"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_ledger_entries_owner_org_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_column("sharing_group_id")
        batch_op.drop_column("tlp")
        batch_op.drop_column("owner_org_id")
