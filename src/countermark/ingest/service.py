"""Ingest a file: read, validate, store once per (source, external_id, version), write the rejects."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.errors import InvalidInput
from countermark.core.ingestion import IngestContext, Outcome, RowRejected
from countermark.core.marking import DEFAULT_TLP, TLP_LEVELS
from countermark.detect.ingest_hook import score_ingested_listings
from countermark.ingest.bulk import BatchRefused, collection_paused, new_batch, planned_each_time, write_batch
from countermark.ingest.kinds import KINDS, KindSpec
from countermark.ingest.parallel import Checked, check_batch, validate
from countermark.ingest.readers import RawRow, count_rows, detect_format, load_mapping, read_csv, read_jsonl
from countermark.orgs.service import record_audit

Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)
BATCH_ROWS = 5000


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    chunk: list[RawRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _checked_chunks(
    spec: KindSpec, rows: Iterable[RawRow], base_dir: Path | None
) -> Iterator[tuple[list[RawRow], list[Checked]]]:
    """Batches of rows with their checks (`parallel.check_batch`), the next batch read and checked in a
    thread while the caller writes this one.

    Checking is pure Python on the rows; writing a batch spends most of its time waiting for the database
    (COPY, index and constraint work), during which the thread runs: on two cores a shipment back-fill's
    checking then costs little wall time. Only the thread touches the rows' iterator.
    """
    chunks = _chunks(rows, BATCH_ROWS)

    def read_and_check() -> tuple[list[RawRow], list[Checked]] | None:
        chunk = next(chunks, None)
        return None if chunk is None else (chunk, check_batch(spec, chunk, base_dir))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-check") as pool:
        upcoming = pool.submit(read_and_check)
        while (item := upcoming.result()) is not None:
            upcoming = pool.submit(read_and_check)
            yield item


@dataclass
class IngestReport:
    """What an ingestion did: counts and where the rejected rows were written."""

    kind: str
    path: str
    read: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    rejects: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        line = (
            f"{self.kind}: read {self.read}, stored {self.stored}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )
        return line + (f" (reasons in {self.rejects_path})" if self.rejects_path else "")


def _rows(spec: KindSpec, path: Path, fmt: str, mapping: dict[str, str]) -> Any:
    if fmt == "jsonl":
        if mapping:
            raise InvalidInput.of("a column mapping applies to CSV files only")
        return read_jsonl(path)
    return read_csv(
        path,
        mapping=mapping,
        fields=spec.fields,
        list_fields=spec.fields_of_type(list),
        dict_fields=spec.fields_of_type(dict),
    )


def rejects_path_for(path: Path) -> Path:
    """Where the rejected rows of an input file are written: beside it."""
    return path.with_name(path.name + ".rejects.jsonl")


def _check_options(kind: str, tlp: str) -> KindSpec:
    spec = KINDS.get(kind)
    if spec is None:
        raise InvalidInput.of("unknown kind {kind!r}: use one of {kinds}", kind=kind, kinds=", ".join(KINDS))
    if tlp not in TLP_LEVELS:
        raise InvalidInput.of(
            "unknown TLP marking {tlp!r}: use one of {levels}", tlp=tlp, levels=", ".join(TLP_LEVELS)
        )
    return spec


def ingest_rows(
    *,
    session: Session,
    blobs: BlobStore,
    kind: str,
    rows: Iterable[RawRow],
    owner_org_id: int,
    actor: str,
    label: str,
    tlp: str = DEFAULT_TLP,
    source: str | None = None,
    base_dir: Path | None = None,
    progress: Progress | None = None,
    total: int = 0,
    bulk: bool = True,
) -> IngestReport:
    """Validate and store rows of one kind inside the caller's transaction; the report lists the rejects.

    Kinds that allow it (`KindSpec.bulk`: shipments, accounts, listings) are stored in batches of
    `BATCH_ROWS` written set-based, with the same counts and rejects as row by row (`bulk=False`, kept for
    comparison and for the others); batches of `parallel.PARALLEL_ROWS` rows or more, when it is set, are
    validated in worker processes. A crawler passes its items here as dict rows (`RawRow(line, data)`),
    a batch a call or an iterable of any length; keys are the owner organisation's own (another's same
    key is another record).
    """
    spec = _check_options(kind, tlp)
    report = IngestReport(kind=kind, path=label)
    ctx = IngestContext(
        session=session,
        blobs=blobs,
        base_dir=base_dir,
        source=source or "",
        owner_org_id=owner_org_id,
        tlp=tlp,
    )
    if spec.bulk and bulk:
        for chunk, checked in _checked_chunks(spec, rows, base_dir):
            with collection_paused():  # the next batch is read and checked meanwhile: its containers too
                _ingest_batch(spec, ctx, chunk, checked, report, default_source=source or label)
            if progress:
                progress(report.read, max(total, report.read))
    else:
        for row in rows:
            report.read += 1
            _ingest_row(spec, ctx, row, report, default_source=source or label)
            if progress:
                progress(report.read, max(total, report.read))
    if kind == "listings" and (report.stored or report.updated):  # listing detection scores them (issue 15)
        score_ingested_listings(session=session, blobs=blobs, owner_org_id=owner_org_id)
    record_audit(
        session=session,
        actor=actor,
        org_id=owner_org_id,
        action="ingest",
        subject_type=kind,
        subject_id=label,
        detail={k: getattr(report, k) for k in ("read", "stored", "updated", "unchanged", "rejected")},
    )
    return report


def ingest_file(
    *,
    session: Session,
    blobs: BlobStore,
    kind: str,
    path: Path,
    owner_org_id: int,
    actor: str,
    tlp: str = DEFAULT_TLP,
    source: str | None = None,
    fmt: str | None = None,
    mapping_path: Path | None = None,
    progress: Progress | None = None,
    bulk: bool = True,
) -> IngestReport:
    """Ingest one file of one kind inside the caller's transaction; rejected rows go beside the file."""
    spec = _check_options(kind, tlp)
    if not path.is_file():
        raise InvalidInput.of("no file at {path}", path=str(path))
    fmt = detect_format(path, fmt)
    rows = _rows(spec, path, fmt, load_mapping(mapping_path))
    report = ingest_rows(
        session=session,
        blobs=blobs,
        kind=kind,
        rows=rows,
        owner_org_id=owner_org_id,
        actor=actor,
        label=f"file:{path.name}",
        tlp=tlp,
        source=source,
        base_dir=path.parent.resolve(),
        progress=progress,
        total=count_rows(path),
        bulk=bulk,
    )
    report.path = str(path)
    _write_rejects(path, report)
    return report


def _echo(row: RawRow) -> Any:
    """The rejected record as it came, if it can be written back as JSON (UTF-8, bounded depth); its raw
    text otherwise (a lone surrogate or deep nesting is exactly what gets a record rejected)."""
    if not row.data:
        return row.raw
    try:
        json.dumps(row.data, ensure_ascii=False).encode("utf-8")
        writable = _depth(row.data) <= MAX_ECHO_DEPTH
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
        writable = False
    if writable:
        return row.data
    return row.raw.encode("utf-8", "backslashreplace").decode("utf-8") if row.raw else None


MAX_ECHO_DEPTH = 32


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in a JSON value (iteratively: the value may be very deep)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            todo.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _reject(report: IngestReport, row: RawRow, reasons: list[str]) -> None:
    report.rejected += 1
    report.rejects.append({"line": row.line, "errors": reasons, "record": _echo(row)})


def _validate(spec: KindSpec, row: RawRow) -> BaseModel | list[str]:
    """The validated record, or the reasons it is rejected."""
    return validate(spec, row.data, row.error)


def _source_of(record: BaseModel, default_source: str) -> str:
    return getattr(record, "source", "") or default_source


def _store_one(
    spec: KindSpec, ctx: IngestContext, record: BaseModel, default_source: str
) -> Outcome | list[str]:
    """Store one validated record in its own savepoint: what happened, or the reasons it is rejected."""
    ctx.source = _source_of(record, default_source)
    savepoint = ctx.session.begin_nested()
    try:
        outcome = spec.store(ctx, record)
        savepoint.commit()
    except RowRejected as exc:
        savepoint.rollback()
        ctx.cache.clear()  # entries created inside the rolled-back savepoint are gone
        return [str(exc)]
    except (IntegrityError, DataError) as exc:
        savepoint.rollback()
        ctx.cache.clear()
        return [f"the database refused the row: {str(exc.orig).splitlines()[0]}"]
    return outcome


def _count(report: IngestReport, row: RawRow, result: Outcome | list[str]) -> None:
    if isinstance(result, list):
        _reject(report, row, result)
    else:
        setattr(report, result, getattr(report, result) + 1)


def _ingest_row(
    spec: KindSpec, ctx: IngestContext, row: RawRow, report: IngestReport, *, default_source: str
) -> None:
    checked = _validate(spec, row)
    result = checked if isinstance(checked, list) else _store_one(spec, ctx, checked, default_source)
    _count(report, row, result)


def _ingest_batch(
    spec: KindSpec,
    ctx: IngestContext,
    rows: list[RawRow],
    checked_and_prepared: list[Checked],
    report: IngestReport,
    *,
    default_source: str,
) -> None:
    """Validate a batch, decide every row in memory, write the batch set-based (ingest/bulk.py).

    Counts and rejects are those of the row-by-row path, in the same order. A batch the database refuses
    (a value PostgreSQL cannot store, another writer in between) is redone row by row, so the rows at
    fault are rejected with the database's reason and the others kept.
    """
    report.read += len(rows)
    checked = [record for record, _ in checked_and_prepared]
    records = [(index, record) for index, record in enumerate(checked) if not isinstance(record, list)]
    keys: dict[str, set[str]] = {}
    for _, record in records:
        keys.setdefault(_source_of(record, default_source), set()).add(getattr(record, "external_id"))  # noqa: B009
    results: dict[int, Outcome | list[str]] = {}
    written = True
    savepoint = ctx.session.begin_nested()
    ctx.batch = new_batch(ctx.session, keys, len(records))
    try:
        with planned_each_time(ctx.session):
            for index, record in records:
                ctx.source = _source_of(record, default_source)
                ctx.prepared = checked_and_prepared[index][1]
                try:
                    results[index] = spec.store(ctx, record)
                except RowRejected as exc:  # refused before anything of it was queued (KindSpec.bulk)
                    results[index] = [str(exc)]
            ctx.prepared = None
            write_batch(ctx, ctx.batch)
        savepoint.commit()
    except (BatchRefused, DBAPIError, UnicodeError) as exc:
        savepoint.rollback()
        ctx.cache.clear()
        written = False
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.info("a batch of %d %s was refused (%s): redone row by row", len(rows), spec.name, reason)
    finally:
        ctx.batch, ctx.prepared = None, None
    for index, row in enumerate(rows):
        checked_row = checked[index]
        if isinstance(checked_row, list):
            _count(report, row, checked_row)
        elif written:
            _count(report, row, results[index])
        else:
            _count(report, row, _store_one(spec, ctx, checked_row, default_source))


def _write_rejects(path: Path, report: IngestReport) -> None:
    target = rejects_path_for(path)
    if not report.rejects:
        target.unlink(missing_ok=True)
        return
    with target.open("w", encoding="utf-8") as handle:
        for reject in report.rejects:
            handle.write(json.dumps(reject, ensure_ascii=False, default=str) + "\n")
    report.rejects_path = str(target)
