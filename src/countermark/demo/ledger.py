"""Batch step of the demo: record every right (each version's content hash) in the ledger, then sign."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.demo.steps import StepProgress
from countermark.ledger import service
from countermark.ledger.keys import load_or_create_signer
from countermark.ledger.models import LedgerEntry
from countermark.ledger.service import EntryIn

BATCH = 1000


def record_rights(ctx: AppContext, session: Session, progress: StepProgress) -> str:
    """Append a ledger entry for every right version not yet recorded and sign a checkpoint."""
    # Rights publishes no listing service yet; this reads only ids, versions and content hashes.
    from countermark.rights.models import Right

    recorded_rows = session.execute(
        select(LedgerEntry.subject_id, LedgerEntry.content_hash).where(LedgerEntry.subject_type == "right")
    )
    recorded = {(subject_id, content_hash) for subject_id, content_hash in recorded_rows}
    rights = session.execute(
        select(
            Right.id,
            Right.kind,
            Right.version,
            Right.content_hash,
            Right.owner_org_id,
            Right.tlp,
            Right.sharing_group_id,
        ).order_by(Right.id)
    )
    # Each entry is owned and marked like its right, so only who may see the right sees its entry.
    pending = [
        EntryIn(
            "right",
            "right",
            str(right_id),
            content_hash,
            {"right_kind": kind, "version": version},
            owner_org_id=owner_org_id,
            tlp=tlp,
            sharing_group_id=sharing_group_id,
        )
        for right_id, kind, version, content_hash, owner_org_id, tlp, sharing_group_id in rights
        if (str(right_id), content_hash) not in recorded
    ]
    for start in range(0, len(pending), BATCH):
        service.append_many(session=session, entries=pending[start : start + BATCH])
        progress(min(start + BATCH, len(pending)), len(pending))
    checkpoint = service.sign_checkpoint(
        session=session, signer=load_or_create_signer(key_dir=ctx.settings.ledger_dir)
    )
    return (
        f"{len(pending)} right versions recorded ({len(recorded)} already); "
        f"checkpoint signed at size {checkpoint.size}, root {checkpoint.root_hash[:16]}…"
    )
