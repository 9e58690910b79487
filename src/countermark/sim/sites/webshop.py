"""Independent web shops (lookalike-domain shops among them), one Host each, each drawn in its theme
(`sim.themes`: the world's `sites/themes.json`; a world built before themes draws every shop alike)."""

from __future__ import annotations

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
from countermark.sim.sites.catalog import SiteAccount, SiteListing
from countermark.sim.themes import DEFAULT_THEME, Theme, frame

PAGE_SIZE = 12


class WebShop(Site):
    """A shop front (the seller's page) with its products in pages, product pages and a search."""

    name = "web shop"
    disallow = ("/cart", "/account/")

    def __init__(
        self,
        host: str,
        world: WorldState,
        account: SiteAccount,
        theme: Theme | None = None,
        moves_to: str | None = None,
    ) -> None:
        """A shop serving the account's offers under its own domain, in its theme; `moves_to` is the
        address every request is redirected to once the shop moved (`world.moved`)."""
        super().__init__(host, world)
        self.account = account
        self.moves_to = moves_to
        self.theme = theme or DEFAULT_THEME
        # The theme's stylesheets and scripts are served too: a browser, or a crawler following every
        # reference, finds them.
        self.assets = {
            path: Response(200, f"/* {self.theme.name} */\n".encode(), kind)
            for paths, kind in (
                (self.theme.stylesheets, "text/css; charset=utf-8"),
                (self.theme.scripts, "text/javascript; charset=utf-8"),
            )
            for path in paths
        }
        self.products = [x for x in world.catalog.on("web") if x.host == host]
        self.by_item = {x.item: x for x in self.products}

    def _layout(self, title: str, body: str, *, head: str = "", lang: str = "en") -> str:
        shop = self.account
        return frame(
            self.theme,
            lang=lang,
            title=title,
            shop_name=shop.display_name,
            main=body,
            about=lines(shop.bio),
            contacts=shop.contacts,
            head=head,
        )

    def handle(self, request: Request) -> Response:
        """Every address redirects (301) once the shop moved; else as any site."""
        moved_at = self.world.moved.get(self.host)
        if self.moves_to is not None and moved_at is not None and self.world.epoch >= moved_at:
            return Response(301, b"", "text/html; charset=utf-8", (("Location", self.moves_to),))
        return super().handle(request)

    def route(self, request: Request) -> Response:
        """Shop front, search and product pages."""
        path = request.path
        if path == "/":
            return self._front(request)
        if path in self.assets:
            return self.assets[path]
        if path == "/search":
            query = request.param("q").strip()
            if not query:
                return error(400, "search needs a query: ?q=words")
            found = self.world.search(self.products, query)
            cards = self._cards(found, "search")
            return html(
                self._layout(query, f'<h1>Search: {esc(query)}</h1>\n<div class="products">\n{cards}\n</div>')
            )
        if path.startswith("/products/"):
            product = self.by_item.get(path[len("/products/") :])
            if product is None:
                return error(404, "no such product")
            if not self.world.state(product).live:
                return self.gone()
            return self._product(product)
        return error(404, "no such page")

    def _cards(self, products: list[SiteListing], origin: str) -> str:
        return "\n".join(
            '<div class="product-card"><a class="product-link" href="'
            + esc(self.tracked(f"/products/{x.item}", {"ref": origin}))
            + f'">{esc(self.world.title(x))}</a> <span class="product-price">'
            f"{esc(price_text(self.world.price(x), x.currency))}</span></div>"
            for x in products
        )

    def _front(self, request: Request) -> Response:
        page = request.int_param("page", 1, low=1, high=10**6)
        if page is None:
            return error(400, "page must be a number >= 1")
        live = self.world.live(self.products)
        pages = max(1, math.ceil(len(live) / PAGE_SIZE))
        shown = live[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        shop = self.account
        country = f'<p class="country">{esc(shop.country)}</p>\n' if shop.country else ""
        body = (
            f'<section class="shop" data-account-ref="{esc(shop.external_id)}">\n'
            f'<h1 class="shop-name">{esc(shop.display_name)}</h1>\n{country}'
            f'<p class="since">Since {esc(shop.joined_at[:4])}</p>\n'
            f'<div class="products">\n{self._cards(shown, "home")}\n</div>\n</section>'
        )
        if page < pages:
            body += f'\n<a class="next" rel="next" href="{esc(link("/", {"page": page + 1}))}">Next page</a>'
        return html(self._layout(shop.display_name, body))

    def _product(self, product: SiteListing) -> Response:
        world = self.world
        title, price = world.title(product), world.price(product)
        image = f"/img/{product.images[0]}" if product.images else ""
        head = (
            f'<meta property="og:title" content="{esc(title)}">\n'
            '<meta property="og:type" content="product">\n'
            f'<meta property="og:image" content="{esc(image)}">\n'
        )
        images = "\n".join(f'<img src="/img/{esc(n)}" alt="{esc(title)}">' for n in product.images)
        ships = (
            f'<p class="ships-from">Ships from {esc(product.ships_from)}</p>\n' if product.ships_from else ""
        )
        variant = (
            f'<a class="variant" href="{esc(link(f"/products/{product.item}", {"variant": "default"}))}">'
            "Default</a>\n"
            if self.hostility.duplicates
            else ""
        )
        body = (
            f'<div class="product"{ref_attrs(product)}>\n<h1 class="product-title">{esc(title)}</h1>\n'
            f'<div class="product-images">\n{images}\n</div>\n'
            + price_tag("p", "product-price", price, product.currency)
            + "\n"
            f'{variant}{ships}<div class="product-description">{lines(product.description)}</div>\n'
            f'<a class="add" href="/cart/add/{esc(product.item)}">Add to cart</a>\n</div>\n'
            + scripts(product)
        )
        return html(self._layout(title, body, head=head, lang=product.language), delay=world.delay(product))


class ParkingPage(Site):
    """Where a lapsed shop domain's addresses lead: a page offering the domain for sale, naming no shop."""

    name = "domain parking"

    def route(self, request: Request) -> Response:
        """The same page at every address."""
        domain = request.param("domain") or "this domain"
        return html(
            "<!DOCTYPE html>\n<html><head><title>Parked domain</title></head><body>"
            f"<h1>{esc(domain)} may be for sale</h1><p>This domain is parked.</p></body></html>\n"
        )
