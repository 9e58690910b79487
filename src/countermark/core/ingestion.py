"""What a row handler receives and returns, and the version rule every kind follows."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.storage import store_blob

Outcome = Literal["stored", "updated", "unchanged"]
RowT = TypeVar("RowT")


class RowRejected(Exception):
    """A row that is well-formed but cannot be stored, with the reason."""


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
    """Apply the version rule: new → insert, higher → update, same content → unchanged, conflict → reject."""
    if existing is None:
        return "insert"
    if existing.owner_org_id != owner_org_id:
        raise RowRejected(f"{key} is already stored and owned by another organisation")
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
    if ctx.base_dir is None:
        raise RowRejected(f"{relative!r}: files can be referenced only when ingesting a file beside them")
    path = (ctx.base_dir / relative).resolve()
    if not path.is_relative_to(ctx.base_dir):
        raise RowRejected(f"{relative!r} points outside the input's folder; keep referenced files beside it")
    if not path.is_file():
        raise RowRejected(f"file {relative!r} not found beside the input")
    return path


def store_image(ctx: IngestContext, relative: str) -> str:
    """Store an image file in the blob store and its metadata; the digest, or a rejection if unreadable."""
    data = _resolve_path(ctx, relative).read_bytes()
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            media_type = Image.MIME.get(image.format or "", "application/octet-stream")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise RowRejected(f"{relative!r} is not a readable image: {exc}") from None
    return store_blob(
        session=ctx.session, blobs=ctx.blobs, data=data, media_type=media_type, width=width, height=height
    )


def store_file(ctx: IngestContext, relative: str, media_type: str) -> str:
    """Store any file (a page snapshot, a document) in the blob store; its digest."""
    return store_blob(
        session=ctx.session,
        blobs=ctx.blobs,
        data=_resolve_path(ctx, relative).read_bytes(),
        media_type=media_type,
    )


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
    """Insert or update the row of (source, external_id) by the version rule; the row and what happened.

    `fields` are copied from the record; `values` are computed columns; `derived` joins the content hash.
    """
    external_id: str = getattr(record, "external_id")  # noqa: B009 - every RecordIn has it
    version: int = getattr(record, "version")  # noqa: B009
    table: Any = model
    existing = ctx.session.scalar(
        select(table).where(table.source == ctx.source, table.external_id == external_id)
    )
    digest = content_hash(record, derived)
    decision = decide_version(
        existing,
        version=version,
        digest=digest,
        owner_org_id=ctx.owner_org_id,
        key=f"{label} {ctx.source}:{external_id}",
    )
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
