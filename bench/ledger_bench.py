"""Benchmark of the ledger: durable appends per second (SQLite, PostgreSQL) and proof sizes at 1M entries.

Every batch is appended and committed in its own transaction. PostgreSQL is measured when
COUNTERMARK_TEST_POSTGRES_URL (or the default local test server) answers.
Run: .venv/bin/python bench/ledger_bench.py [--entries 1000000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from countermark.core.db import make_engine, make_sessionmaker, unit_of_work
from countermark.core.migrate import upgrade
from countermark.ledger import merkle, service
from countermark.ledger.checkpoint import Signer
from countermark.ledger.service import EntryIn

POSTGRES_URL = os.environ.get(
    "COUNTERMARK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# (entries per batch, number of batches): each row appends and commits about the same amount of work.
BATCHES = [(1, 500), (100, 50), (10_000, 3)]


def _entry(number: int) -> EntryIn:
    digest = hashlib.sha256(number.to_bytes(8, "big")).hexdigest()
    return EntryIn("evidence", "blob", digest[:16], digest, {"case_id": number})


@contextmanager
def _sqlite() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        yield engine
        engine.dispose()


@contextmanager
def _postgres() -> Iterator[Engine]:
    schema = f"cm_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    engine = make_engine(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def measure_appends(engine: Engine) -> list[tuple[int, int, float]]:
    """(batch size, entries appended, entries per second) for each batch size, each batch committed."""
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    results, number = [], 0
    for batch, repeats in BATCHES:
        started = time.perf_counter()
        for _ in range(repeats):
            with unit_of_work(sessions) as session:
                service.append_many(session=session, entries=[_entry(number + i) for i in range(batch)])
            number += batch
        elapsed = time.perf_counter() - started
        results.append((batch, batch * repeats, batch * repeats / elapsed))
    started = time.perf_counter()
    with unit_of_work(sessions) as session:
        checkpoint = service.sign_checkpoint(session=session, signer=Signer.generate("bench/ledger"))
    results.append((-checkpoint.size, 0, time.perf_counter() - started))
    return results


def _timed(action: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def measure_proofs(entries: int) -> list[str]:
    """Proof sizes and timings for a tree of `entries` leaves built in memory from the pure functions."""
    leaves, hashing = _timed(lambda: [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(entries)])
    assert isinstance(leaves, list)
    compact = merkle.CompactRange()
    _, appending = _timed(lambda: compact.extend(leaves))
    levels, building = _timed(lambda: merkle.tree_levels(leaves))
    assert isinstance(levels, list) and levels[-1][0] == compact.root()
    lines = [
        f"leaf hashes: {entries:,} in {hashing:.2f} s; compact-range appends {entries / appending:,.0f}/s; "
        f"all tree levels built in {building:.2f} s",
        "| proof | hashes | bytes | time |",
        "|---|---|---|---|",
    ]
    for index in (0, entries // 2, entries - 1):
        started = time.perf_counter()
        proof = merkle.inclusion_proof_from_levels(levels, index)
        spent = time.perf_counter() - started
        assert merkle.verify_inclusion(leaves[index], index, entries, proof, compact.root())
        lines.append(
            f"| inclusion of leaf {index:,} in {entries:,} | {len(proof)} | {32 * len(proof)} "
            f"| {spent * 1e6:.0f} µs |"
        )
    for old in (1, entries // 2, entries - 1):
        started = time.perf_counter()
        proof = merkle.consistency_proof_from_levels(levels, old)
        spent = time.perf_counter() - started
        lines.append(
            f"| consistency {old:,} → {entries:,} | {len(proof)} | {32 * len(proof)} | {spent * 1e6:.0f} µs |"
        )
    return lines


def main() -> None:
    """Print append rates and proof sizes with the machine they were measured on."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print("\n| database | batch size | entries | appends/s (each batch committed) |\n|---|---|---|---|")
    backends: list[tuple[str, Callable[[], AbstractContextManager[Engine]]]] = [
        ("SQLite (WAL)", _sqlite),
        ("PostgreSQL", _postgres),
    ]
    for name, backend in backends:
        try:
            with backend() as engine:
                for batch, count, rate in measure_appends(engine):
                    if batch < 0:
                        print(f"| {name} | sign checkpoint at {-batch:,} entries | | {rate * 1000:.0f} ms |")
                    else:
                        print(f"| {name} | {batch:,} | {count:,} | {rate:,.0f} |")
        except Exception as exc:  # an unreachable server is reported, not fatal
            print(f"| {name} | not measured: {type(exc).__name__} | | |")
    print()
    for line in measure_proofs(args.entries):
        print(line)


if __name__ == "__main__":
    main()
