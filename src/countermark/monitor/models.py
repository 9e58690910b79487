"""Tables of the monitor capability: sources to crawl, crawl runs, snapshots, crawled items, notice checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base
from countermark.core.marking import MarkedMixin


class MonitorSource(MarkedMixin, Base):
    """A site to watch, as configuration: where to start, how to read its pages, how politely to fetch."""

    __tablename__ = "monitor_sources"
    __table_args__ = (UniqueConstraint("owner_org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(100))
    # The whole crawl configuration (start URLs, search template and terms, extraction profile,
    # politeness, proxy, rendering), validated by `monitor.config.SourceConfig` before it is stored.
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    frequency_minutes: Mapped[int] = mapped_column(default=1440)
    paused: Mapped[bool] = mapped_column(default=False)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CrawlRun(Base):
    """One crawl of a source: its progress, counts of what was new, changed or gone, and its errors."""

    __tablename__ = "monitor_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("monitor_sources.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    work_dir: Mapped[str] = mapped_column(String(1000))
    pages: Mapped[int] = mapped_column(default=0)
    pending: Mapped[int] = mapped_column(default=0)
    listings_found: Mapped[int] = mapped_column(default=0)
    listings_new: Mapped[int] = mapped_column(default=0)
    listings_changed: Mapped[int] = mapped_column(default=0)
    listings_unchanged: Mapped[int] = mapped_column(default=0)
    listings_gone: Mapped[int] = mapped_column(default=0)
    accounts_found: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    message: Mapped[str | None] = mapped_column(Text)


class CrawlSnapshot(MarkedMixin, Base):
    """One fetch kept as evidence: its WARC request and response records and the page, by SHA-256."""

    __tablename__ = "monitor_snapshots"
    __table_args__ = (
        UniqueConstraint("run_id", "fingerprint"),
        Index("ix_monitor_snapshots_listing", "listing_source", "listing_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("monitor_runs.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("monitor_sources.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int]
    fetched_at: Mapped[datetime]
    warc_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    payload_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    # The digests warcio wrote into the response record (WARC-Block-Digest, WARC-Payload-Digest).
    block_digest: Mapped[str] = mapped_column(String(100))
    payload_digest: Mapped[str | None] = mapped_column(String(100))
    text_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    screenshot_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    listing_source: Mapped[str | None] = mapped_column(String(100))
    listing_external_id: Mapped[str | None] = mapped_column(String(200))


class CrawledItem(Base):
    """A listing or account a source has found: its version, and when it was last seen or gone."""

    __tablename__ = "monitor_items"
    __table_args__ = (UniqueConstraint("source_id", "kind", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("monitor_sources.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    # The digest of what was extracted (images by their SHA-256): a change makes the next version.
    digest: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    observed_at: Mapped[datetime]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    gone_at: Mapped[datetime | None]
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("monitor_runs.id", ondelete="SET NULL"))


class NoticeCheck(Base):
    """A re-crawl of a takedown notice's URL: whether the listing was confirmed removed or still online."""

    __tablename__ = "monitor_notice_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("case_notices.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    checked_at: Mapped[datetime]
    http_status: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(24))
    warc_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    detail: Mapped[str | None] = mapped_column(String(500))
