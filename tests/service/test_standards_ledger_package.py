"""An evidence package's manifest alone rebuilds every leaf (docs/ledger.md, "An entry to the byte")."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ledger import service
from countermark.ledger.checkpoint import Signer
from countermark.ledger.package import LEGACY_PACKAGE_FORMAT, MANIFEST, verify_package
from countermark.ledger.package_service import export_package

FIELDS = ["content_hash", "format", "kind", "metadata", "recorded_at", "seq", "subject_id", "subject_type"]


def _export(store: AppContext, tmp_path: Path) -> Path:
    signer = Signer.generate("test.countermark/ledger")
    digest = store.blobs.put(b"listing screenshot")
    with unit_of_work(store.sessions) as session:
        entry = service.append(
            session=session,
            kind="evidence",
            subject_type="evidence_item",
            subject_id="dossier-é",
            content_hash=digest,
            owner_org_id=None,
            tlp="RED",
            metadata={"case_id": 12, "listings": [3, "L-9"], "sent": False},
        )
        service.sign_checkpoint(session=session, signer=signer)
        return export_package(
            session=session,
            blobs=store.blobs,
            entry_ids=[entry.id],
            destination=tmp_path / "p.zip",
            verifier=signer.verifier(),
        ).path


def _rewrite_manifest(source: Path, target: Path, manifest: dict[str, object]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = json.dumps(manifest).encode() if info.filename == MANIFEST else old.read(info)
            new.writestr(info.filename, data)


def test_the_manifest_entry_is_exactly_the_hashed_fields(store: AppContext, tmp_path: Path) -> None:
    package = _export(store, tmp_path)
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    assert manifest["format"] == "countermark-evidence-package/2"
    for item in manifest["items"]:
        entry = item["entry"]
        assert sorted(entry) == FIELDS and entry["format"] == 1 and isinstance(item["entry_id"], int)
        # The page's encoding, applied to the manifest and nothing else.
        canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert hashlib.sha256(b"\x00" + canonical).hexdigest() == item["leaf_hash"]
    assert verify_package(package).ok


def test_a_field_added_beside_the_hashed_ones_is_refused(store: AppContext, tmp_path: Path) -> None:
    package = _export(store, tmp_path)
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    manifest["items"][0]["entry"]["owner"] = "someone else"
    _rewrite_manifest(package, tmp_path / "extra.zip", manifest)
    report = verify_package(tmp_path / "extra.zip")
    assert not report.ok
    assert "cannot be rebuilt from the manifest" in report.items[0].problems[0]


def test_a_version_1_package_still_verifies(store: AppContext, tmp_path: Path) -> None:
    package = _export(store, tmp_path)
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    manifest["format"] = LEGACY_PACKAGE_FORMAT
    for item in manifest["items"]:
        entry = item["entry"]
        entry.pop("format")
        entry["id"] = item.pop("entry_id")
    _rewrite_manifest(package, tmp_path / "v1.zip", manifest)
    assert verify_package(tmp_path / "v1.zip").ok
