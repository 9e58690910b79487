"""Mentions of registered marks in a listing's text, lookalikes included.

A mark is found exactly, or as a lookalike: homoglyphs and confusable letters of other scripts
(`confusable_homoglyphs`), leetspeak (0→o, 3→e, @→a…), letters spaced or split by punctuation
("L U N A V E L L E", "Luna-velle", "Chr onark"), a misspelling within an edit distance scaled to the
mark's length (`rapidfuzz`), a Chinese transliteration whose pinyin sounds like the mark (`pypinyin`),
or a Chinese alias the rights holder registered. Pure: marks in, mentions out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from confusable_homoglyphs import confusables  # type: ignore[import-untyped]
from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT
from rapidfuzz.distance import Indel, Levenshtein

LEET = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "@": "a",
        "$": "s",
        "!": "l",
        "|": "l",
        "€": "e",
    }
)
# Letters that look alike in Latin script itself collapse to one, in the mark and in the text alike.
COLLAPSE = str.maketrans({"i": "l", "j": "l"})
_TOKEN = re.compile(r"\S+")
_INNER = re.compile(r"[^\w@$!|€]+|_")
_HAN = re.compile(r"[\u4e00-\u9fff]{2,6}")
# Runs of letters of one script: a mark written plainly next to punctuation, emoji, digits or Chinese
# ("【正品】Kelondo", "EAN 123,Kelondo", "✅Kelondo") is the mark itself, not a disguise.
_PLAIN_PIECE = re.compile(r"[\u4e00-\u9fff]+|[^\W\d_\u4e00-\u9fff]+")
# A contact address names its owner; a mark inside it ("kelondooutlet@gmx.de") is not a claim on goods.
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
# Pinyin consonants grouped by how Chinese renders foreign sounds (r and l alike, v as w, c/q/g as k).
_PHONETIC = str.maketrans(
    {
        "r": "l",
        "v": "w",
        "f": "w",
        "c": "k",
        "q": "k",
        "g": "k",
        "x": "s",
        "z": "s",
        "j": "s",
        "p": "b",
        "t": "d",
        "h": "",
    }
)
# ü is a vowel (pypinyin writes it "v" unless asked for "ü": 绿 lǜ, 女 nǚ); Chinese renders a foreign v as w.
_VOWELS = re.compile(r"[aeiouyü]+")
_REPEATS = re.compile(r"(.)\1+")
PINYIN_SIMILARITY = 0.8
CACHE_SIZE = 200_000
# Marks at least this long are also found glued to another word; shorter ones hide in ordinary words.
GLUED_MIN = 6
# Shorter outlines (two consonants) sound like too many ordinary words; such names need a registered alias.
PINYIN_MIN_CONSONANTS = 3
# A token longer than this is no mark written some way (marks are words): only its pieces and its two
# ends are compared (`MarkFinder._long`).
LONG_TOKEN = 64


@dataclass(frozen=True, slots=True)
class MarkMention:
    """A mark found in a text: the brand it belongs to, how it was written, and the words used."""

    brand: str
    mark: str
    form: str  # exact | homoglyph | leetspeak | spacing | misspelling | transliteration | alias
    text: str
    distance: int = 0

    @property
    def lookalike(self) -> bool:
        """Whether the mark was written in some other way than itself."""
        return self.form != "exact"


def allowed_distance(length: int) -> int:
    """Edits tolerated in a misspelling: none under five letters, one up to eight, two beyond."""
    if length < 5:
        return 0
    return 1 if length <= 8 else 2


@lru_cache(maxsize=8192)
def _latin(char: str) -> str:
    """The Latin letter a character of another script is confusable with, else the character."""
    if char.isascii():
        return char
    # Lower-case letters of other scripts often map only to rare Latin letters (к → ĸ); their capitals
    # map to the plain letter (К → K), so both are tried.
    for form in (char, char.upper()):
        found = confusables.is_confusable(form, preferred_aliases=["latin"], greedy=True)
        for glyph in found[0].get("homoglyphs", []) if found else []:
            candidate = str(glyph.get("c", ""))
            if len(candidate) == 1 and candidate.isascii() and candidate.isalpha():
                return candidate.lower() if form != char else candidate
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)) or char


@lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """The word as it looks: Latin lookalikes, leetspeak and inner punctuation folded away."""
    latin = "".join(_latin(c) for c in unicodedata.normalize("NFKC", text)).casefold().translate(LEET)
    return _INNER.sub("", latin).translate(COLLAPSE)


def phonetic_key(syllables: Iterable[str]) -> str:
    """Consonant outline of a romanised word, the way Chinese transliteration keeps it."""
    return _REPEATS.sub(r"\1", _outline("".join(syllables)))


def _outline(text: str) -> str:
    """The consonants of romanised text, folded as transliteration hears them, repeats not collapsed."""
    text = text.casefold().replace("ch", "k").replace("sh", "s").replace("zh", "s")
    return _VOWELS.sub("", text.translate(_PHONETIC))


@dataclass(frozen=True, slots=True)
class _Mark:
    brand: str
    mark: str
    folded: str
    skeleton: str
    phonetic: str


class MarkFinder:
    """Finds a set of brands' marks (and their registered aliases) in texts."""

    def __init__(
        self, marks: Mapping[str, Iterable[str]], aliases: Mapping[str, Iterable[str]] | None = None
    ):
        self.marks = [
            _Mark(
                brand,
                mark,
                unicodedata.normalize("NFKC", mark).casefold(),
                skeleton(mark),
                phonetic_key([mark]),
            )
            for brand, names in marks.items()
            for mark in dict.fromkeys(names)
            if skeleton(mark)
        ]
        self.aliases = [
            (brand, unicodedata.normalize("NFKC", alias).casefold())
            for brand, names in (aliases or {}).items()
            for alias in names
            if alias.strip()
        ]
        # Words repeat across listings, so each candidate's matches are remembered (bounded).
        self._seen: dict[tuple[str, bool], list[MarkMention]] = {}

    def find(self, text: str) -> list[MarkMention]:
        """Every mention of a mark in the text, one per (brand, form, words)."""
        if not text:
            return []
        normal = unicodedata.normalize("NFKC", text)
        folded = normal.casefold()
        found: dict[tuple[str, str, str], MarkMention] = {}
        for candidate, joined in self._candidates(_TOKEN.findall(normal)):
            for mention in self._match(candidate, joined):
                found.setdefault((mention.brand, mention.form, mention.text), mention)
        for brand, alias in self.aliases:
            if alias in folded:
                found.setdefault((brand, "alias", alias), MarkMention(brand, brand, "alias", alias))
        for run in _HAN.findall(folded):
            for mention in self._transliterations(run):
                found.setdefault((mention.brand, mention.form, mention.text), mention)
        return list(found.values())

    @staticmethod
    def _candidates(tokens: list[str]) -> Iterable[tuple[str, bool]]:
        """Each token, each run of spaced single letters, and each pair of adjacent tokens (joined)."""
        yield from ((t, False) for t in tokens)
        # A token of punctuation or emoji alone joined to its neighbour is only the neighbour again.
        worded = [t for t in tokens if any(c.isalnum() for c in t)]
        run: list[str] = []
        for token in [*tokens, " "]:
            core = token.strip(".,;:!?()[]{}\"'")
            if 0 < len(core) <= 2 and core.isalnum():
                run.append(core)
                continue
            if len(run) >= 3:
                yield "".join(run), True
            run = []
        for first, second in pairwise(worded):
            yield first + second, True

    def _match(self, candidate: str, joined: bool) -> list[MarkMention]:
        key = (candidate, joined)
        if key not in self._seen:
            if len(self._seen) > CACHE_SIZE:
                self._seen.clear()
            self._seen[key] = self._compare(candidate, joined)
        return self._seen[key]

    def _compare(self, candidate: str, joined: bool) -> list[MarkMention]:
        original = candidate.strip(".,;:!?()[]{}\"'*•|-_/#")
        plain = original.casefold()
        if len(original) > LONG_TOKEN:
            return self._long(original, plain, joined)
        shape = skeleton(original)
        if not shape or _EMAIL.match(plain):
            return []
        pieces = set() if joined else {plain, *_PLAIN_PIECE.findall(plain)}
        mentions = []
        for mark in self.marks:
            if mark.folded in pieces:
                mentions.append(MarkMention(mark.brand, mark.mark, "exact", mark.folded))
                continue
            if shape == mark.skeleton:
                mentions.append(MarkMention(mark.brand, mark.mark, _how(plain), plain))
                continue
            if (
                not joined
                and len(mark.skeleton) >= GLUED_MIN
                and len(shape) > len(mark.skeleton)
                and (shape.startswith(mark.skeleton) or shape.endswith(mark.skeleton))
                and not plain.startswith(("http", "www"))
            ):
                # A mark glued to the next word ("DermavelleClear") hides it from a word search.
                mentions.append(MarkMention(mark.brand, mark.mark, "spacing", plain))
                continue
            if joined or abs(len(shape) - len(mark.skeleton)) > allowed_distance(len(mark.skeleton)):
                continue
            limit = allowed_distance(len(mark.skeleton))
            if limit and (dist := Levenshtein.distance(shape, mark.skeleton, score_cutoff=limit)) <= limit:
                mentions.append(MarkMention(mark.brand, mark.mark, "misspelling", plain, dist))
        return mentions

    def _long(self, original: str, plain: str, joined: bool) -> list[MarkMention]:
        """A token longer than any mark (a slug, a glued sentence, an unspaced text): a mark among its
        pieces, or glued to its start or end; its whole outline is never built (a megabyte of one token
        would be folded character by character)."""
        if joined or plain.startswith(("http", "www")) or _EMAIL.match(plain):
            return []
        pieces = set(_PLAIN_PIECE.findall(plain))
        head, tail = skeleton(original[:LONG_TOKEN]), skeleton(original[-LONG_TOKEN:])
        mentions = []
        for mark in self.marks:
            if mark.folded in pieces:
                mentions.append(MarkMention(mark.brand, mark.mark, "exact", mark.folded))
            elif len(mark.skeleton) >= GLUED_MIN and (
                head.startswith(mark.skeleton) or tail.endswith(mark.skeleton)
            ):
                mentions.append(MarkMention(mark.brand, mark.mark, "spacing", plain[:LONG_TOKEN]))
        return mentions

    def _transliterations(self, run: str) -> list[MarkMention]:
        key = _pinyin_key(run)
        if len(key) < PINYIN_MIN_CONSONANTS:
            return []
        scored = [
            (Indel.normalized_similarity(key, mark.phonetic), mark)
            for mark in self.marks
            if len(mark.phonetic) >= PINYIN_MIN_CONSONANTS and key[0] == mark.phonetic[0]
        ]
        best = max(scored, key=lambda pair: pair[0], default=None)
        if best is None or best[0] < PINYIN_SIMILARITY:
            return []
        return [MarkMention(best[1].brand, best[1].mark, "transliteration", run)]


@lru_cache(maxsize=16384)
def _pinyin_key(run: str) -> str:
    """`phonetic_key(lazy_pinyin(run))`, built from each character's outline (remembered) unless part of
    the run is a phrase of pypinyin's dictionary, whose reading may differ (长 zhang, 长城 chang cheng).

    The same key, without segmenting every run of a long Chinese text: random characters cost 0.2 ms a run
    that way, so a megabyte sent to be scored cost tens of seconds. Pinyin syllables end in a vowel, n, ng
    or r, so no digraph (ch, sh, zh) spans two of them and the outlines join as the syllables would."""
    pairs = pairwise(run)
    if any(a + b in _PHRASE_STARTS for a, b in pairs) and any(
        run[i:j] in PHRASES_DICT for i in range(len(run) - 1) for j in range(i + 2, len(run) + 1)
    ):
        return phonetic_key(lazy_pinyin(run, v_to_u=True))
    return _REPEATS.sub(r"\1", "".join(_char_outline(char) for char in run))


@lru_cache(maxsize=32768)
def _char_outline(char: str) -> str:
    """A character's consonant outline, repeats not yet collapsed (they may meet the next character's)."""
    return _outline("".join(lazy_pinyin(char, v_to_u=True)))


_PHRASE_STARTS = frozenset(phrase[:2] for phrase in PHRASES_DICT)


def _how(plain: str) -> str:
    """Which trick made the word look like the mark without being it."""
    if any(not c.isascii() for c in plain if c.isalpha()):
        return "homoglyph"
    if any(c in "013457@$!|€8" for c in plain):
        return "leetspeak"
    return "spacing"
