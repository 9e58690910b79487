"""Identifiers that link observations together: e-mails, phones, URLs/domains, bank and crypto accounts,
messaging/payment handles, analytics ids, names and postal addresses.

Pure functions: no database, no files, no network. The public suffix list is tldextract's bundled
snapshot and IBAN formats are schwifty's bundled registry.

Normalised values (the join keys):

=================  ==========================================================================
email              lower-cased and trimmed; dots and +tags kept ("a.b+x@shop.com")
phone              E.164 ("+8613800138000")
url                scheme/host lower-case, default port, fragment, credentials and a bare "/" dropped
domain             registrable domain, ASCII/punycode, private PSL suffixes honoured
iban               upper-case, no separators ("DE89370400440532013000")
crypto_wallet      chain-prefixed: "btc:1A1z…", "btc:bc1q…", "ltc:…", "eth:0x…" (lower), "trx:T…", "xmr:4…"
payment_account    "paypal:…", "alipay:…", "wechatpay:…", "cashapp:…", "venmo:…"
messaging_handle   "telegram:…", "whatsapp:+E164", "wechat:…", "qq:…", "signal:…", "skype:…", "discord:…",
                   "instagram:…", "twitter:…" (x.com too), "tiktok:…", "facebook:…"
analytics_id       "UA-12345678", "G-…", "GTM-…", "AW-…", "ca-pub-…", "fbpixel:…", "ymetrika:…", "baidu:…",
                   and a page's <meta> site-verification tokens: "google-verify:…", "facebook-verify:…",
                   "bing-verify:…", "yandex-verify:…", "pinterest-verify:…", "baidu-verify:…"
site_template      16 lower-case hex digits: a web shop page's structural fingerprint (`observe.templates`)
tls_names          the names of a page's TLS certificate, sorted, comma-joined (`observe.tls`)
site_domain        a domain a shop is served under or a page was redirected from (`observe.redirects`)
name               casefolded, accents and punctuation removed, legal-form suffixes dropped
postal_address     casefolded, accents and punctuation removed, a few abbreviations expanded
=================  ==========================================================================

Names and postal addresses are only normalised from structured fields, never guessed from free text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args
from urllib.parse import urlsplit

from countermark.observe.handles import (
    Hit,
    find_analytics,
    find_labelled,
    normalise_analytics,
    parse_prefixed,
)
from countermark.observe.namenorm import normalise_address, normalise_name
from countermark.observe.phones import find_phones, parse_phone, valid_region
from countermark.observe.spans import SpanSet
from countermark.observe.tls import tls_names_value
from countermark.observe.wallets import find_wallets, normalise_wallet
from countermark.observe.weblinks import (
    accounts_in_url,
    find_emails,
    find_urls,
    normalise_domain,
    normalise_email,
    normalise_url,
)

IdentifierKind = Literal[
    "email",
    "phone",
    "url",
    "domain",
    "payment_account",
    "iban",
    "crypto_wallet",
    "postal_address",
    "name",
    "analytics_id",
    "messaging_handle",
    "site_template",
    "tls_names",
    "site_domain",
]
KINDS: frozenset[str] = frozenset(get_args(IdentifierKind))


@dataclass(frozen=True, slots=True)
class FoundIdentifier:
    """One identifier: its kind, its normalised value and where its raw text was found."""

    kind: str  # one of IdentifierKind
    value: str  # normalised value (the join key across records)
    raw: str  # the text exactly as found
    start: int  # offsets of raw in the input text (-1 when not from free text)
    end: int


# Full-width ASCII (＠, ．, ０-９, Ａ-Ｚ…) and the ideographic space map one character to one character,
# so matching runs on the folded text while offsets still point into the original.
_FOLD = str.maketrans(
    {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " ", "\ufe6b": "@"}
)
# Kinds whose spans phones and bare host names must not re-read.
_CLAIMING_KINDS = frozenset({"email", "url", "iban", "crypto_wallet", "analytics_id"})
# Chinese chat/payment ids are often the owner's mobile number, which should still count as a phone.
_PHONE_SHARING_PLATFORMS = ("wechat:", "alipay:", "wechatpay:")
MAX_STRUCTURED_FIELD = 10_000

_TEMPLATE_RE = re.compile(r"[0-9a-f]{16}")
_IBAN_CANDIDATE_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]){11,30}", re.A)
_IBAN_COMPACT_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", re.A)


@cache
def _iban_length(country: str) -> int | None:
    from schwifty import registry  # imported on first use: it takes ~0.3 s

    try:
        return int(registry.get_iban_spec(country).iban_length)
    except (ValueError, KeyError, AttributeError):  # unknown country: schwifty raises InvalidCountryCode
        return None


@cache
def _iban_prefix_re(length: int) -> re.Pattern[str]:
    """The first `length` IBAN characters of a candidate, with their single-space/dash separators."""
    return re.compile(rf"[A-Za-z0-9](?:[ -]?[A-Za-z0-9]){{{length - 1}}}", re.A)


def _iban_ok(compact: str) -> bool:
    """ISO 13616: country length and BBAN format from schwifty's registry, then the mod-97 check digits."""
    from schwifty import IBAN

    if not _IBAN_COMPACT_RE.fullmatch(compact) or _iban_length(compact[:2]) != len(compact):
        return False
    try:
        IBAN(compact)
    except ValueError:  # every schwifty validation error is a ValueError
        return False
    return True


def _normalise_iban(raw: str) -> str | None:
    text = raw.strip().upper()
    if text.startswith("IBAN"):
        text = text[4:].lstrip(" :：")
    compact = re.sub(r"[\s-]", "", text)
    return compact if len(compact) <= 34 and _iban_ok(compact) else None


def _find_ibans(text: str) -> Iterator[tuple[str, int, int]]:
    pos = 0
    while match := _IBAN_CANDIDATE_RE.search(text, pos):
        start, candidate = match.start(), match.group()
        length = _iban_length(candidate[:2].upper())
        pos = start + 1
        if length is None:
            continue
        # The candidate may run into the next word ("… 0130 00 BIC …"): keep exactly the country's length.
        exact = _iban_prefix_re(length).match(candidate)
        if exact is None:
            continue
        end = start + exact.end()
        if end < len(text) and text[end].isascii() and text[end].isalnum():
            continue
        compact = exact.group().replace(" ", "").replace("-", "").upper()
        if _iban_ok(compact):
            pos = end
            yield compact, start, end


def _all_hits(text: str, region: str | None) -> list[Hit]:
    hits: list[Hit] = list(find_emails(text))
    emails = SpanSet((s, e) for kind, _, s, e in hits if kind == "email")
    hits.extend(find_urls(text, emails))
    hits.extend(("iban", value, s, e) for value, s, e in _find_ibans(text))
    hits.extend(("crypto_wallet", value, s, e) for value, s, e in find_wallets(text))
    hits.extend(("analytics_id", value, s, e) for value, s, e in find_analytics(text))
    claims = SpanSet((s, e) for kind, _, s, e in hits if kind in _CLAIMING_KINDS)
    for kind, value, s, e in find_labelled(text, region):
        hits.append((kind, value, s, e))
        if kind != "phone" and kind != "email" and not value.startswith(_PHONE_SHARING_PLATFORMS):
            claims.add(s, e)
    hits.extend(
        ("phone", value, s, e) for value, s, e in find_phones(text, region) if not claims.overlaps(s, e)
    )
    return hits


def extract_identifiers(text: str, *, default_region: str | None = None) -> list[FoundIdentifier]:
    """Every identifier found in free text, deduplicated by (kind, value), in order of first appearance."""
    if not isinstance(text, str) or not text:
        return []
    hits = _all_hits(text.translate(_FOLD), valid_region(default_region))
    # sorted() is stable: at equal offsets the extraction order above decides (a URL before its domain).
    hits.sort(key=lambda hit: hit[2])
    seen: set[tuple[str, str]] = set()
    found: list[FoundIdentifier] = []
    for kind, value, start, end in hits:
        if (kind, value) not in seen:
            seen.add((kind, value))
            found.append(FoundIdentifier(kind, value, text[start:end], start, end))
    return found


def _normalise_account(kind: str, raw: str, region: str | None) -> str | None:
    prefixed = parse_prefixed(raw, region)
    if prefixed is not None:
        return prefixed[1] if prefixed[0] == kind else None
    url = normalise_url(raw) if "/" in raw else None
    if url is not None:
        parts = urlsplit(url)
        for account_kind, value in accounts_in_url(parts.hostname or "", parts.path, parts.query):
            if account_kind == kind:
                return value
        return None
    for account_kind, value, _, _ in find_labelled(raw, region):
        if account_kind == kind:
            return value
    return None


def normalise_identifier(kind: str, raw: str, *, default_region: str | None = None) -> str | None:
    """The normalised value of a structured field (e.g. an 'email' column), or None when it is not valid for that kind."""  # noqa: E501
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_STRUCTURED_FIELD:
        return None
    if kind == "name":
        return normalise_name(raw)
    if kind == "postal_address":
        return normalise_address(raw)
    text = raw.translate(_FOLD).strip()
    region = valid_region(default_region)
    if kind == "email":
        return normalise_email(text)
    if kind == "phone":
        # Without a region, a bare "8613800138000" can only be an international number missing its "+".
        return parse_phone(text, region, bare_international=region is None)
    if kind == "url":
        return normalise_url(text)
    if kind == "domain":
        return normalise_domain(text)
    if kind == "iban":
        return _normalise_iban(text)
    if kind == "crypto_wallet":
        return normalise_wallet(text)
    if kind in ("payment_account", "messaging_handle"):
        return _normalise_account(kind, text, region)
    if kind == "analytics_id":
        # A field may hold the snippet the id was copied from ("fbq('init', '…')").
        return normalise_analytics(text) or next((value for value, _, _ in find_analytics(text)), None)
    if kind == "site_template":
        return text.lower() if _TEMPLATE_RE.fullmatch(text.lower()) else None
    if kind == "tls_names":
        return tls_names_value(re.split(r"[,\s]+", text))
    if kind == "site_domain":
        return normalise_domain(text)
    return None
