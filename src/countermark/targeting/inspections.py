"""Ingesting files of inspection results: the ordinary ingestion path for the `inspections` kind."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.ingest.pipeline import IngestReport, ingest_file


def ingest_inspections_file(
    *, session: Session, blobs: BlobStore, path: Path, owner_org_id: int, actor: str, tlp: str = "AMBER"
) -> IngestReport:
    """Ingest a JSON Lines or CSV file of inspection results; bad rows go beside it with reasons."""
    return ingest_file(
        session=session,
        blobs=blobs,
        kind="inspections",
        path=path,
        owner_org_id=owner_org_id,
        actor=actor,
        tlp=tlp,
    )
