"""The disjoint sets the linking steps group with: sets join transitively, a set's root is its smallest
key whatever the order of the joins, and grouping keeps the order given."""

from __future__ import annotations

import itertools

from countermark.link.unionfind import DisjointSets


def test_sets_join_transitively_and_only_once() -> None:
    sets = DisjointSets(["a", "e"])
    assert sets.union("b", "c") and sets.union("c", "d")
    assert not sets.union("b", "d")  # already one set
    assert sets.find("d") == sets.find("b") != sets.find("a")
    assert sets.roots() == {"a": "a", "e": "e", "b": "b", "c": "b", "d": "b"}


def test_the_root_is_the_smallest_key_whatever_the_order_of_the_joins() -> None:
    pairs = [("k", "d"), ("z", "k"), ("m", "q"), ("q", "d")]
    for order in itertools.permutations(pairs):
        sets = DisjointSets()
        for a, b in order:
            sets.union(a, b)
        assert set(sets.roots().values()) == {"d"}, order


def test_groups_keep_the_order_given() -> None:
    sets = DisjointSets()
    sets.union("x2", "x1")
    sets.union("y", "w")
    grouped = sets.groups(["y", "x2", "solo", "w", "x1"])
    assert list(grouped.values()) == [["y", "w"], ["x2", "x1"], ["solo"]]
    assert set(grouped) == {"w", "x1", "solo"}
