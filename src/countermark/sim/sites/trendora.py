"""Trendora: a French marketplace without structured data; opaque cursors, a canonical link, sloppy HTML."""

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
from countermark.sim.sites.cursors import decode_cursor, encode_cursor

PAGE_SIZE = 20


class Trendora(Site):
    """Annonces by cursor; pages carry a canonical link; an agenda whose months never end."""

    name = "Trendora"
    disallow = ("/compte/",)

    def __init__(self, host: str, world: WorldState) -> None:
        """Index the platform's listings by item id and seller."""
        super().__init__(host, world)
        self.listings = world.catalog.on("Trendora")
        self.by_item = {x.item: x for x in self.listings}
        self.by_seller: dict[str, list[SiteListing]] = {}
        for listing in self.listings:
            self.by_seller.setdefault(listing.seller, []).append(listing)

    def _layout(self, title: str, body: str, *, head: str = "", lang: str = "fr") -> str:
        agenda = (
            '<a class="agenda" href="/agenda/2026/06">Agenda des ventes</a>' if self.hostility.traps else ""
        )
        if self.hostility.malformed:
            # The declared charset lies (the bytes and the HTTP header are UTF-8), tags are left open and
            # an attribute is unquoted, as on many hand-edited sites.
            return (
                f'<html lang={esc(lang)}>\n<head>\n<meta charset="windows-1252">\n'
                f"<title>{esc(title)} - Trendora</title>\n"
                f'{head}</head>\n<body class=trendora>\n<div class=entete><a href="/">Trendora</a> {agenda}\n'
                f'<div class="contenu"><p>\n{body}\n<div class="pied"><p>Trendora SAS</span>\n</body>\n'
            )
        return (
            f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<title>{esc(title)} - Trendora</title>\n{head}</head>\n<body class="trendora">\n'
            f'<div class="entete"><a href="/">Trendora</a> {agenda}</div>\n'
            f'<div class="contenu">\n{body}\n</div>\n<div class="pied"><p>Trendora SAS</p></div>\n</body>\n'
            "</html>\n"
        )

    def route(self, request: Request) -> Response:
        """Home, annonces, search, annonce, profile and agenda pages."""
        path = request.path
        if path == "/":
            return html(
                self._layout(
                    "Accueil",
                    '<h1>Trendora</h1>\n<a class="annonces" href="/annonces">Toutes les annonces</a>',
                )
            )
        if path == "/annonces":
            return self._list(request, self.world.live(self.listings), "/annonces", "", "Toutes les annonces")
        if path == "/recherche":
            query = request.param("q").strip()
            if not query:
                return error(400, "la recherche demande ?q=mots")
            return self._list(
                request, self.world.search(self.listings, query), "/recherche", query, f"Recherche : {query}"
            )
        if path.startswith("/annonce/"):
            listing = self.by_item.get(path[len("/annonce/") :])
            if listing is None:
                return error(404, "annonce introuvable")
            if not self.world.state(listing).live:
                return self.gone()
            return self._annonce(listing)
        if path.startswith("/profil/"):
            return self._profil(path[len("/profil/") :])
        if path.startswith("/agenda/") and self.hostility.traps:
            return self._agenda(path)
        return error(404, "page introuvable")

    def _cards(self, shown: list[SiteListing], start: int) -> str:
        return "\n".join(
            '<article class="annonce"><a class="annonce-lien" href="'
            + esc(self.tracked(f"/annonce/{x.item}", {"xtor": f"AL-{start + k}"}))
            + f'">{esc(self.world.title(x))}</a> <span class="prix">'
            f"{esc(price_text(self.world.price(x), x.currency, french=True))}</span></article>"
            for k, x in enumerate(shown)
        )

    def _list(
        self, request: Request, found: list[SiteListing], path: str, query: str, heading: str
    ) -> Response:
        scope = f"{path}|{query}"
        cursor = request.param("curseur")
        offset = 0 if not cursor else decode_cursor(self.world.seed, scope, cursor)
        if offset is None:
            return error(400, "curseur invalide")
        shown = found[offset : offset + PAGE_SIZE]
        body = (
            f'<h1>{esc(heading)}</h1>\n<section class="annonces">\n{self._cards(shown, offset)}\n</section>'
        )
        if offset + PAGE_SIZE < len(found):
            params: dict[str, str | int] = {"q": query} if query else {}
            params["curseur"] = encode_cursor(self.world.seed, scope, offset + PAGE_SIZE)
            body += f'\n<a class="suivant" rel="next" href="{esc(link(path, params))}">Suivant</a>'
        return html(self._layout(heading, body))

    def _annonce(self, listing: SiteListing) -> Response:
        world = self.world
        title, price = world.title(listing), world.price(listing)
        seller = world.account("Trendora", listing.seller)
        name = seller.display_name if seller else listing.seller
        head = f'<link rel="canonical" href="{esc(listing.url)}">\n'
        photos = "\n".join(f'<img src="/img/{esc(n)}" alt="{esc(title)}">' for n in listing.images)
        ships = (
            f'<p class="expedition">Expédié depuis : {esc(listing.ships_from)}</p>\n'
            if listing.ships_from
            else ""
        )
        body = (
            f'<div class="fiche"{ref_attrs(listing)}>\n<h1 class="titre">{esc(title)}</h1>\n'
            + price_tag("p", "prix", price, listing.currency, french=True)
            + "\n"
            f'<p class="vendu-par">Vendu par <a class="vendeur" href="/profil/{esc(listing.seller)}">'
            f"{esc(name)}</a>\n"
            f'{ships}<div class="photos">\n{photos}\n</div>\n'
            f'<div class="texte">{lines(listing.description)}</div>\n'
            f'<a class="contacter" href="/compte/message?annonce={esc(listing.item)}">'
            "Contacter le vendeur</a>\n"
            f"</div>\n" + scripts(listing)
        )
        return html(self._layout(title, body, head=head, lang=listing.language), delay=world.delay(listing))

    def _profil(self, handle: str) -> Response:
        account = self.world.account("Trendora", handle)
        if account is None:
            return error(404, "profil introuvable")
        offers = self.world.live(self.by_seller.get(handle, []))
        country = f'<p class="pays">{esc(account.country)}</p>\n' if account.country else ""
        body = (
            f'<div class="profil" data-account-ref="{esc(account.external_id)}">\n'
            f'<h1 class="pseudo">{esc(account.display_name)}</h1>\n'
            f'<p class="identifiant">{esc(account.handle)}</p>\n'
            f'{country}<div class="bio">{lines(account.bio)}</div>\n'
            + "".join(f'<p class="contact">{esc(c)}</p>\n' for c in account.contacts)
            + f'<p class="inscrit">Membre depuis le {esc(account.joined_at[:10])}</p>\n'
            f'<section class="annonces">\n{self._cards(offers, 0)}\n</section>\n</div>'
        )
        return html(self._layout(account.display_name, body))

    def _agenda(self, path: str) -> Response:
        parts = path.strip("/").split("/")
        if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()) or not 1 <= int(parts[2]) <= 12:
            return error(404, "mois introuvable")
        year, month = int(parts[1]), int(parts[2])
        if not 1 <= year <= 9999:
            return error(404, "mois introuvable")
        before = (year, month - 1) if month > 1 else (year - 1, 12)
        after = (year, month + 1) if month < 12 else (year + 1, 1)
        days = "".join(f"<td>{d}</td>" for d in range(1, 29))
        nav = "".join(
            f'<a class="{cls}" href="/agenda/{y:04d}/{m:02d}">{label}</a> '
            for cls, (y, m), label in (
                ("precedent", before, "Mois précédent"),
                ("suivant-mois", after, "Mois suivant"),
            )
            if 1 <= y <= 9999
        )
        body = (
            f'<h1>Ventes de {month:02d}/{year:04d}</h1>\n<table class="calendrier"><tr>{days}</tr></table>\n'
        )
        body += nav
        return html(self._layout("Agenda", body))
