"""What the ledger's API sends: checkpoints, entries and proofs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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
