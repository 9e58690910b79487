"""Person/company names and postal addresses reduced to a comparable form.

Both are fuzzy by nature; these keys only remove differences that never carry meaning (case, accents,
full-width forms, punctuation, spacing, legal-form suffixes, a few street abbreviations). Anything
smarter (transliteration, word order, geocoding) belongs to the linking stage.
"""

from __future__ import annotations

import re
import unicodedata

MAX_FIELD = 2000

# Dotted acronyms ("S.A.S.", "G.m.b.H.") are joined before punctuation turns into spaces.
_DOTTED_ACRONYM_RE = re.compile(r"\b(?:\w\.){2,}(?:\w\b)?")
_NON_WORD_RE = re.compile(r"[\W_]+")

# Legal-form words dropped from the end of a company name, repeatedly ("GmbH & Co. KG", "Co., Ltd.").
_COMPANY_SUFFIXES = frozenset(
    "ltd limited co company corp corporation inc incorporated llc llp lp plc gmbh mbh ag kg ohg ug "  # noqa: SIM905 (a word list reads better as words)
    "sarl sa sas sasu eurl snc srl spa bv nv oy ab aps asa pty pte sdn bhd kk tbk jsc ooo pvt".split()
)
# Written without spaces after Chinese/Japanese names, so stripped as string suffixes, longest first.
_CJK_COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "株式会社", "有限會社", "公司")

# Short on purpose: "fl", "ct" and "pl" are left alone because they are also US states / country codes.
_ADDRESS_ABBREVIATIONS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "bd": "boulevard",
    "bldg": "building",
    "blk": "block",
    "rm": "room",
    "flr": "floor",
    "apt": "apartment",
    "ste": "suite",
    "no": "number",
    "nr": "number",
    "dr": "drive",
    "ln": "lane",
    "hwy": "highway",
    "sq": "square",
    "dist": "district",
    "ind": "industrial",
}


def _fold(raw: str) -> str:
    """NFKD, combining marks dropped, casefolded: "ＳＨＥＮＺＨＥＮ Café" → "shenzhen cafe"."""
    decomposed = unicodedata.normalize("NFKD", raw)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def _tokens(folded: str) -> list[str]:
    joined = _DOTTED_ACRONYM_RE.sub(lambda m: m.group().replace(".", ""), folded)
    return [t for t in _NON_WORD_RE.split(joined) if t]


def normalise_name(raw: str) -> str | None:
    """Casefolded, accent-free, punctuation-free name without legal-form suffixes; None when empty."""
    if not raw or len(raw) > MAX_FIELD:
        return None
    folded = _fold(raw).strip()
    changed = True
    while changed:
        changed = False
        for suffix in _CJK_COMPANY_SUFFIXES:
            trimmed = folded.rstrip(" .,;()（）")
            if trimmed.endswith(suffix) and len(trimmed) > len(suffix):
                folded = trimmed[: -len(suffix)]
                changed = True
    tokens = _tokens(folded)
    kept = list(tokens)
    while kept and kept[-1] in _COMPANY_SUFFIXES:
        kept.pop()
    # A name made only of legal-form words ("Company Limited") is kept whole rather than erased.
    final = kept or tokens
    return " ".join(final) if final else None


def normalise_address(raw: str) -> str | None:
    """Casefolded, accent-free, punctuation-free address with common abbreviations spelled out."""
    if not raw or len(raw) > MAX_FIELD:
        return None
    tokens = [_ADDRESS_ABBREVIATIONS.get(t, t) for t in _tokens(_fold(raw).replace("n°", "no "))]
    return " ".join(tokens) if tokens else None
