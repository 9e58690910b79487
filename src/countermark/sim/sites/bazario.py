"""Bazario: a marketplace publishing schema.org microdata, paginated by offset/limit, with mobile copies."""

from __future__ import annotations

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

DEFAULT_LIMIT = 30
MAX_LIMIT = 100


def _layout(title: str, body: str, *, lang: str = "en", mobile: bool = False) -> str:
    viewport = '<meta name="viewport" content="width=device-width">\n' if mobile else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n{viewport}'
        f"<title>{esc(title)} - Bazario</title>\n</head>\n"
        f'<body class="bazario{" mobile" if mobile else ""}">\n'
        '<div class="topbar"><a href="/">Bazario</a> <a href="/list">Just for you</a> '
        '<a href="/login">Sign in</a> <a href="/cart">Cart</a></div>\n'
        f'<div class="content">\n{body}\n</div>\n</body>\n</html>\n'
    )


class Bazario(Site):
    """Lists and search by offset/limit; goods pages in microdata, each also under a mobile path."""

    name = "Bazario"
    disallow = ("/cart", "/login")

    def __init__(self, host: str, world: WorldState) -> None:
        """Index the platform's listings by item id and store."""
        super().__init__(host, world)
        self.listings = world.catalog.on("Bazario")
        self.by_item = {x.item: x for x in self.listings}
        self.by_store: dict[str, list[SiteListing]] = {}
        for listing in self.listings:
            self.by_store.setdefault(listing.seller, []).append(listing)

    def _goods_link(self, listing: SiteListing, position: int) -> str:
        # Every third link of a list goes to the mobile copy: the same offer under a second address.
        if self.hostility.duplicates and position % 3 == 2:
            return f"/m/goods/{listing.item}.html"
        return f"/goods/{listing.item}.html"

    def route(self, request: Request) -> Response:
        """Home, lists, search, goods (desktop and mobile) and store pages."""
        path = request.path
        if path == "/":
            return html(
                _layout("Home", '<h1>Bazario global</h1>\n<a class="start" href="/list">Shop all goods</a>')
            )
        if path == "/list":
            return self._list(request, self.world.live(self.listings), "/list", {})
        if path == "/search":
            query = request.param("q").strip()
            if not query:
                return error(400, "search needs a query: ?q=words")
            return self._list(request, self.world.search(self.listings, query), "/search", {"q": query})
        mobile = path.startswith("/m/goods/")
        if (path.startswith("/goods/") or mobile) and path.endswith(".html"):
            item = path.rsplit("/", 1)[-1][: -len(".html")]
            listing = self.by_item.get(item)
            if listing is None or (mobile and not self.hostility.duplicates):
                return error(404, "no such goods")
            if not self.world.state(listing).live:
                return self.gone()
            return self._goods(listing, mobile=mobile)
        if path.startswith("/store/"):
            return self._store(path[len("/store/") :])
        return error(404, "no such page")

    def _list(
        self, request: Request, found: list[SiteListing], path: str, params: dict[str, str | int]
    ) -> Response:
        offset = request.int_param("offset", 0, low=0, high=10**7)
        limit = request.int_param("limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
        if offset is None or limit is None:
            return error(400, f"offset must be a number >= 0 and limit between 1 and {MAX_LIMIT}")
        shown = found[offset : offset + limit]
        cards = "\n".join(
            f'<div class="goods-card"><a class="goods-link" href="{esc(self._goods_link(x, offset + k))}">'
            f'{esc(self.world.title(x))}</a> <span class="goods-price">'
            f"{esc(price_text(self.world.price(x), x.currency))}</span></div>"
            for k, x in enumerate(shown)
        )
        body = f'<div class="goods-grid" data-total="{len(found)}">\n{cards}\n</div>'
        if offset + limit < len(found):
            more = link(path, {**params, "offset": offset + limit, "limit": limit})
            body += f'\n<a class="load-next" href="{esc(more)}">More goods</a>'
        return html(_layout("Goods", body))

    def _goods(self, listing: SiteListing, *, mobile: bool) -> Response:
        world = self.world
        title, price = world.title(listing), world.price(listing)
        store = world.account("Bazario", listing.seller)
        store_name = store.display_name if store else listing.seller
        offer_price = (
            f'<meta itemprop="price" content="{price:.2f}">\n'
            f'<meta itemprop="priceCurrency" content="{esc(listing.currency)}">\n'
            if price is not None
            else ""
        )
        images = "\n".join(
            f'<img itemprop="image" src="/img/{esc(n)}" alt="{esc(title)}">' for n in listing.images
        )
        ships = (
            f'<div class="ship-from">Ship from {esc(listing.ships_from)}</div>\n'
            if listing.ships_from
            else ""
        )
        other = (
            f'<a class="desktop-version" href="/goods/{esc(listing.item)}.html">Desktop version</a>'
            if mobile
            else (
                f'<a class="mobile-version" href="/m/goods/{esc(listing.item)}.html">Mobile version</a>'
                if self.hostility.duplicates
                else ""
            )
        )
        title_class = "m-title goods-title" if mobile else "goods-title"
        body = (
            f'<div class="goods" itemscope itemtype="https://schema.org/Product"{ref_attrs(listing)}>\n'
            f'<h1 class="{title_class}" itemprop="name">{esc(title)}</h1>\n'
            f'<meta itemprop="sku" content="{esc(listing.item)}">\n'
            f'<div class="goods-images">\n{images}\n</div>\n'
            '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">\n'
            f"{offer_price}"
            '<link itemprop="availability" href="https://schema.org/InStock">\n'
            + price_tag("span", "goods-price", price, listing.currency)
            + "\n"
            '<div itemprop="seller" itemscope itemtype="https://schema.org/Organization">'
            f'<a class="store-link" itemprop="url" href="/store/{esc(listing.seller)}">'
            f'<span itemprop="name">{esc(store_name)}</span></a></div>\n</div>\n'
            f'{ships}<div class="goods-desc" itemprop="description">{lines(listing.description)}</div>\n'
            f"{other}\n</div>\n" + scripts(listing)
        )
        return html(_layout(title, body, lang=listing.language, mobile=mobile), delay=world.delay(listing))

    def _store(self, handle: str) -> Response:
        account = self.world.account("Bazario", handle)
        if account is None:
            return error(404, "no such store")
        offers = self.world.live(self.by_store.get(handle, []))
        cards = "\n".join(
            f'<div class="goods-card"><a class="goods-link" href="{esc(self._goods_link(x, k))}">'
            f"{esc(self.world.title(x))}</a></div>"
            for k, x in enumerate(offers)
        )
        country = f'<p class="country">{esc(account.country)}</p>\n' if account.country else ""
        body = (
            f'<div class="store" data-account-ref="{esc(account.external_id)}">\n'
            f'<h1 class="store-name">{esc(account.display_name)}</h1>\n'
            f'<p class="store-handle">{esc(account.handle)}</p>\n'
            f'{country}<div class="bio">{lines(account.bio)}</div>\n'
            + "".join(f'<p class="contact">{esc(c)}</p>\n' for c in account.contacts)
            + f'<p class="joined">Opened {esc(account.joined_at[:10])}</p>\n'
            f'<div class="goods-grid">\n{cards}\n</div>\n</div>'
        )
        return html(_layout(account.display_name, body))
