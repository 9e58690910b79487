"""Benchmark: rows per second through the one ingestion path, per kind, on SQLite and PostgreSQL.

Builds the synthetic world once, then ingests it into a fresh store on each backend and prints a table.
Run: .venv/bin/python bench/ingest_throughput.py [--scale small|medium] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.demo.world import read_manifest
from countermark.ingest.service import ingest_file
from countermark.orgs.service import ensure_organisation, get_organisation_by_name_or_raise
from countermark.sim import build_world

console = Console()


def _timed_load(url: str, world: Path, work: Path) -> list[tuple[str, int, float]]:
    """Ingest the world step by step into a fresh store; (kind, rows, seconds) summed per kind."""
    ctx = build_context(Settings(data_dir=work, database_url=url), blobs=LocalBlobStore(work / "blobs"))
    upgrade(ctx.engine)
    manifest = read_manifest(world)
    totals: dict[str, tuple[int, float]] = {}
    with unit_of_work(ctx.sessions) as session:
        for org in manifest["organisations"]:
            ensure_organisation(session=session, name=org["name"], kind=org["kind"], country=org["country"])
    for step in manifest["ingest"]:
        started = time.perf_counter()
        with unit_of_work(ctx.sessions) as session:
            owner = get_organisation_by_name_or_raise(session=session, name=step["org"])
            report = ingest_file(
                session=session, blobs=ctx.blobs, kind=step["kind"], path=world / step["file"],
                owner_org_id=owner.id, actor="bench", tlp=step["tlp"], source=step.get("source"),
                mapping_path=world / step["map"] if step.get("map") else None,
            )  # fmt: skip
        count, seconds = totals.get(step["kind"], (0, 0.0))
        totals[step["kind"]] = (count + report.read, seconds + time.perf_counter() - started)
    ctx.close()
    return [(kind, count, seconds) for kind, (count, seconds) in totals.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="small", choices=("small", "medium", "large"))
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "COUNTERMARK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        started = time.perf_counter()
        build_world(base / "world", seed=7, scale=args.scale)
        console.print(f"world ({args.scale}) built in {time.perf_counter() - started:.1f} s")
        backends = [("sqlite", f"sqlite:///{base / 'bench.db'}")]
        schema = f"cm_bench_{uuid.uuid4().hex[:8]}"
        admin = None
        try:
            admin = create_engine(args.postgres, connect_args={"connect_timeout": 3})
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            sep = "&" if "?" in args.postgres else "?"
            backends.append(("postgresql", f"{args.postgres}{sep}options=-csearch_path%3D{schema}"))
        except Exception as exc:  # a missing server only removes a column of the table
            console.print(f"PostgreSQL skipped: {type(exc).__name__}")
            admin = None
        table = Table(
            "backend",
            "kind",
            "rows",
            "seconds",
            "rows/s",
            title=f"Ingestion ({platform.machine()}, {os.cpu_count()} cores, one transaction a file)",
        )
        try:
            for name, url in backends:
                for kind, count, seconds in _timed_load(url, base / "world", base / f"work-{name}"):
                    table.add_row(
                        name,
                        kind,
                        str(count),
                        f"{seconds:.2f}",
                        f"{count / seconds:,.0f}" if seconds else "-",
                    )
        finally:
            if admin is not None:
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        console.print(table)


if __name__ == "__main__":
    main()
