"""Benchmark: rows per second through the one ingestion path, per kind, on SQLite and PostgreSQL.

Builds the synthetic world once, then ingests it into a fresh store on each backend and prints a table;
then a national back-fill of shipments (`--shipments`, 100,000 by default): a file of new declarations,
the same file again (all unchanged), and a file where one row in ten is a newer version, through the
bulk path (batches written set-based) and, on a slice (`--row-by-row`), the row-by-row path.
Each pass gives its wall time, the CPU time of this process and, when PostgreSQL runs on this machine,
the CPU time of the backend that served it: on a shared machine the CPU times say what the work costs.
Run: .venv/bin/python bench/ingest_throughput.py [--scale small|medium] [--shipments N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.demo.world import read_manifest
from countermark.ingest import parallel
from countermark.ingest.service import IngestReport, ingest_file
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


def write_shipments(path: Path, count: int, *, seed: int = 11, newer_every: int = 0) -> Path:
    """`count` declarations of a customs export: parties drawn from pools (so identifiers recur, as in a
    real feed), contacts as phones and e-mails; with `newer_every`, every n-th row is version 2."""
    rng = random.Random(seed)
    senders = [f"Trading Company {n} Ltd" for n in range(count // 20 + 1)]
    towns = ["Paris", "Lyon", "Marseille", "Lille", "Nantes", "Bordeaux", "Toulouse", "Nice"]
    hs_codes = ["420221", "420222", "610910", "640399", "711719", "910211", "950300", "330300"]
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            sender = rng.randrange(len(senders))
            record = {
                "source": "bench-export",
                "external_id": f"D-{n:08d}",
                "version": 2 if newer_every and n % newer_every == 0 else 1,
                "declared_on": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "office": f"FR00{rng.randint(1, 9)}",
                "transport_mode": rng.choice(["post", "express", "air"]),
                "consignor_name": senders[sender],
                "consignor_country": "CN",
                "consignor_contact": f"+86 755 {sender:08d}" if sender % 2 else f"sales{sender}@trade-co.cn",
                "consignee_name": f"Customer {rng.randrange(count // 2 + 1)}",
                "consignee_address": f"{rng.randint(1, 200)} rue du Port, {rng.choice(towns)}",
                "consignee_country": "FR",
                "hs_code": rng.choice(hs_codes),
                "quantity": rng.randint(1, 50),
                "gross_mass_kg": f"{rng.uniform(0.1, 30):.3f}",
                "declared_value": f"{rng.uniform(5, 900):.2f}",
                "currency": "EUR",
                "description": rng.choice(["handbag", "watch", "shoes", "t-shirts", "perfume", "toys"]),
                "attributes": {"import_type": "H7"},
            }
            handle.write(json.dumps(record) + "\n")
    return path


def cpu_seconds() -> float:
    """CPU seconds of this process and of the live ingestion workers (read from /proc on Linux): the
    machine may be shared, and CPU time says what the work costs whatever else runs."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    for pid in list(getattr(parallel._pool, "_processes", None) or {}):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


def server_cpu_seconds(session: Session) -> float | None:
    """CPU seconds of the session's PostgreSQL backend, when the server runs on this machine (its
    process is then in /proc); None otherwise (SQLite runs in this process: its CPU is ours)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed_shipments(
    url: str, work: Path, count: int, row_by_row: int
) -> list[tuple[str, str, int, float, float, float | None]]:
    """(path, pass, rows, seconds, CPU seconds, server CPU seconds) of the back-fill passes on a fresh
    store."""
    work.mkdir(parents=True, exist_ok=True)
    ctx = build_context(Settings(data_dir=work, database_url=url), blobs=LocalBlobStore(work / "blobs"))
    upgrade(ctx.engine)
    with unit_of_work(ctx.sessions) as session:
        owner = ensure_organisation(session=session, name="Bench customs", kind="customs", country="FR").id
    results = []

    def run(path: Path, bulk: bool) -> tuple[IngestReport, float, float, float | None]:
        started, cpu = time.perf_counter(), cpu_seconds()
        with unit_of_work(ctx.sessions) as session:
            server = server_cpu_seconds(session)
            report = ingest_file(
                session=session, blobs=ctx.blobs, kind="shipments", path=path, owner_org_id=owner,
                actor="bench", tlp="AMBER", bulk=bulk,
            )  # fmt: skip
            after = server_cpu_seconds(session)
        served = after - server if server is not None and after is not None else None
        return report, time.perf_counter() - started, cpu_seconds() - cpu, served

    new = write_shipments(work / "new.jsonl", count)
    newer = write_shipments(work / "newer.jsonl", count, newer_every=10)
    for label, path, expect in (
        ("new", new, "stored"), ("same again", new, "unchanged"), ("1 in 10 newer", newer, "updated"),
    ):  # fmt: skip
        report, seconds, cpu, served = run(path, True)
        assert report.rejected == 0 and getattr(report, expect) > 0, report.summary()
        results.append(("bulk", label, report.read, seconds, cpu, served))
    if row_by_row:
        slice_ = work / "slice.jsonl"
        lines = new.read_text(encoding="utf-8").splitlines()[:row_by_row]
        slice_.write_text("\n".join(line.replace("bench-export", "bench-slice") for line in lines) + "\n")
        report, seconds, cpu, served = run(slice_, False)
        assert report.stored == row_by_row, report.summary()
        results.append(("row by row", "new", report.read, seconds, cpu, served))
    ctx.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="small", choices=("small", "medium", "large"))
    parser.add_argument("--shipments", type=int, default=100_000, help="rows of the back-fill (0: skip it)")
    parser.add_argument("--row-by-row", type=int, default=2_000, help="rows of the row-by-row comparison")
    parser.add_argument("--no-world", action="store_true", help="only the shipment back-fill")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "COUNTERMARK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        admin, schemas = None, []
        try:
            admin = create_engine(args.postgres, connect_args={"connect_timeout": 3})
            with admin.begin() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # a missing server only removes rows of the tables
            console.print(f"PostgreSQL skipped: {type(exc).__name__}")
            admin = None

        def stores(name: str) -> list[tuple[str, str]]:
            """A fresh SQLite file and a fresh PostgreSQL schema."""
            backends = [("sqlite", f"sqlite:///{base / f'{name}.db'}")]
            if admin is not None:
                schema = f"cm_bench_{uuid.uuid4().hex[:8]}"
                with admin.begin() as connection:
                    connection.execute(text(f'CREATE SCHEMA "{schema}"'))
                schemas.append(schema)
                sep = "&" if "?" in args.postgres else "?"
                backends.append(("postgresql", f"{args.postgres}{sep}options=-csearch_path%3D{schema}"))
            return backends

        machine = f"{platform.machine()}, {os.cpu_count()} cores"
        try:
            if not args.no_world:
                started = time.perf_counter()
                build_world(base / "world", seed=7, scale=args.scale)
                console.print(f"world ({args.scale}) built in {time.perf_counter() - started:.1f} s")
                table = Table(
                    "backend", "kind", "rows", "seconds", "rows/s",
                    title=f"Ingestion of the world ({machine}, one transaction a file)",
                )  # fmt: skip
                for name, url in stores("world"):
                    for kind, count, seconds in _timed_load(url, base / "world", base / f"work-{name}"):
                        rate = f"{count / seconds:,.0f}" if seconds else "-"
                        table.add_row(name, kind, str(count), f"{seconds:.2f}", rate)
                console.print(table)
            if args.shipments:
                load = os.getloadavg()[0]
                table = Table(
                    "backend", "path", "pass", "rows", "seconds", "rows/s", "CPU s", "server CPU s",
                    "rows/CPU s",
                    title=f"Shipment back-fill ({machine}, load {load:.1f} before, per pass)",
                    caption="CPU s: this process; server CPU s: the PostgreSQL backend, when local; "
                    "rows/CPU s: rows per second of both together (what the work costs, whatever else runs)",
                )  # fmt: skip
                for name, url in stores("shipments"):
                    work = base / f"shipments-{name}"
                    for path, label, count, seconds, cpu, served in _timed_shipments(
                        url, work, args.shipments, args.row_by_row
                    ):
                        rate = f"{count / seconds:,.0f}" if seconds else "-"
                        spent = cpu + (served or 0.0)
                        per_cpu = f"{count / spent:,.0f}" if spent else "-"
                        server = f"{served:.1f}" if served is not None else "-"
                        cells = (f"{count:,}", f"{seconds:.2f}", rate, f"{cpu:.1f}", server, per_cpu)
                        table.add_row(name, path, label, *cells)
                console.print(table)
                console.print(f"load average after: {os.getloadavg()[0]:.1f}")
        finally:
            if admin is not None:
                with admin.begin() as connection:
                    for schema in schemas:
                        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
