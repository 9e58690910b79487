"""Linkdex: a web directory, the one start page from which every site of the served world is reachable."""

from __future__ import annotations

from countermark.sim.sites.base import Request, Response, Site, WorldState, error, esc, html
from countermark.sim.sites.catalog import SiteAccount

# Where a crawler enters each platform (its home page lists the way in).
_ENTRIES = {
    "ShopMarket": "/",
    "Bazario": "/",
    "Trendora": "/",
    "Pixelgram": "/explore",
}


def _layout(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)} — Linkdex</title>\n"
        f'</head>\n<body class="directory">\n<h1><a href="/">Linkdex</a></h1>\n{body}\n</body>\n</html>\n'
    )


class Directory(Site):
    """Links to the marketplaces, the social network, every web shop and the onion market."""

    name = "Linkdex"
    disallow = ("/admin/",)
    crawl_delay = 1

    def __init__(self, host: str, world: WorldState, platform_hosts: dict[str, str]) -> None:
        """A directory of the given platform hosts and the world's shops."""
        super().__init__(host, world)
        self.platform_hosts = platform_hosts
        self.shops: list[SiteAccount] = sorted(world.catalog.accounts_on("web"), key=lambda a: a.host)

    def route(self, request: Request) -> Response:
        """Home, shops, hidden services and a search of the shops."""
        path = request.path
        if path == "/":
            sites = "\n".join(
                f'<li><a class="site-link" href="http://{esc(self.platform_hosts[name])}{entry}">{esc(name)}</a></li>'
                for name, entry in _ENTRIES.items()
            )
            body = (
                f'<ul class="sites">\n{sites}\n'
                '<li><a class="shops-link" href="/shops">Independent web shops</a></li>\n'
                '<li><a class="hidden-link" href="/hidden">Hidden services</a></li>\n</ul>\n'
                '<form action="/search"><input name="q"></form>'
            )
            return html(_layout("Directory", body))
        if path == "/shops":
            return html(_layout("Web shops", self._shop_list(self.shops)))
        if path == "/search":
            query = request.param("q").strip().casefold()
            if not query:
                return error(400, "search needs a query: ?q=words")
            found = [
                s for s in self.shops if query in s.host.casefold() or query in s.display_name.casefold()
            ]
            return html(_layout(f"Search: {query}", self._shop_list(found)))
        if path == "/hidden":
            onion = self.platform_hosts["ShadowBazaar"]
            body = (
                "<p>Reachable through Tor only.</p>\n"
                f'<ul><li><a class="onion-link" href="http://{esc(onion)}/">ShadowBazaar market</a></li></ul>'
            )
            return html(_layout("Hidden services", body))
        return error(404, "no such page")

    @staticmethod
    def _shop_list(shops: list[SiteAccount]) -> str:
        items = "\n".join(
            f'<li><a class="shop-link" href="http://{esc(s.host)}/">{esc(s.display_name)}</a> '
            f'<span class="domain">{esc(s.host)}</span></li>'
            for s in shops
        )
        return f'<ul class="shops">\n{items}\n</ul>'
