"""RFC 9162 Merkle tree hashing: tree heads, inclusion and consistency proofs, compact ranges.

Pure functions on lists of 32-byte leaf hashes. A tree of n leaves splits at the largest power of two
below n; hashing the tree level by level, promoting the last node of an odd level unchanged, builds
exactly that tree, so every subtree RFC 9162 names is a node of those levels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
Levels = list[list[bytes]]


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 ‖ entry): the hash of one leaf."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right): the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """The roots of the perfect subtrees covering leaves [0, size): appending costs O(1) amortised."""

    def __init__(self, hashes: Sequence[bytes] = (), size: int = 0) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a compact range of size {size} has {bin(size).count('1')} hashes")
        self.hashes = list(hashes)
        self.size = size

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, merging the perfect subtrees it completes."""
        self.hashes.append(leaf)
        carry = self.size
        while carry & 1:
            right = self.hashes.pop()
            self.hashes[-1] = node_hash(self.hashes[-1], right)
            carry >>= 1
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add leaf hashes in order."""
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """The tree head of the leaves appended so far."""
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for subtree in reversed(self.hashes[:-1]):
            result = node_hash(subtree, result)
        return result


def root_hash(leaves: Iterable[bytes]) -> bytes:
    """The RFC 9162 tree head MTH of the leaf hashes (EMPTY_ROOT for none)."""
    compact = CompactRange()
    compact.extend(leaves)
    return compact.root()


def tree_levels(leaves: Sequence[bytes]) -> Levels:
    """Every level of the tree, leaves first and the root level last."""
    levels: Levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])
        levels.append(above)
    return levels


def _subtree(levels: Levels, start: int, end: int) -> bytes:
    """MTH of leaves [start, end): a power-of-two aligned range, or one that ends the tree."""
    height = (end - start - 1).bit_length()
    return levels[height][start >> height]


def inclusion_proof_from_levels(levels: Levels, index: int) -> list[bytes]:
    """The audit path of leaf `index` in the tree the levels describe, leaf end first."""
    size = len(levels[0])
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    proof = []
    for height in range(len(levels) - 1):
        sibling = (index >> height) ^ 1
        if sibling < len(levels[height]):
            proof.append(levels[height][sibling])
    return proof


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf `index` in the tree of the first `size` leaves."""
    size = len(leaves) if size is None else size
    if size > len(leaves):
        raise ValueError(f"a tree of {size} leaves needs {size} leaf hashes, got {len(leaves)}")
    return inclusion_proof_from_levels(tree_levels(leaves[:size]), index)


def consistency_proof_from_levels(levels: Levels, old_size: int) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of `old_size` leaves to the tree the levels describe."""
    size = len(levels[0])
    if not 0 <= old_size <= size:
        raise ValueError(f"no consistency proof from {old_size} to {size} leaves")
    if old_size in (0, size):
        return []
    # SUBPROOF(m, D[start:end], complete) unrolled: each step descends into one half of the range.
    proof: list[bytes] = []
    start, end, m, complete = 0, size, old_size, True
    while m != end - start:
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            proof.append(_subtree(levels, start + k, end))
            end = start + k
        else:
            proof.append(_subtree(levels, start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(_subtree(levels, start, end))
    proof.reverse()
    return proof


def consistency_proof(leaves: Sequence[bytes], old_size: int, new_size: int | None = None) -> list[bytes]:
    """The RFC 9162 consistency proof between the trees of the first `old_size` and `new_size` leaves."""
    new_size = len(leaves) if new_size is None else new_size
    if new_size > len(leaves):
        raise ValueError(f"a tree of {new_size} leaves needs {new_size} leaf hashes, got {len(leaves)}")
    return consistency_proof_from_levels(tree_levels(leaves[:new_size]), old_size)


def _valid_hashes(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or None when the proof is malformed."""
    if not 0 <= index < size or not _valid_hashes(leaf, *proof):
        return None
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return result if sn == 0 else None


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether the proof shows leaf `index` with this hash in the tree of `size` leaves with this root."""
    return root_from_inclusion_proof(leaf, index, size, proof) == root and _valid_hashes(root)


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """Whether the proof shows tree (new_size, new_root) extends (old_size, old_root): RFC 9162 §2.1.4.2."""
    if not 0 <= old_size <= new_size or not _valid_hashes(*proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof or not _valid_hashes(old_root, new_root):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(node, first)
            second = node_hash(node, second)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second = node_hash(second, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and first == old_root and second == new_root
