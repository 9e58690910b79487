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


def test_local_store_fans_out_by_the_first_byte_only(tmp_path: Path) -> None:
    """One level of 256 folders: blobs of one first byte share a folder, none gets one of its own."""
    store = LocalBlobStore(tmp_path / "blobs")
    digests = [store.put(str(n).encode()) for n in range(300)]
    for digest in digests:
        assert (tmp_path / "blobs" / digest[:2] / digest).is_file()
    folders = [p for p in (tmp_path / "blobs").rglob("*") if p.is_dir()]
    assert {p.name for p in folders} == {d[:2] for d in digests}
    assert all(p.parent == tmp_path / "blobs" for p in folders)


def test_local_store_still_finds_blobs_of_the_old_two_level_layout(tmp_path: Path) -> None:
    """A store written before (`ab/cd/abcd…`) is read as it is, and its blobs are not stored twice."""
    old = b"stored before the layout changed"
    digest = sha256_hex(old)
    legacy = tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(old)
    store = LocalBlobStore(tmp_path / "blobs")
    assert store.exists(digest)
    assert store.get(digest) == old
    assert store.file_of(digest) == legacy
    assert store.put(old) == digest
    assert not (tmp_path / "blobs" / digest[:2] / digest).exists()
