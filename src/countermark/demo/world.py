"""Load a world directory (the synthetic one or a partner's export) through the ordinary ingestion path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.db import refresh_statistics
from countermark.core.errors import InvalidInput
from countermark.ingest.service import IngestReport, ingest_file
from countermark.orgs.service import ensure_organisation, get_organisation_by_name_or_raise

StepProgress = Callable[[str, int, int], None]
# Fetches the world's online listings (and their sellers) itself: given the open session and the manifest's
# listings step, returns the ingestion reports of what it found (demo/monitor.py crawls the served world).
OnlineFeed = Callable[[Session, dict[str, Any], Callable[[int, int], None]], list[IngestReport]]
ONLINE_KINDS = ("accounts", "listings")


def read_manifest(world_dir: Path) -> dict[str, Any]:
    """The world's manifest (world.json): its organisations and ordered ingestion steps."""
    path = world_dir / "world.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput.of(
            "cannot read the world manifest {path}: {reason}", path=str(path), reason=str(exc)
        ) from exc
    if not isinstance(manifest, dict) or "ingest" not in manifest or "organisations" not in manifest:
        raise InvalidInput.of("{path} must hold 'organisations' and 'ingest'", path=str(path))
    return manifest


def load_world(
    *,
    session: Session,
    blobs: BlobStore,
    world_dir: Path,
    actor: str = "demo",
    progress: StepProgress | None = None,
    online: OnlineFeed | None = None,
) -> list[IngestReport]:
    """Create the world's organisations and ingest each of its files in order.

    With `online`, the world's online accounts and listings are not read from its files: `online` fetches
    them (in the listings step's place) and what it found is what the store holds.
    """
    manifest = read_manifest(world_dir)
    for org in manifest["organisations"]:
        ensure_organisation(
            session=session, name=org["name"], kind=org["kind"], country=org["country"], actor=actor
        )
    reports = []
    for step in manifest["ingest"]:
        owner = get_organisation_by_name_or_raise(session=session, name=step["org"])
        kind = step["kind"]
        if online is not None and kind in ONLINE_KINDS:
            if kind == "listings":

                def crawled(done: int, total: int) -> None:
                    if progress:
                        progress("listings", done, total)

                reports += online(session, step, crawled)
            continue

        def update(done: int, total: int, kind: str = kind) -> None:
            if progress:
                progress(kind, done, total)

        reports.append(
            ingest_file(
                session=session,
                blobs=blobs,
                kind=kind,
                path=world_dir / step["file"],
                owner_org_id=owner.id,
                actor=actor,
                tlp=step.get("tlp") or owner.default_tlp,
                source=step.get("source"),
                mapping_path=world_dir / step["map"] if step.get("map") else None,
                progress=update,
            )
        )
    refresh_statistics(session)
    return reports
