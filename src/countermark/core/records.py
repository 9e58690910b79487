"""Columns every ingested record carries: where it came from, which version, and its content hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from countermark.core.clock import utcnow


class IngestedMixin:
    """Identity of an ingested record: unique on (owner organisation, source, external_id), with a version
    and a content hash. Each organisation has its own key space: another's same key is another record, and
    no ingestion tells whether one exists (issue 12, item 9). `owner_org_id` comes from `MarkedMixin`."""

    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[UniqueConstraint, ...]:
        return (UniqueConstraint("owner_org_id", "source", "external_id"),)
