"""Web shop themes: the frame (stylesheets, scripts, header, footer) each page of a shop is drawn in.

Most shops run a stock theme that many other shops run too; a few popular ones cover most of them. An
operator that builds its own theme (a stock one with its own stylesheet and blocks) deploys it on each of
its shops, which is the template investigators tie shops of one network by (`observe.templates`). The
saved pages (`sim.snapshots`) and the served shops (`sim.sites.webshop`) draw the same frame.

Themes are drawn from their own random stream: adding them left every other part of the world as it was.
The served world reads each shop's theme from `sites/themes.json`, the sites' own configuration (not the
truth, and not a file any detector reads: they see the pages).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path

from countermark.sim.entities import SimAccount

THEMES_FILE = Path("sites") / "themes.json"

# Stock themes by popularity (a few run most shops), each with its own class vocabulary.
STOCK: tuple[tuple[str, float], ...] = (
    ("aurora", 0.30),
    ("brooklyn", 0.22),
    ("minimal", 0.16),
    ("vantage", 0.12),
    ("kiosk", 0.08),
    ("meridian", 0.07),
    ("solace", 0.05),
)
_BLOCK_WORDS = (
    "promo",
    "flash",
    "deal",
    "trust",
    "badge",
    "ship",
    "vip",
    "gift",
    "mega",
    "hot",
    "lux",
    "outlet",
    "club",
    "drop",
    "bonus",
    "star",
)
_BLOCK_KINDS = ("bar", "strip", "banner", "ribbon", "popup", "seal", "ticker", "panel")
CUSTOM_OPERATOR = 0.8  # an organised network with two or more shops builds its own theme this often
CUSTOM_OTHER = 0.3  # any other owner (an honest company, a lone seller)
SHOP_KEEPS_THEME = 0.9  # each of an owner's shops runs the owner's theme this often (else a stock one)


@dataclass(frozen=True)
class Theme:
    """One theme: what its pages load and the wrappers and blocks of their frame."""

    name: str
    stylesheets: tuple[str, ...]
    scripts: tuple[str, ...]
    header: tuple[str, ...]  # wrapper classes of the header, outermost first
    footer: tuple[str, ...]
    blocks: tuple[str, ...] = ()  # classes of the operator's own blocks above the header

    def to_json(self) -> dict[str, object]:
        """The theme as a JSON object."""
        return asdict(self)

    @classmethod
    def from_json(cls, record: dict[str, object]) -> Theme:
        """A theme read back from `to_json`."""

        def strings(name: str) -> tuple[str, ...]:
            value = record.get(name)
            return tuple(str(x) for x in value) if isinstance(value, list | tuple) else ()

        return cls(
            name=str(record.get("name", "")),
            stylesheets=strings("stylesheets"),
            scripts=strings("scripts"),
            header=strings("header"),
            footer=strings("footer"),
            blocks=strings("blocks"),
        )


def stock_theme(name: str) -> Theme:
    """A stock theme: its assets under /themes/<name>/ and its own class names."""
    rng = random.Random(f"countermark-theme:{name}")
    depth = rng.randint(1, 3)
    return Theme(
        name=name,
        stylesheets=(f"/themes/{name}/assets/theme.css", f"/themes/{name}/assets/vendor.css")[
            : rng.randint(1, 2)
        ],
        scripts=(f"/themes/{name}/assets/theme.js",),
        header=tuple(f"{name}-header{'__' + part if part else ''}" for part in ("", "inner", "bar")[:depth]),
        footer=tuple(f"{name}-footer{'__' + part if part else ''}" for part in ("", "cols", "main")[:depth]),
    )


DEFAULT_THEME = Theme(
    name="basic",
    stylesheets=("/static/shop.css",),
    scripts=(),
    header=("shop-header",),
    footer=("shop-footer",),
)


def _stock(rng: random.Random) -> Theme:
    names, weights = zip(*STOCK, strict=True)
    return stock_theme(rng.choices(names, weights=weights)[0])


def custom_theme(rng: random.Random) -> Theme:
    """A stock theme made an owner's own: its stylesheet and scripts, and blocks of its own classes (its
    name says which stock theme and a random tag, never whose it is)."""
    base = _stock(rng)
    tag = f"{rng.getrandbits(32):08x}"
    blocks = tuple(
        f"{rng.choice(_BLOCK_WORDS)}-{rng.choice(_BLOCK_KINDS)}-{tag[:4]}" for _ in range(rng.randint(1, 3))
    )
    return Theme(
        name=f"{base.name}+{tag}",
        stylesheets=(*base.stylesheets, f"/assets/custom-{tag}.css"),
        scripts=(*base.scripts, f"/assets/app-{tag[4:]}.js")[: len(base.scripts) + rng.randint(0, 1)],
        header=base.header,
        footer=base.footer,
        blocks=blocks,
    )


def owner_of(account: SimAccount) -> str:
    """Who builds an account's sites: its network, its operator (a company's shops), else itself."""
    return account.network or account.operator or account.handle


def assign_themes(rng: random.Random, accounts: Sequence[SimAccount]) -> dict[str, Theme]:
    """Each web shop's theme, by handle (see the module's description)."""
    shops = sorted((a for a in accounts if a.platform == "web"), key=lambda a: a.handle)
    by_owner: dict[str, list[SimAccount]] = {}
    for shop in shops:
        by_owner.setdefault(owner_of(shop), []).append(shop)
    themes: dict[str, Theme] = {}
    for owner in sorted(by_owner):
        owned = by_owner[owner]
        organised = owned[0].role == "counterfeiter" and len(owned) >= 2
        builds = rng.random() < (CUSTOM_OPERATOR if organised else CUSTOM_OTHER)
        own = custom_theme(rng) if builds else None
        for shop in owned:
            keeps = own is not None and rng.random() < SHOP_KEEPS_THEME
            themes[shop.handle] = own if keeps and own is not None else _stock(rng)
    return themes


def write_themes(out_dir: Path, themes: dict[str, Theme]) -> None:
    """Write the served shops' themes (shop handle -> theme) to `sites/themes.json`."""
    path = out_dir / THEMES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {handle: theme.to_json() for handle, theme in sorted(themes.items())}
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_themes(world_dir: Path) -> dict[str, Theme]:
    """The served shops' themes by shop handle ({} for a world built before themes)."""
    path = Path(world_dir) / THEMES_FILE
    if not path.is_file():
        return {}
    payload = json.loads(path.read_text(encoding="utf-8"))
    return {str(key): Theme.from_json(record) for key, record in payload.items() if isinstance(record, dict)}


def _wrap(classes: Sequence[str], tag: str, inner: str) -> str:
    if not classes:
        return f"<{tag}>\n{inner}\n</{tag}>"
    html = inner
    for depth, name in enumerate(reversed(classes)):
        element = tag if depth == len(classes) - 1 else "div"
        html = f'<{element} class="{escape(name)}">\n{html}\n</{element}>'
    return html


def frame(
    theme: Theme,
    *,
    lang: str,
    title: str,
    shop_name: str,
    main: str,
    about: str,
    contacts: Sequence[str],
    head: str = "",
    tail: str = "",
) -> str:
    """A whole page: the theme's frame around `main` (HTML), with the shop's about text and contacts
    (HTML-escaped here) in its footer; `head` and `tail` are raw HTML added to the head and after the
    footer (inline scripts)."""
    assets = "".join(f'<link rel="stylesheet" href="{escape(href)}">\n' for href in theme.stylesheets)
    scripts = "".join(f'<script src="{escape(src)}" defer></script>\n' for src in theme.scripts)
    blocks = "".join(
        f'<div class="{escape(name)}"><span>{escape(shop_name)}</span></div>\n' for name in theme.blocks
    )
    header = _wrap(
        theme.header,
        "header",
        f'<a class="shop-home" href="/">{escape(shop_name)}</a>\n'
        '<form action="/search"><input name="q"></form>\n'
        '<nav><a href="/cart">Cart</a> <a href="/account/login">Account</a></nav>',
    )
    contact = "".join(f'<p class="contact">{escape(c)}</p>' for c in contacts)
    footer = _wrap(
        theme.footer,
        "footer",
        f'<div class="shop-about"><p>{about}</p></div>\n<div class="contact"><h4>Contact</h4>{contact}</div>',
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)} – {escape(shop_name)}</title>\n{assets}{head}{scripts}</head>\n"
        f'<body class="webshop">\n{blocks}{header}\n<main>\n{main}\n</main>\n{footer}\n{tail}'
        "</body>\n</html>\n"
    )
