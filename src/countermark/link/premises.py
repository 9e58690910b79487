"""One sender's premises under the many ways a declaration writes them.

A consignor with no contact on the declaration still writes where the parcel leaves from, and an
operation's own rooms come back in every form a clerk or a label printer gives them: "Room 201, Block B,
Baoneng Center, Tianhe District, Guangzhou 510038", "RM201 BLK B BAONENG CENTER TIANHE GUANGZHOU
510038", "201, Block B, Bao Neng Center, Tianhe Dist., Guangzhou 510038". Splink's string comparison of
whole addresses scores those forms far apart; read as premises — postcode, the numbers of the room or
house, and the place's words run together (so "Bao Neng" is "Baoneng") — they are one.

Two addresses are the same premises when their postcodes do not differ, they share a room or house
number, and the words of one are nearly all in the other (character trigrams, so a slip or a dropped
district still agrees). A forwarder's depot or a street many senders write is never a sender's premises
(`link.depots`); the caller leaves those parcels out.

Hand-written: libpostal, the field's address parser, needs a 2 GB model that cannot ship in a package.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from countermark.link.fuzzy import normal_line

# Abbreviations and slips of the words around a room number, written out.
_WORDS = {"rm": "room", "blk": "block", "bldg": "building", "b1dg": "building", "bld": "building",
          "dist": "district", "fl": "floor", "flr": "floor", "kln": "kowloon", "rd": "road", "st": "street",
          "ave": "avenue", "ind": "industrial", "indusstrial": "industrial", "bldgs": "building"}  # fmt: skip
# Words that say which part of a place, not which place.
_PARTS = frozenset({"room", "flat", "unit", "block", "building", "floor", "district", "suite", "no", "co",
                    "province", "city", "china", "prc", "the", "of", "and"})  # fmt: skip
POSTCODE_DIGITS = 5  # a number this long is a postcode, shorter ones rooms, floors and houses
CONTAINED = 0.8  # share of the shorter address's trigrams found in the other
MIN_TRIGRAMS = 8  # fewer trigrams than this (a lone city name) say too little to tie anything


@dataclass(frozen=True)
class Premises:
    """An address read as premises: postcode (if written), short numbers, the place's trigrams."""

    postcode: str | None
    numbers: frozenset[str]
    trigrams: frozenset[str]


def _tokens(address: str) -> list[str]:
    folded = re.sub(r"([a-z])(\d)", r"\1 \2", normal_line(address))
    folded = re.sub(r"(\d)([a-z])", r"\1 \2", folded)
    return [_WORDS.get(token, token) for token in folded.split()]


def premises_of(address: str) -> Premises | None:
    """The premises an address names, None when it names too little (no number, or a few letters)."""
    tokens = _tokens(address)
    digits = [t for t in tokens if t.isdigit()]
    numbers = frozenset(t.lstrip("0") or "0" for t in digits if len(t) < POSTCODE_DIGITS)
    postcodes = [t for t in digits if len(t) >= POSTCODE_DIGITS]
    words = "".join(t for t in tokens if t.isalpha() and len(t) > 1 and t not in _PARTS)
    trigrams = frozenset(words[i : i + 3] for i in range(len(words) - 2))
    if not numbers or len(trigrams) < MIN_TRIGRAMS:
        return None
    return Premises(postcodes[0] if postcodes else None, numbers, trigrams)


def same_premises(a: Premises, b: Premises) -> bool:
    """Whether two addresses name one sender's premises."""
    if a.postcode and b.postcode and a.postcode != b.postcode:
        return False
    if not a.numbers & b.numbers:
        return False
    shorter = min(len(a.trigrams), len(b.trigrams))
    return len(a.trigrams & b.trigrams) >= CONTAINED * shorter


def premises_matches(
    unplaced: Mapping[str, str], placed: Mapping[str, str]
) -> Iterable[tuple[str, str]]:
    """(unplaced key, placed key) of every pair of addresses (key -> address) naming the same premises.

    Placed addresses are indexed by their numbers, so only those sharing one are compared."""
    read = {key: found for key, address in placed.items() if (found := premises_of(address)) is not None}
    by_number: dict[str, list[str]] = defaultdict(list)
    for key, found in read.items():
        for number in found.numbers:
            by_number[number].append(key)
    for key, address in unplaced.items():
        mine = premises_of(address)
        if mine is None:
            continue
        candidates = {other for number in mine.numbers for other in by_number.get(number, ())}
        for other in sorted(candidates):
            if same_premises(mine, read[other]):
                yield key, other
