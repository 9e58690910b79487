"""Evidence packages: exported from the store, verified offline from the zip alone, tampering named."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ledger import service
from countermark.ledger.checkpoint import Signer
from countermark.ledger.package import CHECKPOINT, MANIFEST, verify_package
from countermark.ledger.package_service import export_package

FILES = [b"photo of seized handbag", b"screenshot of listing 4411", b"customs detention report"]


def _rewrite(source: Path, target: Path, name: str, change: bytes) -> None:
    """Copy the zip, replacing one member's bytes."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, change if info.filename == name else old.read(info))


@pytest.fixture
def package(store: AppContext, tmp_path: Path) -> Path:
    signer = Signer.generate("test.countermark/ledger")
    digests = [store.blobs.put(data) for data in FILES]
    with unit_of_work(store.sessions) as session:
        service.append(
            session=session,
            kind="right",
            subject_type="right",
            subject_id=1,
            content_hash="a" * 64,
            owner_org_id=None,
            tlp="RED",
        )
        ids = [
            service.append(
                session=session,
                kind="evidence",
                subject_type="blob",
                subject_id=d,
                content_hash=d,
                owner_org_id=None,
                tlp="RED",
                metadata={"case_id": 12},
            ).id
            for d in digests
        ]
        service.sign_checkpoint(session=session, signer=signer)
        summary = export_package(
            session=session,
            blobs=store.blobs,
            entry_ids=ids,
            destination=tmp_path / "evidence.zip",
            verifier=signer.verifier(),
        )
    assert (summary.items, summary.files, summary.tree_size) == (3, 3, 4)
    return summary.path


def test_an_exported_package_verifies_offline(package: Path) -> None:
    report = verify_package(package)
    assert report.ok, (report.problems, [i.problems for i in report.items])
    assert len(report.items) == 3 and report.tree_size == 4
    with zipfile.ZipFile(package) as archive:
        assert {"manifest.json", "checkpoint.txt", "public-key.txt", "summary.html"} <= set(
            archive.namelist()
        )
        assert b"http" not in archive.read("summary.html").lower().replace(b"http-equiv", b"")


def test_one_changed_byte_in_one_file_names_that_item(package: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        item = json.loads(archive.read(MANIFEST))["items"][1]
        original = archive.read(item["file"])
    changed = bytes([original[0] ^ 1]) + original[1:]
    _rewrite(package, tmp_path / "changed.zip", item["file"], changed)
    report = verify_package(tmp_path / "changed.zip")
    assert not report.ok and report.checkpoint_ok
    assert report.failed_items == [item["file"]]


def test_a_changed_entry_in_the_manifest_fails_its_leaf(package: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    manifest["items"][0]["entry"]["metadata"]["case_id"] = 13
    _rewrite(package, tmp_path / "entry.zip", MANIFEST, json.dumps(manifest).encode())
    report = verify_package(tmp_path / "entry.zip")
    assert report.failed_items == [manifest["items"][0]["file"]]


def test_a_changed_checkpoint_fails_its_signature(package: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        note = archive.read(CHECKPOINT).decode()
    origin, size, rest = note.split("\n", 2)
    _rewrite(package, tmp_path / "forged.zip", CHECKPOINT, f"{origin}\n{int(size) + 1}\n{rest}".encode())
    report = verify_package(tmp_path / "forged.zip")
    assert not report.ok and not report.checkpoint_ok
    assert any("does not verify" in p for p in report.problems)


def test_a_package_signed_by_another_key_fails_against_the_trusted_key(package: Path) -> None:
    other = Signer.generate("test.countermark/ledger").verifier().encode()
    report = verify_package(package, trusted_key=other)
    assert not report.ok and not report.checkpoint_ok


def test_something_that_is_not_a_package_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    report = verify_package(tmp_path / "junk.zip")
    assert not report.ok and report.problems
