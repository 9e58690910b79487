"""Ledger API: the latest signed checkpoint, inclusion proofs of entries and consistency proofs.

Checkpoints and consistency proofs are sizes and hashes of the whole log: they say nothing about any
entry, so every signed-in principal gets them. An entry and its inclusion proof are served only to whom
may see the record the entry describes (its owner and marking); to anyone else the entry does not exist.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from countermark.core.context import AppContext
from countermark.core.errors import NotFound
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.params import MAX_ID, RecordId
from countermark.ledger import service
from countermark.ledger.entries import timestamp
from countermark.ledger.keys import key_paths, load_verifier
from countermark.ledger.schemas import CheckpointOut, ConsistencyOut, EntryOut, InclusionOut
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])
Reader = Annotated[Principal, Depends(require_scope("read"))]


@router.get("/checkpoint", response_model=CheckpointOut)
def get_checkpoint(
    session: DbSession, principal: Reader, ctx: Annotated[AppContext, Depends(app_context)]
) -> CheckpointOut:
    """The latest signed checkpoint (C2SP signed note) and the log's public key."""
    checkpoint = service.latest_checkpoint(session=session)
    if checkpoint is None:
        raise NotFound.of("no checkpoint is signed yet")
    has_key = key_paths(ctx.settings.ledger_dir)[1].exists()
    return CheckpointOut(
        size=checkpoint.size,
        root_hash=checkpoint.root_hash,
        origin=checkpoint.origin,
        note=checkpoint.note,
        signed_at=timestamp(checkpoint.signed_at),
        public_key=load_verifier(key_dir=ctx.settings.ledger_dir).encode() if has_key else None,
    )


@router.get("/entries/{entry_id}/proof", response_model=InclusionOut)
def get_inclusion_proof(
    entry_id: RecordId,
    session: DbSession,
    principal: Reader,
    tree_size: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="default: the latest checkpoint")
    ] = None,
) -> InclusionOut:
    """The entry and its inclusion proof in the latest checkpoint (or the tree of `tree_size` leaves),
    if you may see the record it describes; 404 otherwise, as for an id that does not exist."""
    entry = service.get_entry_or_raise(session=session, principal=principal, entry_id=entry_id)
    proof = asdict(
        service.inclusion_proof(session=session, principal=principal, entry_id=entry_id, tree_size=tree_size)
    )
    proof.pop("entry_id")
    entry_out = EntryOut(
        id=entry.id,
        seq=entry.seq,
        kind=entry.kind,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        content_hash=entry.content_hash,
        metadata=entry.meta,
        recorded_at=timestamp(entry.recorded_at),
        entry_hash=entry.entry_hash,
        leaf_hash=entry.leaf_hash,
    )
    return InclusionOut(entry=entry_out, **proof)


@router.get("/consistency", response_model=ConsistencyOut)
def get_consistency_proof(
    session: DbSession,
    principal: Reader,
    first: Annotated[int, Query(ge=0, le=MAX_ID)],
    second: Annotated[int | None, Query(ge=0, le=MAX_ID, description="default: the whole log")] = None,
) -> ConsistencyOut:
    """The consistency proof from the tree of `first` leaves to the tree of `second` leaves."""
    return ConsistencyOut(**asdict(service.consistency_proof(session=session, first=first, second=second)))
