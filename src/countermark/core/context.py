"""The application context: settings, engine, session factory and blob store, built in one place."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from countermark.core.blobs import BlobStore, LocalBlobStore
from countermark.core.db import make_engine, make_sessionmaker
from countermark.core.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Slot(Generic[T]):
    """A typed place on the context for a part a lower capability needs and a higher one provides.

    The lower capability declares the slot with the protocol it expects (a capability never imports one
    above it); the top floor, which composes the capabilities, fills it when it builds the context
    (`AppContext.provide`); reading a slot nobody filled fails loudly (`AppContext.provided`).
    """

    name: str


@dataclass
class AppContext:
    """Everything a command or request needs to reach the store."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    # State a capability keeps for this store while the process runs (match indexes, loaded models),
    # by name; it lives and dies with the context, never in module globals.
    caches: dict[str, Any] = field(default_factory=dict)
    cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Parts the top floor plugged into slots (see Slot), by slot name; never dropped by forget().
    parts: dict[str, Any] = field(default_factory=dict)

    def provide(self, slot: Slot[T], part: T) -> None:
        """Plug a part into a slot (the top floor does it when it builds or receives the context)."""
        self.parts[slot.name] = part

    def provided(self, slot: Slot[T]) -> T:
        """The part plugged into a slot; LookupError, naming the slot, when nothing was."""
        if slot.name not in self.parts:
            raise LookupError(
                f"nothing provides {slot.name!r} on this context: the top floor plugs it in (app factory, "
                "command line); a context built by hand needs it plugged in too"
            )
        part: T = self.parts[slot.name]
        return part

    def cached(self, name: str, build: Callable[[], T]) -> T:
        """The cached value under a name, built once (under the context's lock) when first asked for."""
        with self.cache_lock:
            if name not in self.caches:
                self.caches[name] = build()
            value: T = self.caches[name]
            return value

    def forget(self, prefix: str = "") -> None:
        """Drop the cached values whose names start with the prefix (all of them by default)."""
        with self.cache_lock:
            for name in [n for n in self.caches if n.startswith(prefix)]:
                del self.caches[name]

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
