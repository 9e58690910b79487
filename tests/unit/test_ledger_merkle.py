"""RFC 9162 Merkle trees against the transparency-dev/merkle test vectors, and properties of every proof."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from countermark.ledger import merkle

# Test vectors from github.com/transparency-dev/merkle: testonly/constants.go (LeafInputs, NodeHashes,
# RootHashes, CompactTrees) and proof/verify_test.go (inclusionProofs, consistencyProofs). Copied as data.
LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
NODE_HASHES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
# (level, index) of the node hashes making up the compact range at each size 0..8.
COMPACT_TREES = [
    [],
    [(0, 0)],
    [(1, 0)],
    [(1, 0), (0, 2)],
    [(2, 0)],
    [(2, 0), (0, 4)],
    [(2, 0), (1, 2)],
    [(2, 0), (1, 2), (0, 6)],
    [(3, 0)],
]
# (leaf index, tree size, proof); verify_test.go counts leaves from 1, these from 0.
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (0, 1, []),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
LEAVES = [merkle.leaf_hash(x) for x in LEAF_INPUTS]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hex(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


@pytest.mark.parametrize("size", range(9))
def test_root_of_the_reference_leaves_matches_at_every_size(size: int) -> None:
    assert merkle.root_hash(LEAVES[:size]).hex() == ROOTS[size]
    if size:
        assert merkle.tree_levels(LEAVES[:size])[-1][0].hex() == ROOTS[size]


def test_every_complete_subtree_matches_the_reference_node_hashes() -> None:
    levels = merkle.tree_levels(LEAVES)
    assert [_hex(level) for level in levels] == NODE_HASHES


@pytest.mark.parametrize("size", range(9))
def test_compact_range_holds_the_reference_subtrees_while_appending(size: int) -> None:
    compact = merkle.CompactRange()
    compact.extend(LEAVES[:size])
    assert _hex(compact.hashes) == [NODE_HASHES[level][index] for level, index in COMPACT_TREES[size]]
    assert compact.root().hex() == ROOTS[size]
    resumed = merkle.CompactRange(compact.hashes, compact.size)
    resumed.extend(LEAVES[size:])
    assert resumed.root().hex() == ROOTS[8]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_reference_and_verify(index: int, size: int, proof: list[str]) -> None:
    assert _hex(merkle.inclusion_proof(LEAVES, index, size)) == proof
    hashes = [bytes.fromhex(h) for h in proof]
    root = bytes.fromhex(ROOTS[size])
    assert merkle.verify_inclusion(LEAVES[index], index, size, hashes, root)
    corrupted = [
        (index + 1, size, hashes, root),
        (index, size * 2, hashes, root),
        (index, size, hashes, SOME_HASH),
        (index, size, [*hashes, b""], root),
        (index, size, [*hashes, root], root),
        (index, size, [root, *hashes], root),
    ]
    if hashes:
        corrupted.append((index, size, hashes[:-1], root))
    if index:
        corrupted.append((index - 1, size, hashes, root))
    for wrong_index, wrong_size, wrong_proof, wrong_root in corrupted:
        assert not merkle.verify_inclusion(LEAVES[index], wrong_index, wrong_size, wrong_proof, wrong_root)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_and_verify(old: int, new: int, proof: list[str]) -> None:
    assert _hex(merkle.consistency_proof(LEAVES, old, new)) == proof
    hashes = [bytes.fromhex(h) for h in proof]
    old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert merkle.verify_consistency(old, new, hashes, old_root, new_root)
    if not proof:
        return
    corrupted = [
        (old - 1, new, hashes, old_root, new_root),
        (old + 1, new, hashes, old_root, new_root),
        (old, new * 2, hashes, old_root, new_root),
        (old, new, hashes, new_root, old_root),
        (old, new, [], old_root, new_root),
        (old, new, [*hashes, old_root], old_root, new_root),
        (old, new, [hashes[0], *hashes], old_root, new_root),
        (old, new, hashes[:-1], old_root, new_root),
    ]
    for a, b, wrong, r1, r2 in corrupted:
        assert not merkle.verify_consistency(a, b, wrong, r1, r2)


def test_edge_cases_of_consistency_follow_the_rfc() -> None:
    empty = merkle.EMPTY_ROOT
    assert merkle.verify_consistency(0, 0, [], empty, empty)
    assert merkle.verify_consistency(0, 5, [], empty, bytes.fromhex(ROOTS[5]))
    assert not merkle.verify_consistency(2, 1, [], empty, empty)
    assert not merkle.verify_consistency(1, 1, [], LEAVES[0], LEAVES[1])
    assert not merkle.verify_consistency(1, 1, [empty], LEAVES[0], LEAVES[0])


def _flip(hashes: list[bytes], which: int, bit: int) -> list[bytes]:
    changed = list(hashes)
    target = bytearray(changed[which])
    target[bit // 8] ^= 1 << (bit % 8)
    changed[which] = bytes(target)
    return changed


leaf_lists = st.lists(st.binary(max_size=24), min_size=1, max_size=70).map(
    lambda entries: [merkle.leaf_hash(e) for e in entries]
)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_every_inclusion_proof_verifies_and_a_flipped_bit_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    root = merkle.root_hash(leaves[:size])
    proof = merkle.inclusion_proof(leaves, index, size)
    assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
    bit = data.draw(st.integers(0, 255))
    assert not merkle.verify_inclusion(_flip([leaves[index]], 0, bit)[0], index, size, proof, root)
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        assert not merkle.verify_inclusion(leaves[index], index, size, _flip(proof, which, bit), root)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_every_consistency_proof_verifies_and_a_flipped_bit_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    new = data.draw(st.integers(1, len(leaves)))
    old = data.draw(st.integers(0, new))
    old_root, new_root = merkle.root_hash(leaves[:old]), merkle.root_hash(leaves[:new])
    proof = merkle.consistency_proof(leaves, old, new)
    assert merkle.verify_consistency(old, new, proof, old_root, new_root)
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        assert not merkle.verify_consistency(old, new, _flip(proof, which, bit), old_root, new_root)


@settings(max_examples=100, deadline=None)
@given(leaves=leaf_lists, split=st.integers(0, 70))
def test_appending_in_two_steps_gives_the_same_root_as_building_at_once(
    leaves: list[bytes], split: int
) -> None:
    compact = merkle.CompactRange()
    compact.extend(leaves[:split])
    compact.extend(leaves[split:])
    assert compact.root() == merkle.tree_levels(leaves)[-1][0] == merkle.root_hash(leaves)


def test_proofs_for_leaves_outside_the_tree_are_refused() -> None:
    with pytest.raises(ValueError, match="not in a tree"):
        merkle.inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError, match="no consistency proof"):
        merkle.consistency_proof_from_levels(merkle.tree_levels(LEAVES[:3]), 4)
