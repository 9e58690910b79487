"""Content-addressed blob store: images, page snapshots and evidence, keyed by SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

from countermark.core.errors import InvalidInput, NotFound


def sha256_hex(data: bytes) -> str:
    """The lower-case hex SHA-256 of the bytes."""
    return hashlib.sha256(data).hexdigest()


def _check_digest(digest: str) -> str:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput.of("not a SHA-256 hex digest: {digest!r}", digest=digest[:80])
    return digest


@runtime_checkable
class BlobStore(Protocol):
    """What every blob store does; an object store can replace the local one."""

    def put(self, data: bytes) -> str:
        """Store the bytes (idempotent) and return their SHA-256."""
        ...

    def get(self, digest: str) -> bytes:
        """The bytes stored under the digest; NotFound when absent."""
        ...

    def exists(self, digest: str) -> bool:
        """Whether bytes with this digest are stored."""
        ...

    def file_of(self, digest: str) -> Path | None:
        """The file holding the blob on this machine, for a caller that links or streams it rather than
        reading it into memory (never written to); None for a store that keeps no files."""
        ...


class LocalBlobStore:
    """Blobs as files under a directory, fanned out by the digest's first byte (`ab/abcdef…`).

    One level of 256 folders, as git keeps its objects: a blob then goes into a folder that already
    exists, where the second level this store used to have (`ab/cd/abcdef…`, 65,536 folders) made
    nearly every blob of a store below a few hundred thousand create a folder of its own (a crawl stores
    two blobs a page). Blobs stored under the old layout are still found, and not stored again."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        digest = _check_digest(digest)
        return self.root / digest[:2] / digest

    def _legacy_path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if self.exists(digest):
            return digest
        path = self._path(digest)
        # Write then rename, so a crash never leaves a truncated blob under a valid name. The folder is
        # made only when the temporary file cannot be created for want of it.
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        for path in (self._path(digest), self._legacy_path(digest)):
            try:
                return path.read_bytes()
            except FileNotFoundError:
                continue
        raise NotFound.of("no blob {digest}", digest=digest)

    def exists(self, digest: str) -> bool:
        return self._path(digest).exists() or self._legacy_path(digest).exists()

    def file_of(self, digest: str) -> Path:
        """The file holding the blob (where it would be, when it is not stored)."""
        path = self._path(digest)
        if path.exists():
            return path
        legacy = self._legacy_path(digest)
        return legacy if legacy.exists() else path


class MemoryBlobStore:
    """Blobs in a dictionary: a real store for tests and throwaway runs, not a mock."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        self._blobs.setdefault(digest, bytes(data))
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self._blobs[_check_digest(digest)]
        except KeyError:
            raise NotFound.of("no blob {digest}", digest=digest) from None

    def exists(self, digest: str) -> bool:
        return _check_digest(digest) in self._blobs

    def file_of(self, digest: str) -> Path | None:
        return None
