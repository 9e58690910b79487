"""The application context: settings, engine, session factory and blob store, built in one place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from countermark.core.blobs import BlobStore, LocalBlobStore
from countermark.core.db import make_engine, make_sessionmaker
from countermark.core.settings import Settings


@dataclass
class AppContext:
    """Everything a command or request needs to reach the store."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


def build_context(settings: Settings | None = None, *, blobs: BlobStore | None = None) -> AppContext:
    """Build the engine, session factory and blob store for these settings (the app factory's core)."""
    settings = settings or Settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url(), echo=settings.sql_echo)
    store = blobs if blobs is not None else LocalBlobStore(settings.resolved_blob_dir())
    return AppContext(settings=settings, engine=engine, sessions=make_sessionmaker(engine), blobs=store)
