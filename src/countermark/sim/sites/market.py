"""ShadowBazaar: a forum-like dark-web market, served only under its onion name (through the SOCKS5 proxy)."""

from __future__ import annotations

import hashlib
import math

from countermark.sim.sites.base import (
    Request,
    Response,
    Site,
    WorldState,
    error,
    esc,
    html,
    lines,
    link,
    price_tag,
    price_text,
    ref_attrs,
    scripts,
)
from countermark.sim.sites.catalog import SiteListing

PAGE_SIZE = 20
_REPLIES = (
    "Vouch. Arrived in 9 days, stealth was good.",
    "Ordered twice, quality 1:1 with retail.",
    "Vendor answers fast on the forum PM.",
    "Tracking updated after 3 days, all good.",
    "Escrow released, recommended.",
)


def _layout(title: str, body: str, *, lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<title>{esc(title)} :: ShadowBazaar</title>\n</head>\n<body class="forum">\n'
        '<div class="banner"><a href="/">ShadowBazaar</a> — vendor market · '
        '<a href="/account/login">login</a></div>\n'
        f'<div class="wrap">\n{body}\n</div>\n</body>\n</html>\n'
    )


class ShadowBazaar(Site):
    """Board of threads in numbered pages; each thread is one vendor's offer with buyers' replies."""

    name = "ShadowBazaar"
    disallow = ("/account/",)
    gone_status = 410

    def __init__(self, host: str, world: WorldState) -> None:
        """Index the market's listings by item id and vendor."""
        super().__init__(host, world)
        self.listings = world.catalog.on("ShadowBazaar")
        self.by_item = {x.item: x for x in self.listings}
        self.by_vendor: dict[str, list[SiteListing]] = {}
        for listing in self.listings:
            self.by_vendor.setdefault(listing.seller, []).append(listing)

    def route(self, request: Request) -> Response:
        """Index, board, search, thread and vendor pages."""
        path = request.path
        if path == "/":
            board = '<a class="board-link" href="/board/market?page=1">Market</a>'
            body = f"<h1>Boards</h1>\n<ul><li>{board}</li></ul>"
            return html(_layout("Index", body))
        if path == "/board/market":
            return self._board(request, self.world.live(self.listings), "/board/market", {}, "Market")
        if path == "/search":
            query = request.param("q").strip()
            if not query:
                return error(400, "search needs a query: ?q=words")
            found = self.world.search(self.listings, query)
            return self._board(request, found, "/search", {"q": query}, f"Search: {query}")
        if path.startswith("/listing/"):
            listing = self.by_item.get(path[len("/listing/") :])
            if listing is None:
                return error(404, "no such thread")
            if not self.world.state(listing).live:
                return self.gone()
            return self._thread(listing)
        if path.startswith("/vendor/"):
            return self._vendor(path[len("/vendor/") :])
        return error(404, "no such page")

    def _rows(self, shown: list[SiteListing]) -> str:
        return "\n".join(
            f'<tr class="thread"><td><a class="thread-link" href="/listing/{esc(x.item)}">'
            f"{esc(self.world.title(x))}</a>"
            f'</td><td class="by">{esc(x.seller)}</td><td class="price">'
            f"{esc(price_text(self.world.price(x), x.currency))}</td></tr>"
            for x in shown
        )

    def _board(
        self,
        request: Request,
        found: list[SiteListing],
        path: str,
        params: dict[str, str | int],
        heading: str,
    ) -> Response:
        page = request.int_param("page", 1, low=1, high=10**6)
        if page is None:
            return error(400, "page must be a number >= 1")
        pages = max(1, math.ceil(len(found) / PAGE_SIZE))
        shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        numbers = " ".join(
            f'<a class="page" href="{esc(link(path, {**params, "page": n}))}">{n}</a>'
            for n in range(1, pages + 1)
        )
        if page < pages:
            numbers += f' <a class="next" href="{esc(link(path, {**params, "page": page + 1}))}">next »</a>'
        body = (
            f'<h1>{esc(heading)}</h1>\n<table class="threads">\n{self._rows(shown)}\n</table>\n'
            f'<div class="pages">{numbers}</div>'
        )
        return html(_layout(heading, body))

    def _thread(self, listing: SiteListing) -> Response:
        world = self.world
        title, price = world.title(listing), world.price(listing)
        images = "\n".join(f'<img src="/img/{esc(n)}" alt="">' for n in listing.images)
        ships = (
            f'<p class="ships-from">Ships from: {esc(listing.ships_from)}</p>\n' if listing.ships_from else ""
        )
        seed = int(hashlib.sha256(listing.key.encode()).hexdigest()[:8], 16)
        replies = "\n".join(
            f'<div class="post reply"><span class="author">buyer{(seed >> (4 * k)) % 900 + 100}</span>'
            f"<p>{esc(_REPLIES[(seed + k) % len(_REPLIES)])}</p></div>"
            for k in range(seed % 4)
        )
        body = (
            f'<div class="post op"{ref_attrs(listing)}>\n<h2 class="thread-title">{esc(title)}</h2>\n'
            f'<p>by <a class="vendor-link" href="/vendor/{esc(listing.seller)}">'
            f"{esc(listing.seller)}</a></p>\n"
            + price_tag("p", "price", price, listing.currency)
            + f'\n{ships}<div class="op-images">\n{images}\n</div>\n'
            f'<div class="op-body">{lines(listing.description)}</div>\n'
            f"</div>\n{replies}\n" + scripts(listing)
        )
        return html(_layout(title, body, lang=listing.language), delay=world.delay(listing))

    def _vendor(self, handle: str) -> Response:
        account = self.world.account("ShadowBazaar", handle)
        if account is None:
            return error(404, "no such vendor")
        offers = self.world.live(self.by_vendor.get(handle, []))
        body = (
            f'<div class="vendor" data-account-ref="{esc(account.external_id)}">\n'
            f'<h1 class="vendor-name">{esc(account.display_name)}</h1>\n'
            f'<div class="bio">{lines(account.bio)}</div>\n'
            + "".join(f'<p class="contact">{esc(c)}</p>\n' for c in account.contacts)
            + f'<p class="joined">Vendor since {esc(account.joined_at[:10])}</p>\n'
            f'<table class="threads">\n{self._rows(offers)}\n</table>\n</div>'
        )
        return html(_layout(account.display_name, body))
