"""Columns every ingested record carries: where it came from, which version, and its content hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from countermark.core.clock import utcnow


class IngestedMixin:
    """Identity of an ingested record: unique on (owner organisation, source, external_id), with a version
    and a content hash. Each organisation has its own key space: another's same key is another record, and
    no ingestion tells whether one exists (issue 12, item 9). It comes before `MarkedMixin` in a model's
    bases, whose `owner_org_id` it declares again without a separate index."""

    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Indexed: lists sort by it, and watchlists and queues look for what was stored since a moment.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr
    @classmethod
    def owner_org_id(cls) -> Mapped[int]:
        # No index of its own (unlike `MarkedMixin`'s): the unique key (owner_org_id, source, external_id)
        # starts with it and serves every lookup by owner, and each index costs every ingested row a write.
        return mapped_column(ForeignKey("organisations.id"))

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[UniqueConstraint, ...]:
        return (UniqueConstraint("owner_org_id", "source", "external_id"),)
