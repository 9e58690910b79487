"""What every served site shares: requests and responses, the world's current epoch, robots.txt, images."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlencode

from countermark.sim.sites.catalog import Catalog, SiteAccount, SiteListing
from countermark.sim.sites.epochs import ListingState, changed_price, changed_title, state_at
from countermark.sim.sites.hostility import Hostility


@dataclass(frozen=True)
class Request:
    """An HTTP request as a site sees it: method, host (no port), path, first value of each parameter."""

    method: str
    host: str
    path: str
    query: dict[str, str] = field(default_factory=dict)

    def param(self, name: str, default: str = "") -> str:
        """One query parameter, or default."""
        return self.query.get(name, default)

    def int_param(self, name: str, default: int, *, low: int = 0, high: int = 10**9) -> int | None:
        """An integer parameter within [low, high], default when absent, None when malformed."""
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isdigit():
            return None
        value = int(raw)
        return value if low <= value <= high else None


@dataclass(frozen=True)
class Response:
    """What a site answers; `delay` seconds are waited before answering (slow pages)."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


def html(body: str, *, status: int = 200, delay: float = 0.0) -> Response:
    """An HTML response encoded as UTF-8."""
    return Response(status, body.encode("utf-8"), delay=delay)


def as_json(payload: object, *, status: int = 200) -> Response:
    """A JSON response."""
    return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")


def text(body: str, *, status: int = 200) -> Response:
    """A plain-text response."""
    return Response(status, body.encode("utf-8"), "text/plain; charset=utf-8")


def error(status: int, message: str) -> Response:
    """A small HTML error page."""
    return html(
        f"<!DOCTYPE html><html><head><title>{status}</title></head>"
        f'<body><h1>{status}</h1><p class="error">{escape(message)}</p></body></html>',
        status=status,
    )


def esc(value: object) -> str:
    """HTML-escape a value for text or a quoted attribute."""
    return escape(str(value), quote=True)


def link(path: str, params: dict[str, str | int] | None = None) -> str:
    """A root-relative link with its query string."""
    return path + ("?" + urlencode(params) if params else "")


def _fraction(*parts: object) -> float:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class WorldState:
    """The catalogue at the current epoch: which listings are live, and their current title and price.

    One instance is shared by every site and by `advance()`; the epoch's states are swapped in one
    assignment so a request never sees half an epoch.
    """

    def __init__(
        self, catalog: Catalog, hostility: Hostility, *, seed: str, moved: Mapping[str, int] | None = None
    ) -> None:
        """Start at epoch 0: every listing live and as generated; `moved` (host -> epoch) names the shops
        that move away at an epoch, whose listings are gone from then on (when `hostility.moves`)."""
        self.catalog = catalog
        self.hostility = hostility
        self.seed = seed
        self.moved = dict(moved or {}) if hostility.moves else {}
        self._lock = threading.Lock()
        self._epoch = 0
        self._states: dict[str, ListingState] = {}
        self.accounts: dict[tuple[str, str], SiteAccount] = {
            (a.platform, a.handle): a for a in catalog.accounts
        }

    @property
    def epoch(self) -> int:
        """How many times the world advanced."""
        return self._epoch

    def advance(self) -> int:
        """Move to the next epoch: some listings change, some disappear; returns the new epoch."""
        with self._lock:
            epoch = self._epoch + 1
            states = {
                x.key: state_at(
                    x.key,
                    epoch,
                    seed=self.seed,
                    change_rate=self.hostility.change_rate,
                    gone_rate=self.hostility.gone_rate,
                )
                for x in self.catalog.listings
            }
            for x in self.catalog.listings:
                moved_at = self.moved.get(x.host)
                now = states[x.key]
                if moved_at is not None and epoch >= moved_at and (now.live or (now.gone_at or 0) > moved_at):
                    states[x.key] = ListingState(live=False, gone_at=moved_at, changed_at=now.changed_at)
            self._states = {k: s for k, s in states.items() if s.changed_at or not s.live}
            self._epoch = epoch
            return epoch

    def state(self, listing: SiteListing) -> ListingState:
        """The listing's state at the current epoch."""
        found = self._states.get(listing.key)
        return found if found is not None else ListingState(live=True, gone_at=None, changed_at=())

    def live(self, listings: Iterable[SiteListing]) -> list[SiteListing]:
        """The listings still online."""
        states = self._states
        return [x for x in listings if x.key not in states or states[x.key].live]

    def title(self, listing: SiteListing) -> str:
        """The listing's title now."""
        return changed_title(listing.title, self.state(listing))

    def price(self, listing: SiteListing) -> float | None:
        """The listing's price now."""
        return changed_price(listing.price, self.state(listing))

    def delay(self, listing: SiteListing) -> float:
        """How long the listing's page makes a crawler wait (slow pages)."""
        share = self.hostility.slow_share
        return (
            self.hostility.slow_delay
            if share > 0 and _fraction(self.seed, listing.key, "slow") < share
            else 0.0
        )

    def account(self, platform: str, handle: str) -> SiteAccount | None:
        """A seller of a platform by handle."""
        return self.accounts.get((platform, handle))

    def search(self, listings: Sequence[SiteListing], query: str) -> list[SiteListing]:
        """Live listings whose current title or description holds every word of the query (any case)."""
        words = query.casefold().split()
        if not words:
            return []
        found = []
        for listing in self.live(listings):
            haystack = f"{self.title(listing)}\n{listing.description}".casefold()
            if all(word in haystack for word in words):
                found.append(listing)
        return found


def price_text(price: float | None, currency: str | None, *, french: bool = False) -> str:
    """A price as the page prints it ('41.99 USD', or '41,99 €' on a French site)."""
    if price is None:
        return "Prix sur demande" if french else "Price on request"
    if french:
        symbol = {"EUR": "€", "USD": "$"}.get(currency or "", currency or "")
        return f"{price:.2f}".replace(".", ",") + f" {symbol}"
    return f"{price:.2f} {currency or ''}".strip()


def price_attrs(price: float | None, currency: str | None) -> str:
    """The `data-amount`/`data-currency` attributes every listing page puts on its price (none on request)."""
    if price is None:
        return ""
    return f' data-amount="{price:.2f}" data-currency="{esc(currency or "")}"'


def price_tag(tag: str, css: str, price: float | None, currency: str | None, *, french: bool = False) -> str:
    """The price element of a listing page, with its machine-readable attributes."""
    shown = esc(price_text(price, currency, french=french))
    return f'<{tag} class="{css}"{price_attrs(price, currency)}>{shown}</{tag}>'


def ref_attrs(listing: SiteListing) -> str:
    """The attributes naming a listing and its seller, the same on every site."""
    return f' data-listing-ref="{esc(listing.external_id)}" data-seller-handle="{esc(listing.seller)}"'


def scripts(listing: SiteListing) -> str:
    """The page's inline scripts, as the saved page had them."""
    return "".join(f"<script>\n{s}\n</script>\n" for s in listing.scripts)


def lines(value: str) -> str:
    """Text with its line breaks kept as <br>."""
    return "<br>\n".join(esc(line) for line in value.split("\n"))


class Site:
    """One served host: robots.txt, images, then its own routes (`route`)."""

    name = "site"
    disallow: tuple[str, ...] = ()
    crawl_delay: int | None = None
    gone_status = 404

    def __init__(self, host: str, world: WorldState) -> None:
        """A site answering for host."""
        self.host = host
        self.world = world

    @property
    def hostility(self) -> Hostility:
        """The hostile details in force."""
        return self.world.hostility

    def robots_txt(self) -> str:
        """The site's robots.txt."""
        rules = ["User-agent: *", *(f"Disallow: {p}" for p in self.disallow)]
        if self.crawl_delay is not None:
            rules.append(f"Crawl-delay: {self.crawl_delay}")
        return "\n".join(rules) + "\n"

    def disallows(self, path: str) -> bool:
        """Whether robots.txt forbids path."""
        return any(path.startswith(prefix) for prefix in self.disallow)

    def handle(self, request: Request) -> Response:
        """Answer one request."""
        if request.method not in ("GET", "HEAD"):
            return error(405, "only GET and HEAD are served")
        if request.path == "/robots.txt":
            return text(self.robots_txt())
        if request.path.startswith("/img/"):
            file = self.world.catalog.image_path(request.path[len("/img/") :])
            if file is None:
                return error(404, "no such image")
            return Response(200, file.read_bytes(), "image/jpeg", (("Cache-Control", "max-age=86400"),))
        if self.disallows(request.path):
            return html(f"<!DOCTYPE html><html><body><p>{esc(self.name)}: sign in first.</p></body></html>")
        return self.route(request)

    def route(self, request: Request) -> Response:
        """The site's own pages."""
        return error(404, "no such page")

    def gone(self) -> Response:
        """A listing that was removed."""
        return error(self.gone_status, "this offer is no longer available")

    def tracked(self, path: str, params: dict[str, str | int]) -> str:
        """A link carrying tracking parameters when duplicates are on, the plain path otherwise."""
        return link(path, params) if self.hostility.duplicates else path
