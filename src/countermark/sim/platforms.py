"""The fictional platforms of the world: marketplaces, a social network, web shops and a dark-web market."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from countermark.sim.entities import TODAY

PlatformKind = Literal["marketplace", "social", "webshop", "darkweb"]


@dataclass(frozen=True)
class Platform:
    """A place where offers are published, and how its addresses look."""

    name: str
    kind: PlatformKind
    host: str
    item_path: str
    profile_path: str
    currency: str
    operator: str
    operator_country: str


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform(
            "ShopMarket",
            "marketplace",
            "https://www.shopmarket.eu",
            "/item/{item}",
            "/seller/{handle}",
            "EUR",
            "ShopMarket Europe S.à r.l.",
            "LU",
        ),
        Platform(
            "Bazario",
            "marketplace",
            "https://global.bazario.com",
            "/goods/{item}.html",
            "/store/{handle}",
            "USD",
            "Bazario Network Technology Ltd",
            "HK",
        ),
        Platform(
            "Trendora",
            "marketplace",
            "https://www.trendora.fr",
            "/annonce/{item}",
            "/profil/{handle}",
            "EUR",
            "Trendora SAS",
            "FR",
        ),
        Platform(
            "Pixelgram",
            "social",
            "https://pixelgram.social",
            "/p/{item}",
            "/{handle}",
            "EUR",
            "Pixelgram Inc.",
            "US",
        ),
        Platform("web", "webshop", "", "/products/{item}", "/", "EUR", "", ""),
        Platform("ShadowBazaar", "darkweb", "", "/listing/{item}", "/vendor/{handle}", "USD", "", ""),
    )
}
MARKETPLACES = ("ShopMarket", "Bazario", "Trendora")


def onion_host(rng: random.Random) -> str:
    """A v3 onion address (56 base32 characters), fixed for the world by its seed."""
    return "http://" + base64.b32encode(rng.randbytes(35)).decode().lower()[:56] + ".onion"


class Addresses:
    """Builds profile and item URLs for every platform, with the onion host chosen once per world."""

    def __init__(self, rng: random.Random) -> None:
        """Draw the dark-web market's address."""
        self.onion = onion_host(rng)
        self._rng = rng
        self._items: set[str] = set()

    def host(self, platform: str, handle: str) -> str:
        """The scheme and host under which the platform (or the web shop) serves pages."""
        if platform == "web":
            return f"https://{handle}"
        if platform == "ShadowBazaar":
            return self.onion
        return PLATFORMS[platform].host

    def profile_url(self, platform: str, handle: str) -> str:
        """The public address of an account."""
        return self.host(platform, handle) + PLATFORMS[platform].profile_path.format(handle=handle)

    def item_url(self, platform: str, handle: str, slug: str) -> str:
        """A fresh, unique address of an offer."""
        while True:
            if platform == "web":
                item = f"{slug}-{self._rng.randint(100, 9999)}"
            elif platform == "Pixelgram":
                item = "".join(
                    self._rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_-")
                    for _ in range(11)
                )
            else:
                item = str(self._rng.randint(10**9, 10**10 - 1))
            url = self.host(platform, handle) + PLATFORMS[platform].item_path.format(item=item)
            if url not in self._items:
                self._items.add(url)
                return url


def joined_at(rng: random.Random, min_days: int, max_days: int) -> datetime:
    """When an account opened, a number of days before the world's today, at a plausible hour."""
    day = TODAY - timedelta(days=rng.randint(min_days, max_days))
    return datetime(day.year, day.month, day.day, rng.randint(6, 22), rng.randint(0, 59))


def observed_at(rng: random.Random) -> datetime:
    """When a crawler saw an offer: within the 90 days before today."""
    day = TODAY - timedelta(days=rng.randint(1, 90))
    return datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))


HANDLE_WORDS = (
    "best",
    "top",
    "lux",
    "vip",
    "star",
    "happy",
    "golden",
    "shine",
    "trend",
    "fashion",
    "style",
    "deal",
    "outlet",
    "kicks",
    "bags",
    "time",
    "scent",
    "beauty",
    "tech",
    "audio",
    "toys",
    "mall",
    "global",
    "prime",
    "urban",
    "royal",
    "smart",
    "lucky",
    "dream",
    "daily",
)


def store_handle(rng: random.Random, taken: set[str], stem: str | None = None) -> str:
    """A shop-like handle unique in the world (e.g. 'lux_bags88', 'trendoutlet.vip')."""
    while True:
        first = stem or rng.choice(HANDLE_WORDS)
        second = rng.choice(HANDLE_WORDS)
        sep = rng.choice(["", "_", ".", ""])
        tail = rng.choice(
            ["", str(rng.randint(1, 99)), str(rng.randint(2010, 2026)), "shop", "store", "official"]
        )
        handle = f"{first}{sep}{second}{tail}".lower()
        if handle not in taken:
            taken.add(handle)
            return handle


def person_handle(rng: random.Random, taken: set[str], first: str, last: str) -> str:
    """A private person's handle (e.g. 'camille.dubois92')."""
    while True:
        base = rng.choice(
            [f"{first}.{last}", f"{first}{last[0]}", f"{first[0]}{last}", f"{first}_{rng.randint(1, 99)}"]
        )
        handle = "".join(ch for ch in base.lower() if ch.isascii() and (ch.isalnum() or ch in "._"))
        handle += rng.choice(["", str(rng.randint(1, 99))])
        if handle not in taken:
            taken.add(handle)
            return handle


_TLDS = ("com", "shop", "top", "store", "online", "vip", "net", "fr", "xyz")


def shop_domain(rng: random.Random, taken: set[str], words: list[str]) -> str:
    """A web shop's domain built from a few words (brands, lookalikes or shop words) and a TLD."""
    while True:
        parts = [w.lower().replace(" ", "") for w in words] + [rng.choice(HANDLE_WORDS)]
        label = "-".join(p for p in parts if p)
        label = "".join(ch for ch in label if ch.isascii() and (ch.isalnum() or ch == "-"))[:40].strip("-")
        domain = f"{label}.{rng.choice(_TLDS)}"
        if domain not in taken:
            taken.add(domain)
            return domain
