"""Ledger service: append entries, prove inclusion and consistency, sign checkpoints, verify the store.

Keyword-only functions that never commit: the caller owns the transaction, so an entry is recorded in the
same transaction as the action it attests.

Every entry carries the owner and marking of the record it describes; reading an entry or its proof
goes through `orgs.visibility` like any marked record (unseen and absent are the same 404).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.errors import InvalidInput, NotFound
from countermark.core.marking import TLP_LEVELS
from countermark.ledger import merkle
from countermark.ledger.checkpoint import (
    Checkpoint,
    InconsistentCheckpoint,
    NoteError,
    Signer,
    Verifier,
    sign_next_checkpoint,
    unverified_text,
    verify_checkpoint,
)
from countermark.ledger.entries import (
    canonical_entry,
    check_content_hash,
    check_kind,
    check_metadata,
    entry_hashes,
)
from countermark.ledger.models import ENTRY_DEFAULT_TLP, LedgerCheckpoint, LedgerEntry
from countermark.orgs.visibility import Principal, visible

# One key for PostgreSQL's transaction-scoped advisory lock, so concurrent appends take turns.
_APPEND_LOCK = 0x4C454447


@dataclass(frozen=True)
class EntryIn:
    """One entry to append: what kind, about which subject, the hash of its content, hash-only metadata,
    and the owner and marking of the record it describes (by default: nobody's, RED, seen by the system)."""

    kind: str
    subject_type: str
    subject_id: str
    content_hash: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    owner_org_id: int | None = None
    tlp: str = ENTRY_DEFAULT_TLP
    sharing_group_id: int | None = None


@dataclass(frozen=True)
class InclusionProof:
    """Proof that an entry's leaf is in the tree of `tree_size` leaves with this root."""

    entry_id: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]
    checkpoint: str | None


@dataclass(frozen=True)
class ConsistencyProof:
    """Proof that the tree of `second` leaves extends the tree of `first` leaves."""

    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


@dataclass(frozen=True)
class Problem:
    """One thing verification found wrong; entry fields name the entry when one is to blame."""

    reason: str
    entry_id: int | None = None
    seq: int | None = None
    checkpoint_size: int | None = None


@dataclass
class VerifyReport:
    """What verifying the stored ledger found."""

    entries_checked: int = 0
    checkpoints_checked: int = 0
    tree_size: int = 0
    root_hash: str = merkle.EMPTY_ROOT.hex()
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing was found wrong."""
        return not self.problems

    @property
    def tampered_entry_ids(self) -> list[int]:
        """The ids of the entries found changed."""
        return sorted({p.entry_id for p in self.problems if p.entry_id is not None})


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})


def tree_size(*, session: Session) -> int:
    """How many entries the log holds."""
    return int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def append_many(*, session: Session, entries: Sequence[EntryIn]) -> list[LedgerEntry]:
    """Append the entries in order as consecutive leaves; flushed, not committed."""
    checked = [
        (
            check_kind(e.kind),
            e.subject_type,
            str(e.subject_id),
            check_content_hash(e.content_hash),
            check_metadata(e.metadata),
        )
        for e in entries
    ]
    for _, subject_type, subject_id, _, _ in checked:
        if not subject_type or len(subject_type) > 64 or not subject_id or len(subject_id) > 200:
            raise InvalidInput.of(
                "a ledger entry names its subject: a type (≤64) and an id (≤200 characters)"
            )
    for e in entries:
        if e.tlp not in TLP_LEVELS:
            raise InvalidInput.of(
                "a ledger entry is marked with a TLP level ({levels})", levels=", ".join(TLP_LEVELS)
            )
    _lock(session)
    last = session.scalar(select(func.max(LedgerEntry.seq)))
    seq = 0 if last is None else last + 1
    recorded_at = utcnow()
    rows = []
    for (kind, subject_type, subject_id, content_hash, metadata), marked in zip(
        checked, entries, strict=True
    ):
        canonical = canonical_entry(
            seq=seq,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            content_hash=content_hash,
            metadata=metadata,
            recorded_at=recorded_at,
        )
        entry_hash, leaf = entry_hashes(canonical)
        rows.append(
            LedgerEntry(
                seq=seq,
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                content_hash=content_hash,
                meta=metadata,
                recorded_at=recorded_at,
                entry_hash=entry_hash,
                leaf_hash=leaf,
                owner_org_id=marked.owner_org_id,
                tlp=marked.tlp,
                sharing_group_id=marked.sharing_group_id,
            )
        )
        seq += 1
    session.add_all(rows)
    session.flush()
    return rows


def append(
    *,
    session: Session,
    kind: str,
    subject_type: str,
    subject_id: str | int,
    content_hash: str,
    owner_org_id: int | None,
    tlp: str,
    sharing_group_id: int | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> LedgerEntry:
    """Append one entry as the next leaf, owned and marked like its record; flushed, not committed."""
    entry = EntryIn(
        kind, subject_type, str(subject_id), content_hash, metadata or {}, owner_org_id, tlp, sharing_group_id
    )
    return append_many(session=session, entries=[entry])[0]


def follow_marking(
    *, connection: Connection, subjects: Sequence[tuple[str, str]], tlp: str, sharing_group_id: int | None
) -> int:
    """Give the entries about these (subject type, subject id) the marking their record now has; the
    number of entries re-marked. The one change an entry accepts: its marking is access control, outside
    the hashed bytes, and its content never changes. Called by the capability that owns the records, in
    the flush that re-marks them, so an entry never says more than its record."""
    if tlp not in TLP_LEVELS:
        raise InvalidInput.of(
            "a ledger entry is marked with a TLP level ({levels})", levels=", ".join(TLP_LEVELS)
        )
    by_type: dict[str, list[str]] = {}
    for subject_type, subject_id in subjects:
        by_type.setdefault(subject_type, []).append(str(subject_id))
    changed = 0
    for subject_type, ids in by_type.items():
        for start in range(0, len(ids), 500):
            # A Core statement on the connection: the ORM's append-only guard stays on for everything else.
            result = connection.execute(
                update(LedgerEntry)
                .where(
                    LedgerEntry.subject_type == subject_type,
                    LedgerEntry.subject_id.in_(ids[start : start + 500]),
                )
                .values(tlp=tlp, sharing_group_id=sharing_group_id)
            )
            changed += result.rowcount
    return changed


def entries_for_subject(*, session: Session, subject_type: str, subject_id: str | int) -> list[LedgerEntry]:
    """Every entry about a subject, oldest first."""
    query = select(LedgerEntry).where(
        LedgerEntry.subject_type == subject_type, LedgerEntry.subject_id == str(subject_id)
    )
    return list(session.scalars(query.order_by(LedgerEntry.seq)))


def get_entry_or_raise(*, session: Session, principal: Principal, entry_id: int) -> LedgerEntry:
    """The entry with this id, if the principal may see it; NotFound otherwise (absent and unseen alike)."""
    entry: LedgerEntry | None = session.scalar(
        visible(LedgerEntry, principal).where(LedgerEntry.id == entry_id)
    )
    if entry is None:
        raise NotFound.of("no ledger entry {entry_id} that you may see", entry_id=entry_id)
    return entry


def latest_checkpoint(*, session: Session) -> LedgerCheckpoint | None:
    """The checkpoint signed at the largest size, if any."""
    return session.scalar(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1))


def leaf_hashes(*, session: Session, size: int | None = None) -> list[bytes]:
    """The stored leaf hashes in order (the first `size` of them)."""
    query = select(LedgerEntry.leaf_hash).order_by(LedgerEntry.seq)
    if size is not None:
        query = query.where(LedgerEntry.seq < size)
    return [bytes.fromhex(value) for value in session.scalars(query)]


def _leaves_for(session: Session, size: int) -> list[bytes]:
    leaves = leaf_hashes(session=session, size=size)
    if len(leaves) != size:
        raise InvalidInput.of(
            "the log holds {held} entries, not {size}", held=tree_size(session=session), size=size
        )
    return leaves


def inclusion_proof(
    *, session: Session, principal: Principal, entry_id: int, tree_size: int | None = None
) -> InclusionProof:
    """The inclusion proof of an entry the principal may see; by default in the latest checkpoint that
    covers it, else the log. The proof's path holds only hashes of other leaves and subtrees."""
    entry = get_entry_or_raise(session=session, principal=principal, entry_id=entry_id)
    checkpoint = latest_checkpoint(session=session)
    if tree_size is None:
        covered = checkpoint is not None and checkpoint.size > entry.seq
        tree_size = checkpoint.size if checkpoint and covered else _count(session)
    if entry.seq >= tree_size:
        raise InvalidInput.of(
            "entry {entry_id} is leaf {leaf}: not in a tree of {size} leaves",
            entry_id=entry_id,
            leaf=entry.seq,
            size=tree_size,
        )
    levels = merkle.tree_levels(_leaves_for(session, tree_size))
    signed = session.scalar(select(LedgerCheckpoint.note).where(LedgerCheckpoint.size == tree_size))
    return InclusionProof(
        entry_id=entry.id,
        leaf_index=entry.seq,
        tree_size=tree_size,
        leaf_hash=entry.leaf_hash,
        root_hash=levels[-1][0].hex(),
        proof=[h.hex() for h in merkle.inclusion_proof_from_levels(levels, entry.seq)],
        checkpoint=signed,
    )


def _count(session: Session) -> int:
    return tree_size(session=session)


def consistency_proof(*, session: Session, first: int, second: int | None = None) -> ConsistencyProof:
    """The consistency proof between the trees of `first` and `second` leaves (default: the whole log)."""
    second = _count(session) if second is None else second
    if not 0 <= first <= second:
        raise InvalidInput.of(
            "no consistency proof from {first} to {second} leaves: need 0 ≤ first ≤ second",
            first=first,
            second=second,
        )
    leaves = _leaves_for(session, second)
    levels = merkle.tree_levels(leaves)
    return ConsistencyProof(
        first=first,
        second=second,
        first_root=merkle.root_hash(leaves[:first]).hex(),
        second_root=levels[-1][0].hex() if leaves else merkle.EMPTY_ROOT.hex(),
        proof=[h.hex() for h in merkle.consistency_proof_from_levels(levels, first)],
    )


def sign_checkpoint(*, session: Session, signer: Signer) -> LedgerCheckpoint:
    """Sign the current tree head, after proving it consistent with the last signed one; flushed."""
    _lock(session)
    leaves = leaf_hashes(session=session)
    size = len(leaves)
    previous = latest_checkpoint(session=session)
    if previous is not None and previous.size > size:
        raise InconsistentCheckpoint(
            f"the log holds {size} entries but a checkpoint was signed at {previous.size}: "
            "entries were removed"
        )
    levels = merkle.tree_levels(leaves)
    root = levels[-1][0] if leaves else merkle.EMPTY_ROOT
    proof = merkle.consistency_proof_from_levels(levels, previous.size) if previous else []
    head = Checkpoint(origin=signer.name, size=size, root_hash=root)
    note = sign_next_checkpoint(
        head, signer, previous_note=previous.note if previous else None, consistency=proof
    )
    if previous is not None and previous.size == size:
        return previous
    row = LedgerCheckpoint(size=size, root_hash=root.hex(), origin=signer.name, note=note, signed_at=utcnow())
    session.add(row)
    session.flush()
    return row


def _check_entry(entry: LedgerEntry, expected_seq: int, report: VerifyReport) -> bytes:
    """The leaf hash recomputed from the entry's fields, noting every way the stored row disagrees."""
    if entry.seq != expected_seq:
        report.problems.append(
            Problem(
                f"entry {entry.id} is leaf {entry.seq} but leaf {expected_seq} was expected: "
                "entries were removed or renumbered",
                entry_id=entry.id,
                seq=entry.seq,
            )
        )
    canonical = canonical_entry(
        seq=entry.seq,
        kind=entry.kind,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        content_hash=entry.content_hash,
        metadata=entry.meta,
        recorded_at=entry.recorded_at,
    )
    entry_hash, leaf = entry_hashes(canonical)
    if entry_hash != entry.entry_hash or leaf != entry.leaf_hash:
        report.problems.append(
            Problem(
                f"entry {entry.id} (leaf {entry.seq}, {entry.kind} {entry.subject_type} {entry.subject_id}) "
                "was changed after it was recorded: its fields no longer match its stored hashes",
                entry_id=entry.id,
                seq=entry.seq,
            )
        )
    return bytes.fromhex(leaf)


def verify_store(*, session: Session, verifier: Verifier | None = None) -> VerifyReport:
    """Recompute every leaf from its stored entry and the root at every checkpoint; name what differs."""
    report = VerifyReport()
    checkpoints = list(session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size)))
    roots_at: dict[int, bytes] = {}
    wanted = {c.size for c in checkpoints}
    compact = merkle.CompactRange()
    if 0 in wanted:
        roots_at[0] = compact.root()
    query = select(LedgerEntry).order_by(LedgerEntry.seq).execution_options(yield_per=2000)
    for entry in session.scalars(query):
        compact.append(_check_entry(entry, compact.size, report))
        report.entries_checked += 1
        if compact.size in wanted:
            roots_at[compact.size] = compact.root()
    report.tree_size, report.root_hash = compact.size, compact.root().hex()
    for checkpoint in checkpoints:
        report.checkpoints_checked += 1
        _check_checkpoint(checkpoint, roots_at.get(checkpoint.size), verifier, report)
    return report


def _check_checkpoint(
    checkpoint: LedgerCheckpoint, recomputed: bytes | None, verifier: Verifier | None, report: VerifyReport
) -> None:
    size = checkpoint.size
    try:
        signed = (
            verify_checkpoint(checkpoint.note, verifier)
            if verifier
            else Checkpoint.parse(unverified_text(checkpoint.note))
        )
    except NoteError as exc:
        report.problems.append(Problem(f"checkpoint at size {size}: {exc.message}", checkpoint_size=size))
        return
    if signed.size != size or signed.root_hash.hex() != checkpoint.root_hash:
        report.problems.append(
            Problem(f"checkpoint at size {size}: its row differs from its signed note", checkpoint_size=size)
        )
    if recomputed is None:
        report.problems.append(
            Problem(f"checkpoint at size {size}: the log now holds fewer entries", checkpoint_size=size)
        )
    elif recomputed != signed.root_hash:
        report.problems.append(
            Problem(
                f"checkpoint at size {size}: the entries no longer hash to the signed root "
                "(an entry before it was changed, removed or reordered)",
                checkpoint_size=size,
            )
        )
