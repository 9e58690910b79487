"""ShopMarket: a marketplace publishing schema.org Product/Offer as JSON-LD, paginated by page numbers."""

from __future__ import annotations

import json
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

PAGE_SIZE = 24
MAX_PAGE = 1_000_000


def _layout(title: str, body: str, *, head: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<title>{esc(title)} | ShopMarket</title>\n{head}</head>\n<body class="shopmarket">\n'
        '<header><a class="logo" href="/">ShopMarket</a>\n'
        '<form class="search" action="/search" method="get"><input name="q"><button>Search</button></form>\n'
        '<a class="nav-catalogue" href="/catalogue?page=1">All offers</a></header>\n'
        f'<main>\n{body}\n</main>\n<footer><a href="/checkout">Checkout</a></footer>\n</body>\n</html>\n'
    )


class ShopMarket(Site):
    """Catalogue and search in numbered pages (with a never-ending "next" when traps are on)."""

    name = "ShopMarket"
    disallow = ("/cart/", "/checkout")
    gone_status = 410

    def __init__(self, host: str, world: WorldState) -> None:
        """Index the platform's listings by item id and seller."""
        super().__init__(host, world)
        self.listings = world.catalog.on("ShopMarket")
        self.by_item = {x.item: x for x in self.listings}
        self.by_seller: dict[str, list[SiteListing]] = {}
        for listing in self.listings:
            self.by_seller.setdefault(listing.seller, []).append(listing)

    def route(self, request: Request) -> Response:
        """Home, catalogue, search, item and seller pages."""
        path = request.path
        if path == "/":
            return html(
                _layout(
                    "Home",
                    '<h1>Welcome to ShopMarket</h1>\n<p><a class="nav-catalogue" '
                    'href="/catalogue?page=1">Browse every offer</a></p>',
                )
            )
        if path == "/catalogue":
            return self._results(request, self.world.live(self.listings), "/catalogue", {}, "All offers")
        if path == "/search":
            query = request.param("q").strip()
            if not query:
                return error(400, "search needs a query: ?q=words")
            found = self.world.search(self.listings, query)
            return self._results(request, found, "/search", {"q": query}, f"Results for {query}")
        if path.startswith("/item/"):
            listing = self.by_item.get(path[len("/item/") :])
            if listing is None:
                return error(404, "no such item")
            if not self.world.state(listing).live:
                return self.gone()
            return self._item(listing)
        if path.startswith("/seller/"):
            return self._seller(path[len("/seller/") :])
        return error(404, "no such page")

    def _results(
        self,
        request: Request,
        found: list[SiteListing],
        path: str,
        params: dict[str, str | int],
        heading: str,
    ) -> Response:
        page = request.int_param("page", 1, low=1, high=MAX_PAGE)
        if page is None:
            return error(400, f"page must be a number between 1 and {MAX_PAGE}")
        pages = max(1, math.ceil(len(found) / PAGE_SIZE))
        shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        items = "\n".join(
            '<li class="result"><a class="result-link" href="'
            + esc(
                self.tracked(
                    f"/item/{x.item}", {"utm_source": "catalogue", "utm_medium": "grid", "ref": f"p{page}"}
                )
            )
            + f'">{esc(self.world.title(x))}</a> <span class="price">'
            f"{esc(price_text(self.world.price(x), x.currency))}</span></li>"
            for x in shown
        )
        body = f"<h1>{esc(heading)}</h1>\n"
        body += (
            f'<ul class="results">\n{items}\n</ul>' if shown else '<p class="no-results">No offers here.</p>'
        )
        numbers = " ".join(
            f'<a class="page" href="{esc(link(path, {**params, "page": n}))}">{n}</a>'
            for n in range(1, pages + 1)
        )
        more = page < pages or (self.hostility.traps and page < MAX_PAGE)
        if more:
            numbers += (
                f' <a class="next" rel="next" href="{esc(link(path, {**params, "page": page + 1}))}">Next</a>'
            )
        body += f'\n<nav class="pagination">{numbers}</nav>'
        return html(_layout(heading, body))

    def _item(self, listing: SiteListing) -> Response:
        world = self.world
        title, price = world.title(listing), world.price(listing)
        seller = world.account("ShopMarket", listing.seller)
        seller_name = seller.display_name if seller else listing.seller
        offer: dict[str, object] = {
            "@type": "Offer",
            "url": listing.url,
            "availability": "https://schema.org/InStock",
            "seller": {"@type": "Organization", "name": seller_name, "url": f"/seller/{listing.seller}"},
        }
        if price is not None:
            offer.update(price=f"{price:.2f}", priceCurrency=listing.currency)
        product = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": title,
            "description": listing.description,
            "sku": listing.item,
            "image": [f"/img/{name}" for name in listing.images],
            "offers": offer,
        }
        ld = json.dumps(product, ensure_ascii=False).replace("</", "<\\/")
        head = f'<script type="application/ld+json">{ld}</script>\n'
        gallery = "\n".join(
            f'<img src="/img/{esc(n)}" alt="{esc(title)}" width="512">' for n in listing.images
        )
        ships = (
            f'<div class="ships-from">Ships from: {esc(listing.ships_from)}</div>\n'
            if listing.ships_from
            else ""
        )
        body = (
            f'<article class="item"{ref_attrs(listing)}>\n<h1 class="item-title">{esc(title)}</h1>\n'
            + price_tag("div", "price", price, listing.currency)
            + "\n"
            f'<div class="seller">Sold by: <a class="seller-link" href="/seller/{esc(listing.seller)}">'
            f"{esc(seller_name)}</a></div>\n{ships}"
            f'<div class="gallery">\n{gallery}\n</div>\n<div class="description">\n'
            f"{lines(listing.description)}\n</div>\n"
            f'<a class="add-to-cart" href="/cart/add?item={esc(listing.item)}">Add to cart</a>\n</article>\n'
            + scripts(listing)
        )
        return html(_layout(title, body, head=head, lang=listing.language), delay=world.delay(listing))

    def _seller(self, handle: str) -> Response:
        account = self.world.account("ShopMarket", handle)
        if account is None:
            return error(404, "no such seller")
        offers = self.world.live(self.by_seller.get(handle, []))
        items = "\n".join(
            f'<li><a class="offer-link" href="/item/{esc(x.item)}">{esc(self.world.title(x))}</a></li>'
            for x in offers
        )
        country = f'<p class="country">Based in {esc(account.country)}</p>\n' if account.country else ""
        body = (
            f'<section class="seller-page" data-account-ref="{esc(account.external_id)}">\n'
            f'<h1 class="seller-name">{esc(account.display_name)}</h1>\n'
            f'<p class="seller-handle">@{esc(account.handle)}</p>\n{country}'
            f'<div class="bio">{lines(account.bio)}</div>\n'
            + "".join(f'<p class="contact">{esc(c)}</p>\n' for c in account.contacts)
            + f'<p class="joined">Member since {esc(account.joined_at[:10])}</p>\n'
            f'<ul class="offers">\n{items}\n</ul>\n</section>'
        )
        return html(_layout(account.display_name, body))
