"""What the served sites show: the world's online listings and accounts, read from its public files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from countermark.sim.platforms import PLATFORMS

DIRECTORY_HOST = "www.linkdex.org"
_SCRIPT = re.compile(r"<script>\n(.*?)\n\s*</script>", re.DOTALL)


def canonical_url(world_url: str) -> str:
    """The served (plain HTTP) address of a world URL: same host and path, `http://` scheme."""
    if world_url.startswith("https://"):
        return "http://" + world_url[len("https://") :]
    return world_url


def _platform_host(platform: str) -> str:
    return urlsplit(PLATFORMS[platform].host).hostname or ""


@dataclass(frozen=True)
class SiteListing:
    """One offer as its page shows it (before any epoch's change)."""

    external_id: str
    platform: str
    url: str
    host: str
    path: str
    title: str
    description: str
    language: str
    price: float | None
    currency: str | None
    seller: str
    ships_from: str | None
    images: tuple[str, ...]
    scripts: tuple[str, ...]

    @property
    def key(self) -> str:
        """The key the world's truth uses for this listing."""
        return f"sim:{self.external_id}"

    @property
    def item(self) -> str:
        """The platform's own item id: the last path segment without its extension."""
        last = self.path.rstrip("/").rsplit("/", 1)[-1]
        return last[: -len(".html")] if last.endswith(".html") else last


@dataclass(frozen=True)
class SiteAccount:
    """One seller, profile or shop page."""

    external_id: str
    platform: str
    handle: str
    display_name: str
    url: str
    host: str
    country: str | None
    bio: str
    contacts: tuple[str, ...]
    joined_at: str

    @property
    def key(self) -> str:
        """The key the world's truth uses for this account."""
        return f"sim:{self.external_id}"


@dataclass(frozen=True)
class Catalog:
    """Every listing and account of the world, indexed the ways the sites need them."""

    world_dir: Path
    onion_host: str
    listings: tuple[SiteListing, ...]
    accounts: tuple[SiteAccount, ...]

    def on(self, platform: str) -> list[SiteListing]:
        """The listings of one platform, in the world's order."""
        return [x for x in self.listings if x.platform == platform]

    def accounts_on(self, platform: str) -> list[SiteAccount]:
        """The accounts of one platform, in the world's order."""
        return [a for a in self.accounts if a.platform == platform]

    def platform_host(self, platform: str) -> str:
        """The Host a platform is served under (the onion name for the dark-web market)."""
        return self.onion_host if platform == "ShadowBazaar" else _platform_host(platform)

    @property
    def shop_hosts(self) -> list[str]:
        """Every independent web shop's domain, sorted."""
        return sorted({a.host for a in self.accounts if a.platform == "web"})

    def image_path(self, name: str) -> Path | None:
        """The file of a served image, or None when the name is not one of the world's images."""
        if not re.fullmatch(r"[A-Za-z0-9_.-]+\.(jpg|jpeg|png|webp)", name) or name.startswith("."):
            return None
        path = self.world_dir / "online" / "images" / name
        return path if path.is_file() else None


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _scripts(world_dir: Path, snapshot: object) -> tuple[str, ...]:
    """The inline scripts of the saved page (analytics and pixel ids the offender identification reads)."""
    if not isinstance(snapshot, str):
        return ()
    path = world_dir / "online" / snapshot
    if not path.is_file():
        return ()
    return tuple(_SCRIPT.findall(path.read_text(encoding="utf-8")))


def _text(record: dict[str, object], name: str) -> str:
    value = record.get(name)
    return value if isinstance(value, str) else ""


def load_catalog(world_dir: Path) -> Catalog:
    """Read online/listings.jsonl, online/accounts.jsonl and the saved pages' scripts of a built world.

    Raises:
        FileNotFoundError: when the directory holds no built world (run `countermark world build`).
    """
    online = Path(world_dir) / "online"
    for name in ("listings.jsonl", "accounts.jsonl"):
        if not (online / name).is_file():
            raise FileNotFoundError(
                f"{online / name} is missing: build the world first (countermark world build)"
            )
    onion = ""
    accounts: list[SiteAccount] = []
    for record in _read_jsonl(online / "accounts.jsonl"):
        url = canonical_url(_text(record, "profile_url"))
        host = urlsplit(url).hostname or ""
        if host.endswith(".onion"):
            onion = host
        contacts = record.get("contacts")
        accounts.append(
            SiteAccount(
                external_id=_text(record, "external_id"),
                platform=_text(record, "platform"),
                handle=_text(record, "handle"),
                display_name=_text(record, "display_name"),
                url=url,
                host=host,
                country=_text(record, "country") or None,
                bio=_text(record, "bio"),
                contacts=tuple(str(c) for c in contacts) if isinstance(contacts, list) else (),
                joined_at=_text(record, "joined_at"),
            )
        )
    listings: list[SiteListing] = []
    for record in _read_jsonl(online / "listings.jsonl"):
        url = canonical_url(_text(record, "url"))
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host.endswith(".onion"):
            onion = host
        price = record.get("price")
        images = record.get("images")
        listings.append(
            SiteListing(
                external_id=_text(record, "external_id"),
                platform=_text(record, "platform"),
                url=url,
                host=host,
                path=parts.path,
                title=_text(record, "title"),
                description=_text(record, "description"),
                language=_text(record, "language") or "en",
                price=float(price) if isinstance(price, int | float) else None,
                currency=_text(record, "currency") or None,
                seller=_text(record, "seller"),
                ships_from=_text(record, "ships_from") or None,
                images=tuple(str(i).rsplit("/", 1)[-1] for i in images) if isinstance(images, list) else (),
                scripts=_scripts(Path(world_dir), record.get("snapshot")),
            )
        )
    return Catalog(
        world_dir=Path(world_dir), onion_host=onion, listings=tuple(listings), accounts=tuple(accounts)
    )
