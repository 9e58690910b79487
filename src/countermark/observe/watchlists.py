"""An organisation's watchlist: brands, sellers, identifiers and domains it wants to hear of again (issue 18).

An entry belongs to one organisation and is never shared (no marking: only its organisation reads it).
`value` is the normalised form the hits are looked up by; `seen_until` is the moment up to which the
organisation has seen the entry's hits: records stored after it are new hits. The hits themselves are found
by a query at the time the work queue or the watchlist page is read (`web/watchlist_service.py`), not by a
hook in ingestion, so every way a record arrives is covered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base

WATCH_KINDS = ("brand", "seller", "identifier", "domain")


class WatchlistEntry(Base):
    """One value an organisation watches for, and how far it has looked at its hits."""

    __tablename__ = "watchlist_entries"
    __table_args__ = (UniqueConstraint("org_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(300))
    label: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_until: Mapped[datetime] = mapped_column(default=utcnow)
