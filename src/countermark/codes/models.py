"""Tables of product codes: keys, batches, codes, scans, supply-chain events, alerts, reports, rewards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base
from countermark.core.marking import MarkedMixin

CODE_STATES = ("issued", "commissioned", "shipped", "received", "sold", "destroyed", "decommissioned")
BATCH_STATUSES = ("queued", "running", "done", "failed")
ALERT_STATUSES = ("open", "confirmed", "dismissed")
REWARD_STATUSES = ("none", "eligible", "approved", "paid", "refused")


class SigningKey(Base):
    """Metadata of an organisation's Ed25519 key; the private key is a file under the data directory."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(6), unique=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revocation_reason: Mapped[str | None] = mapped_column(String(500))


class CodeBatch(MarkedMixin, Base):
    """A run of codes issued for one product, with the progress of the issuing job."""

    __tablename__ = "code_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14))
    key_id: Mapped[str] = mapped_column(String(6))
    resolver: Mapped[str] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column()
    issued_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(String(500))
    public_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class ProductCode(MarkedMixin, Base):
    """One serialised code: GTIN + serial, its signature and its life-cycle state."""

    __tablename__ = "product_codes"
    __table_args__ = (UniqueConstraint("gtin", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("code_batches.id", ondelete="CASCADE"), index=True)
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    signature: Mapped[str] = mapped_column(String(90))
    state: Mapped[str] = mapped_column(String(16), default="issued")
    state_at: Mapped[datetime | None] = mapped_column()
    commissioned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodeScan(MarkedMixin, Base):
    """A verification: when, roughly where (~1 km), by which hashed device, with what verdict. No address."""

    __tablename__ = "code_scans"
    __table_args__ = (Index("ix_code_scans_gtin_serial", "gtin", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_codes.id", ondelete="CASCADE"), index=True
    )
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    scanned_at: Mapped[datetime] = mapped_column(index=True)
    lat: Mapped[float | None] = mapped_column()
    lon: Mapped[float | None] = mapped_column()
    scanner_hash: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="consumer")
    verdict: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))


class SupplyEvent(MarkedMixin, Base):
    """An EPCIS 2.0 event about one code: what happened (bizStep, disposition), when and where."""

    __tablename__ = "supply_events"
    __table_args__ = (UniqueConstraint("owner_org_id", "event_key", "code_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("product_codes.id", ondelete="CASCADE"), index=True)
    event_key: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(32))
    action: Mapped[str | None] = mapped_column(String(16))
    event_time: Mapped[datetime] = mapped_column()
    tz_offset: Mapped[str] = mapped_column(String(6))
    biz_step: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(String(64))
    read_point: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column()
    lon: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CloneAlert(MarkedMixin, Base):
    """A code whose history looks copied: score, reasons in words, and a person's decision."""

    __tablename__ = "clone_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("product_codes.id", ondelete="CASCADE"), unique=True)
    score: Mapped[float] = mapped_column()
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    # The reasons as codes with parameters (codes/reason_codes.py); empty on rows stored before them.
    reason_codes: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsumerReport(MarkedMixin, Base):
    """A member of the public's report of a suspected fake: where bought, photos by digest, rough place."""

    __tablename__ = "consumer_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("product_codes.id", ondelete="SET NULL"))
    gtin: Mapped[str | None] = mapped_column(String(14))
    serial: Mapped[str | None] = mapped_column(String(20))
    bought_at_kind: Mapped[str] = mapped_column(String(16))
    shop: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[Any]] = mapped_column(default=list)
    lat: Mapped[float | None] = mapped_column()
    lon: Mapped[float | None] = mapped_column()
    contact: Mapped[str | None] = mapped_column(String(254))
    reporter_hash: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="new")
    reward_status: Mapped[str] = mapped_column(String(16), default="none")
    reward_scheme_id: Mapped[int | None] = mapped_column(ForeignKey("reward_schemes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    matched_at: Mapped[datetime | None] = mapped_column(index=True)


class RewardScheme(MarkedMixin, Base):
    """What a rights holder offers for a useful report of a fake."""

    __tablename__ = "reward_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportMatch(MarkedMixin, Base):
    """What a consumer report was matched to (a listing, account, right, bank entry…), why, how strongly."""

    __tablename__ = "report_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("consumer_reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column()
    label: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(500))
    # The reasons as codes with parameters (codes/reason_codes.py); empty on rows stored before them.
    reason_codes: Mapped[list[Any]] = mapped_column(default=list)
    strength: Mapped[float] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClusterCase(MarkedMixin, Base):
    """The one case opened for a fake cluster, and the serials it held when the case was opened."""

    __tablename__ = "cluster_cases"
    __table_args__ = (UniqueConstraint("owner_org_id", "cluster_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_key: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int] = mapped_column(ForeignKey("code_batches.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(16))
    seller: Mapped[str | None] = mapped_column(String(200))
    code_ids: Mapped[list[Any]] = mapped_column(default=list)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(16))
    opened_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateLimitWindow(Base):
    """Hits of one hashed client in one fixed window of one bucket, shared by every process."""

    __tablename__ = "rate_limit_windows"
    __table_args__ = (Index("ix_rate_limit_windows_window_start", "window_start"),)

    bucket: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hits: Mapped[int] = mapped_column(default=0)


class EpcisCapture(MarkedMixin, Base):
    """One capture job of the EPCIS repository (REST binding `/capture/{captureID}`): what it stored."""

    __tablename__ = "epcis_captures"

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[str] = mapped_column(String(36), unique=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    success: Mapped[bool] = mapped_column(default=False)
    stored: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any]] = mapped_column(default=list)


class EpcisEvent(MarkedMixin, Base):
    """An EPCIS 2.0 event as captured (any type, any identifiers), indexed for the query interface."""

    __tablename__ = "epcis_events"
    __table_args__ = (
        UniqueConstraint("owner_org_id", "event_id"),
        Index("ix_epcis_events_event_time_id", "event_time", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(300))
    event_type: Mapped[str] = mapped_column(String(32))
    event_time: Mapped[datetime] = mapped_column()
    record_time: Mapped[datetime] = mapped_column(index=True)
    tz_offset: Mapped[str] = mapped_column(String(6))
    action: Mapped[str | None] = mapped_column(String(16))
    biz_step: Mapped[str | None] = mapped_column(String(300), index=True)
    disposition: Mapped[str | None] = mapped_column(String(300))
    read_point: Mapped[str | None] = mapped_column(String(500))
    biz_location: Mapped[str | None] = mapped_column(String(500))
    capture_id: Mapped[str] = mapped_column(String(36))
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EpcisEventEpc(Base):
    """One identifier an EPCIS event names, and in which field: what `/epcs/{epc}/events` looks up."""

    __tablename__ = "epcis_event_epcs"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_row_id: Mapped[int] = mapped_column(ForeignKey("epcis_events.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    epc: Mapped[str] = mapped_column(String(500), index=True)
