"""The same or a near-identical photo posted by several parties, as a linking value.

Photos are grouped by PDQ distance (16 of 256 bits, tighter than the fingerprint capability's match
threshold of 31 because groups chain): a re-encoded, resized or padded upload of one shot stays within
it. Candidates come from 16 bands of 16 bits (two hashes within distance 15 share a band), so the
grouping scales with the number of photos, not its square. Groups that come near a rights holder's own
photo are dropped: a genuine product shot reused by resellers and counterfeiters alike ties nobody. What
remains becomes a value ("photo", group id) held by the parties that posted it, and goes through the
same hub rule as any identifier; alone it is weak evidence (see `engine.WEAK_KINDS`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from countermark.link.evidence import Value
from countermark.link.unionfind import DisjointSets

# Tighter than the fingerprint match threshold (31): groups chain transitively, and two shots of one
# product on one background can sit within 31 bits. A re-encoded upload of one shot stays within 16.
PHOTO_THRESHOLD = 16
BANDS = 16
BAND_CAP = 200  # a band value shared by more photos than this is a flat image's: no candidates from it


def _bands(hex_hash: str) -> list[str]:
    width = len(hex_hash) // BANDS
    return [f"{i}:{hex_hash[i * width : (i + 1) * width]}" for i in range(BANDS)]


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def photo_groups(hashes: Iterable[str], threshold: int = PHOTO_THRESHOLD) -> dict[str, str]:
    """Each hash's group (the smallest hash of its group), near hashes joined transitively."""
    unique = sorted(set(hashes))
    sets = DisjointSets(unique)
    buckets: dict[str, list[str]] = defaultdict(list)
    for h in unique:
        for band in _bands(h):
            buckets[band].append(h)
    for members in buckets.values():
        if len(members) < 2 or len(members) > BAND_CAP:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if sets.find(a) != sets.find(b) and _distance(a, b) <= threshold:
                    sets.union(a, b)
    return {h: sets.find(h) for h in unique}


def photo_values(
    photos: Mapping[str, Iterable[str]], references: Iterable[str] = ()
) -> dict[str, set[Value]]:
    """For each party, the photo groups it posted that no rights holder's photo belongs to."""
    posted = {key: set(hashes) for key, hashes in photos.items()}
    reference_set = set(references)
    groups = photo_groups([h for hashes in posted.values() for h in hashes] + list(reference_set))
    genuine = {groups[h] for h in reference_set}
    found: dict[str, set[Value]] = {}
    for key, hashes in posted.items():
        values = {("photo", groups[h]) for h in hashes if groups[h] not in genuine}
        if values:
            found[key] = values
    return found
