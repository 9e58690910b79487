"""A source's crawl configuration: where to start, how to read its pages, how politely to fetch them.

Pure: validated values only, no session, no network. The same model is stored (as JSON) on the source,
edited through the API and pages, and handed to the crawler process.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote_plus, urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
DEFAULT_USER_AGENT = "CountermarkMonitor/1.0 (brand protection; +https://countermark.invalid/bot)"


def _check_regex(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value[:200]!r} is not an http(s) URL")
    return value


class ExtractionProfile(BaseModel):
    """How to read one site's pages: which URLs are listings or sellers, what to follow, where fields are.

    Selectors are CSS (parsel, with `::text` and `::attr(name)`); structured data (schema.org Product and
    Offer in JSON-LD or microdata) is read first where pages publish it, selectors fill what it lacks.
    """

    listing_url: str | None = Field(default=None, description="Regex: URLs that are listing pages.")
    seller_url: str | None = Field(default=None, description="Regex: URLs that are seller pages.")
    listing_marker: str | None = Field(default=None, description="CSS: present on listing pages only.")
    seller_marker: str | None = Field(default=None, description="CSS: present on seller pages only.")
    follow: list[str] = Field(default_factory=lambda: ["a::attr(href)"], max_length=20)
    json_links: list[str] = Field(
        default_factory=lambda: ["url", "next", "href"],
        max_length=20,
        description="Keys whose values are links, in JSON answers (infinite scroll, feeds).",
    )
    normalise: list[tuple[str, str]] = Field(
        default_factory=list,
        max_length=20,
        description="(regex, replacement) applied to every link: tracking parameters, mobile copies.",
    )
    deny: list[str] = Field(default_factory=list, max_length=50, description="Regexes of URLs never fetched.")
    external_id: str | None = None
    title: str | None = None
    description: str | None = None
    price: str | None = None
    currency: str | None = None
    seller: str | None = None
    ships_from: str | None = None
    language: str | None = None
    images: str | None = "img::attr(src)"
    seller_handle: str | None = None
    seller_external_id: str | None = None
    seller_name: str | None = None
    seller_bio: str | None = None
    seller_country: str | None = None
    seller_contacts: str | None = None
    seller_joined: str | None = Field(
        default=None, description='CSS: the "member since" text (a date 2019-03-02, 2019-03 or 2019 in it).'
    )
    # A crawler trap (an infinite calendar, endless filters) shows as one URL shape repeated: digits
    # masked, query keys sorted. Past this many URLs of one shape, more are not followed.
    max_per_pattern: int = Field(default=2000, ge=1, le=1_000_000)

    @field_validator("listing_url", "seller_url")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return _check_regex(value)

    @field_validator("deny")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            _check_regex(pattern)
        return value

    @field_validator("normalise")
    @classmethod
    def _rewrites(cls, value: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for pattern, _ in value:
            _check_regex(pattern)
        return value


class Politeness(BaseModel):
    """How the crawler treats a site: robots.txt, concurrency and delay per host, retries and back-off."""

    obey_robots: bool = True
    concurrency_per_host: int = Field(default=4, ge=1, le=32)
    delay_seconds: float = Field(default=0.0, ge=0, le=120)
    requests_per_second: float = Field(
        default=0.0, ge=0, le=10_000, description="Most requests started to a host in any second (0: no cap)."
    )
    retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=0.5, ge=0, le=60)
    max_wait_seconds: float = Field(default=60.0, ge=0, le=3600, description="Longest Retry-After honoured.")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    user_agent: str = Field(default=DEFAULT_USER_AGENT, min_length=1, max_length=300)


class SourceConfig(BaseModel):
    """Everything a crawl of one source needs."""

    start_urls: list[str] = Field(default_factory=list, max_length=1000)
    search_url: str | None = Field(
        default=None, max_length=2000, description="Search page URL with {query} where the term goes."
    )
    search_terms: list[str] = Field(default_factory=list, max_length=500)
    lookalikes: bool = Field(default=False, description="Also search lookalike spellings of every term.")
    allowed_hosts: list[str] = Field(default_factory=list, max_length=100)
    profile: ExtractionProfile = Field(default_factory=ExtractionProfile)
    politeness: Politeness = Field(default_factory=Politeness)
    proxy: str | None = Field(
        default=None, max_length=500, description="http://, socks5:// or socks5h:// URL."
    )
    render: bool = Field(default=False, description="Render listing pages in Chromium and screenshot them.")
    fetch_images: bool = True
    ingest_source: str | None = Field(
        default=None,
        max_length=100,
        description="The ingestion source of what is found (default monitor:<source id>); a feed's own "
        "name keeps the keys of records that also arrive by file.",
    )
    max_pages: int = Field(default=100_000, ge=1, le=10_000_000)
    max_depth: int = Field(default=1000, ge=0, le=100_000)
    frontier: Literal["local", "redis"] = "local"
    redis_url: str | None = Field(default=None, max_length=500)

    @field_validator("start_urls")
    @classmethod
    def _start(cls, value: list[str]) -> list[str]:
        return [_http_url(url.strip()) for url in value if url.strip()]

    @field_validator("search_url")
    @classmethod
    def _search(cls, value: str | None) -> str | None:
        if not value:
            return None
        if "{query}" not in value:
            raise ValueError("the search URL needs {query} where the search term goes")
        _http_url(value.replace("{query}", "q"))
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in PROXY_SCHEMES or not parts.hostname or not parts.port:
            raise ValueError(f"a proxy is scheme://host:port with a scheme among {', '.join(PROXY_SCHEMES)}")
        return value

    @model_validator(mode="after")
    def _something_to_crawl(self) -> SourceConfig:
        if not self.start_urls and not (self.search_url and self.search_terms):
            raise ValueError("a source needs start URLs, or a search URL with search terms")
        if self.frontier == "redis" and not self.redis_url:
            raise ValueError("a Redis frontier needs redis_url")
        return self

    def hosts(self) -> list[str]:
        """The hosts (host:port) the crawl may fetch from: the allowed ones, or those of its start pages."""
        if self.allowed_hosts:
            return [host.lower() for host in self.allowed_hosts]
        urls = [*self.start_urls, *([self.search_url.replace("{query}", "q")] if self.search_url else [])]
        return sorted({netloc(url) for url in urls})

    def terms(self) -> list[str]:
        """The search terms, each followed by its lookalike spellings when the source asks for them."""
        terms: list[str] = []
        for term in self.search_terms:
            terms += [term, *(lookalike_spellings(term) if self.lookalikes else [])]
        return list(dict.fromkeys(terms))

    def seeds(self) -> list[str]:
        """Start URLs followed by one search URL per term (deduplicated, in order)."""
        urls = list(self.start_urls)
        if self.search_url:
            for term in self.terms():
                urls.append(self.search_url.replace("{query}", quote_plus(term)))
        return list(dict.fromkeys(urls))


HOMOGLYPHS = (("o", "0"), ("l", "1"), ("i", "1"), ("e", "3"), ("a", "4"), ("s", "5"), ("m", "rn"), ("i", "l"))


def lookalike_spellings(term: str, limit: int = 12) -> list[str]:
    """Spellings counterfeiters use to slip a mark past filters: look-alike characters, a letter dropped,
    doubled or swapped with its neighbour (the first `limit`, most common kinds first)."""
    word = term.lower()
    found: list[str] = []
    for plain, lookalike in HOMOGLYPHS:
        if plain in word:
            found.append(word.replace(plain, lookalike, 1))
    for i in range(len(word)):
        found.append(word[:i] + word[i + 1 :])
        found.append(word[: i + 1] + word[i] + word[i + 1 :])
        if i + 1 < len(word) and word[i] != word[i + 1]:
            found.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    unique = [s for s in dict.fromkeys(found) if s and s != word and s.strip()]
    return unique[:limit]


def netloc(url: str) -> str:
    """host:port of a URL (port only when given), lower case: the unit politeness is counted in."""
    return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]
