"""The ingestion path's one call after a batch of listings is stored (kept light: scoring's libraries load
only when a model is active)."""

from __future__ import annotations

import logging
import pickle

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.errors import CountermarkError
from countermark.detect.models import DetectionModelRecord

log = logging.getLogger(__name__)


def score_ingested_listings(*, session: Session, blobs: BlobStore, owner_org_id: int) -> int:
    """Score the owner's new and changed listings with the active model; how many were scored (0 when no
    model is registered). Detection never fails the ingestion or loses its rows: a model that cannot be
    loaded, or a store whose schema predates detection (`countermark db upgrade` adds it), is logged and
    undone alone (a savepoint), and `countermark detect run` scores the listings later."""
    savepoint = session.begin_nested()
    try:
        active = session.scalar(
            select(DetectionModelRecord.id).where(DetectionModelRecord.active.is_(True)).limit(1)
        )
        if active is None:
            savepoint.commit()
            return 0
        from countermark.detect.stored_service import score_stored_listings

        report = score_stored_listings(session=session, blobs=blobs, owner_org_id=owner_org_id)
    except (CountermarkError, OSError, pickle.UnpicklingError, DBAPIError):
        savepoint.rollback()
        log.exception("listing detection could not score the ingested listings")
        return 0
    savepoint.commit()
    return report.scored
