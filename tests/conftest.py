"""Fixtures: a migrated store on SQLite and, when a server is reachable, on PostgreSQL."""

from __future__ import annotations

import atexit
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, make_url, text

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext, build_context
from countermark.core.db import make_engine
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings

POSTGRES_URL = os.environ.get(
    "COUNTERMARK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_postgres_reason: str | None = None


def _postgres_unreachable() -> str | None:
    """None when PostgreSQL answers, else why not (checked once per test process)."""
    global _postgres_reason
    if _postgres_reason is None:
        try:
            engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            engine.dispose()
            _postgres_reason = ""
        except Exception as exc:  # any failure to connect means: skip, and say why
            _postgres_reason = (
                f"no PostgreSQL at {POSTGRES_URL} ({type(exc).__name__}); set COUNTERMARK_TEST_POSTGRES_URL"
            )
    return _postgres_reason or None


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    reason = _postgres_unreachable()
    if reason:
        if os.environ.get("COUNTERMARK_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"cm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'countermark.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


_sqlite_template: Path | None = None


def _sqlite_template_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file built once per test process; each test gets a copy (migrating is slow)."""
    global _sqlite_template
    if _sqlite_template is None:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        _sqlite_template = path
    return _sqlite_template


def _context(database_url: str, tmp_path: Path) -> AppContext:
    # The server's linking runner and automatic runs stay off: a test that wants them turns them on.
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, link_job_seconds=0, link_auto_seconds=0
    )
    return build_context(settings, blobs=LocalBlobStore(tmp_path / "blobs"))


@pytest.fixture
def migrated_store(database_url: str, tmp_path: Path) -> Iterator[AppContext]:
    """A store brought to the head revision by the real migrations."""
    ctx = _context(database_url, tmp_path)
    upgrade(ctx.engine)
    try:
        yield ctx
    finally:
        ctx.close()


_postgres_template: str | None = None


def _postgres_database_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def _server() -> Iterator[Connection]:
    """A connection to the test server outside any transaction (CREATE and DROP DATABASE need one)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            yield connection
    finally:
        admin.dispose()


def _migrated(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # a template must have no open connection when it is copied


def _drop_postgres_database(name: str) -> None:
    with _server() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


STALE_SECONDS = 6 * 3600  # a test run takes minutes: a database this old was left by a killed run


def _dated_name(prefix: str) -> str:
    return f"{prefix}_{int(time.time())}_{uuid.uuid4().hex[:8]}"


def _drop_stale_databases(connection: Connection) -> None:
    """Drop the test databases a killed run left behind (its exit handler never ran), by the time in their
    names; a database of a run still going is never that old."""
    names = connection.execute(
        text(r"SELECT datname FROM pg_database WHERE datname ~ '^cm_(template|test)_[0-9]+_[0-9a-f]+$'")
    ).scalars()
    for stale in [n for n in names if int(n.split("_")[2]) < time.time() - STALE_SECONDS]:
        try:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)'))
        except Exception:  # another user's, or in use: left for its owner, never a reason to fail a run
            continue


def _postgres_template_database() -> str | None:
    """A database migrated once per test process, which each PostgreSQL store is created from (a copy
    takes ~0.05 s, running the migrations ~1 s); None when the server does not let this user create
    databases, and each store is then migrated in a schema of its own. Dropped when the process ends."""
    global _postgres_template
    if _postgres_template is None:
        name = _dated_name("cm_template")
        with _server() as connection:
            try:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            except Exception:  # no CREATEDB privilege: migrate each store instead
                _postgres_template = ""
                return None
            _drop_stale_databases(connection)
        atexit.register(_drop_postgres_database, name)
        _migrated(_postgres_database_url(name))
        _postgres_template = name
    return _postgres_template or None


@contextmanager
def _postgres_store_url(database_url: str) -> Iterator[str]:
    """A fresh database copied from the migrated template, dropped afterwards; else the given schema's URL,
    migrated."""
    template = _postgres_template_database()
    if template is None:
        _migrated(database_url)
        yield database_url
        return
    name = _dated_name("cm_test")
    with _server() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _postgres_database_url(name)
    finally:
        _drop_postgres_database(name)


@pytest.fixture
def store(
    database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppContext]:
    """A store at the head revision: on SQLite a copy of a migrated file, on PostgreSQL a copy of a migrated
    database (both made once per test process). A test that needs the store's URL reads its settings."""
    with ExitStack() as stack:
        if database_url.startswith("sqlite"):
            target = Path(database_url.removeprefix("sqlite:///"))
            shutil.copyfile(_sqlite_template_file(tmp_path_factory), target)
        else:
            database_url = stack.enter_context(_postgres_store_url(database_url))
        ctx = _context(database_url, tmp_path)
        stack.callback(ctx.close)
        yield ctx


@pytest.fixture
def cli_env(store: AppContext, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """The store, with the environment pointing the CLI at it (for commands run through CliRunner)."""
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(store.settings.data_dir))
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", store.settings.resolved_database_url())
    monkeypatch.setenv("COUNTERMARK_BLOB_DIR", str(store.blobs.root))  # type: ignore[attr-defined]
    return store
