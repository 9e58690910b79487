"""STIX objects in the store: versions kept by id and `modified`, the leaving rule, TAXII-style paging.

Every object version is one `StixObject` row in a scope: `c:<collection id>` for what we serve, `p:<partner
id>` for what we received. Storing is idempotent (the same id and version twice is "unchanged") and
order-free (an older version arriving after a newer one is kept as history; "last" is always the newest
`modified`). `date_added` strictly increases within a scope so a reader's place (`added_after`) never
skips an object that arrived in the same microsecond as another.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from typing import cast as cast_type

from sqlalchemy import ColumnElement, Select, Table, Text, and_, cast, func, insert, or_, select
from sqlalchemy.orm import Session, aliased

from countermark.core.clock import utcnow
from countermark.core.errors import InvalidInput
from countermark.orgs.visibility import Principal, visible_clause
from countermark.share.models import StixObject

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)
MAX_PAGE = 1000


def parse_stix_time(value: Any) -> datetime:
    """A STIX/TAXII timestamp as an aware datetime; a clear error for anything else."""
    if not isinstance(value, str) or not value:
        raise InvalidInput.of("not a timestamp: {value!r}", value=value)
    text = value.strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput.of("not a timestamp: {value!r}", value=value) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def taxii_time(moment: datetime) -> str:
    """A TAXII timestamp with microseconds, the precision `date_added` is kept at."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def version_of(body: dict[str, Any]) -> datetime:
    """The version of an object: `modified`, else `created`, else the epoch (observables have one)."""
    stamp = body.get("modified") or body.get("created")
    return parse_stix_time(stamp) if stamp else EPOCH


def leaving_clause(principal: Principal) -> ColumnElement[bool]:
    """Rows that may leave the instance for this reader: visible to it, and never RED or someone else's
    AMBER+STRICT (the SQL form of `share.tlp.may_leave`)."""
    own = StixObject.owner_org_id == principal.org_id if principal.org_id is not None else StixObject.id < 0
    return and_(
        visible_clause(StixObject, principal),
        StixObject.tlp != "RED",
        or_(StixObject.tlp != "AMBER+STRICT", own),
        or_(StixObject.tlp != "AMBER", own, StixObject.sharing_group_id.in_(sorted(principal.group_ids))),
    )


@dataclass(frozen=True)
class Marking:
    """Whose an object is and how it is marked once stored here."""

    owner_org_id: int
    tlp: str
    sharing_group_id: int | None


@dataclass
class StoreCounts:
    """What storing a batch did."""

    stored: int = 0
    unchanged: int = 0
    waiting: int = 0
    resolved: int = 0
    inserted: set[tuple[str, datetime]] = field(default_factory=set)


def _next_stamp(session: Session, scope: str) -> datetime:
    last = session.scalar(select(func.max(StixObject.date_added)).where(StixObject.scope == scope))
    now = utcnow()
    return max(now, last + TICK) if last is not None else now


def existing_versions(
    session: Session, scope: str, keys: Sequence[tuple[str, datetime]]
) -> set[tuple[str, datetime]]:
    """Which (id, version) pairs a scope already holds (one indexed `IN` on the ids per 500, not a
    row-value `IN`, whose compiling cost more than the query)."""
    wanted = set(keys)
    ids = sorted({stix_id for stix_id, _ in wanted})
    found: set[tuple[str, datetime]] = set()
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(StixObject.stix_id, StixObject.version).where(
                StixObject.scope == scope, StixObject.stix_id.in_(ids[start : start + 500])
            )
        )
        found |= {(stix_id, version) for stix_id, version in rows if (stix_id, version) in wanted}
    return found


def store_versions(
    session: Session,
    *,
    scope: str,
    items: Iterable[tuple[dict[str, Any], Marking, str | None]],
    collection_id: int | None = None,
    partner_id: int | None = None,
    missing: dict[str, list[str]] | None = None,
    versions: Sequence[datetime] | None = None,
) -> StoreCounts:
    """Store object versions not yet in the scope; `missing` names the refs each waiting object lacks.

    `versions` are the objects' versions when the caller already parsed them. Rows go in with one
    Core `executemany` (the ORM's bulk path costs more per row than the database does)."""
    batch = list(items)
    stamps = versions if versions is not None else [version_of(body) for body, _, _ in batch]
    keys = [(str(body["id"]), version) for (body, _, _), version in zip(batch, stamps, strict=True)]
    have = existing_versions(session, scope, keys)
    counts = StoreCounts()
    stamp = _next_stamp(session, scope)
    rows: list[dict[str, Any]] = []
    for (body, marking, source), key in zip(batch, keys, strict=True):
        if key in have:
            counts.unchanged += 1
            continue
        have.add(key)
        counts.inserted.add(key)
        lacking = (missing or {}).get(key[0], [])
        counts.waiting += bool(lacking)
        counts.stored += not lacking
        rows.append(
            {
                "scope": scope,
                "collection_id": collection_id,
                "partner_id": partner_id,
                "stix_id": key[0],
                "stix_type": str(body["type"]),
                "version": key[1],
                "date_added": stamp,
                "revoked": bool(body.get("revoked")),
                "state": "waiting" if lacking else "stored",
                "missing_refs": lacking,
                "source_record": source,
                "body": body,
                "tlp": marking.tlp,
                "owner_org_id": marking.owner_org_id,
                "sharing_group_id": marking.sharing_group_id,
            }
        )
        stamp += TICK
    if rows:
        session.execute(insert(cast_type(Table, StixObject.__table__)), rows)
    return counts


def present_ids(session: Session, scope: str, ids: Iterable[str]) -> set[str]:
    """Which of these STIX ids a scope holds in a usable (not waiting) version."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found |= set(
            session.scalars(
                select(StixObject.stix_id).where(
                    StixObject.scope == scope,
                    StixObject.state == "stored",
                    StixObject.stix_id.in_(wanted[start : start + 500]),
                )
            )
        )
    return found


def last_versions(scope: str) -> ColumnElement[bool]:
    """Rows that are the newest version of their object in the scope (whoever may read it)."""
    newer = aliased(StixObject)
    newest = select(func.max(newer.version)).where(newer.scope == scope, newer.stix_id == StixObject.stix_id)
    return StixObject.version == newest.scalar_subquery()


@dataclass(frozen=True)
class Page:
    """One page of a TAXII objects or manifest answer."""

    rows: list[StixObject]
    more: bool
    next: str | None

    @property
    def first_added(self) -> datetime | None:
        return min((row.date_added for row in self.rows), default=None)

    @property
    def last_added(self) -> datetime | None:
        return max((row.date_added for row in self.rows), default=None)


def _cursor(row: StixObject) -> str:
    raw = f"{taxii_time(row.date_added)}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, _, row_id = raw.partition("|")
        return parse_stix_time(stamp), int(row_id)
    except (ValueError, InvalidInput, UnicodeDecodeError) as exc:
        raise InvalidInput.of("the 'next' value is not one this server gave") from exc


@dataclass(frozen=True)
class Filters:
    """The TAXII filters of a request."""

    added_after: datetime | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()
    limit: int = MAX_PAGE
    next: str | None = None


def _version_clause(scope: str, versions: tuple[str, ...]) -> ColumnElement[bool] | None:
    if "all" in versions:
        return None
    clauses: list[ColumnElement[bool]] = []
    for wanted in versions:
        if wanted == "last":
            clauses.append(last_versions(scope))
        elif wanted == "first":
            older = aliased(StixObject)
            first = select(func.min(older.version)).where(
                older.scope == scope, older.stix_id == StixObject.stix_id
            )
            clauses.append(StixObject.version == first.scalar_subquery())
        else:
            clauses.append(StixObject.version == parse_stix_time(wanted))
    return or_(*clauses)


def filtered(scope: str, principal: Principal, filters: Filters) -> Select[Any]:
    """The rows of a scope a reader may take out, filtered as TAXII asks, in the order they were added."""
    query = select(StixObject).where(
        StixObject.scope == scope, StixObject.state == "stored", leaving_clause(principal)
    )
    if filters.added_after is not None:
        query = query.where(StixObject.date_added > filters.added_after)
    if filters.ids:
        query = query.where(StixObject.stix_id.in_(filters.ids))
    if filters.types:
        query = query.where(StixObject.stix_type.in_(filters.types))
    version = _version_clause(scope, filters.versions)
    if version is not None:
        query = query.where(version)
    if filters.spec_versions and "2.1" not in filters.spec_versions:
        query = query.where(StixObject.id < 0)
    if filters.next:
        stamp, row_id = _decode_cursor(filters.next)
        query = query.where(
            or_(StixObject.date_added > stamp, and_(StixObject.date_added == stamp, StixObject.id > row_id))
        )
    return query.order_by(StixObject.date_added, StixObject.id)


def page_of(session: Session, scope: str, principal: Principal, filters: Filters) -> Page:
    """One page of what a reader may take out of a scope."""
    limit = max(1, min(filters.limit, MAX_PAGE))
    rows: list[StixObject] = list(session.scalars(filtered(scope, principal, filters).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, more=more, next=_cursor(rows[-1]) if more and rows else None)


@dataclass(frozen=True)
class RawPage:
    """A page of objects as the JSON text they are stored as (served without parsing them again)."""

    bodies: list[str]
    more: bool
    next: str | None
    first_added: datetime | None
    last_added: datetime | None


def raw_page_of(session: Session, scope: str, principal: Principal, filters: Filters) -> RawPage:
    """`page_of`, reading the bodies' stored JSON text rather than loading each row as an object."""
    limit = max(1, min(filters.limit, MAX_PAGE))
    query = (
        filtered(scope, principal, filters)
        .with_only_columns(StixObject.id, StixObject.date_added, cast(StixObject.body, Text))
        .limit(limit + 1)
    )
    rows = list(session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = None
    if more and rows:
        raw = f"{taxii_time(rows[-1][1])}|{rows[-1][0]}".encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return RawPage(
        bodies=[str(row[2]) for row in rows],
        more=more,
        next=cursor,
        first_added=rows[0][1] if rows else None,
        last_added=rows[-1][1] if rows else None,
    )


def newest_in_scope(session: Session, scope: str, stix_ids: Iterable[str]) -> dict[str, StixObject]:
    """The newest stored version of each of these objects in a scope."""
    wanted = sorted(set(stix_ids))
    found: dict[str, StixObject] = {}
    for start in range(0, len(wanted), 400):
        rows = session.scalars(
            select(StixObject).where(
                StixObject.scope == scope,
                StixObject.stix_id.in_(wanted[start : start + 400]),
                last_versions(scope),
            )
        )
        found.update({row.stix_id: row for row in rows})
    return found
