"""Exporting evidence packages from the store: entries, their files, proofs and the signed checkpoint.

The package format and its offline verification are in `ledger/package.py`, which needs no store.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.clock import utcnow
from countermark.core.errors import Conflict, InvalidInput
from countermark.ledger import merkle, service
from countermark.ledger.checkpoint import Verifier, verify_checkpoint
from countermark.ledger.entries import timestamp
from countermark.ledger.package import (
    CHECKPOINT,
    MANIFEST,
    PACKAGE_FORMAT,
    PUBLIC_KEY,
    SUMMARY,
    PackageSummary,
    entry_document,
    summary_html,
)
from countermark.orgs.visibility import SYSTEM


def export_package(
    *,
    session: Session,
    blobs: BlobStore,
    entry_ids: Sequence[int],
    destination: Path,
    verifier: Verifier,
    title: str = "Evidence package",
) -> PackageSummary:
    """Write the entries, their blobs (when stored) and proofs to the latest signed checkpoint as a zip."""
    checkpoint = service.latest_checkpoint(session=session)
    if checkpoint is None:
        raise Conflict("no checkpoint is signed yet: run `countermark ledger checkpoint` first")
    signed = verify_checkpoint(checkpoint.note, verifier)
    # Packages are written by the command line and the demo, which act as the system (every entry);
    # no route exports one, so no organisation can package entries it may not see.
    entries = [
        service.get_entry_or_raise(session=session, principal=SYSTEM, entry_id=i)
        for i in dict.fromkeys(entry_ids)
    ]
    if not entries:
        raise InvalidInput("an evidence package needs at least one ledger entry")
    late = [e.id for e in entries if e.seq >= checkpoint.size]
    if late:
        raise Conflict(f"entries {late} are newer than the last checkpoint: sign a checkpoint first")
    levels = merkle.tree_levels(service.leaf_hashes(session=session, size=checkpoint.size))
    if levels[-1][0] != signed.root_hash:
        raise Conflict(
            "the stored log no longer matches its signed checkpoint: run `countermark ledger verify`"
        )
    items, files = [], 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            name = None
            if blobs.exists(entry.content_hash):
                name = f"files/{entry.content_hash}"
                archive.writestr(name, blobs.get(entry.content_hash))
                files += 1
            proof = merkle.inclusion_proof_from_levels(levels, entry.seq)
            items.append(
                {
                    "file": name,
                    "sha256": entry.content_hash,
                    "entry_id": entry.id,
                    "entry": entry_document(entry),
                    "leaf_index": entry.seq,
                    "leaf_hash": entry.leaf_hash,
                    "inclusion_proof": [h.hex() for h in proof],
                }
            )
        manifest = {
            "format": PACKAGE_FORMAT,
            "title": title,
            "created_at": timestamp(utcnow()),
            "origin": signed.origin,
            "tree_size": signed.size,
            "root_hash": signed.root_hash.hex(),
            "checkpoint": CHECKPOINT,
            "public_key": PUBLIC_KEY,
            "items": items,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        archive.writestr(CHECKPOINT, checkpoint.note)
        archive.writestr(PUBLIC_KEY, verifier.encode() + "\n")
        archive.writestr(SUMMARY, summary_html(manifest, checkpoint.note, verifier.encode()))
    return PackageSummary(destination, len(items), files, signed.size, signed.root_hash.hex())
