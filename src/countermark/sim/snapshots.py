"""Saved HTML pages of offers, as a crawler keeps them for evidence (nothing is fetched from elsewhere)."""

from __future__ import annotations

from html import escape

from countermark.sim.entities import SimListing
from countermark.sim.identifiers import Identifier
from countermark.sim.platforms import PLATFORMS
from countermark.sim.themes import DEFAULT_THEME, Theme, frame

_SHIPS = {
    "en": "Ships from",
    "fr": "Expédié depuis",
    "de": "Versand aus",
    "es": "Enviado desde",
    "zh": "发货地",
}
_SOLD_BY = {"en": "Sold by", "fr": "Vendu par", "de": "Verkauft von", "es": "Vendido por", "zh": "卖家"}
_PRICE_ON_REQUEST = {
    "en": "Price on request",
    "fr": "Prix sur demande",
    "de": "Preis auf Anfrage",
    "es": "Precio a consultar",
    "zh": "价格面议",
}


def _shows_seller_bio(listing: SimListing) -> bool:
    # Web shops print their contact details in the footer; social posts show the profile's bio.
    return listing.account.platform in ("web", "Pixelgram")


def snapshot_identifiers(listing: SimListing) -> list[Identifier]:
    """Every planted identifier a page shows: in the description, the seller box and the scripts."""
    found = list(listing.planted) + list(listing.page_identifiers)
    if _shows_seller_bio(listing):
        found += listing.account.planted
    return found


def render_snapshot(listing: SimListing, theme: Theme | None = None) -> str:
    """The saved page of one offer; a web shop's is drawn in its `theme` (`sim.themes`)."""
    account = listing.account
    lang = listing.language
    site = account.display_name if account.platform == "web" else account.platform
    if account.platform == "ShadowBazaar":
        site = "ShadowBazaar — vendor market"
    price = (
        f"{listing.price} {listing.currency}"
        if listing.price is not None
        else _PRICE_ON_REQUEST.get(lang, "Price on request")
    )
    images = "\n".join(
        f'      <img src="../{escape(ref.file)}" alt="{escape(listing.title)} ({k})" width="512">'
        for k, ref in enumerate(listing.images, start=1)
    )
    description = "<br>\n".join(escape(line) for line in listing.description.split("\n"))
    seller_box = ""
    if _shows_seller_bio(listing):
        lines = [*account.bio_lines, *account.contacts]
        seller_box = "\n".join(f"      <p>{escape(line)}</p>" for line in lines)
    scripts = "\n".join(f"  <script>\n{script}\n  </script>" for script in listing.page_scripts)
    ships = (
        f'    <div class="ships-from">{_SHIPS.get(lang, _SHIPS["en"])}: {escape(listing.ships_from)}</div>\n'
        if listing.ships_from
        else ""
    )
    kind = PLATFORMS[account.platform].kind
    saved = (
        f"<!-- saved from url=({len(listing.url):04d}){escape(listing.url)} -->\n"
        f"<!-- captured {listing.observed_at.strftime('%Y-%m-%dT%H:%M:%SZ')} -->\n"
    )
    item = f"""    <h1 class="item-title">{escape(listing.title)}</h1>
    <div class="price">{escape(price)}</div>
    <div class="seller">{_SOLD_BY.get(lang, _SOLD_BY["en"])}:
      <a href="{escape(account.profile_url)}">{escape(account.display_name)}</a>
      <span class="handle">@{escape(account.handle)}</span></div>
{ships}    <div class="gallery">
{images}
    </div>
    <div class="description">
{description}
    </div>"""
    if account.platform == "web":
        main = f'<div class="item">\n{item}\n</div>'
        head = (
            f'<meta property="og:url" content="{escape(listing.url)}">\n'
            '<meta property="og:type" content="product">\n'
        )
        page = frame(
            theme or DEFAULT_THEME,
            lang=lang,
            title=listing.title,
            shop_name=site,
            main=main,
            about="<br>\n".join(escape(line) for line in account.bio_lines),
            contacts=account.contacts,
            head=head,
            tail=scripts + "\n" if scripts else "",
        )
        doctype, rest = page.split("\n", 1)
        return f"{doctype}\n{saved}{rest}"
    return f"""<!DOCTYPE html>
{saved}<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>{escape(listing.title)} | {escape(site)}</title>
  <meta property="og:url" content="{escape(listing.url)}">
  <meta property="og:type" content="product">
</head>
<body class="{kind}">
  <header><div class="site-name">{escape(site)}</div></header>
  <main class="item">
{item}
  </main>
  <footer class="seller-info">
{seller_box}
  </footer>
{scripts}
</body>
</html>
"""
