"""The background issuing job: codes issued in chunks, each chunk its own transaction, progress stored."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from countermark.codes.models import CodeBatch
from countermark.codes.service import issue_next_codes
from countermark.core.db import unit_of_work
from countermark.core.errors import CountermarkError

log = logging.getLogger(__name__)
CHUNK = 500


def run_issue_job(
    sessions: sessionmaker[Session], directory: Path, batch_id: int, *, chunk: int = CHUNK
) -> None:
    """Issue a queued batch chunk by chunk so its page can show the percentage; a failure is recorded."""
    while True:
        try:
            with unit_of_work(sessions) as session:
                batch = session.get(CodeBatch, batch_id)
                if batch is None or batch.status in ("done", "failed"):
                    return
                batch.status = "running"
                issue_next_codes(session=session, directory=directory, batch=batch, count=chunk)
                if batch.status == "done":
                    return
        except (CountermarkError, ValueError, OSError) as exc:
            log.warning("issuing batch %s failed: %s", batch_id, exc)
            with unit_of_work(sessions) as session:
                batch = session.get(CodeBatch, batch_id)
                if batch is not None:
                    batch.status, batch.error = "failed", str(exc)[:500]
            return
