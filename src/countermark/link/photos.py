"""The same or a near-identical photo posted by several parties, as a linking value.

Photos are grouped by PDQ distance (16 of 256 bits, tighter than the fingerprint capability's match
threshold of 31 because groups chain): a re-encoded, resized or padded upload of one shot stays within
it. Candidates come from 16 bands of 16 bits (two hashes within distance 15 share a band), so the
grouping scales with the number of photos, not its square. Groups that come near a rights holder's own
photo are dropped: a genuine product shot reused by resellers and counterfeiters alike ties nobody. What
remains becomes a value ("photo", group id) held by the parties that posted it, and goes through the
same hub rule as any identifier; alone it is weak evidence (see `engine.WEAK_KINDS`).

PDQ reads luma only, so a posted photo is named by its hash and its colour signature (`photo_key`):
two photos join only when their colours agree too (`fingerprint.colour`), and a red and a brown bag
drawn from one template stay two pictures, even under one hash. A photo whose inside (within a flat
frame) is a rights holder's shot is a framed copy of it: sellers who never met frame one shot alike, so
such copies join only when nearly identical (`DERIVED_THRESHOLD`, one file a ring reuses). A shape many
parties post, whatever its colour, is a stock picture and ties nobody (`stock_pictures`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Set

from countermark.fingerprint.colour import same_colours
from countermark.fingerprint.index import make_faiss_index, to_codes
from countermark.fingerprint.pdq import MATCH_THRESHOLD, hex_to_bytes
from countermark.link.evidence import Value
from countermark.link.hubs import HUB_DEGREE
from countermark.link.unionfind import DisjointSets

# Tighter than the fingerprint match threshold (31): groups chain transitively, and two shots of one
# product on one background can sit within 31 bits. A re-encoded upload of one shot stays within 16.
PHOTO_THRESHOLD = 16
BANDS = 16
BAND_CAP = 200  # a band value shared by more photos than this is a flat image's: no candidates from it
# Framed copies of a rights holder's shot join only this near: one padded file a ring reuses, re-encoded.
# A blunt rule: on two training worlds, such copies posted within one ring lay within 8 bits of each
# other in 127 of 145 pairs, strangers' in 30 of 46; kept for what it measures (docs/linking.md).
DERIVED_THRESHOLD = 8
# A shot whose near copies, in any colour, this many parties post is a stock picture: an ordinary item
# (a plant, a lamp, a mug) many sellers photograph alike; it ties nobody (as a hub of any other value).
STOCK_HOLDERS = HUB_DEGREE
# The prefix of a photo group made of framed copies of a rights holder's shot: sellers who never met
# frame the brand's shots alike, so such groups count as one piece at most between a party and a group
# (`networks.group_corroborated`).
FRAMED = "framed "


def photo_key(pdq: str, colour: str | None = None) -> str:
    """How a party's photo is named: its PDQ hash, then ':' and its colour signature when known."""
    return f"{pdq}:{colour}" if colour else pdq


def _split(key: str) -> tuple[str, str | None]:
    pdq, _, colour = key.partition(":")
    return pdq, colour or None


def group_photo(value: str) -> tuple[str, str | None]:
    """The PDQ hash and colour signature naming a photo group, from an `exact:photo` edge's value (a
    framed copies' group bears the FRAMED prefix)."""
    return _split(value.removeprefix(FRAMED))


def _bands(hex_hash: str) -> list[str]:
    width = len(hex_hash) // BANDS
    return [f"{i}:{hex_hash[i * width : (i + 1) * width]}" for i in range(BANDS)]


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def photo_groups(
    keys: Iterable[str], threshold: int = PHOTO_THRESHOLD, *, derived: Set[str] = frozenset()
) -> dict[str, str]:
    """Each photo's group (a key of the group), photos of near hashes and agreeing colours joined
    transitively; photos whose hash is `derived` (framed copies of a holder's shot) within
    `DERIVED_THRESHOLD` only."""
    unique = sorted(set(keys))
    parts = {key: _split(key) for key in unique}
    sets = DisjointSets(unique)
    buckets: dict[str, list[str]] = defaultdict(list)
    for key in unique:
        for band in _bands(parts[key][0]):
            buckets[band].append(key)
    for members in buckets.values():
        if len(members) < 2 or len(members) > BAND_CAP:
            continue
        for i, a in enumerate(members):
            hash_a, colour_a = parts[a]
            for b in members[i + 1 :]:
                if sets.find(a) == sets.find(b):
                    continue
                hash_b, colour_b = parts[b]
                limit = DERIVED_THRESHOLD if hash_a in derived or hash_b in derived else threshold
                if _distance(hash_a, hash_b) <= limit and same_colours(colour_a, colour_b):
                    sets.union(a, b)
    return {key: sets.find(key) for key in unique}


def framed_copies(insides: Mapping[str, str], references: Iterable[str]) -> set[str]:
    """The photos (by hash) whose inside lies within the fingerprint match distance of a rights holder's
    photo: framed copies of a genuine shot."""
    reference_list = sorted(set(references))
    pairs = sorted(insides.items())
    if not reference_list or not pairs:
        return set()
    index = make_faiss_index("flat")
    index.add(to_codes([hex_to_bytes(h) for h in reference_list]))
    found: set[str] = set()
    for start in range(0, len(pairs), 1024):
        chunk = pairs[start : start + 1024]
        queries = to_codes([hex_to_bytes(inside) for _, inside in chunk])
        limits, _, _ = index.range_search(queries, MATCH_THRESHOLD + 1)  # distances below the radius
        found |= {posted for i, (posted, _) in enumerate(chunk) if limits[i + 1] > limits[i]}
    return found


def stock_pictures(posted: Mapping[str, Set[str]], derived: Set[str] = frozenset()) -> set[str]:
    """The hashes of stock pictures: photos grouped by hash alone (colours not compared) whose group
    STOCK_HOLDERS parties or more posted. An item drawn alike in many colours falls in several colour
    groups of two or three holders each, none a hub by its own count (training worlds 34 and 52: a green
    plant and a navy lamp, one copy each posted by an honest seller and by a member of a ring of 31 or
    39 accounts, 41 and 32 posters of the shape; a ring's own shots had 2)."""
    hashes = {key: _split(key)[0] for keys in posted.values() for key in keys}
    groups = photo_groups(set(hashes.values()), derived=derived)
    holders: dict[str, set[str]] = defaultdict(set)
    for party, keys in posted.items():
        for key in keys:
            holders[groups[hashes[key]]].add(party)
    stock = {group for group, parties in holders.items() if len(parties) >= STOCK_HOLDERS}
    return {pdq for pdq, group in groups.items() if group in stock}


def photo_values(
    photos: Mapping[str, Iterable[str]],
    references: Iterable[str] = (),
    insides: Mapping[str, str] | None = None,
) -> dict[str, set[Value]]:
    """For each party, the photo groups it posted (photos named by `photo_key`) that no rights holder's
    photo (a PDQ hash) belongs to, stock pictures left out (`stock_pictures`), a group of framed copies of
    a holder's shot named with the FRAMED prefix. `insides`: PDQ hash -> the hash inside its flat frame,
    where known."""
    posted = {key: set(photo_keys) for key, photo_keys in photos.items()}
    reference_set = set(references)
    hashes = {_split(k)[0] for keys in posted.values() for k in keys}
    derived = framed_copies({h: i for h, i in (insides or {}).items() if h in hashes}, reference_set)
    groups = photo_groups({k for keys in posted.values() for k in keys} | reference_set, derived=derived)
    genuine = {groups[h] for h in reference_set}
    stock = stock_pictures(posted, derived)
    framed = {groups[k] for keys in posted.values() for k in keys if _split(k)[0] in derived}
    found: dict[str, set[Value]] = {}
    for key, photo_keys in posted.items():
        kept = [k for k in photo_keys if groups[k] not in genuine and _split(k)[0] not in stock]
        values = {("photo", f"{FRAMED}{groups[k]}" if groups[k] in framed else groups[k]) for k in kept}
        if values:
            found[key] = values
    return found
