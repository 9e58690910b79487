"""Ledger tables: append-only entries (hashes, ids, kinds, times; never personal data) and checkpoints.

An entry is owned and marked like the record it describes (a case's events like the case, an evidence
file like the evidence item, a right like the right), so it is shown only to whom may see that record.
The marking is access control, not content: it is outside the bytes the leaf hash commits to, and it
follows its record when the record is re-marked (`service.follow_marking`). An entry with no owner is
seen by the system alone (the command line); checkpoints, sizes and roots are public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, ForeignKey, Index, String, Text, event, inspect, update
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base
from countermark.core.marking import MarkedMixin

ENTRY_KINDS = ("right", "evidence", "case_action", "notice", "authentication", "other")
# The marking of an entry when its appender names none: seen by its owner alone (by nobody but the
# system when it has no owner). Failing closed: an entry never tells more than its record would.
ENTRY_DEFAULT_TLP = "RED"


class LedgerEntry(Base):
    """One leaf of the log: what was recorded, the hash of its canonical bytes and its leaf hash."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    entry_hash: Mapped[str] = mapped_column(String(64))
    leaf_hash: Mapped[str] = mapped_column(String(64))
    # The columns of core.marking.MarkedMixin, but the owner may be absent (entries whose record is
    # gone, or that no organisation owns), and the marking changes only with its record's
    # (`service.follow_marking`), never through the ORM, which refuses every update of an entry.
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    tlp: Mapped[str] = mapped_column(String(16), default=ENTRY_DEFAULT_TLP)
    sharing_group_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_groups.id"))


class LedgerCheckpoint(Base):
    """A signed tree head: size, root and the C2SP signed note text."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(unique=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerIsAppendOnly(Exception):
    """Raised when code tries to change or remove a ledger entry or checkpoint."""


def _refuse(mapper: Mapper[Any], connection: Any, target: Any) -> None:
    raise LedgerIsAppendOnly("the ledger is append-only")


for _model in (LedgerEntry, LedgerCheckpoint):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)


# Records below the ledger whose entries follow them when they are re-marked: table → subject type. The
# ledger cannot be called by them (they stand below it), so it listens. Cases, above the ledger, re-marks
# the entries of its own records itself (`cases.models`).
FOLLOWED_TABLES = {"rights": "right"}


def _follow(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    subject_type = FOLLOWED_TABLES.get(str(getattr(target, "__tablename__", "")))
    if subject_type is None:
        return
    state = inspect(target)
    if not (state.attrs.tlp.history.has_changes() or state.attrs.sharing_group_id.history.has_changes()):
        return
    connection.execute(
        update(LedgerEntry)
        .where(LedgerEntry.subject_type == subject_type, LedgerEntry.subject_id == str(target.id))
        .values(tlp=target.tlp, sharing_group_id=target.sharing_group_id)
    )


event.listen(MarkedMixin, "after_update", _follow, propagate=True)
