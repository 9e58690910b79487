"""Read a fetched page: what kind it is, the listing or seller it shows, and the links worth following.

Pure: takes a URL, the page text and an extraction profile, returns values. Structured data (schema.org
Product/Offer in JSON-LD or microdata, read with extruct) comes first where a page publishes it; the
profile's CSS selectors fill in what it lacks and serve pages that publish none.

JSON-LD that is plain JSON is read here, from the page as parsed once for the selectors, as extruct reads
it; extruct (imported only then: its syntaxes' libraries are a fifth of a crawler's start) reads pages
with microdata, and JSON-LD that only its lenient parser takes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from parsel import Selector

from countermark.monitor.config import ExtractionProfile, netloc

CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "CNY", "￥": "CNY", "₹": "INR", "₩": "KRW"}
_NUMBER = re.compile(r"\d[\d\s.,']*")
_CODE = re.compile(r"\b([A-Z]{3})\b")
_DIGITS = re.compile(r"\d+")
_DATE = re.compile(r"\b((?:19|20)\d{2})(?:-(\d{2}))?(?:-(\d{2}))?\b")
_COUNTRY = re.compile(r"(?:^|\s)([A-Za-z]{2})\s*$")
MAX_ID = 200


@dataclass
class PageFacts:
    """What a page shows: its kind, the listing or seller on it (plain dicts), and links to follow."""

    kind: str
    listing: dict[str, Any] | None = None
    account: dict[str, Any] | None = None
    links: list[str] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)


def _first(selector: Selector, css: str | None) -> str | None:
    if not css:
        return None
    try:
        values = selector.css(css).getall()
    except ValueError:  # a selector the profile got wrong: no value rather than a failed crawl
        return None
    text = " ".join(" ".join(v.split()) for v in values if v and v.strip()).strip()
    return text or None


def _all(selector: Selector, css: str | None) -> list[str]:
    if not css:
        return []
    try:
        return [v.strip() for v in selector.css(css).getall() if v and v.strip()]
    except ValueError:
        return []


def parse_price(text: str | None) -> tuple[str | None, str | None]:
    """The amount (as a decimal string) and ISO currency in a price as shown ('€ 1.234,50', '129 USD')."""
    if not text:
        return None, None
    currency = next((code for symbol, code in CURRENCY_SYMBOLS.items() if symbol in text), None)
    code = _CODE.search(text)
    if code and currency is None:
        currency = code.group(1)
    match = _NUMBER.search(text)
    if not match:
        return None, currency
    raw = re.sub(r"[\s']", "", match.group(0)).rstrip(".,")
    if "," in raw and "." in raw:
        decimal_mark = "," if raw.rfind(",") > raw.rfind(".") else "."
    elif "," in raw:
        decimal_mark = "," if len(raw) - raw.rfind(",") - 1 in (1, 2) else ""
    else:
        decimal_mark = "." if "." in raw and len(raw) - raw.rfind(".") - 1 != 3 else ""
    digits = "".join(c for c in raw if c.isdigit() or c == decimal_mark).replace(",", ".")
    try:
        return str(Decimal(digits)), currency
    except InvalidOperation:
        return None, currency


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(item: dict[str, Any]) -> set[str]:
    return {str(t).rsplit("/", 1)[-1] for t in _as_list(item.get("@type"))}


def _json_ld(selector: Selector) -> list[Any] | None:
    """The items of the page's JSON-LD scripts as extruct's JSON-LD extractor gives them, when every
    script is plain JSON; None otherwise (extruct's lenient parser reads those)."""
    items: list[Any] = []
    for script in selector.root.xpath('descendant-or-self::script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.xpath("string()"), strict=False)
        except ValueError:
            return None
        if isinstance(data, list):
            items.extend(item for item in data if item)
        elif isinstance(data, dict) and data:
            items.append(data)
    return items


def _products(html: str, url: str, selector: Selector) -> list[dict[str, Any]]:
    """schema.org Products the page publishes in JSON-LD or microdata."""
    if "application/ld+json" not in html and "itemscope" not in html:
        return []
    found_ld = _json_ld(selector) if "itemscope" not in html else None
    if found_ld is not None:
        data: dict[str, list[Any]] = {"json-ld": found_ld}
    else:
        try:
            import extruct  # type: ignore[import-untyped]

            data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "microdata"], uniform=True)
        except Exception:
            return []
    found: list[dict[str, Any]] = []
    todo = [item for items in data.values() for item in items if isinstance(item, dict)]
    while todo:
        item = todo.pop(0)
        if "Product" in _types(item):
            found.append(item)
        todo.extend(node for node in _as_list(item.get("@graph")) if isinstance(node, dict))
    return found


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id") or value.get("url")
    if isinstance(value, list):
        value = value[0] if value else None
    return " ".join(str(value).split()) if value not in (None, "") else None


def _from_product(product: dict[str, Any]) -> dict[str, Any]:
    offer = next((o for o in _as_list(product.get("offers")) if isinstance(o, dict)), {})
    seller = offer.get("seller")
    images = [_text(i) for i in _as_list(product.get("image"))]
    price = offer.get("price") or offer.get("lowPrice")
    return {
        "external_id": _text(product.get("sku")) or _text(product.get("productID")),
        "title": _text(product.get("name")),
        "description": _text(product.get("description")),
        "price": parse_price(str(price))[0] if price not in (None, "") else None,
        "currency": _text(offer.get("priceCurrency")),
        "seller": _text(seller),
        "image_urls": [i for i in images if i],
    }


def page_kind(
    url: str, profile: ExtractionProfile, has_product: bool, selector: Selector | None = None
) -> str:
    """listing, seller or index: by the profile's page markers, its URL patterns, else by product data."""
    if selector is not None and profile.listing_marker and _first(selector, profile.listing_marker):
        return "listing"
    if selector is not None and profile.seller_marker and _first(selector, profile.seller_marker):
        return "seller"
    if profile.listing_url and re.search(profile.listing_url, url):
        return "listing"
    if profile.seller_url and re.search(profile.seller_url, url):
        return "seller"
    if not profile.listing_url and not profile.listing_marker and has_product:
        return "listing"
    return "index"


def normalise_url(url: str, profile: ExtractionProfile) -> str:
    """The URL with the profile's rewrites applied (tracking parameters dropped, mobile copies mapped)."""
    for pattern, replacement in profile.normalise:
        url = re.sub(pattern, replacement, url)
    return url.rstrip("?&")


def link_kind(url: str, profile: ExtractionProfile) -> str:
    """What a link is expected to lead to, by the profile's URL patterns: listing, seller or page."""
    if profile.listing_url and re.search(profile.listing_url, url):
        return "listing"
    if profile.seller_url and re.search(profile.seller_url, url):
        return "seller"
    return "page"


def canonical_url(url: str, selector: Selector) -> str:
    """The page's canonical URL when it names one on its own host, else the URL without its fragment."""
    canonical = _first(selector, "link[rel=canonical]::attr(href)")
    if canonical:
        resolved = urldefrag(urljoin(url, canonical))[0]
        if netloc(resolved) == netloc(url):
            return resolved
    return urldefrag(url)[0]


def _bounded_id(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= MAX_ID else hashlib.sha256(value.encode()).hexdigest()


def _country(value: str | None) -> str | None:
    """A two-letter code shown alone or ending a phrase ("FR", "Based in FR")."""
    found = _COUNTRY.search(value.strip()) if value else None
    return found.group(1).upper() if found else None


def parse_since(value: str | None) -> str | None:
    """The first day of the date a page shows as "member since" (2019-03-02, 2019-03 or 2019), ISO UTC."""
    found = _DATE.search(value) if value else None
    if found is None:
        return None
    try:
        day = date(int(found.group(1)), int(found.group(2) or 1), int(found.group(3) or 1))
    except ValueError:
        return None
    return f"{day.isoformat()}T00:00:00Z"


def _listing(
    url: str, selector: Selector, profile: ExtractionProfile, products: list[dict[str, Any]]
) -> dict[str, Any] | None:
    found = _from_product(products[0]) if products else {}
    page_url = normalise_url(canonical_url(url, selector), profile)
    price_text = _first(selector, profile.price)
    price, shown_currency = parse_price(price_text)
    listing = {
        "url": page_url,
        "external_id": _first(selector, profile.external_id) or found.get("external_id") or page_url,
        "title": found.get("title") or _first(selector, profile.title) or _first(selector, "title::text"),
        "description": found.get("description") or _first(selector, profile.description),
        "price": found.get("price") or price,
        "currency": found.get("currency") or _first(selector, profile.currency) or shown_currency,
        "seller": _first(selector, profile.seller) or found.get("seller"),
        "ships_from": _country(_first(selector, profile.ships_from)),
        "language": _first(selector, profile.language) or _first(selector, "html::attr(lang)"),
        "image_urls": found.get("image_urls") or _all(selector, profile.images),
    }
    if not listing["title"]:
        return None
    listing["external_id"] = _bounded_id(str(listing["external_id"]))
    currency = listing["currency"]
    listing["currency"] = currency.upper() if isinstance(currency, str) and len(currency) == 3 else None
    language = listing["language"]
    listing["language"] = language[:8] if language else None
    images = listing["image_urls"] or []
    listing["image_urls"] = list(dict.fromkeys(urljoin(url, str(i)) for i in images))[:50]
    return listing


def _account(url: str, selector: Selector, profile: ExtractionProfile) -> dict[str, Any] | None:
    path_tail = [part for part in urlsplit(url).path.split("/") if part]
    # The handle shown ("@name"), else the page's last path segment, else (a shop's home) its host.
    shown = (_first(selector, profile.seller_handle) or "").lstrip("@").strip()
    handle = shown or (path_tail[-1] if path_tail else netloc(url).split(":")[0])
    if not handle:
        return None
    return {
        "external_id": _bounded_id(_first(selector, profile.seller_external_id) or handle),
        "handle": handle[:200],
        "display_name": _first(selector, profile.seller_name),
        "profile_url": normalise_url(canonical_url(url, selector), profile),
        "bio": _first(selector, profile.seller_bio),
        "country": _country(_first(selector, profile.seller_country)),
        "contacts": [c[:300] for c in _all(selector, profile.seller_contacts)][:50],
        "joined_at": parse_since(_first(selector, profile.seller_joined)),
    }


def url_pattern(url: str) -> str:
    """The shape of a URL (host, path with digits masked, sorted query keys): what a trap repeats."""
    parts = urlsplit(url)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return f"{parts.netloc}{_DIGITS.sub('#', parts.path)}?{'&'.join(keys)}"


def links_to_follow(url: str, selector: Selector, profile: ExtractionProfile, hosts: list[str]) -> list[str]:
    """Absolute http(s) links the profile follows, on the allowed hosts, not denied, in page order."""
    found: list[str] = []
    for css in profile.follow:
        for href in _all(selector, css):
            if href.startswith(("mailto:", "javascript:", "tel:", "data:")):
                continue
            absolute = normalise_url(urldefrag(urljoin(url, href))[0], profile)
            if not absolute.startswith(("http://", "https://")) or netloc(absolute) not in hosts:
                continue
            if any(re.search(pattern, absolute) for pattern in profile.deny):
                continue
            found.append(absolute)
    return list(dict.fromkeys(found))


def json_links(url: str, data: Any, profile: ExtractionProfile, hosts: list[str]) -> list[str]:
    """Links in a JSON answer (an infinite-scroll page): string values of the profile's link keys."""
    found: list[str] = []
    todo = [data]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key in profile.json_links and isinstance(item, str) and item:
                    found.append(item)
                elif isinstance(item, dict | list):
                    todo.append(item)
        elif isinstance(value, list):
            todo.extend(reversed(value))
    links = []
    for href in found:
        absolute = normalise_url(urldefrag(urljoin(url, href))[0], profile)
        on_site = absolute.startswith(("http://", "https://")) and netloc(absolute) in hosts
        if on_site and not any(re.search(pattern, absolute) for pattern in profile.deny):
            links.append(absolute)
    return list(dict.fromkeys(links))


def read_page(url: str, html: str, profile: ExtractionProfile, hosts: list[str]) -> PageFacts:
    """Everything the crawler needs from one HTML page."""
    selector = Selector(text=html or "<html></html>")
    products = _products(html, url, selector)
    kind = page_kind(url, profile, bool(products), selector)
    facts = PageFacts(kind=kind, links=links_to_follow(url, selector, profile, hosts))
    if kind == "listing":
        facts.listing = _listing(url, selector, profile, products)
        if facts.listing is None:
            facts.kind = "index"
        else:
            facts.image_urls = list(facts.listing["image_urls"])
    elif kind == "seller":
        facts.account = _account(url, selector, profile)
    return facts
