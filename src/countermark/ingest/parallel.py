"""Validation of an ingestion batch, and what its kind computes without the database, in worker processes.

Profiling a shipment back-fill showed Python dominating, not the database: per row, about 70 µs of
pydantic validation, 30 µs of content hash and 45 µs of identifier extraction against a few µs of COPY.
These are pure functions of the row, so a large batch can be split among `WORKERS` processes (a pool kept
for the life of the process, started with `forkserver` so that no thread or connection of the parent is
copied into it), while the parent decides versions and writes. A pool that breaks (a worker killed) is
dropped and the batch checked in the process, with the same results.

It is off by default (`PARALLEL_ROWS = None`): measured on the 2-core development machine shared with other
work (load 14), 10,000 new shipments took 5.0 CPU-s and 19 s in the process, 6.8 CPU-s and 22 s with a warm
pool (pickling the validated records back costs more than the parallelism gives when the cores are busy),
and 12.8 CPU-s with a cold one (each worker imports the application). Set `PARALLEL_ROWS` (rows a batch
must have to be split) where idle cores are available.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from countermark.core.ingestion import Prepared
from countermark.core.validation import row_validator
from countermark.ingest.kinds import KINDS, KindSpec
from countermark.ingest.readers import RawRow

log = logging.getLogger(__name__)

WORKERS = 2
# Batches of at least this many rows are checked in the workers; None: every batch in the process.
PARALLEL_ROWS: int | None = None

Checked = tuple[BaseModel | list[str], Prepared | None]
_pool: ProcessPoolExecutor | None = None


def validation_reasons(exc: ValidationError) -> list[str]:
    """One reason per error: where in the record, and what is wrong."""
    reasons = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "record"
        reasons.append(f"{where}: {error['msg']}")
    return reasons


def validate(spec: KindSpec, data: dict[str, Any] | None, error: str | None) -> BaseModel | list[str]:
    """The validated record, or the reasons it is rejected."""
    if data is None:
        return [error or "unreadable row"]
    try:
        return row_validator(spec.schema)(data)  # the schema's own checks, compiled once
    except ValidationError as exc:
        return validation_reasons(exc)


def _check(spec: KindSpec, data: dict[str, Any] | None, error: str | None, base_dir: Path | None) -> Checked:
    checked = validate(spec, data, error)
    if isinstance(checked, list) or spec.prepare is None:
        return checked, None
    return checked, spec.prepare(checked, base_dir)


def _validate_only(spec: KindSpec, data: dict[str, Any] | None, error: str | None) -> Checked:
    """In the process nothing is prepared ahead: the handler computes it for the rows that changed only
    (an unchanged listing's page is not scanned)."""
    return validate(spec, data, error), None


def _check_chunk(
    kind: str, rows: list[tuple[dict[str, Any] | None, str | None]], base_dir: Path | None
) -> list[Checked]:
    """Worker entry: check rows of one kind (by name, so that only plain values cross processes)."""
    spec = KINDS[kind]
    return [_check(spec, data, error, base_dir) for data, error in rows]


def _worker_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("forkserver"))
    return _pool


def _drop_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def check_batch(spec: KindSpec, rows: Sequence[RawRow], base_dir: Path | None) -> list[Checked]:
    """Each row validated (or its reasons) with what the kind prepares of it, in order."""
    plain = [(row.data, row.error) for row in rows]
    if PARALLEL_ROWS is None or len(rows) < PARALLEL_ROWS or spec.prepare is None:
        return [_validate_only(spec, data, error) for data, error in plain]
    size = -(-len(plain) // (WORKERS * 2))  # two chunks a worker: one is sent while the other runs
    chunks = [plain[start : start + size] for start in range(0, len(plain), size)]
    try:
        results = _worker_pool().map(
            _check_chunk, [spec.name] * len(chunks), chunks, [base_dir] * len(chunks)
        )
        return [checked for chunk in results for checked in chunk]
    except (BrokenProcessPool, OSError) as exc:
        log.warning("ingestion workers unavailable (%s): checking the batch in the process", exc)
        _drop_pool()
        return [_validate_only(spec, data, error) for data, error in plain]
