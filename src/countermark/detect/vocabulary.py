"""Replica, coded and piracy vocabulary per language, kept as editable data files (detect/vocab/*.json).

Each file names its language and lists terms by group ("replica", "coded", "piracy", "parody", "sale",
"compatible")
and the words that negate a term just before it ("not a copy" is a claim of authenticity, not an
admission). Matching is on word boundaries for Latin-script terms and by substring for Chinese,
case-insensitive; so is a negation: "no" negates "no es copia", not the "noir" of "coloris noir, copie
1:1", and a Chinese negation only the term it stands just before ("非正品"), not one further on
("非官方,全国包邮,1:1").
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from countermark.core.errors import InvalidInput

VOCAB_DIR = Path(__file__).with_name("vocab")
# "parody" (dupes, homages, "inspired by"), "sale" (why a genuine item is cheap: outlet, used, damaged box)
# and "compatible" (the mark names what the goods fit: "case compatible with …", "Ersatz für …", the
# referential use an accessory maker may make of it) speak against a counterfeit claim as often as for
# it; the model weighs them.
GROUPS = ("replica", "coded", "piracy", "parody", "sale", "compatible")
# Characters before a term inspected for a negation ("Auténtico, no es copia"); a Chinese negation is
# written right before the term it negates (at most this many characters between).
NEGATION_WINDOW = 12
HAN_NEGATION_GAP = 1


@dataclass(frozen=True, slots=True)
class TermHit:
    """One vocabulary term found in a text: its group, language, the term and where it starts."""

    group: str
    language: str
    term: str
    start: int


def fold(text: str) -> str:
    """The text as terms are compared: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def is_han(term: str) -> bool:
    """Whether the term holds Chinese characters (matched where it stands, not on word boundaries)."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in term)


def trie_pattern(terms: Iterable[str]) -> str:
    """A regular expression matching any of the terms, longest first, written as a trie: Python's `re`
    tries the terms of a flat alternation one by one at every place, a trie only those sharing the
    characters read so far (the same matches; the kinds of goods 2.5 times faster, this vocabulary 1.5)."""
    trie: dict[str, Any] = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


class Vocabulary:
    """Compiled term lists of several languages; `find` returns every hit not negated just before it."""

    def __init__(self, lists: Mapping[str, Mapping[str, Iterable[str]]]) -> None:
        self.lists = {
            lang: {g: sorted({fold(t) for t in terms}) for g, terms in groups.items()}
            for lang, groups in lists.items()
        }
        self._where: dict[str, tuple[str, str]] = {}
        self._negations: list[str] = []
        for language, groups in self.lists.items():
            for group in GROUPS:
                for term in groups.get(group, []):
                    self._where.setdefault(term, (group, language))
            self._negations.extend(groups.get("negations", []))
        # One expression, longest terms first, so one pass finds the longest term at each place.
        han = [t for t in self._where if is_han(t)]
        latin = [t for t in self._where if not is_han(t)]
        parts = ([r"(?<!\w)(?:" + trie_pattern(latin) + r")(?!\w)"] if latin else []) + (
            ["(?:" + trie_pattern(han) + ")"] if han else []
        )
        self._pattern = re.compile("|".join(parts)) if parts else None
        negations = set(self._negations)
        han_negations = [n for n in negations if is_han(n)]
        latin_negations = [n for n in negations if not is_han(n)]
        negation_parts = (
            [r"(?<!\w)(?:" + trie_pattern(latin_negations) + r")(?!\w)"] if latin_negations else []
        )
        if han_negations:
            negation_parts.append("(?:" + trie_pattern(han_negations) + f").{{0,{HAN_NEGATION_GAP}}}$")
        self._negation = re.compile("|".join(negation_parts), re.DOTALL) if negation_parts else None

    def find(self, text: str) -> list[TermHit]:
        """Every term of every group found in the text, longest first at one place, negated ones left out."""
        if self._pattern is None:
            return []
        folded = fold(text)
        hits: list[TermHit] = []
        for found in self._pattern.finditer(folded):
            start = found.start()
            # Searched in place, so a word cut by the window's start is seen whole ("casino" is no "no").
            if self._negation is not None and self._negation.search(
                folded, max(0, start - NEGATION_WINDOW), start
            ):
                continue
            group, language = self._where[found.group()]
            hits.append(TermHit(group, language, found.group(), start))
        return hits


def load_vocabulary(directory: Path = VOCAB_DIR) -> Vocabulary:
    """Read every `<language>.json` of the directory; InvalidInput naming the file that is malformed."""
    lists: dict[str, dict[str, list[str]]] = {}
    for path in sorted(Path(directory).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInput.of(
                "cannot read the vocabulary {file}: {reason}", file=path.name, reason=str(exc)
            ) from exc
        if not isinstance(data, dict) or not isinstance(data.get("language"), str):
            raise InvalidInput.of(
                "{file}: a vocabulary is an object with a 'language' and term lists", file=path.name
            )
        groups: dict[str, list[str]] = {}
        for group in (*GROUPS, "negations"):
            terms = data.get(group, [])
            if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
                raise InvalidInput.of(
                    "{file}: '{group}' must be a list of non-empty strings", file=path.name, group=group
                )
            groups[group] = terms
        lists[data["language"]] = groups
    if not lists:
        raise InvalidInput.of("no vocabulary files in {directory}", directory=str(directory))
    return Vocabulary(lists)
