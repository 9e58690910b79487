"""Networks of sellers found by shared identifiers: records joined when they show the same e-mail, phone,
wallet or IBAN (pure; the link capability's resolved networks replace this when it lands)."""

from __future__ import annotations

from collections.abc import Iterable

STRONG_KINDS = frozenset({"email", "phone", "iban", "crypto_wallet"})


def components(members: Iterable[tuple[str, Iterable[tuple[str, str]]]]) -> list[list[str]]:
    """Groups of member keys joined through strong identifiers they share, largest first (size ≥ 2)."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    holder: dict[tuple[str, str], str] = {}
    for key, identifiers in members:
        parent.setdefault(key, key)
        for identifier in identifiers:
            if identifier[0] not in STRONG_KINDS:
                continue
            other = holder.setdefault(identifier, key)
            root_a, root_b = find(key), find(other)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[str, list[str]] = {}
    for key in parent:
        groups.setdefault(find(key), []).append(key)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))
