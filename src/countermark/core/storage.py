"""Store bytes in the blob store and record their metadata row once: the one way every capability does it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.models import Blob


def store_blob(
    *,
    session: Session,
    blobs: BlobStore,
    data: bytes,
    media_type: str,
    width: int | None = None,
    height: int | None = None,
) -> str:
    """Put the bytes in the blob store and add their `blobs` row if it is missing; their SHA-256."""
    digest = blobs.put(data)
    # session.get answers from the identity map first, so repeated digests cost no query.
    if session.get(Blob, digest) is None:
        session.add(
            Blob(
                sha256=digest, size=len(data), media_type=media_type[:100] or "application/octet-stream",
                width=width, height=height,
            )
        )  # fmt: skip
        session.flush()
    return digest
