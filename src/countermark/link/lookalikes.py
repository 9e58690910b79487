"""Lookalike domains of registered marks: permutations of each mark generated offline with dnstwist (as a
library: its fuzzers only, never its DNS, WHOIS or web lookups) and matched against the domains a run
observed.

Each mark becomes a label (`mark_label`: folded to ASCII letters and digits, "Maison Aurel" →
"maisonaurel"), and dnstwist permutes `<label>.com`: addition, omission, insertion, repetition,
replacement, transposition, vowel swap, homoglyph and Cyrillic look-alike letters (as punycode, the form
ingestion keeps domains in), bit-flips, hyphenation, plural, and the mark with a shop word before or after
it (`SHOP_WORDS`). An observed domain whose first label is one of these permuted labels, under any
top-level domain (counterfeit shops favour cheap ones: `aure1.shop`), or is the mark's own label under
another top-level domain than .com (a TLD swap), or whose hyphenated label holds the mark or one of its
permutations as a word (`dermaville-store-prime.top`), is flagged with the mark and the kind of
permutation ("dictionary" for the mark itself among other words).
The mark's own `.com` is not flagged, nor is anything in a same-owner group (a brand's own stores). A
permutation that adds a dot (dnstwist's "subdomain") is left out: the registrable domain it makes is
another name altogether. The flag is an annotation, not a
link: two counterfeiters squatting one brand are not one operator for it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

import dnstwist  # type: ignore[import-untyped]

SHOP_WORDS = ("shop", "store", "outlet", "official", "sale", "online", "buy", "cheap", "discount", "factory")
# A shorter label's permutations are everyday words and other companies' domains.
MIN_LABEL = 4
# A word of a longer label counts from 5 letters, and only for marks of 5 or more ("lunar-shop" is not
# an imitation of a mark "Luna").
MIN_WORD = 5
KINDS = (
    "addition", "bitsquatting", "cyrillic", "dictionary", "homoglyph", "hyphenation", "insertion",
    "omission", "plural", "repetition", "replacement", "transposition", "various", "vowel-swap",
)  # fmt: skip


def mark_label(mark: str) -> str | None:
    """The domain label of a mark (ASCII letters and digits, lower-case), or None when too short."""
    folded = unicodedata.normalize("NFKD", mark).encode("ascii", "ignore").decode("ascii").lower()
    label = "".join(ch for ch in folded if ch.isalnum())
    return label if len(label) >= MIN_LABEL else None


@lru_cache(maxsize=8)
def _table(labels: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """Permuted label → (the mark's domain, kind); the mark's own label under "" (any other suffix than
    its .com is a TLD swap)."""
    found: dict[str, tuple[str, str]] = {}
    for label in labels:
        found[label] = (f"{label}.com", "")
        fuzzer = dnstwist.Fuzzer(f"{label}.com", dictionary=SHOP_WORDS)
        fuzzer.generate()
        for permutation in sorted(fuzzer.domains, key=lambda p: (p["fuzzer"], p["domain"])):
            kind, domain = str(permutation["fuzzer"]), str(permutation["domain"]).lower()
            if kind in KINDS and domain.endswith(".com") and "." not in domain.removesuffix(".com"):
                found.setdefault(domain.removesuffix(".com"), (f"{label}.com", kind))
    return found


def lookalike_table(marks: Iterable[str]) -> dict[str, tuple[str, str]]:
    """What `lookalike_of` looks up, for every mark (built once per set of marks in a process: tens of
    milliseconds a mark)."""
    return _table(tuple(sorted({label for mark in marks if (label := mark_label(mark)) is not None})))


def lookalike_of(domain: str, table: Mapping[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The mark's domain and the kind of permutation when `domain` (a registrable domain, or its `www.`
    form) imitates a mark: its first label is a permutation of the mark's whatever the top-level domain
    (`aure1.shop` is a homoglyph of aurel.com), or is the mark's own under another one (`aurel.shop`, a TLD
    swap), or one of its hyphenated words is the mark or a permutation of it (`dermaville-store-prime.top`,
    a vowel swap of dermavelle.com); None for the mark's own .com and anything else."""
    name = domain.strip().lower().rstrip(".").removeprefix("www.")
    label, dot, suffix = name.partition(".")
    if not dot or not suffix:
        return None
    found = table.get(label)
    if found is not None:
        mark, kind = found
        if kind:
            return mark, kind
        return None if suffix == "com" else (mark, "tld-swap")
    # A label of several words (`dermaville-store-prime`) imitates a mark through one of them: the mark
    # itself among shop words, or a permutation of it (`dermaville`, a vowel swap of dermavelle).
    for word in label.split("-") if "-" in label else ():
        hit = table.get(word) if len(word) >= MIN_WORD else None
        if hit is not None and len(hit[0]) - len(".com") >= MIN_WORD:
            return hit[0], hit[1] or "dictionary"
    return None
