"""What a row handler receives and returns, and the version rule every kind follows."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal, Protocol, TypeVar, cast

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.clock import utcnow
from countermark.core.models import Blob
from countermark.core.storage import store_blob

Outcome = Literal["stored", "updated", "unchanged"]
RowT = TypeVar("RowT")


class RowRejected(Exception):
    """A row that is well-formed but cannot be stored, with the reason."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a kind computes of a validated record without the database, so that it can be computed in a
    worker process (`KindSpec.prepare`, `ingest/parallel.py`): the content hash when no derived value
    joins it, and the identifier sightings of its fields. A handler uses `IngestContext.prepared` when it
    is set and computes the same itself otherwise."""

    digest: str | None = None
    sightings: tuple[Any, ...] = ()
    # A saved page read beside the input: its SHA-256 and the sightings in it. The handler uses them only
    # for the very bytes it stores (same digest).
    page: tuple[str, tuple[Any, ...]] | None = None


@dataclass
class IngestContext:
    """What every handler needs: the session, the blob store, where files are, and who owns the rows."""

    session: Session
    blobs: BlobStore
    base_dir: Path | None
    source: str
    owner_org_id: int
    tlp: str
    cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    batch: Batch | None = None
    prepared: Prepared | None = None  # of the record being stored, when computed ahead


@dataclass(slots=True)
class StoredVersion:
    """What the version rule reads of a stored (or, within a batch, already decided) row."""

    id: int
    version: int
    content_hash: str
    owner_org_id: int


DeferredWrite = Callable[["IngestContext", dict[Hashable, Any]], None]
IdAllocator = Callable[[Session, Any, int, int], list[int]]
RowInserter = Callable[[Session, Any, list[dict[str, Any]]], None]


@dataclass
class Batch:
    """Rows of one batch decided in memory by the version rule and written together afterwards.

    While `IngestContext.batch` is set, `upsert_versioned` reads what is stored for the batch's keys once
    per table, decides each row against that and against the batch's earlier rows (so duplicates in a
    file behave exactly as row by row), and queues the row with an id allocated in advance instead of
    writing it. What a handler records after a row (identifier sightings) is queued with `defer`, keyed
    by subject so that the last row of a subject wins, as when rows replace each other one by one.
    The ingestion service writes the queues set-based (`ingest/bulk.py`).
    """

    keys: dict[str, set[str]]
    allocate_ids: IdAllocator
    insert_rows: RowInserter  # (session, table, rows): the fastest insert the database offers
    remaining: int
    known: dict[Any, dict[tuple[str, str], StoredVersion]] = field(default_factory=dict)
    inserts: dict[Any, dict[int, dict[str, Any]]] = field(default_factory=dict)
    updates: dict[Any, dict[int, dict[str, Any]]] = field(default_factory=dict)
    deferred: dict[DeferredWrite, dict[Hashable, Any]] = field(default_factory=dict)
    free_ids: dict[Any, list[int]] = field(default_factory=dict)

    def defer(self, write: DeferredWrite, key: Hashable, item: Any) -> None:
        """Queue an item for `write` (called once with every item, after the rows are written)."""
        queue = self.deferred.setdefault(write, {})
        queue.pop(key, None)  # a later row of the same subject replaces the earlier one, in order
        queue[key] = item

    def stored(self, session: Session, table: Any, owner_org_id: int) -> dict[tuple[str, str], StoredVersion]:
        """The organisation's stored versions of the batch's keys in this table, read once per batch."""
        known = self.known.get(table)
        if known is None:
            known = {}
            columns = (table.id, table.source, table.external_id, table.version, table.content_hash)
            for source, external_ids in self.keys.items():
                wanted = sorted(external_ids)
                for start in range(0, len(wanted), KEY_CHUNK):
                    query = select(*columns, table.owner_org_id).where(
                        table.owner_org_id == owner_org_id,
                        table.source == source,
                        table.external_id.in_(wanted[start : start + KEY_CHUNK]),
                    )
                    for row_id, src, ext, version, digest, owner in session.execute(query):
                        known[(src, ext)] = StoredVersion(row_id, version, digest, owner)
            self.known[table] = known
        return known

    def new_id(self, session: Session, table: Any, to_come: int) -> int:
        """An id for a new row of the table, allocated in advance for the `to_come` rows of the batch
        still to decide (`allocate_ids(session, table, count, above)`, above the ids handed out)."""
        free = self.free_ids.setdefault(table, [])
        if not free:
            queued = self.inserts.get(table, {})
            free.extend(reversed(self.allocate_ids(session, table, to_come, max(queued, default=0))))
        row_id = free.pop()
        if row_id in self.inserts.get(table, {}):
            raise RuntimeError(f"id {row_id} of {table.__tablename__} allocated twice")
        return row_id


KEY_CHUNK = 1000


class VersionedRow(Protocol):
    """An ingested table row: the columns the version rule reads."""

    version: int
    content_hash: str
    owner_org_id: int


def content_hash(record: BaseModel, extra: dict[str, Any] | None = None) -> str:
    """SHA-256 of the record's content (identity fields excluded) plus derived values such as blob digests."""
    body = record.model_dump(mode="json", exclude={"source", "external_id", "version"})
    if extra:
        body["_derived"] = extra
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def decide_version(
    existing: VersionedRow | None, *, version: int, digest: str, owner_org_id: int, key: str
) -> Literal["insert", "update", "unchanged"]:
    """Apply the version rule: new → insert, higher → update, same content → unchanged, conflict → reject.

    `existing` is the organisation's own record of the key: keys are unique per organisation, so another
    organisation's record of the same key is never compared, and nothing here can tell that it exists.
    """
    if existing is None:
        return "insert"
    if existing.owner_org_id != owner_org_id:  # a caller that looked the key up across organisations
        raise RuntimeError(f"{key} was looked up in another organisation's key space")
    if version > existing.version:
        return "update"
    if version < existing.version:
        return "unchanged"
    if existing.content_hash == digest:
        return "unchanged"
    raise RowRejected(
        f"version {version} of {key} is already stored with different content; "
        f"give the changed record a higher version"
    )


def _resolve_path(ctx: IngestContext, relative: str) -> Path:
    return resolve_beside(ctx.base_dir, relative)


def resolve_beside(base_dir: Path | None, relative: str) -> Path:
    """The file a row refers to, beside the input and inside its folder; a rejection otherwise."""
    if base_dir is None:
        raise RowRejected(f"{relative!r}: files can be referenced only when ingesting a file beside them")
    path = (base_dir / relative).resolve()
    if not path.is_relative_to(base_dir):
        raise RowRejected(f"{relative!r} points outside the input's folder; keep referenced files beside it")
    if not path.is_file():
        raise RowRejected(f"file {relative!r} not found beside the input")
    return path


def _store_blob(
    ctx: IngestContext, data: bytes, media_type: str, width: int | None = None, height: int | None = None
) -> str:
    """Put bytes in the blob store with their metadata row: at once, or inside a batch queued (one
    insert per digest, written with the batch's rows, `write_blob_rows`)."""
    if ctx.batch is None:
        return store_blob(
            session=ctx.session, blobs=ctx.blobs, data=data, media_type=media_type, width=width, height=height
        )
    digest = ctx.blobs.put(data)
    row = {"sha256": digest, "size": len(data), "media_type": media_type[:100] or "application/octet-stream",
           "width": width, "height": height}  # fmt: skip
    queue = ctx.batch.deferred.setdefault(write_blob_rows, {})
    queue.setdefault(digest, row)
    return digest


def write_blob_rows(ctx: IngestContext, queued: dict[Hashable, Any]) -> None:
    """Add the metadata rows of a batch's blobs that are not stored yet (the first row of each wins)."""
    rows = list(queued.values())
    if not rows:
        return
    digests = [row["sha256"] for row in rows]
    stored: set[str] = set()
    for start in range(0, len(digests), KEY_CHUNK):
        chunk = digests[start : start + KEY_CHUNK]
        stored.update(ctx.session.scalars(select(Blob.sha256).where(Blob.sha256.in_(chunk))))
    now = utcnow()
    missing = [{**row, "created_at": now} for row in rows if row["sha256"] not in stored]
    if ctx.batch is not None and missing:
        ctx.batch.insert_rows(ctx.session, Blob.__table__, missing)


def store_image(ctx: IngestContext, relative: str) -> str:
    """Store an image file in the blob store and its metadata; the digest, or a rejection if unreadable.

    The image is checked (its header read, `verify`), not decoded nor hashed perceptually: that is the
    fingerprint step's work, on the blobs stored here. Inside a batch an image that several rows show is
    read and checked once (the cache is cleared with any rollback, `ingest/service.py`)."""
    key = ("image", relative)
    if ctx.batch is not None and key in ctx.cache:
        digest: str = ctx.cache[key]
        return digest
    data = _resolve_path(ctx, relative).read_bytes()
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            media_type = Image.MIME.get(image.format or "", "application/octet-stream")
            image.verify()
    except UnidentifiedImageError:  # its message names an in-memory object, not the file
        raise RowRejected(f"{relative!r} is not a readable image: unknown image format") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise RowRejected(f"{relative!r} is not a readable image: {exc}") from None
    digest = _store_blob(ctx, data, media_type, width, height)
    if ctx.batch is not None:
        ctx.cache[key] = digest
    return digest


def store_file(ctx: IngestContext, relative: str, media_type: str) -> str:
    """Store any file (a page snapshot, a document) in the blob store; its digest."""
    return store_file_bytes(ctx, relative, media_type)[0]


def store_file_bytes(ctx: IngestContext, relative: str, media_type: str) -> tuple[str, bytes]:
    """Store any file in the blob store; its digest and its bytes (for a handler that reads it next)."""
    data = _resolve_path(ctx, relative).read_bytes()
    return _store_blob(ctx, data, media_type), data


def _decide(
    ctx: IngestContext, existing: Any, record: BaseModel, derived: dict[str, Any] | None, *, label: str
) -> tuple[str, Literal["insert", "update", "unchanged"]]:
    """The record's content hash and what the version rule makes of it against the stored version."""
    external_id: str = getattr(record, "external_id")  # noqa: B009 - every RecordIn has it
    ahead = ctx.prepared.digest if ctx.prepared is not None and not derived else None
    digest = ahead or content_hash(record, derived)
    decision = decide_version(
        existing,
        version=getattr(record, "version"),  # noqa: B009
        digest=digest,
        owner_org_id=ctx.owner_org_id,
        key=f"{label} {ctx.source}:{external_id}",
    )
    return digest, decision


def upsert_versioned(
    ctx: IngestContext,
    model: type[RowT],
    record: BaseModel,
    *,
    label: str,
    fields: tuple[str, ...],
    derived: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> tuple[RowT | None, Outcome]:
    """Insert or update the organisation's row of (source, external_id) by the version rule; the row and
    what happened.

    `fields` are copied from the record; `values` are computed columns; `derived` joins the content hash.
    """
    external_id: str = getattr(record, "external_id")  # noqa: B009 - every RecordIn has it
    version: int = getattr(record, "version")  # noqa: B009
    table: Any = model
    if ctx.batch is not None:
        return _queue_versioned(ctx, ctx.batch, table, record, label=label, fields=fields, derived=derived,
                                values=values)  # fmt: skip
    existing = ctx.session.scalar(
        select(table).where(
            table.owner_org_id == ctx.owner_org_id,
            table.source == ctx.source,
            table.external_id == external_id,
        )
    )
    digest, decision = _decide(ctx, existing, record, derived, label=label)
    if decision == "unchanged":
        return existing, "unchanged"
    row: Any = existing or table(source=ctx.source, external_id=external_id, owner_org_id=ctx.owner_org_id)
    for name in fields:
        setattr(row, name, getattr(record, name))
    for name, value in (values or {}).items():
        setattr(row, name, value)
    row.version, row.content_hash, row.tlp = version, digest, ctx.tlp
    ctx.session.add(row)
    ctx.session.flush()
    return row, "stored" if existing is None else "updated"


def _queue_versioned(
    ctx: IngestContext,
    batch: Batch,
    table: Any,
    record: BaseModel,
    *,
    label: str,
    fields: tuple[str, ...],
    derived: dict[str, Any] | None,
    values: dict[str, Any] | None,
) -> tuple[Any, Outcome]:
    """`upsert_versioned` inside a batch: decide by the same rule, queue the write, return a stand-in row
    (its `id` and column values as attributes) for what the handler records next."""
    to_come, batch.remaining = batch.remaining, batch.remaining - 1  # this row and the batch's next
    external_id: str = getattr(record, "external_id")  # noqa: B009
    version: int = getattr(record, "version")  # noqa: B009
    known = batch.stored(ctx.session, table, ctx.owner_org_id)
    existing = known.get((ctx.source, external_id))
    digest, decision = _decide(ctx, existing, record, derived, label=label)
    if decision == "unchanged":
        return None, "unchanged"
    now = utcnow()
    columns = {name: getattr(record, name) for name in fields}
    columns.update(values or {})
    columns.update(version=version, content_hash=digest, tlp=ctx.tlp, updated_at=now)
    if existing is None:
        row_id = batch.new_id(ctx.session, table, to_come)
        columns.update(id=row_id, source=ctx.source, external_id=external_id, owner_org_id=ctx.owner_org_id)
        columns["created_at"] = now
        batch.inserts.setdefault(table, {})[row_id] = columns
    else:
        row_id = existing.id
        queued = batch.inserts.get(table, {}).get(row_id)
        if queued is not None:  # new in this batch: the insert carries the newer version
            queued.update(columns)
        else:
            pending = batch.updates.setdefault(table, {}).setdefault(row_id, {})
            pending.update(columns, id=row_id, owner_org_id=ctx.owner_org_id)
    known[(ctx.source, external_id)] = StoredVersion(row_id, version, digest, ctx.owner_org_id)
    stand_in = cast(Any, SimpleNamespace(**{**columns, "id": row_id}))
    return stand_in, "stored" if existing is None else "updated"
