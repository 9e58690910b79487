"""What kind of goods a listing offers, and whether the registered brands sell goods of that kind.

A counterfeiter's unbranded fakes ("top seller perfume - pink") and its unrelated side offers
("paperback novel, like new") come from the same young account in the same network, shipping from the
same place: the seller's signals cannot tell them apart, and no mark, product or photo is named in
either. What the goods are can: perfume is a kind of goods the registered brands sell, a novel is not.

The kinds and the words that name them in English, French, German, Spanish and Chinese are kept as data
(`goods.json`, hand-written: no maintained multilingual product taxonomy small enough to ship offline
was found), matched like the replica vocabulary: Latin-script words on word boundaries (with an English
plural in -s or -es; a German word also as the head of a compound), Chinese words where they stand,
e-mail addresses and links left out. The registered brands' kinds come from their reference products'
categories, read with the same words ("sneakers", "Parfum", "phone_accessories").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from countermark.core.errors import InvalidInput
from countermark.detect.vocabulary import fold, is_han, trie_pattern
from countermark.observe.spans import SpanSet
from countermark.observe.weblinks import find_emails, find_urls

GOODS_FILE = Path(__file__).with_name("goods.json")
# Languages that write a kind of goods as the head of a compound word, and the shortest head read so
# (shorter words end too many others: "Hersteller" ends in "Teller", "zugreifen" in "Reifen").
COMPOUNDING = frozenset({"de"})
COMPOUND_HEAD = 7


@dataclass(frozen=True, slots=True)
class GoodsHit:
    """A word of the text that names goods of a kind: the kind's key and the word as found."""

    kind: str
    term: str


class GoodsKinds:
    """The kinds of goods and their words, compiled; `find` names the kinds a text offers."""

    def __init__(self, kinds: Mapping[str, Mapping[str, Iterable[str]]]) -> None:
        self.kinds: dict[str, set[str]] = {}
        heads: set[str] = set()
        for kind, languages in kinds.items():
            for language, words in languages.items():
                for word in words:
                    term = fold(word).strip()
                    self.kinds.setdefault(term, set()).add(kind)
                    if language in COMPOUNDING and len(term) >= COMPOUND_HEAD and " " not in term:
                        heads.add(term)
        latin = [t for t in self.kinds if not is_han(t)]
        han = [t for t in self.kinds if is_han(t)]
        parts = [r"(?<!\w)(?P<latin>" + trie_pattern(latin) + r")(?:e?s)?(?!\w)"] if latin else []
        if heads:
            # The head of a compound word: "Reisezerstäuber" is a Zerstäuber, "Schulrucksack" a Rucksack.
            parts.append(r"(?<!\w)\w+?(?P<head>" + trie_pattern(heads) + r")(?:e?n|e?s)?(?!\w)")
        if han:
            parts.append("(?P<han>" + trie_pattern(han) + ")")
        self._pattern = re.compile("|".join(parts)) if parts else None
        self.keys = frozenset(kinds)

    def find(self, text: str) -> list[GoodsHit]:
        """Each word of the text that names goods, once per kind it names, in the order found (e-mail
        addresses and links left out: "bags@mail.ru" sells nothing)."""
        if self._pattern is None:
            return []
        hits: list[GoodsHit] = []
        for found in self._pattern.finditer(fold(without_contacts(text))):
            term = found.group("latin") or found.group("head") or found.group("han")
            hits.extend(GoodsHit(kind, term) for kind in sorted(self.kinds[term]))
        return hits

    def kinds_of(self, category: str) -> frozenset[str]:
        """The kinds a product category names: its key ("phone_accessories") or the kinds of its words."""
        key = fold(category).strip().replace("-", "_").replace(" ", "_")
        if key in self.keys:
            return frozenset({key})
        return frozenset(hit.kind for hit in self.find(category.replace("_", " ")))


def without_contacts(text: str) -> str:
    """The text with its e-mail addresses (plain or obfuscated) and links blanked out."""
    spans = [(start, end) for _, _, start, end in find_emails(text)]
    spans += [(start, end) for kind, _, start, end in find_urls(text, SpanSet()) if kind == "url"]
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def load_goods(path: Path = GOODS_FILE) -> GoodsKinds:
    """The kinds of goods of a file like `goods.json`; InvalidInput naming what is malformed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput.of(
            "cannot read the kinds of goods {file}: {reason}", file=Path(path).name, reason=str(exc)
        ) from exc
    kinds = data.get("kinds") if isinstance(data, dict) else None
    if not isinstance(kinds, dict) or not kinds:
        raise InvalidInput.of("{file}: the kinds of goods are an object 'kinds'", file=Path(path).name)
    for kind, languages in kinds.items():
        if not isinstance(languages, dict) or not all(
            isinstance(words, list) and all(isinstance(w, str) and w.strip() for w in words)
            for words in languages.values()
        ):
            raise InvalidInput.of(
                "{file}: the kind '{kind}' must map each language to a list of non-empty words",
                file=Path(path).name,
                kind=str(kind),
            )
    return GoodsKinds(kinds)
