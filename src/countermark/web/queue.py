"""The analyst's work queue: what needs me today, gathered from every capability through a small registry.

Each queue source is a title (a catalogue message id), the organisation kinds it concerns, a loader that
asks a capability's read-only service (every query through `orgs.visibility.visible`) and a link to the
item to handle next. A capability that lands later (detection alerts, partner requests) adds its queue
with one `register(QueueSource(...))` line. A loader that fails does not take the home page down: the
line says the queue could not be read, and the error is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from countermark.orgs.visibility import Principal

log = logging.getLogger(__name__)

Moment = datetime | date


@dataclass(frozen=True)
class Backlog:
    """One queue's state for one principal: how many items, since when, and the next one to open."""

    count: int
    oldest: Moment | None = None
    next_href: str | None = None


@dataclass(frozen=True)
class QueueSource:
    """A kind of work waiting on an organisation.

    `kinds` limits the queue to organisations of those kinds (empty: every kind); `list_href` is the page
    listing all the items; `load` answers the backlog for a principal at a moment.
    """

    key: str
    title: str
    list_href: str
    load: Callable[[Session, Principal, datetime], Backlog]
    kinds: frozenset[str] = frozenset()
    overdue: bool = False


@dataclass(frozen=True)
class QueueLine:
    """A source with its backlog as the home page shows it (backlog None: it could not be read)."""

    source: QueueSource
    backlog: Backlog | None


SOURCES: list[QueueSource] = []


def register(source: QueueSource) -> QueueSource:
    """Add a queue to every home page it concerns (a second source with the same key replaces the first)."""
    SOURCES[:] = [s for s in SOURCES if s.key != source.key] + [source]
    return source


def sources_for(kind: str | None, sources: Sequence[QueueSource] | None = None) -> list[QueueSource]:
    """The queues that concern an organisation of this kind, in registration order."""
    return [s for s in (SOURCES if sources is None else sources) if not s.kinds or (kind in s.kinds)]


def source(key: str) -> QueueSource | None:
    """The registered source with this key."""
    return next((s for s in SOURCES if s.key == key), None)


def work_queue(session: Session, principal: Principal, kind: str | None, now: datetime,
               sources: Sequence[QueueSource] | None = None) -> list[QueueLine]:
    """Every queue of the principal's organisation, with its count, its oldest item and the next one."""
    lines = []
    for item in sources_for(kind, sources):
        try:
            backlog: Backlog | None = item.load(session, principal, now)
        except Exception:  # one broken queue must not hide the others
            log.exception("work queue %s could not be read", item.key)
            session.rollback()
            backlog = None
        lines.append(QueueLine(item, backlog))
    return lines
