"""Ledger API: the latest signed checkpoint, inclusion proofs of entries and consistency proofs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from countermark.core.context import AppContext
from countermark.core.errors import NotFound
from countermark.core.http.deps import DbSession, app_context
from countermark.ledger import service
from countermark.ledger.entries import timestamp
from countermark.ledger.keys import key_paths, load_verifier
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])
Reader = Annotated[Principal, Depends(require_scope("read"))]


class CheckpointOut(BaseModel):
    """The latest signed tree head and the key that signed it."""

    size: int
    root_hash: str
    origin: str
    note: str
    signed_at: str
    public_key: str | None


class EntryOut(BaseModel):
    """A ledger entry: hashes, ids, kinds and times only."""

    id: int
    seq: int
    kind: str
    subject_type: str
    subject_id: str
    content_hash: str
    metadata: dict[str, Any]
    recorded_at: str
    entry_hash: str
    leaf_hash: str


class InclusionOut(BaseModel):
    """An entry with its RFC 9162 inclusion proof (hex hashes, leaf end first)."""

    entry: EntryOut
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]
    checkpoint: str | None


class ConsistencyOut(BaseModel):
    """An RFC 9162 consistency proof between two tree sizes (hex hashes)."""

    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


@router.get("/checkpoint", response_model=CheckpointOut)
def get_checkpoint(
    session: DbSession, principal: Reader, ctx: Annotated[AppContext, Depends(app_context)]
) -> CheckpointOut:
    """The latest signed checkpoint (C2SP signed note) and the log's public key."""
    checkpoint = service.latest_checkpoint(session=session)
    if checkpoint is None:
        raise NotFound("no checkpoint is signed yet")
    has_key = key_paths(ctx.settings.data_dir)[1].exists()
    return CheckpointOut(
        size=checkpoint.size,
        root_hash=checkpoint.root_hash,
        origin=checkpoint.origin,
        note=checkpoint.note,
        signed_at=timestamp(checkpoint.signed_at),
        public_key=load_verifier(data_dir=ctx.settings.data_dir).encode() if has_key else None,
    )


@router.get("/entries/{entry_id}/proof", response_model=InclusionOut)
def get_inclusion_proof(
    entry_id: int,
    session: DbSession,
    principal: Reader,
    tree_size: Annotated[int | None, Query(ge=1, description="default: the latest checkpoint")] = None,
) -> InclusionOut:
    """The entry and its inclusion proof in the latest checkpoint (or the tree of `tree_size` leaves)."""
    entry = service.get_entry_or_raise(session=session, entry_id=entry_id)
    proof = asdict(service.inclusion_proof(session=session, entry_id=entry_id, tree_size=tree_size))
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
    first: Annotated[int, Query(ge=0)],
    second: Annotated[int | None, Query(ge=0, description="default: the whole log")] = None,
) -> ConsistencyOut:
    """The consistency proof from the tree of `first` leaves to the tree of `second` leaves."""
    return ConsistencyOut(**asdict(service.consistency_proof(session=session, first=first, second=second)))
