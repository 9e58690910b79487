"""Identifiers of observed records: recorded at ingest (sightings), and read by other capabilities
(which records share an identifier, where one was seen, what the principal may see of it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, delete, func, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.db import UTCDateTime
from countermark.core.ingestion import IngestContext
from countermark.observe.identifiers import FoundIdentifier, extract_identifiers, normalise_identifier
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing
from countermark.orgs.visibility import Principal, visible_clause


@dataclass(frozen=True, slots=True)
class Sighting:
    """An identifier found in one field of a record."""

    field: str
    found: FoundIdentifier


# Parties recur across a feed (a sender, a courier, an address): short values are extracted once per
# process. Both functions are pure; long texts (descriptions, pages) are not kept.
SHORT_TEXT = 500


@lru_cache(maxsize=100_000)
def _found_in_short_text(text: str, region: str | None) -> tuple[FoundIdentifier, ...]:
    return tuple(extract_identifiers(text, default_region=region))


@lru_cache(maxsize=100_000)
def _normalised_short_value(kind: str, raw: str, region: str | None) -> str | None:
    return normalise_identifier(kind, raw, default_region=region)


def sightings_in_text(field: str, text: str | None, *, region: str | None) -> list[Sighting]:
    """Identifiers extracted from free text, tagged with the field they came from."""
    if not text:
        return []
    if len(text) <= SHORT_TEXT:
        return [Sighting(field, found) for found in _found_in_short_text(text, region)]
    return [Sighting(field, found) for found in extract_identifiers(text, default_region=region)]


def sighting_of_value(field: str, kind: str, raw: str | None, *, region: str | None = None) -> list[Sighting]:
    """The identifier of a structured field (a name, an address), if it normalises."""
    if not raw:
        return []
    if len(raw) <= SHORT_TEXT:
        value = _normalised_short_value(kind, raw, region)
    else:
        value = normalise_identifier(kind, raw, default_region=region)
    if not value:
        return []
    return [Sighting(field, FoundIdentifier(kind=kind, value=value, raw=raw, start=-1, end=-1))]


def _identifier_id(ctx: IngestContext, kind: str, value: str) -> int:
    key = ("identifier", f"{kind}\x00{value}")
    cached = ctx.cache.get(key)
    if cached is not None:
        return int(cached)
    identifier_id = ctx.session.scalar(
        select(Identifier.id).where(Identifier.kind == kind, Identifier.value == value)
    )
    if identifier_id is None:
        identifier = Identifier(kind=kind, value=value)
        ctx.session.add(identifier)
        ctx.session.flush()
        identifier_id = identifier.id
    ctx.cache[key] = identifier_id
    return identifier_id


def record_sightings(
    ctx: IngestContext,
    *,
    subject_type: str,
    subject_id: int,
    sightings: Iterable[Sighting],
    new: bool = False,
) -> int:
    """Replace the subject's identifier sightings with these; the number recorded.

    Inside an ingestion batch (`ctx.batch`) they are queued and written with the batch's others at once;
    `new` says the subject's row is inserted by this batch, so that it has no sightings to replace (ids
    are never handed out twice: a new row's id is above every stored one, and records are not deleted).
    """
    if ctx.batch is not None:
        kept = _distinct_sightings(sightings)
        ctx.batch.defer(_write_sightings, (subject_type, subject_id), (kept, new))
        return len(kept)
    ctx.session.execute(
        delete(IdentifierSighting).where(
            IdentifierSighting.subject_type == subject_type, IdentifierSighting.subject_id == subject_id
        )
    )
    seen: set[tuple[int, str]] = set()
    for sighting in sightings:
        identifier_id = _identifier_id(ctx, sighting.found.kind, sighting.found.value[:1000])
        if (identifier_id, sighting.field) in seen:
            continue
        seen.add((identifier_id, sighting.field))
        ctx.session.add(
            IdentifierSighting(
                identifier_id=identifier_id,
                subject_type=subject_type,
                subject_id=subject_id,
                field=sighting.field,
                raw=sighting.found.raw[:1000],
            )
        )
    ctx.session.flush()
    return len(seen)


def _distinct_sightings(sightings: Iterable[Sighting]) -> list[tuple[str, str, str, str]]:
    """(kind, value, field, raw) of each identifier once per field, as `record_sightings` keeps them."""
    kept: dict[tuple[str, str, str], str] = {}
    for sighting in sightings:
        key = (sighting.found.kind, sighting.found.value[:1000], sighting.field)
        kept.setdefault(key, sighting.found.raw[:1000])
    return [(kind, value, field, raw) for (kind, value, field), raw in kept.items()]


def _write_sightings(ctx: IngestContext, queued: dict[Any, Any]) -> None:
    """Write a batch's queued sightings set-based: replace each subject's, creating missing identifiers.

    A subject the batch inserts has nothing to replace: on a back-fill of new declarations the DELETE
    that looked for their sightings was a ninth of the batch's time on PostgreSQL."""
    session, batch = ctx.session, ctx.batch
    assert batch is not None  # called by the batch it was queued in
    subjects: dict[str, list[int]] = {}
    for (subject_type, subject_id), (_, new) in queued.items():
        if not new:
            subjects.setdefault(subject_type, []).append(subject_id)
    for subject_type, ids in subjects.items():
        for start in range(0, len(ids), 1000):
            session.execute(
                delete(IdentifierSighting).where(
                    IdentifierSighting.subject_type == subject_type,
                    IdentifierSighting.subject_id.in_(ids[start : start + 1000]),
                )
            )
    wanted = {(kind, value) for kept, _ in queued.values() for kind, value, _, _ in kept}
    ids_by_key = _identifier_ids(ctx, wanted)
    now = utcnow()
    rows = [
        {
            "identifier_id": ids_by_key[(kind, value)],
            "subject_type": subject_type,
            "subject_id": subject_id,
            "field": field,
            "raw": raw,
            "seen_at": now,
        }
        for (subject_type, subject_id), (kept, _) in queued.items()
        for kind, value, field, raw in kept
    ]
    batch.insert_rows(session, IdentifierSighting.__table__, rows)


def _identifier_ids(ctx: IngestContext, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The ids of these (kind, value) identifiers, inserting those not stored yet."""
    found: dict[tuple[str, str], int] = {}
    for key in wanted:
        cached = ctx.cache.get(("identifier", f"{key[0]}\x00{key[1]}"))
        if cached is not None:
            found[key] = int(cached)
    postgres = ctx.session.get_bind().dialect.name == "postgresql"

    def keep(rows: Iterable[Any]) -> None:
        for identifier_id, kind, value in rows:
            found[(kind, value)] = identifier_id
            ctx.cache[("identifier", f"{kind}\x00{value}")] = identifier_id

    def look_up(keys: list[tuple[str, str]]) -> None:
        if postgres and keys:
            keep(ctx.session.execute(_STORED_PAIRS, _as_arrays(keys)))
            return
        by_kind: dict[str, list[str]] = {}
        for kind, value in keys:
            by_kind.setdefault(kind, []).append(value)
        for kind, values in by_kind.items():
            for start in range(0, len(values), 1000):
                query = select(Identifier.id, Identifier.kind, Identifier.value).where(
                    Identifier.kind == kind, Identifier.value.in_(values[start : start + 1000])
                )
                keep(ctx.session.execute(query))

    look_up(sorted(wanted - found.keys()))
    missing = sorted(wanted - found.keys())
    if not missing:
        return found
    now = utcnow()
    if postgres:
        # One statement for the batch's new identifiers, their ids returned; one another writer stored
        # meanwhile is not returned (DO NOTHING) and is read after.
        keep(ctx.session.execute(_NEW_PAIRS, {**_as_arrays(missing), "now": now}))
        look_up(sorted(set(missing) - found.keys()))
        return found
    statement = sqlite_insert(Identifier).on_conflict_do_nothing(index_elements=["kind", "value"])
    ctx.session.execute(statement, [{"kind": k, "value": v, "first_seen": now} for k, v in missing])
    look_up(missing)
    return found


def _as_arrays(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """(kind, value) pairs as the two arrays `_STORED_PAIRS` and `_NEW_PAIRS` take."""
    return {"kinds": [kind for kind, _ in pairs], "values": [value for _, value in pairs]}


# PostgreSQL: the (kind, value) pairs sent as two arrays, on the unique (kind, value) index.
_STORED_PAIRS = text(
    "SELECT i.id, i.kind, i.value FROM identifiers AS i "
    "JOIN unnest(:kinds, :values) AS w(kind, value) ON i.kind = w.kind AND i.value = w.value"
).bindparams(bindparam("kinds", type_=ARRAY(String)), bindparam("values", type_=ARRAY(String)))
_NEW_PAIRS = text(
    "INSERT INTO identifiers (kind, value, first_seen) "
    "SELECT w.kind, w.value, CAST(:now AS timestamptz) FROM unnest(:kinds, :values) AS w(kind, value) "
    "ON CONFLICT (kind, value) DO NOTHING RETURNING id, kind, value"
).bindparams(
    bindparam("kinds", type_=ARRAY(String)),
    bindparam("values", type_=ARRAY(String)),
    bindparam("now", type_=UTCDateTime()),
)


def identifiers_of(*, session: Session, subject_type: str, subject_id: int) -> list[tuple[str, str, str]]:
    """(kind, value, field) of every identifier seen in the record."""
    rows = session.execute(
        select(Identifier.kind, Identifier.value, IdentifierSighting.field)
        .join(IdentifierSighting, IdentifierSighting.identifier_id == Identifier.id)
        .where(IdentifierSighting.subject_type == subject_type, IdentifierSighting.subject_id == subject_id)
        .order_by(Identifier.kind, Identifier.value)
    )
    return [(kind, value, field) for kind, value, field in rows]


def identifiers_seen_in(session: Session, subject_type: str, subject_id: int) -> list[dict[str, str]]:
    """The identifiers seen in one record, for its detail view."""
    rows = session.execute(
        select(Identifier.kind, Identifier.value, IdentifierSighting.field, IdentifierSighting.raw)
        .join(IdentifierSighting, IdentifierSighting.identifier_id == Identifier.id)
        .where(IdentifierSighting.subject_type == subject_type, IdentifierSighting.subject_id == subject_id)
        .order_by(Identifier.kind, Identifier.value)
    )
    return [{"kind": k, "value": v, "field": f, "raw": r} for k, v, f, r in rows]


@dataclass(frozen=True)
class ThreadMember:
    """A record sharing an identifier with a subject: the identifier, the subject's field that shows it,
    and the record with its own field."""

    kind: str
    value: str
    own_field: str
    subject_type: str
    subject_id: int
    field: str


def records_sharing_identifiers(
    *, session: Session, subject_type: str, subject_id: int, member_types: Iterable[str], max_members: int
) -> list[ThreadMember]:
    """Records of these types sharing an identifier with the subject, grouped by identifier.

    Visible or not: the caller keeps those its principal may see. A value more than `max_members` other
    records share (a marketplace's domain) is not a thread and is left out before its records are read.
    """
    own = list(
        session.execute(
            select(Identifier.id, Identifier.kind, Identifier.value, IdentifierSighting.field)
            .join(IdentifierSighting, IdentifierSighting.identifier_id == Identifier.id)
            .where(
                IdentifierSighting.subject_type == subject_type, IdentifierSighting.subject_id == subject_id
            )
        )
    )
    if not own:
        return []
    by_id = {identifier_id: (kind, value, field) for identifier_id, kind, value, field in own}
    types = list(member_types)
    specific = list(
        session.scalars(
            select(IdentifierSighting.identifier_id)
            .where(
                IdentifierSighting.identifier_id.in_(list(by_id)), IdentifierSighting.subject_type.in_(types)
            )
            .group_by(IdentifierSighting.identifier_id)
            .having(func.count() <= max_members + 1)
        )
    )
    others = session.execute(
        select(
            IdentifierSighting.identifier_id,
            IdentifierSighting.subject_type,
            IdentifierSighting.subject_id,
            IdentifierSighting.field,
        ).where(IdentifierSighting.identifier_id.in_(specific), IdentifierSighting.subject_type.in_(types))
    )
    members: dict[int, list[ThreadMember]] = {}
    for identifier_id, other_type, other_id, field in others:
        if other_type == subject_type and other_id == subject_id:
            continue
        kind, value, own_field = by_id[identifier_id]
        member = ThreadMember(kind, value, own_field, other_type, other_id, field)
        members.setdefault(identifier_id, []).append(member)
    return [member for group in members.values() for member in group]


@dataclass(frozen=True)
class SightingFact:
    """One identifier seen in one field of one record."""

    identifier_id: int
    kind: str
    value: str
    subject_type: str
    subject_id: int
    field: str


def _sighting_facts(session: Session, *conditions: ColumnElement[bool]) -> list[SightingFact]:
    query = select(IdentifierSighting.identifier_id, Identifier.kind, Identifier.value).add_columns(
        IdentifierSighting.subject_type, IdentifierSighting.subject_id, IdentifierSighting.field
    )
    query = query.join(Identifier, Identifier.id == IdentifierSighting.identifier_id)
    query = query.where(*conditions).order_by(IdentifierSighting.id)
    return [SightingFact(*row) for row in session.execute(query)]


def sightings_on_records(
    *, session: Session, subjects: Iterable[tuple[str, int]], kinds: Iterable[str]
) -> list[SightingFact]:
    """The identifiers of these kinds seen on these records (subject type, subject id)."""
    keys = list(subjects)
    on_records = tuple_(IdentifierSighting.subject_type, IdentifierSighting.subject_id).in_(keys)
    return _sighting_facts(session, on_records, Identifier.kind.in_(list(kinds))) if keys else []


def sightings_of_identifiers(
    *, session: Session, identifier_ids: Iterable[int], subject_type: str, field_prefixes: Iterable[str]
) -> list[SightingFact]:
    """Where these identifiers were seen on records of one type, in fields starting with given prefixes."""
    wanted = sorted(set(identifier_ids))
    fields = [IdentifierSighting.field.like(f"{prefix}%") for prefix in field_prefixes]
    if not wanted or not fields:
        return []
    of_type = IdentifierSighting.subject_type == subject_type
    return _sighting_facts(session, IdentifierSighting.identifier_id.in_(wanted), of_type, or_(*fields))


def identifiers_seen_more_than(*, session: Session, identifier_ids: Iterable[int], times: int) -> set[int]:
    """The identifiers among these with more than `times` sightings (too common to tie parties together)."""
    query = (
        select(IdentifierSighting.identifier_id)
        .where(IdentifierSighting.identifier_id.in_(sorted(set(identifier_ids))))
        .group_by(IdentifierSighting.identifier_id)
        .having(func.count() > times)
    )
    return set(session.scalars(query))


_LATEST_SIGHTING = select(func.max(IdentifierSighting.id))


def latest_sighting_id(*, session: Session) -> int | None:
    """The id of the newest sighting: a cheap sign (an index look-up) that identifiers were newly seen."""
    return session.scalar(_LATEST_SIGHTING)


# Identifiers are not marked themselves: they are visible through the records they were seen in.
OWN_SUBJECTS: dict[str, Any] = {"account": Account, "listing": Listing}


def visible_sightings(
    session: Session, identifier_id: int, principal: Principal, subjects: Mapping[str, Any] = OWN_SUBJECTS
) -> list[dict[str, Any]]:
    """The sightings of an identifier in records the principal may see.

    `subjects` maps each subject type to its marked table; other capabilities' records (shipments) are
    added by the caller that composes them.
    """
    result = []
    for subject_type, model in subjects.items():
        rows = session.execute(
            select(IdentifierSighting.subject_id, IdentifierSighting.field, IdentifierSighting.raw)
            .join(model, model.id == IdentifierSighting.subject_id)
            .where(
                IdentifierSighting.identifier_id == identifier_id,
                IdentifierSighting.subject_type == subject_type,
                visible_clause(model, principal),
            )
            .order_by(IdentifierSighting.subject_id)
        )
        result += [
            {"subject_type": subject_type, "subject_id": sid, "field": f, "raw": r} for sid, f, r in rows
        ]
    return result
