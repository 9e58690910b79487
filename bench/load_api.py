"""Load test of the API on loopback: list, detail and public verification routes, on PostgreSQL and SQLite.

For each database it prepares a fresh store (a new PostgreSQL schema, dropped afterwards, and an SQLite
file), ingests a synthetic world through the ordinary ingestion path, issues product codes, creates a user
with a read-only API token, starts `countermark serve` with N worker processes on 127.0.0.1 (a free port),
then drives a closed loop of C concurrent keep-alive HTTP/1.1 connections for R requests, spread evenly
over `GET /api/v1/listings?limit=50`, `GET /api/v1/shipments/{id}` (ids drawn from the store) and the public
`GET /api/v1/codes/verify?uri=…`. It prints, per route, requests, errors, req/s, p50/p90/p99/max, the
machine, the settings and the CPU the load generator itself used (it shares the cores with the server).

The load generator is one asyncio process writing raw HTTP/1.1 on keep-alive sockets (`load_client.py`).
Verification is public and limited per client address (120 a minute), so its requests come from many
simulated consumers: each verifying connection binds its own loopback source address (127.1.x.y) and is
replaced after a few dozen scans, as phones are; each consumer holds a few codes (--held) and scans them
from one ~1 km place, so repeated scans show what the store writes (printed after the table).

Bounded: it serves and connects on loopback only, and refuses any other host.

Run: .venv/bin/python bench/load_api.py [--database both|postgresql|sqlite] [--requests 20000]
     [--concurrency 50] [--workers 4] [--scale medium] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from load_client import HOST, STALE, Connection, RouteStats, attempt, print_table
from sqlalchemy import create_engine, func, select, text

from countermark.codes import service as codes_service
from countermark.codes.models import CodeScan
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.demo.world import load_world
from countermark.observe.models import Listing
from countermark.orgs.auth_service import create_api_token
from countermark.orgs.models import Organisation
from countermark.orgs.service import create_user
from countermark.orgs.visibility import Principal, visible
from countermark.rights.models import Product
from countermark.sim import build_world
from countermark.targeting.models import Shipment

DEFAULT_POSTGRES = os.environ.get(
    "COUNTERMARK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ROUTES = ("GET /api/v1/listings?limit=50", "GET /api/v1/shipments/{id}", "GET /api/v1/codes/verify")
SCANS_PER_CONSUMER = 40  # under the 120-a-minute limit of one address, whatever the pace
READY_REQUEST = b"GET /api/v1/codes/public-keys HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
START_SECONDS = 300  # each worker imports the app (~8 s of CPU): minutes when the cores are busy
PLACES = ((48.86, 2.35), (45.76, 4.84), (43.30, 5.37), (51.51, -0.13), (52.52, 13.40), (40.42, -3.70))


@dataclass
class Store:
    """A prepared store: its URL, data folder, the bench token and what the requests draw from."""

    kind: str
    url: str
    data_dir: Path
    token: str
    shipment_ids: list[int]
    listing_count: int
    uris: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def require_loopback(url: str) -> None:
    """Refuse a database or server that is not on this machine: the bench never loads anyone else."""
    host = urlsplit(url.replace("+psycopg", "")).hostname or "127.0.0.1"
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"refusing {host}: this load test runs against loopback only")


def postgres_reachable(url: str) -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip PostgreSQL, say why
        return str(exc).splitlines()[0]
    return None


def prepare(kind: str, url: str, data_dir: Path, world_dir: Path, n_codes: int) -> Store:
    """Migrate, ingest the world, issue codes and create a read-only token; the bench's inputs."""
    settings = Settings(data_dir=data_dir, database_url=url)
    ctx = build_context(settings)
    counts: dict[str, int] = {}
    try:
        upgrade(ctx.engine)
        started = time.perf_counter()
        with unit_of_work(ctx.sessions) as session:
            reports = load_world(session=session, blobs=ctx.blobs, world_dir=world_dir, actor="bench")
        for report in reports:
            counts[report.kind] = counts.get(report.kind, 0) + report.stored
        counts["ingest seconds"] = round(time.perf_counter() - started)
        with unit_of_work(ctx.sessions) as session:
            uris = _issue_codes(session, settings, n_codes)
            customs = session.scalar(
                select(Organisation).where(Organisation.kind == "customs").order_by(Organisation.id)
            )
            assert customs is not None, "the synthetic world has a customs administration"
            user = create_user(
                session=session,
                org_id=customs.id,
                email=f"bench-{uuid.uuid4().hex[:8]}@bench.countermark.local",
                display_name="Load bench",
                role="officer",
                actor="bench",
            )
            token, _ = create_api_token(
                session=session, user=user, name="load bench", scopes=["read"], expires_in_days=1
            )
            principal = Principal(org_id=customs.id, scopes=frozenset({"read"}))
            shipment_ids = list(session.scalars(visible(Shipment, principal).with_only_columns(Shipment.id)))
            listing_count = session.scalar(
                select(func.count()).select_from(visible(Listing, principal).subquery())
            )
    finally:
        ctx.close()
    return Store(kind, url, data_dir, token, shipment_ids, int(listing_count or 0), uris, counts)


def _issue_codes(session: object, settings: Settings, n_codes: int) -> list[str]:
    """Issue `n_codes` signed codes over the rights holders' products with a GTIN; their URIs."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    products = [p for p in session.scalars(select(Product).order_by(Product.id)) if p.gtin]
    if not products:
        raise SystemExit("the world has no product with a GTIN: no code to verify")
    product = products[0]
    directory = settings.keys_dir
    codes_service.create_signing_key(
        session=session, directory=directory, org_id=product.owner_org_id, actor="bench"
    )
    principal = Principal(org_id=product.owner_org_id, scopes=frozenset({"read", "write"}))
    batch = codes_service.create_batch(
        session=session,
        principal=principal,
        product_id=product.id,
        quantity=n_codes,
        resolver="id.bench.example",
        actor="bench",
    )
    codes_service.issue_batch(session=session, directory=directory, batch=batch)
    return [uri for _, uri in codes_service.batch_codes(session=session, batch=batch)]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(
    store: Store, port: int, workers: int, log_path: Path, access_log: bool
) -> subprocess.Popen[bytes]:
    """`countermark serve` on loopback with the store, in its own process group."""
    env = {
        **os.environ,
        "COUNTERMARK_DATA_DIR": str(store.data_dir),
        "COUNTERMARK_DATABASE_URL": store.url,
        "COLUMNS": "200",
    }
    command = [sys.executable, "-m", "countermark.cli.main", "serve"]
    command += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    command += ["--access-log" if access_log else "--no-access-log"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped; see {log_path}:\n{log_path.read_text()[-2000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as probe:
                probe.sendall(READY_REQUEST)
                if probe.recv(64).startswith(b"HTTP/1.1 200"):
                    time.sleep(2.0 if workers > 1 else 0.2)  # let every worker finish starting
                    return process
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"the server did not answer within {START_SECONDS} s; see {log_path}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group (the reloader and its workers)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server_cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU seconds of the server and its worker processes so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == process.pid or int(entry.name) == process.pid:  # field 4 is the parent
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def drive(
    store: Store, port: int, requests: int, concurrency: int, seed: int, held: int
) -> tuple[dict[str, RouteStats], float]:
    """The closed loop: `concurrency` workers take the next request until `requests` were sent."""
    stats = {route: RouteStats() for route in ROUTES}
    rng = random.Random(seed)
    auth = b"Authorization: Bearer " + store.token.encode() + b"\r\nUser-Agent: countermark-load\r\n"
    public = b"User-Agent: countermark-load (consumer)\r\n"
    consumers = iter(range(1, 1 << 16))
    counter = iter(range(requests))

    def consumer_address() -> str:
        n = next(consumers)
        return f"127.1.{n >> 8}.{n & 255}"

    async def worker() -> None:
        api = Connection(port)
        consumer = Connection(port, consumer_address())
        place, items, scans = rng.choice(PLACES), rng.sample(store.uris, held), 0
        for index in counter:
            route = ROUTES[index % 3]
            if index % 3 == 0:
                path, conn, headers = "/api/v1/listings?limit=50", api, auth
            elif index % 3 == 1:
                path, conn, headers = f"/api/v1/shipments/{rng.choice(store.shipment_ids)}", api, auth
            else:
                if scans == SCANS_PER_CONSUMER:
                    await consumer.close()
                    consumer, scans = Connection(port, consumer_address()), 0
                    place, items = rng.choice(PLACES), rng.sample(store.uris, held)
                scans += 1
                uri = quote(rng.choice(items), safe="")
                path = f"/api/v1/codes/verify?uri={uri}&lat={place[0]}&lon={place[1]}"
                conn, headers = consumer, public
            started = time.perf_counter()
            entry = stats[route]
            try:
                status, _ = await conn.request(path, headers)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                await conn.close()
                status = 0
                if isinstance(exc, STALE) and conn.reused:
                    # A kept-alive connection the server closed while the request was on its way: like
                    # any HTTP client, send the (idempotent) GET once more on a new connection; counted.
                    entry.retries += 1
                    status = await attempt(conn, path, headers, entry)
                else:
                    entry.failures[type(exc).__name__] = entry.failures.get(type(exc).__name__, 0) + 1
            elapsed = time.perf_counter() - started
            entry.statuses[status] = entry.statuses.get(status, 0) + 1
            if status == 200:
                entry.latencies.append(elapsed)
            else:
                entry.errors += 1
        await api.close()
        await consumer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return stats, time.perf_counter() - started


def machine() -> str:
    """Cores, CPU model, memory and Python of this machine."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} logical CPUs ({model}), {memory:.1f} GiB, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def scan_rows(url: str) -> int:
    """How many scans the store holds."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(CodeScan)).scalar_one())
    finally:
        engine.dispose()


def database_sessions(url: str) -> int | None:
    """Connections PostgreSQL has opened to this database so far (None on SQLite): churn shows here."""
    if not url.startswith("postgresql"):
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            ).scalar()
            return int(found or 0)
    finally:
        engine.dispose()


def run_one(store: Store, args: argparse.Namespace, workdir: Path) -> None:
    """Serve the store, warm up, drive the load and print the table."""
    port = free_port()
    log_path = workdir / f"serve-{store.kind}.log"
    process = start_server(store, port, args.workers, log_path, args.access_log)
    try:
        warm_up = min(600, args.requests)
        asyncio.run(drive(store, port, warm_up, args.concurrency, seed=1, held=args.held))
        scans_before = scan_rows(store.url)
        sessions_before = database_sessions(store.url)
        cpu_server = server_cpu_seconds(process)
        cpu_client = resource.getrusage(resource.RUSAGE_SELF)
        stats, seconds = asyncio.run(
            drive(store, port, args.requests, args.concurrency, seed=2, held=args.held)
        )
        client = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = client.ru_utime + client.ru_stime - cpu_client.ru_utime - cpu_client.ru_stime
        server_cpu = server_cpu_seconds(process) - cpu_server
        scans_after = scan_rows(store.url)
        sessions_after = database_sessions(store.url)
    finally:
        stop_server(process)
    print_table(
        f"{store.kind}: {args.requests:,} requests, concurrency {args.concurrency}, "
        f"{args.workers} worker(s), "
        f"{seconds:.1f} s",
        stats,
        seconds,
    )
    verifications = len(stats[ROUTES[2]].latencies) + stats[ROUTES[2]].errors
    print(
        f"  CPU during the run: server {server_cpu:.1f} s ({1000 * server_cpu / args.requests:.2f} ms a "
        f"request), load generator {client_cpu:.1f} s "
        f"({1000 * client_cpu / args.requests:.2f} ms a request); {scans_after - scans_before:,} scan rows "
        f"written for {verifications:,} verifications"
    )
    if sessions_before is not None and sessions_after is not None:
        # Counted over the whole database: other clients of it (other benches, tests) add theirs.
        print(f"  PostgreSQL connections opened during the run: {sessions_after - sessions_before - 1:,}")


def main() -> None:
    """Prepare each database, serve it, load it and print the tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="a loopback PostgreSQL database")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--scale", choices=("small", "medium"), default="medium")
    parser.add_argument("--codes", type=int, default=1000, help="codes issued for verification")
    parser.add_argument("--held", type=int, default=3, help="codes each simulated consumer holds")
    parser.add_argument(
        "--access-log", action=argparse.BooleanOptionalAction, default=True, help="the server's access log"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (stores, server logs)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 200_000 or not 1 <= args.concurrency <= 500 or not 1 <= args.workers <= 32:
        raise SystemExit("bounded: --requests 1..200000, --concurrency 1..500, --workers 1..32")
    require_loopback(args.postgres_url)
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    print(f"machine: {machine()}")
    print(
        f"settings: {args.requests:,} requests, concurrency {args.concurrency}, {args.workers} worker(s), "
        f"world scale {args.scale}, {args.codes} codes, {args.held} held by each consumer, access log "
        f"{'on' if args.access_log else 'off'}; load generator: one asyncio process, raw HTTP/1.1 "
        "keep-alive; routes interleaved 1:1:1"
    )
    workdir = Path(tempfile.mkdtemp(prefix="countermark-load-"))
    world_dir = workdir / "world"
    started = time.perf_counter()
    build_world(world_dir, seed=7, scale=args.scale)
    print(f"synthetic world built in {time.perf_counter() - started:.0f} s")
    kinds = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    try:
        for kind in kinds:
            schema = None
            if kind == "postgresql":
                reason = postgres_reachable(args.postgres_url)
                if reason:
                    print(f"\npostgresql: skipped, not reachable at {args.postgres_url} ({reason})")
                    continue
                schema = f"cm_load_{uuid.uuid4().hex[:10]}"
                admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text(f'CREATE SCHEMA "{schema}"'))
                separator = "&" if "?" in args.postgres_url else "?"
                url = f"{args.postgres_url}{separator}options=-csearch_path%3D{schema}"
            else:
                url = f"sqlite:///{workdir / 'sqlite' / 'countermark.db'}"
                (workdir / "sqlite").mkdir()
            try:
                started = time.perf_counter()
                store = prepare(kind, url, workdir / f"data-{kind}", world_dir, args.codes)
                print(
                    f"\n{kind}: store prepared in {time.perf_counter() - started:.0f} s: "
                    f"{store.counts.get('listings', 0):,} listings ({store.listing_count:,} visible to the "
                    f"bench token), {len(store.shipment_ids):,} shipments visible, {len(store.uris):,} codes"
                )
                run_one(store, args, workdir)
            finally:
                if schema is not None:
                    with admin.connect() as connection:
                        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                    admin.dispose()
    finally:
        if args.keep:
            print(f"\nwork folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
