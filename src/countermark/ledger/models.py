"""Ledger tables: append-only entries (hashes, ids, kinds, times; never personal data) and checkpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base

ENTRY_KINDS = ("right", "evidence", "case_action", "notice", "authentication", "other")


class LedgerEntry(Base):
    """One leaf of the log: what was recorded, the hash of its canonical bytes and its leaf hash."""

    __tablename__ = "ledger_entries"

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
