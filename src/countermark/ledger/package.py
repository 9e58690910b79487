"""Evidence packages: a zip of files, their ledger entries and inclusion proofs, the signed checkpoint
and the public key, that anyone can verify offline with only the zip."""

from __future__ import annotations

import hashlib
import html
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from countermark.core.errors import InvalidInput
from countermark.ledger import merkle
from countermark.ledger.checkpoint import NoteError, Verifier, verify_checkpoint
from countermark.ledger.entries import ENTRY_FORMAT, encode_entry, entry_fields
from countermark.ledger.models import LedgerEntry

PACKAGE_FORMAT = "countermark-evidence-package/2"
# Version 1 put the entry's database id inside "entry" and left "format" out, so an outsider could not
# rebuild the leaf from the manifest alone; such packages still verify (the id dropped, format 1 added).
LEGACY_PACKAGE_FORMAT = "countermark-evidence-package/1"
MANIFEST, CHECKPOINT, PUBLIC_KEY, SUMMARY = (
    "manifest.json",
    "checkpoint.txt",
    "public-key.txt",
    "summary.html",
)
MAX_MEMBER_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class PackageSummary:
    """What an exported package holds."""

    path: Path
    items: int
    files: int
    tree_size: int
    root_hash: str


@dataclass
class ItemCheck:
    """The verification of one item: its name and what failed (nothing when it verified)."""

    name: str
    entry_id: int | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the item verified."""
        return not self.problems


@dataclass
class PackageReport:
    """What verifying a package found: the checkpoint and every item."""

    checkpoint_ok: bool = False
    tree_size: int | None = None
    root_hash: str | None = None
    problems: list[str] = field(default_factory=list)
    items: list[ItemCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the checkpoint and every item verified."""
        return self.checkpoint_ok and not self.problems and all(item.ok for item in self.items)

    @property
    def failed_items(self) -> list[str]:
        """The names of the items that failed."""
        return [item.name for item in self.items if not item.ok]


def entry_document(entry: LedgerEntry) -> dict[str, Any]:
    """Exactly the hashed fields of an entry: the leaf is SHA-256(0x00 ‖ canonical JSON of this)."""
    return entry_fields(
        seq=entry.seq,
        kind=entry.kind,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        content_hash=entry.content_hash,
        metadata=entry.meta,
        recorded_at=entry.recorded_at,
    )


def manifest_entry_bytes(entry: dict[str, Any], package_format: str | None) -> bytes:
    """The canonical bytes of a manifest item's entry, read from the manifest alone."""
    if package_format == LEGACY_PACKAGE_FORMAT:
        entry = {key: value for key, value in entry.items() if key != "id"} | {"format": ENTRY_FORMAT}
    return encode_entry(entry)


def summary_html(manifest: dict[str, Any], note: str, public_key: str) -> str:
    """A self-contained page describing the package and how to check it."""
    e = html.escape
    rows = "\n".join(
        f"<tr><td>{e(str(item.get('entry_id', '')))}</td><td>{e(item['entry']['kind'])}</td>"
        f"<td>{e(item['entry']['subject_type'])} {e(item['entry']['subject_id'])}</td>"
        f"<td>{e(item['entry']['recorded_at'])}</td><td>{e(item['file'] or '(not included)')}</td>"
        f"<td><code>{e(item['sha256'])}</code></td><td>{item['leaf_index']}</td></tr>"
        for item in manifest["items"]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(manifest["title"])}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:.3em .6em;text-align:left}}code,pre{{font-size:.85em}}</style></head>
<body><h1>{e(manifest["title"])}</h1>
<p>Created {e(manifest["created_at"])}. Each file below was recorded in the tamper-evident ledger
<b>{e(manifest["origin"])}</b>; the ledger held {manifest["tree_size"]} entries with root hash
<code>{e(manifest["root_hash"])}</code> when its operator signed the checkpoint below.</p>
<table><tr><th>entry</th><th>kind</th><th>subject</th><th>recorded (UTC)</th><th>file</th>
<th>SHA-256</th><th>leaf</th></tr>
{rows}
</table>
<h2>Signed checkpoint</h2><pre>{e(note)}</pre>
<h2>Public key</h2><pre>{e(public_key)}</pre>
<h2>How to check this package</h2>
<p>Run <code>countermark ledger verify --package THIS.zip</code>, or by hand: the SHA-256 of each file
equals its <code>sha256</code>; SHA-256(0x00 ‖ the canonical JSON of its <code>entry</code> object:
keys sorted, no spaces, UTF-8) equals its <code>leaf_hash</code>;
the RFC 9162 inclusion proof leads from that leaf to the checkpoint's root; the checkpoint's Ed25519
signature (C2SP signed note) verifies with the public key, which you should compare with the one the
ledger's operator publishes.</p></body></html>
"""


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise InvalidInput(f"{name} is larger than {MAX_MEMBER_BYTES} bytes")
    return archive.read(info)


def verify_package(path: Path, *, trusted_key: str | None = None) -> PackageReport:
    """Check every file's hash, leaf, inclusion proof and the checkpoint signature, offline, from the zip."""
    report = PackageReport()
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(_read(archive, MANIFEST))
            key_text = trusted_key or _read(archive, PUBLIC_KEY).decode()
            if trusted_key and _read(archive, PUBLIC_KEY).decode().strip() != trusted_key.strip():
                report.problems.append("the package's public key is not the trusted key")
            root = _check_checkpoint(_read(archive, CHECKPOINT).decode(), key_text, manifest, report)
            for number, item in enumerate(manifest.get("items", [])):
                report.items.append(
                    _check_item(archive, number, item, root, report.tree_size, manifest.get("format"))
                )
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        report.problems.append(f"not a readable evidence package: {exc}")
    return report


def _check_checkpoint(
    note: str, key_text: str, manifest: dict[str, Any], report: PackageReport
) -> bytes | None:
    try:
        checkpoint = verify_checkpoint(note, Verifier.decode(key_text))
    except NoteError as exc:
        report.problems.append(f"checkpoint: {exc.message}")
        return None
    report.checkpoint_ok = True
    report.tree_size, report.root_hash = checkpoint.size, checkpoint.root_hash.hex()
    if (
        manifest.get("tree_size") != checkpoint.size
        or manifest.get("root_hash") != checkpoint.root_hash.hex()
    ):
        report.problems.append("the manifest's tree size or root differs from the signed checkpoint")
    return checkpoint.root_hash


def _check_item(
    archive: zipfile.ZipFile,
    number: int,
    item: dict[str, Any],
    root: bytes | None,
    size: int | None,
    package_format: str | None,
) -> ItemCheck:
    entry = item["entry"]
    entry_id = item.get("entry_id", entry.get("id"))
    check = ItemCheck(name=item.get("file") or f"item {number} (entry {entry_id})", entry_id=entry_id)
    if item.get("file"):
        try:
            digest = hashlib.sha256(_read(archive, item["file"])).hexdigest()
        except KeyError:
            check.problems.append("the file is missing from the package")
        else:
            if digest != item["sha256"]:
                check.problems.append(f"the file's SHA-256 is {digest}, not {item['sha256']}: it was changed")
    if item["sha256"] != entry["content_hash"]:
        check.problems.append("the item's SHA-256 differs from the one its ledger entry records")
    try:
        canonical = manifest_entry_bytes(entry, package_format)
    except InvalidInput as exc:
        check.problems.append(f"the entry cannot be rebuilt from the manifest: {exc.message}")
        return check
    leaf = merkle.leaf_hash(canonical)
    if leaf.hex() != item["leaf_hash"] or entry["seq"] != item["leaf_index"]:
        check.problems.append("the ledger entry does not hash to its leaf: the entry was changed")
    proof = [bytes.fromhex(h) for h in item["inclusion_proof"]]
    if root is None or size is None:
        check.problems.append("no verified checkpoint to check the inclusion proof against")
    elif not merkle.verify_inclusion(leaf, item["leaf_index"], size, proof, root):
        check.problems.append("the inclusion proof does not lead to the signed root")
    return check
