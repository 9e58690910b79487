"""Every blob store implementation passes the same conformance tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from countermark.core.blobs import BlobStore, LocalBlobStore, MemoryBlobStore, sha256_hex
from countermark.core.errors import InvalidInput, NotFound

FACTORIES: dict[str, Callable[[Path], BlobStore]] = {
    "local": lambda tmp: LocalBlobStore(tmp / "blobs"),
    "memory": lambda tmp: MemoryBlobStore(),
}


@pytest.fixture(params=sorted(FACTORIES))
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return FACTORIES[request.param](tmp_path)


def test_put_returns_the_sha256_and_get_returns_the_bytes(blob_store: BlobStore) -> None:
    digest = blob_store.put(b"evidence")
    assert digest == sha256_hex(b"evidence")
    assert blob_store.get(digest) == b"evidence"
    assert blob_store.exists(digest)


def test_put_is_idempotent(blob_store: BlobStore) -> None:
    assert blob_store.put(b"same") == blob_store.put(b"same")


def test_missing_blob_is_not_found(blob_store: BlobStore) -> None:
    with pytest.raises(NotFound):
        blob_store.get("0" * 64)
    assert not blob_store.exists("0" * 64)


@pytest.mark.parametrize("digest", ["../../etc/passwd", "ABC", "g" * 64, ""])
def test_malformed_digests_are_refused(blob_store: BlobStore, digest: str) -> None:
    with pytest.raises(InvalidInput):
        blob_store.get(digest)


def test_local_store_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    digest = store.put(b"x" * 1000)
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [digest]
