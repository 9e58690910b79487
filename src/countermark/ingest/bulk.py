"""Bulk writing of an ingestion batch: the rows the version rule decided in memory, written set-based.

PostgreSQL: new rows are COPYed into their table; newer versions are COPYed into a temporary staging
table and merged with one UPDATE ... FROM that re-checks owner and version in SQL, so a row another
writer changed since the batch read it fails the batch (redone row by row) instead of being overwritten.
SQLite: the same INSERT and UPDATE as executemany. Values go through each column's own bind processing,
so what is stored is what the ORM stores. The tables come from the kinds' own services (through
`upsert_versioned` and the handlers' deferred writes); this module imports none of them.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, String, Table, any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON, TypeDecorator

from countermark.core.ingestion import Batch, IngestContext, StoredVersion, write_blob_rows


class BatchRefused(Exception):
    """The database refused the batch as written (a value a column cannot hold, or stored rows changed by
    another writer between the batch's read and its write): it is redone row by row."""


def allocate_ids(session: Session, table: Any, count: int, above: int) -> list[int]:
    """`count` ids for new rows of the table: from its sequence on PostgreSQL; on SQLite after the largest
    stored and `above` (those handed out and not written yet). SQLite has one writer at a time; another
    one writing between the batch's read and its write makes the batch fail and be redone row by row."""
    name = table.__table__.name
    if session.get_bind().dialect.name == "postgresql":
        query = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
        return [int(value) for value in session.scalars(query, {"table": name, "n": count})]
    largest = session.scalar(text(f'SELECT coalesce(max(id), 0) FROM "{name}"'))
    start = max(int(largest or 0), above) + 1
    return list(range(start, start + count))


@dataclass
class PostgresBatch(Batch):
    """A batch on PostgreSQL: the stored versions of its keys are read with one query per source, the keys
    sent as one array (`external_id = ANY(:keys)`, on the (owner, source, external_id) index), instead of
    lists of 1,000 bound parameters, each compiled, sent and parsed one by one."""

    def stored(self, session: Session, table: Any, owner_org_id: int) -> dict[tuple[str, str], StoredVersion]:
        """The organisation's stored versions of the batch's keys in this table, read once per batch."""
        known = self.known.get(table)
        if known is None:
            known = {}
            wanted = bindparam("keys", type_=ARRAY(String))
            query = select(table.id, table.external_id, table.version, table.content_hash, table.owner_org_id)
            query = query.where(
                table.owner_org_id == owner_org_id,
                table.source == bindparam("source"),
                table.external_id == any_(wanted),
            )
            for source, external_ids in self.keys.items():
                rows = session.execute(query, {"source": source, "keys": sorted(external_ids)})
                for row_id, external_id, version, digest, owner in rows:
                    known[(source, external_id)] = StoredVersion(row_id, version, digest, owner)
            self.known[table] = known
        return known


def new_batch(session: Session, keys: dict[str, set[str]], remaining: int) -> Batch:
    """An empty batch for these keys (source -> external ids), with the database's fastest reads and
    writes."""
    kind = PostgresBatch if session.get_bind().dialect.name == "postgresql" else Batch
    return kind(keys=keys, allocate_ids=allocate_ids, insert_rows=insert_rows, remaining=remaining)


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch is decided and written.

    A batch allocates tens of thousands of containers (records, rows, sightings) that live until it is
    written, and each allocation threshold crossed makes the collector walk them again, and the whole
    heap of the process at every full collection. Profiling 10,000 unchanged shipments, the collector
    took a quarter to a third of the CPU. Reference counting still frees everything that is not in a cycle;
    the collector resumes, as it was, when the last batch running in the process ends (threads share it).
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@contextmanager
def planned_each_time(session: Session) -> Iterator[None]:
    """Plan each statement of a batch with its own values (PostgreSQL).

    psycopg prepares a statement run five times, and PostgreSQL may then keep a generic plan costed from
    statistics older than this load's own rows: the batch's look-ups by key (stored versions, identifiers,
    sightings to replace) turn into scans, and a 40,000-row load slowed from 3,000 to 900 rows/s as its
    tables filled. Custom plans keep them on the indexes; the connection's setting is restored after."""
    driver: Any = session.connection().connection.driver_connection
    if session.get_bind().dialect.name != "postgresql" or not hasattr(driver, "prepare_threshold"):
        yield
        return
    previous = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = previous


def write_batch(ctx: IngestContext, batch: Batch) -> None:
    """Write the batch's queued rows (new ones, then newer versions), then what handlers deferred.

    Blob metadata goes first: the rows refer to their blobs (a listing's saved page, its images)."""
    blobs = batch.deferred.pop(write_blob_rows, None)
    if blobs:
        write_blob_rows(ctx, blobs)
    for model, rows in batch.inserts.items():
        if rows:
            insert_rows(ctx.session, model.__table__, list(rows.values()))
    for model, rows in batch.updates.items():
        if rows:
            _update_rows(ctx.session, model.__table__, list(rows.values()))
    for write, items in batch.deferred.items():
        write(ctx, items)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same columns: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    names = list(rows[0])
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table.name, table, names, rows)
        return
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in names)
    statement = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})'
    session.connection().exec_driver_sql(statement, _bound(session, table, names, rows))


def _update_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    names = [name for name in rows[0] if name != "id"]
    guard = "t.id = s.id AND t.owner_org_id = s.owner_org_id AND t.version < s.version"
    if session.get_bind().dialect.name == "postgresql":
        stage = f"cm_stage_{table.name}"
        quoted = ", ".join(f'"{name}"' for name in ["id", *names])
        # The target's column types, none of its constraints: the UPDATE is what must satisfy them.
        session.execute(
            text(f'CREATE TEMP TABLE "{stage}" AS SELECT {quoted} FROM "{table.name}" WITH NO DATA')
        )
        _copy(session, stage, table, ["id", *names], rows)
        assignments = ", ".join(f'"{name}" = s."{name}"' for name in names)
        statement = f'UPDATE "{table.name}" AS t SET {assignments} FROM "{stage}" AS s WHERE {guard}'
        changed = _rowcount(session.execute(text(statement)))
        session.execute(text(f'DROP TABLE "{stage}"'))
    else:
        assignments = ", ".join(f'"{name}" = ?' for name in names)
        statement = (
            f'UPDATE "{table.name}" SET {assignments} WHERE id = ? AND owner_org_id = ? AND version < ?'
        )
        params = [
            (*values, row["id"], row["owner_org_id"], row["version"])
            for values, row in zip(_bound(session, table, names, rows), rows, strict=True)
        ]
        changed = _rowcount(session.connection().exec_driver_sql(statement, params))
    if changed != len(rows):
        raise BatchRefused(f"{len(rows) - changed} rows of {table.name} changed meanwhile")


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def _bound(
    session: Session, table: Table, names: list[str], rows: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """The rows' values as the driver receives them from the ORM (each column type's bind processing)."""
    dialect = session.get_bind().dialect
    # The type as this dialect uses it: a TypeDecorator's generic impl would hand SQLite a datetime for
    # its own adapter ('… 10:00:00+00:00'), which sorts apart from the ORM's '… 10:00:00.000000'.
    processors = [
        (index, _remembering(bind))
        for index, name in enumerate(names)
        if (bind := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    values_of = itemgetter(*names)  # C speed; of one name, the value itself
    single = len(names) == 1
    bound = []
    for row in rows:
        values = [values_of(row)] if single else list(values_of(row))
        for index, process in processors:
            value = values[index]
            if value is not None:
                values[index] = process(value)
        bound.append(tuple(values))
    return bound


def _remembering(step: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The column's bind step, not run again for the very object of the previous row when it is immutable:
    a batch's timestamps are one object (its `now`), for every row and every sighting."""
    last: list[Any] = [_NOTHING, None]

    def run(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        converted = step(value)
        if isinstance(value, _IMMUTABLE):
            last[0], last[1] = value, converted
        return converted

    return run


def _copy_converter(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """What a value of the column goes through before COPY (psycopg adapts the rest): the column type's
    own bind step (UTC timestamps, `_remembering` the previous row's), JSON as text. None when nothing."""
    kind = column.type
    bind: Callable[[Any], Any] | None = None
    if isinstance(kind, TypeDecorator):
        decorator = kind
        bind = _remembering(lambda value: decorator.process_bind_param(value, dialect))
        kind = kind.impl_instance
    if isinstance(kind, JSON):
        if bind is None:
            return json.dumps
        step = bind
        return lambda value: json.dumps(step(value))
    return bind


_NOTHING = object()
_IMMUTABLE = (str, int, float, Decimal, date, datetime, UUID)


def _copy(session: Session, target: str, table: Table, names: list[str], rows: list[dict[str, Any]]) -> None:
    """COPY the rows' columns into the target table (PostgreSQL)."""
    dialect = session.get_bind().dialect
    converters = [
        (index, convert)
        for index, name in enumerate(names)
        if (convert := _copy_converter(table.c[name], dialect)) is not None
    ]
    values_of = itemgetter(*names)  # C speed; of one name, the value itself
    single = len(names) == 1
    quoted = ", ".join(f'"{name}"' for name in names)
    driver = session.connection().connection.driver_connection
    assert driver is not None  # a live connection of the session's transaction
    try:
        with driver.cursor() as cursor, cursor.copy(f'COPY "{target}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                values = [values_of(row)] if single else list(values_of(row))
                for index, convert in converters:
                    value = values[index]
                    if value is not None:
                        values[index] = convert(value)
                copy.write_row(values)
    except dialect.loaded_dbapi.Error as exc:  # a value a column cannot hold: redone row by row
        raise BatchRefused(str(exc).splitlines()[0]) from exc
