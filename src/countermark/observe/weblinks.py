"""E-mail addresses, URLs and registrable domains, plus the accounts that well-known URLs point to.

Only ASCII hosts are read from free text (IDNs appear in their xn-- form); structured values with a
Unicode host are converted to that form so both sides of a join agree.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

import tldextract

from countermark.observe.handles import Hit, normalise_handle, platform_kind
from countermark.observe.phones import parse_phone
from countermark.observe.spans import SpanSet

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_TLD = r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})"
_PATH_CHARS = r"[A-Za-z0-9!#$%&()*+,\-./:;=?@_~]"
# Possessive: nothing that may follow a local part (@, space, bracket) can be one of its characters.
_LOCAL = r"[a-z0-9_%+-][a-z0-9._%+-]{0,63}+"
_NOT_AFTER_HOST = r"(?![a-z0-9_-]|\.[a-z0-9])"

_PLAIN_EMAIL_RE = re.compile(
    rf"(?<![a-z0-9._%+-])(?P<local>{_LOCAL})@(?P<domain>{_LABEL}(?:\.{_LABEL}){{0,8}}\.{_TLD}){_NOT_AFTER_HOST}",
    re.I | re.A,
)
# Obfuscations seen on marketplaces: "name [at] shop [dot] com", "name(at)shop(dot)com", "name @ shop . com",
# "name at shop dot com" and the French "arobase"/"point". Full-width ＠ and ． are folded before matching.
_AT = (
    r"(?P<at>[ \t]*[\[({<][ \t]*(?:at|@|arobase)[ \t]*[\])}>][ \t]*|[ \t]+(?:at|arobase)[ \t]+|[ \t]*@[ \t]*)"
)
_DOT = (
    r"(?:[ \t]*[\[({<][ \t]*(?:dot|\.|point)[ \t]*[\])}>][ \t]*|[ \t]+(?:dot|point)[ \t]+|[ \t]+\.[ \t]+|\.)"
)
_OBFUSCATED_EMAIL_RE = re.compile(
    rf"(?<![a-z0-9._%+-])(?P<local>{_LOCAL}){_AT}(?P<domain>{_LABEL}(?:{_DOT}{_LABEL}){{0,5}}{_DOT}{_TLD})"
    r"(?![a-z0-9_-])",
    re.I | re.A,
)
_DOT_SPLIT_RE = re.compile(_DOT, re.I | re.A)
# "write us at shop dot com" names a site, not a mailbox: these words are never taken as a local part.
_NOT_LOCAL_PARTS = frozenset(
    "us me you him her them it we i email mail e-mail write reach find visit buy look is are now here "  # noqa: SIM905 (a word list reads better as words)
    "there this that only or and available sold online".split()
)

_SCHEME_URL_RE = re.compile(rf"(?<![a-z0-9])https?://{_PATH_CHARS}+", re.I | re.A)
_BARE_HOST_RE = re.compile(
    rf"(?<![a-z0-9_.@/\\-])(?P<host>(?:{_LABEL}\.){{1,10}}{_TLD}){_NOT_AFTER_HOST}"
    rf"(?P<rest>(?::\d{{1,5}}(?![0-9]))?(?:[/?#]{_PATH_CHARS}*)?)",
    re.I | re.A,
)
_TRAILING_JUNK = ".,;:!?'\"*"
# Suffixes that are also common file extensions: "readme.md" or "setup.py" alone is a file, not a site.
_FILE_LIKE_TLDS = frozenset({"zip", "mov", "md", "py", "sh", "ps", "so", "java", "rs", "pm", "mobi"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME_RE = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}", re.I | re.A)
_IPV4_RE = re.compile(
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}", re.A
)

_extractor: tldextract.TLDExtract | None = None
_extractor_lock = threading.Lock()


def _tld_extractor() -> tldextract.TLDExtract:
    """The one extractor, built on first use from tldextract's bundled public suffix list.

    suffix_list_urls=() means no download is ever attempted and cache_dir=None means no cache file is
    written; private suffixes are on so each shop on myshopify.com, blogspot.com, github.io… is its own
    registrable domain instead of all of them linking through the platform.
    """
    global _extractor
    if _extractor is None:
        with _extractor_lock:
            if _extractor is None:
                extractor = tldextract.TLDExtract(
                    suffix_list_urls=(),
                    cache_dir=None,
                    fallback_to_snapshot=True,
                    include_psl_private_domains=True,
                )
                extractor("example.com")  # parse the snapshot now, under the lock
                _extractor = extractor
    return _extractor


@lru_cache(maxsize=8192)
def registrable_domain(host: str) -> str | None:
    """The registrable domain ("shop.example.co.uk" → "example.co.uk") of an ASCII host, or None."""
    host = host.strip().rstrip(".").lower()
    if len(host) > 253 or not _HOST_NAME_RE.fullmatch(host):
        return None
    parts = _tld_extractor()(host)
    if not parts.suffix or not parts.domain:
        return None
    return f"{parts.domain}.{parts.suffix}"


def ascii_host(host: str) -> str | None:
    """Lower-case ASCII (IDNA/punycode) form of a host name, or None when it cannot be encoded."""
    host = host.strip().rstrip(".").replace("。", ".").replace("．", ".").lower()
    if host.isascii():
        return host or None
    try:
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return None


def normalise_email(raw: str) -> str | None:
    """Lower-cased, trimmed address of one e-mail field (plain or obfuscated); dots and +tags are kept."""
    text = raw.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].split("?", 1)[0]
    if not text or len(text) > 320:
        return None
    for pattern in (_PLAIN_EMAIL_RE, _OBFUSCATED_EMAIL_RE):
        match = pattern.fullmatch(text)
        if match:
            return _email_value(match)
    return None


def _email_value(match: re.Match[str]) -> str | None:
    local = match.group("local").lower()
    labels = [label.lower() for label in _DOT_SPLIT_RE.split(match.group("domain"))]
    domain = ".".join(labels)
    if registrable_domain(domain) is None:
        return None
    return f"{local}@{domain}"


def _obfuscated_local_ok(match: re.Match[str]) -> bool:
    local = match.group("local").lower()
    if local in _NOT_LOCAL_PARTS:
        return False
    # "20 @ amazon.com" is a price; QQ mailboxes ("123456789 [at] qq [dot] com") have 5+ digits.
    return any(c.isalpha() for c in local) or (local.isdigit() and len(local) >= 5)


def find_emails(text: str) -> Iterator[Hit]:
    """E-mail addresses (plain, then obfuscated) and their registrable domains."""
    plain = SpanSet()
    for match in _PLAIN_EMAIL_RE.finditer(text):
        value = _email_value(match)
        if value:
            plain.add(*match.span())
            yield from _email_hits(match, value)
    for match in _OBFUSCATED_EMAIL_RE.finditer(text):
        if plain.overlaps(*match.span()) or not _obfuscated_local_ok(match):
            continue
        value = _email_value(match)
        if value:
            yield from _email_hits(match, value)


def _email_hits(match: re.Match[str], value: str) -> Iterator[Hit]:
    yield "email", value, match.start(), match.end()
    domain = registrable_domain(value.rpartition("@")[2])
    if domain:
        start, end = match.span("domain")
        if match.group("domain").lower().endswith(domain):
            start = end - len(domain)
        yield "domain", domain, start, end


def _trim_url(raw: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets that follow a URL in prose."""
    while raw:
        last = raw[-1]
        if (
            last in _TRAILING_JUNK
            or (last == ")" and raw.count("(") < raw.count(")"))
            or (last == "]" and raw.count("[") < raw.count("]"))
        ):
            raw = raw[:-1]
        else:
            break
    return raw


def normalise_url(raw: str) -> str | None:
    """Scheme and host lower-cased, default port, fragment and credentials dropped, "/" path removed."""
    text = raw.strip()
    if not text or len(text) > 4096 or any(c.isspace() for c in text):
        return None
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = ascii_host(parts.hostname)
    if host is None or not (_IPV4_RE.fullmatch(host) or registrable_domain(host)):
        return None
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = "" if parts.path == "/" else parts.path
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{path}{query}"


def normalise_domain(raw: str) -> str | None:
    """Registrable domain of a host name, URL or e-mail address."""
    text = raw.strip()
    if not text or len(text) > 4096:
        return None
    if "@" in text and "/" not in text:
        text = text.rpartition("@")[2]
    if "/" in text or ":" in text:
        try:
            host = urlsplit(text if "://" in text else "http://" + text).hostname
        except ValueError:
            return None
        if not host:
            return None
        text = host
    host = ascii_host(text)
    return registrable_domain(host) if host else None


def find_urls(text: str, blocked: SpanSet) -> Iterator[Hit]:
    """URLs with a scheme or a bare host (www.…, shop-example.com/…), their domains and linked accounts.

    Bare hosts inside a blocked span (an e-mail address) or a URL with a scheme are not read again.
    """
    taken = SpanSet()
    for match in _SCHEME_URL_RE.finditer(text):
        raw = _trim_url(match.group())
        start = match.start()
        taken.add(start, start + len(raw))
        yield from _url_hits(raw, start)
    for match in _BARE_HOST_RE.finditer(text):
        start = match.start()
        raw = _trim_url(match.group())
        end = start + len(raw)
        if taken.overlaps(start, end) or blocked.overlaps(start, end):
            continue
        host = match.group("host")
        labels = host.split(".")
        if not host.lower().startswith("www.") and not match.group("rest"):
            tld = labels[-1]
            # "it.It was fake" and "Co.Ltd" are sentence or abbreviation boundaries, not hosts.
            if tld[0].isupper() and not tld.isupper():
                continue
            if len(labels) == 2 and tld.lower() in _FILE_LIKE_TLDS:
                continue
        yield from _url_hits(raw, start)


def _url_hits(raw: str, start: int) -> Iterator[Hit]:
    url = normalise_url(raw)
    if url is None:
        return
    end = start + len(raw)
    yield "url", url, start, end
    parts = urlsplit(url)
    host = parts.hostname or ""
    domain = registrable_domain(host)
    if domain:
        # The raw of a domain is its own text inside the host ("example.co.uk" in "shop.example.co.uk").
        host_at = raw.lower().find(host)
        if host_at >= 0 and host.endswith(domain):
            domain_at = start + host_at + len(host) - len(domain)
            yield "domain", domain, domain_at, domain_at + len(domain)
        else:
            yield "domain", domain, start, end
    for kind, value in accounts_in_url(host, parts.path, parts.query):
        yield kind, value, start, end


_RESERVED_PATHS = frozenset(
    "p reel reels explore stories accounts tv direct home i intent share search hashtag settings "  # noqa: SIM905 (a word list reads better as words)
    "login signup messages notifications pages groups events tr sharer watch marketplace help privacy "
    "policy legal about joinchat addstickers proxy socks iv s c u send business web status "
    "profile.php people photo.php dialog plugins story.php permalink.php".split()
)
_HOST_PLATFORMS = {
    "t.me": "telegram",
    "telegram.me": "telegram",
    "telegram.dog": "telegram",
    "instagram.com": "instagram",
    "twitter.com": "twitter",
    "x.com": "twitter",
    "tiktok.com": "tiktok",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "paypal.me": "paypal",
    "cash.app": "cashapp",
    "venmo.com": "venmo",
}


def accounts_in_url(host: str, path: str, query: str) -> list[tuple[str, str]]:
    """(kind, value) of the accounts a profile/payment/chat link points to: t.me/name → telegram:name, …"""
    host = host.lower()
    for prefix in ("www.", "m.", "mobile.", "web.", "api.", "account."):
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
    segments = [s for s in path.split("/") if s]
    if host in ("wa.me", "whatsapp.com"):
        number = segments[0] if host == "wa.me" and segments else None
        if host == "whatsapp.com" and segments[:1] == ["send"]:
            numbers = parse_qs(query).get("phone")
            number = numbers[0] if numbers else None
        phone = parse_phone(number, None, bare_international=True) if number else None
        return [("phone", phone), ("messaging_handle", f"whatsapp:{phone}")] if phone else []
    platform = _HOST_PLATFORMS.get(host)
    if platform is None or not segments:
        if host == "paypal.com" and len(segments) >= 2 and segments[0].lower() == "paypalme":
            platform, segments = "paypal", segments[1:]
        else:
            return []
    name = segments[0]
    if len(segments) > 1 and (platform, name.lower()) in (("venmo", "u"), ("telegram", "s")):
        name = segments[1]
    elif platform == "facebook" and name.lower() == "profile.php":
        name = (parse_qs(query).get("id") or [""])[0]
    if platform == "tiktok" and not name.startswith("@"):
        return []
    if platform == "cashapp" and not name.startswith("$"):
        return []
    if name.lower() in _RESERVED_PATHS:
        return []
    value = normalise_handle(platform, name, None)
    return [(platform_kind(platform), value)] if value else []
