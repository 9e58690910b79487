"""Cases, their links, append-only events, tasks, evidence with chain of custody, and notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, ForeignKey, Index, String, Text, UniqueConstraint, event, inspect, select
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base
from countermark.core.marking import MarkedMixin

LINK_TYPES = ("shipment", "listing", "account", "right", "recordal", "alert")


class Case(MarkedMixin, Base):
    """A case under one procedure of a jurisdiction; its step and due date are stored."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    procedure: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    perishable: Mapped[bool] = mapped_column(default=False)
    rights_holder_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # The platform a takedown is asked of, when it uses Countermark: it takes the platform's decisions.
    platform_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    opened_at: Mapped[datetime]
    step_entered_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    overdue_since: Mapped[datetime | None]
    opened_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)


class CaseLink(Base):
    """A record a case is about: a shipment, listing, account, right, recordal or alert."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("case_id", "subject_type", "subject_id"),
        Index("ix_case_links_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(500))


class CaseEvent(Base):
    """One thing that happened to a case: opening, decision, notification, lapse, reopening. Never changed."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    procedure: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    effect: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(254))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    note: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseTask(Base):
    """Something a role must do on a case, by a date; closed when the case leaves the step."""

    __tablename__ = "case_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    step: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class EvidenceItem(MarkedMixin, Base):
    """A piece of evidence stored by digest, with where it came from."""

    __tablename__ = "case_evidence"
    __table_args__ = (UniqueConstraint("case_id", "blob_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    description: Mapped[str] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(200))
    derived_from: Mapped[str | None] = mapped_column(String(500))
    added_by: Mapped[str] = mapped_column(String(254))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustodyEntry(Base):
    """One link of an evidence item's chain of custody: who did what with it, when, from what."""

    __tablename__ = "case_evidence_custody"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("case_evidence.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(254))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Notice(MarkedMixin, Base):
    """A notice built from a case for a platform (DSA, DMCA, Lumen, marketplace report) and its status."""

    __tablename__ = "case_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(100))
    target_url: Mapped[str | None] = mapped_column(String(2000))
    seller: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(1000))
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NoticeStatusChange(Base):
    """One change of a notice's status (sent, acknowledged, actioned, refused, counter-notice, relisted)."""

    __tablename__ = "case_notice_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("case_notices.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)


class CaseRecordIsAppendOnly(Exception):
    """Raised when code tries to change or remove a case event or a custody entry."""


def _refuse(mapper: Mapper[Any], connection: Any, target: Any) -> None:
    raise CaseRecordIsAppendOnly(f"{type(target).__tablename__} rows are append-only")


for _model in (CaseEvent, CustodyEntry, NoticeStatusChange):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)


# The ledger subject type of each marked record of a case (what `service.record_in_ledger` appends).
LEDGER_SUBJECTS: dict[type[Base], str] = {Case: "case", EvidenceItem: "case_evidence", Notice: "case_notice"}


def _ledger_follows(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    """When a case, evidence item or notice is re-marked, its ledger entries follow in the same flush, so
    an entry never tells more than its record. Re-marking a case re-marks the entries of its evidence and
    notices too: those records are read only through their case, their entries directly by id."""
    state = inspect(target)
    if not (state.attrs.tlp.history.has_changes() or state.attrs.sharing_group_id.history.has_changes()):
        return
    try:
        from countermark.ledger.service import follow_marking
    except ImportError:  # the ledger is a separate capability; cases work without it
        return
    subjects = [(LEDGER_SUBJECTS[type(target)], str(target.id))]
    if isinstance(target, Case):
        for model in (EvidenceItem, Notice):
            ids = connection.scalars(select(model.id).where(model.case_id == target.id))
            subjects += [(LEDGER_SUBJECTS[model], str(i)) for i in ids]
    follow_marking(
        connection=connection, subjects=subjects, tlp=target.tlp, sharing_group_id=target.sharing_group_id
    )


for _marked in LEDGER_SUBJECTS:
    event.listen(_marked, "after_update", _ledger_follows)
