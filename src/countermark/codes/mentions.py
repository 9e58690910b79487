"""Pure pieces of report matching: what a match is, how strong each identifier is, how matches combine."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# How strongly a shared identifier ties two records: contact and payment details are personal to a seller;
# a domain or a name is shared by many.
IDENTIFIER_STRENGTH = {
    "email": 0.9,
    "phone": 0.9,
    "iban": 0.9,
    "crypto_wallet": 0.9,
    "payment_account": 0.9,
    "messaging_handle": 0.85,
    "url": 0.85,
    "analytics_id": 0.8,
    "domain": 0.6,
    "name": 0.5,
    "postal_address": 0.6,
}
KIND_WORDS = {
    "email": "e-mail address",
    "phone": "phone number",
    "url": "web address",
    "domain": "domain",
    "payment_account": "payment account",
    "iban": "bank account",
    "crypto_wallet": "crypto wallet",
    "messaging_handle": "messaging handle",
    "analytics_id": "analytics id",
    "name": "name",
    "postal_address": "postal address",
}
# Which kind names a merged match when several pieces of evidence point at one record.
KIND_RANK = {"listing": 0, "account": 1, "fingerprint": 2, "product": 3, "right": 4, "thread": 5}
_TOKEN_SPLIT = re.compile(r"[/\-_.,;=&?+]+")


@dataclass(frozen=True)
class Match:
    """One reason to tie a report to a record: the record, a sentence, and a strength from 0 to 1."""

    kind: str
    subject_type: str
    subject_id: int | None
    label: str
    reason: str
    strength: float
    detail: dict[str, Any] = field(default_factory=dict)
    # The reasons as codes with parameters (codes/reason_codes.py), for pages in other languages.
    coded: list[dict[str, Any]] = field(default_factory=list)


def mentioned(name: str, text: str) -> bool:
    """Whether a brand or product name appears in the text as whole words (case-insensitive)."""
    name = name.strip()
    if len(name) < 3:
        return False
    return re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", text.casefold()) is not None


def item_tokens(path: str) -> list[str]:
    """Parts of a web address's path that look like item ids: 5–40 letters or digits with a digit in."""
    tokens = []
    for token in _TOKEN_SPLIT.split(path):
        if 5 <= len(token) <= 40 and token.isalnum() and token.isascii() and any(c.isdigit() for c in token):
            tokens.append(token)
    return list(dict.fromkeys(tokens))


def shop_handles(shop: str | None) -> list[str]:
    """The handles a shop name the reporter typed may be: as typed and without a leading '@', lower-case."""
    text = (shop or "").strip().lower()
    if not text or len(text) > 200:
        return []
    return list(dict.fromkeys(h for h in (text, text.lstrip("@")) if h))


def merge_matches(matches: Iterable[Match]) -> list[Match]:
    """One match per record: strengths combined as independent evidence (1 − Π(1 − s)), reasons joined."""
    groups: dict[tuple[str, int | None, str], list[Match]] = {}
    for match in matches:
        # Rights, products and bank entries are what a report is about; other records are who sells it.
        family = "about" if match.kind in ("right", "product", "fingerprint") else "seller"
        groups.setdefault((match.subject_type, match.subject_id, family), []).append(match)
    merged = []
    for items in groups.values():
        miss = 1.0
        for item in items:
            miss *= 1.0 - max(0.0, min(1.0, item.strength))
        best = min(items, key=lambda m: (KIND_RANK.get(m.kind, 9), -m.strength))
        reasons = list(dict.fromkeys(m.reason for m in items))
        coded = list({r["text"]: r for m in items for r in m.coded}.values())
        identifiers = [m.detail for m in items if m.detail.get("identifier")]
        detail = dict(best.detail)
        if identifiers:
            detail["identifiers"] = identifiers
        merged.append(
            Match(
                kind=best.kind,
                subject_type=best.subject_type,
                subject_id=best.subject_id,
                label=best.label,
                reason="; ".join(reasons)[:500],
                strength=round(1.0 - miss, 4),
                detail=detail,
                coded=coded,
            )
        )
    return sorted(
        merged, key=lambda m: (-m.strength, KIND_RANK.get(m.kind, 9), m.subject_type, m.subject_id or 0)
    )
