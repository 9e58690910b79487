"""Pixelgram: a social network's public profiles and posts, loaded further by an infinite-scroll JSON feed."""

from __future__ import annotations

import hashlib

from countermark.sim.sites.base import (
    Request,
    Response,
    Site,
    WorldState,
    as_json,
    error,
    esc,
    html,
    lines,
    link,
    price_tag,
    ref_attrs,
    scripts,
)
from countermark.sim.sites.catalog import SiteAccount, SiteListing
from countermark.sim.sites.cursors import decode_cursor, encode_cursor

FIRST = 6
BATCH = 12
_RESERVED = {"", "p", "api", "explore", "search", "accounts", "img", "robots.txt"}


def _layout(title: str, body: str, *, head: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<title>{esc(title)} • Pixelgram</title>\n{head}</head>\n<body class="pixelgram">\n'
        '<nav><a href="/">Pixelgram</a> <a href="/explore">Explore</a> '
        '<a href="/accounts/login">Log in</a></nav>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


class Pixelgram(Site):
    """Explore, profiles, posts and search; every list continues through a JSON endpoint with a cursor."""

    name = "Pixelgram"
    disallow = ("/accounts/", "/api/private/")

    def __init__(self, host: str, world: WorldState) -> None:
        """Index posts by code and author, and the profiles."""
        super().__init__(host, world)
        self.posts = world.catalog.on("Pixelgram")
        self.by_code = {x.item: x for x in self.posts}
        self.by_author: dict[str, list[SiteListing]] = {}
        for post in self.posts:
            self.by_author.setdefault(post.seller, []).append(post)
        self.profiles = world.catalog.accounts_on("Pixelgram")
        clash = [a.handle for a in self.profiles if a.handle in _RESERVED]
        if clash:
            raise ValueError(f"Pixelgram handles clash with the site's own paths: {clash}")

    def _post_href(self, post: SiteListing, context: str) -> str:
        if not self.hostility.duplicates:
            return f"/p/{post.item}"
        # Share links carry a per-context token, as the real apps do: one post, many addresses.
        token = hashlib.sha256(f"{post.key}|{context}".encode()).hexdigest()[:12]
        return link(f"/p/{post.item}", {"igsh": token})

    def route(self, request: Request) -> Response:
        """Home, explore, search, JSON feeds, posts and profiles."""
        path = request.path
        if path == "/":
            return html(
                _layout("Pixelgram", '<h1>Pixelgram</h1>\n<a class="explore" href="/explore">Explore</a>')
            )
        if path in ("/explore", "/api/explore"):
            return self._explore(request, as_page=path == "/explore")
        if path in ("/search", "/api/search"):
            return self._search(request, as_page=path == "/search")
        if path.startswith("/api/feed/"):
            return self._feed(request, path[len("/api/feed/") :])
        if path.startswith("/p/"):
            post = self.by_code.get(path[len("/p/") :])
            if post is None:
                return error(404, "no such post")
            if not self.world.state(post).live:
                return self.gone()
            return self._post(post)
        handle = path.strip("/")
        if "/" not in handle and handle not in _RESERVED:
            return self._profile(handle)
        return error(404, "no such page")

    def _slice(self, request: Request, scope: str, total: int, first: int) -> tuple[int, int] | None:
        cursor = request.param("cursor")
        start = 0 if not cursor else decode_cursor(self.world.seed, scope, cursor)
        if start is None:
            return None
        return start, start + (first if not cursor else BATCH)

    def _next(self, api: str, scope: str, params: dict[str, str | int], end: int, total: int) -> str | None:
        if end >= total:
            return None
        return link(api, {**params, "cursor": encode_cursor(self.world.seed, scope, end)})

    def _explore(self, request: Request, *, as_page: bool) -> Response:
        span = self._slice(request, "explore", len(self.profiles), BATCH)
        if span is None:
            return as_json({"error": "invalid cursor"}, status=400)
        start, end = span
        shown = self.profiles[start:end]
        after = self._next("/api/explore", "explore", {}, end, len(self.profiles))
        if not as_page or request.param("cursor"):
            return as_json(
                {
                    "profiles": [
                        {"handle": a.handle, "url": f"/{a.handle}", "name": a.display_name} for a in shown
                    ],
                    "next": after,
                }
            )
        links = "\n".join(
            f'<a class="profile-link" href="/{esc(a.handle)}">{esc(a.display_name)}</a>' for a in shown
        )
        return html(_layout("Explore", f'<div id="explore" data-next="{esc(after or "")}">\n{links}\n</div>'))

    def _post_json(self, post: SiteListing, context: str) -> dict[str, object]:
        return {
            "code": post.item,
            "url": self._post_href(post, context),
            "caption": post.description,
            "image": f"/img/{post.images[0]}" if post.images else None,
        }

    def _search(self, request: Request, *, as_page: bool) -> Response:
        query = request.param("q").strip()
        if not query:
            return error(400, "search needs a query: ?q=words")
        found = self.world.search(self.posts, query)
        scope = f"search|{query}"
        span = self._slice(request, scope, len(found), BATCH)
        if span is None:
            return as_json({"error": "invalid cursor"}, status=400)
        start, end = span
        after = self._next("/api/search", scope, {"q": query}, end, len(found))
        if not as_page or request.param("cursor"):
            return as_json({"posts": [self._post_json(p, "search") for p in found[start:end]], "next": after})
        cards = "\n".join(
            f'<article class="post"><a class="post-link" href="{esc(self._post_href(p, "search"))}">'
            f"{esc(self.world.title(p))}</a></article>"
            for p in found[start:end]
        )
        return html(_layout(query, f'<div id="results" data-next="{esc(after or "")}">\n{cards}\n</div>'))

    def _feed(self, request: Request, handle: str) -> Response:
        if self.world.account("Pixelgram", handle) is None:
            return as_json({"error": "no such profile"}, status=404)
        posts = self.world.live(self.by_author.get(handle, []))
        scope = f"feed|{handle}"
        cursor = request.param("cursor")
        start = FIRST if not cursor else decode_cursor(self.world.seed, scope, cursor)
        if start is None:
            return as_json({"error": "invalid cursor"}, status=400)
        end = start + BATCH
        after = self._next(f"/api/feed/{handle}", scope, {}, end, len(posts))
        return as_json({"posts": [self._post_json(p, "feed") for p in posts[start:end]], "next": after})

    def _profile(self, handle: str) -> Response:
        account = self.world.account("Pixelgram", handle)
        if account is None:
            return error(404, "no such profile")
        posts = self.world.live(self.by_author.get(handle, []))
        scope = f"feed|{handle}"
        after = (
            link(f"/api/feed/{handle}", {"cursor": encode_cursor(self.world.seed, scope, FIRST)})
            if len(posts) > FIRST
            else ""
        )
        cards = "\n".join(
            f'<article class="post"><a class="post-link" href="{esc(self._post_href(p, "profile"))}">'
            f'<img src="/img/{esc(p.images[0] if p.images else "")}" alt=""></a></article>'
            for p in posts[:FIRST]
        )
        return html(_layout(account.display_name, self._profile_body(account, cards, after)))

    @staticmethod
    def _profile_body(account: SiteAccount, cards: str, after: str) -> str:
        country = f'<p class="country">{esc(account.country)}</p>\n' if account.country else ""
        return (
            f'<header class="profile" data-account-ref="{esc(account.external_id)}">\n'
            f'<h1 class="display-name">{esc(account.display_name)}</h1>\n'
            f'<p class="handle">@{esc(account.handle)}</p>\n'
            f'{country}<div class="bio">{lines(account.bio)}</div>\n'
            + "".join(f'<p class="contact">{esc(c)}</p>\n' for c in account.contacts)
            + f'<p class="joined">Joined {esc(account.joined_at[:7])}</p>\n</header>\n'
            f'<section class="posts">\n{cards}\n</section>\n<div id="feed" data-next="{esc(after)}"></div>'
        )

    def _post(self, post: SiteListing) -> Response:
        world = self.world
        title, price = world.title(post), world.price(post)
        author = world.account("Pixelgram", post.seller)
        image = f"/img/{post.images[0]}" if post.images else ""
        head = (
            f'<meta property="og:title" content="{esc(title)}">\n'
            f'<meta property="og:description" content="{esc(post.description)}">\n'
            f'<meta property="og:image" content="{esc(image)}">\n'
            '<meta property="og:type" content="article">\n'
        )
        images = "\n".join(f'<img class="post-image" src="/img/{esc(n)}" alt="">' for n in post.images)
        ships = f'<p class="ships-from">📦 from {esc(post.ships_from)}</p>\n' if post.ships_from else ""
        bio = (
            f'<aside class="author-bio">{lines(author.bio)}'
            + "".join(f'<p class="contact">{esc(c)}</p>' for c in author.contacts)
            + "</aside>\n"
            if author
            else ""
        )
        body = (
            f'<article class="post-page"{ref_attrs(post)}>\n'
            f'<a class="author" href="/{esc(post.seller)}">@{esc(post.seller)}</a>\n{images}\n'
            f'<h1 class="post-title">{esc(title)}</h1>\n'
            f'<div class="caption">{lines(post.description)}</div>\n'
            + price_tag("p", "post-price", price, post.currency)
            + "\n"
            f'{ships}{bio}<a class="share" href="{esc(self._post_href(post, "share"))}">Share</a>\n'
            "</article>\n" + scripts(post)
        )
        return html(_layout(title, body, head=head, lang=post.language), delay=world.delay(post))
