"""Disjoint sets over string keys (union-find with path halving), the grouping every linking step uses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


class DisjointSets:
    """Keys joined into sets; a set's root is its smallest key, so the grouping does not depend on the
    order the joins came in."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.parent: dict[str, str] = {key: key for key in keys}

    def find(self, key: str) -> str:
        """The root of the key's set (a key not seen before starts a set of its own)."""
        parent = self.parent
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(self, a: str, b: str) -> bool:
        """Join the sets of a and b; whether they were apart."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return False
        if root_b < root_a:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        return True

    def roots(self) -> dict[str, str]:
        """Every key seen and the root of its set."""
        return {key: self.find(key) for key in list(self.parent)}

    def groups(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """These keys by the root of their set, in the order given."""
        found: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            found[self.find(key)].append(key)
        return found
