"""Serving a built world: start every site, the hidden market and the SOCKS5 stand-in; advance epochs."""

from __future__ import annotations

import json
import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from countermark.sim.certificates import read_certificates
from countermark.sim.moves import PARKING_HOST, read_moves
from countermark.sim.sites.base import Response, Site, WorldState, as_json
from countermark.sim.sites.bazario import Bazario
from countermark.sim.sites.catalog import DIRECTORY_HOST, load_catalog
from countermark.sim.sites.directory import Directory
from countermark.sim.sites.hostility import Hostility, RequestStats
from countermark.sim.sites.market import ShadowBazaar
from countermark.sim.sites.pixelgram import Pixelgram
from countermark.sim.sites.server import Router, SitesServer
from countermark.sim.sites.shopmarket import ShopMarket
from countermark.sim.sites.socks import SocksServer
from countermark.sim.sites.tls import ShopCertificates
from countermark.sim.sites.trendora import Trendora
from countermark.sim.sites.webshop import ParkingPage, WebShop
from countermark.sim.themes import read_themes

SERVED_FILE = Path("truth") / "served.json"


@dataclass
class ServedWorld:
    """A running served world. Close it (or use it as a context manager) to stop every server.

    Attributes:
        world_dir: the world served.
        hosts: the Host of each platform ("directory", "ShopMarket", "Bazario", "Trendora", "Pixelgram",
            "ShadowBazaar" — the last is the onion name).
        shop_hosts: the domain of every independent web shop.
        onion_host: the dark-web market's name, reachable only through `socks_proxy`.
        stats: requests per host per second, the request log and robots-disallowed hits.
    """

    world_dir: Path
    hostility: Hostility
    hosts: dict[str, str]
    shop_hosts: list[str]
    onion_host: str
    stats: RequestStats
    _state: WorldState
    _front: SitesServer
    _market: SitesServer
    _socks: SocksServer
    _write_truth: bool
    _certificates: ShopCertificates
    _closed: bool = field(default=False)

    @property
    def http_address(self) -> tuple[str, int]:
        """The front port every clearnet site is served on."""
        return ("127.0.0.1", self._front.port)

    @property
    def http_proxy(self) -> str:
        """The front port as an HTTP proxy URL (request `http://<site host>/<path>` through it)."""
        return f"http://127.0.0.1:{self._front.port}"

    @property
    def socks_address(self) -> tuple[str, int]:
        """The SOCKS5 stand-in's address."""
        return ("127.0.0.1", self._socks.port)

    @property
    def socks_proxy(self) -> str:
        """The SOCKS5 stand-in as a proxy URL (resolve names through it: socks5h semantics)."""
        return f"socks5://127.0.0.1:{self._socks.port}"

    @property
    def start_urls(self) -> list[str]:
        """The directory's home page, from which every site and listing is reachable by following links."""
        return [f"http://{DIRECTORY_HOST}/"]

    @property
    def epoch(self) -> int:
        """How many times the world advanced since it started being served."""
        return self._state.epoch

    def advance(self) -> int:
        """Next epoch: some listings change price (and title), some disappear; returns the new epoch."""
        epoch = self._state.advance()
        self._write_served()
        return epoch

    def served(self) -> dict[str, object]:
        """The served world's mirror of the truth: every listing's canonical URL, key and status now."""
        state = self._state
        listings = []
        for listing in state.catalog.listings:
            now = state.state(listing)
            row: dict[str, object] = {
                "key": listing.key,
                "external_id": listing.external_id,
                "platform": listing.platform,
                "url": listing.url,
                "status": "live" if now.live else "gone",
            }
            if now.gone_at is not None:
                row["gone_at_epoch"] = now.gone_at
            if now.changed_at:
                row["changed_at_epochs"] = list(now.changed_at)
            listings.append(row)
        accounts = [
            {"key": a.key, "external_id": a.external_id, "platform": a.platform, "url": a.url}
            for a in state.catalog.accounts
        ]
        return {
            "format": 1,
            "epoch": state.epoch,
            "hostility": {k: v for k, v in vars(self.hostility).items()},
            "hosts": self.hosts,
            "shop_hosts": self.shop_hosts,
            "listings": listings,
            "accounts": accounts,
        }

    def _write_served(self) -> None:
        if not self._write_truth:
            return
        target = self.world_dir / SERVED_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(self.served(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        partial.replace(target)

    def _admin(self, method: str, path: str) -> Response | None:
        if path == "/__world/status" and method in ("GET", "HEAD"):
            return as_json(
                {
                    "epoch": self.epoch,
                    "hosts": self.hosts,
                    "shop_hosts": self.shop_hosts,
                    "socks_proxy": self.socks_proxy,
                    "listings": len(self._state.catalog.listings),
                    "accounts": len(self._state.catalog.accounts),
                }
            )
        if path == "/__world/advance":
            if method != "POST":
                return as_json({"error": "POST to advance the world"}, status=405)
            return as_json({"epoch": self.advance()})
        if path == "/__world/requests" and method in ("GET", "HEAD"):
            return as_json(self.stats.as_json())
        return None

    def close(self) -> None:
        """Stop the front, the market and the proxy."""
        if self._closed:
            return
        self._closed = True
        self._socks.close()
        self._market.close()
        self._front.close()
        self._certificates.close()

    def __enter__(self) -> ServedWorld:
        """Use as a context manager."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Close on leaving."""
        self.close()


def _seed(world_dir: Path) -> str:
    manifest = world_dir / "world.json"
    try:
        seed = json.loads(manifest.read_text(encoding="utf-8")).get("seed", 0)
    except (OSError, ValueError):
        seed = 0
    return f"countermark-sites:{seed}"


def serve_world(
    world_dir: Path,
    *,
    hostile: bool = True,
    hostility: Hostility | None = None,
    port: int = 0,
    socks_port: int = 0,
    socks_credentials: tuple[str, str] | None = None,
    write_truth: bool = True,
) -> ServedWorld:
    """Serve a world built by `countermark world build` on 127.0.0.1 and return its handle.

    Args:
        world_dir: the built world (its `online/` and `sites/` files are read; `truth/` is only written,
            served.json).
        hostile: every hostile detail on (default) or a tame web; `hostility` picks details one by one.
        port: the front port (0 = a free one); socks_port likewise for the SOCKS5 stand-in.
        socks_credentials: when given, the proxy requires this username/password (else any or none).
        write_truth: write `<world>/truth/served.json` (the coverage truth) at start and on each advance.

    Example:
        >>> with serve_world(Path("/tmp/world")) as served:  # doctest: +SKIP
        ...     urllib.request.build_opener(urllib.request.ProxyHandler({"http": served.http_proxy}))
    """
    world_dir = Path(world_dir)
    chosen = hostility if hostility is not None else (Hostility.full() if hostile else Hostility.none())
    catalog = load_catalog(world_dir)
    move_epoch, moves = read_moves(world_dir)
    shop_host = {a.handle: a.host for a in catalog.accounts_on("web")}
    state = WorldState(
        catalog,
        chosen,
        seed=_seed(world_dir),
        moved={shop_host[h]: move_epoch for h in moves if h in shop_host},
    )
    hosts = {
        "directory": DIRECTORY_HOST,
        **{name: catalog.platform_host(name) for name in ("ShopMarket", "Bazario", "Trendora", "Pixelgram")},
        "ShadowBazaar": catalog.onion_host,
    }
    sites: dict[str, Site] = {
        hosts["ShopMarket"]: ShopMarket(hosts["ShopMarket"], state),
        hosts["Bazario"]: Bazario(hosts["Bazario"], state),
        hosts["Trendora"]: Trendora(hosts["Trendora"], state),
        hosts["Pixelgram"]: Pixelgram(hosts["Pixelgram"], state),
        DIRECTORY_HOST: Directory(DIRECTORY_HOST, state, hosts),
    }
    themes = read_themes(world_dir)
    names = read_certificates(world_dir)
    for account in catalog.accounts_on("web"):
        target = moves.get(account.handle)
        sites[account.host] = WebShop(
            account.host,
            state,
            account,
            themes.get(account.handle),
            moves_to=(
                None
                if account.handle not in moves
                # To a sibling's front page, in the scheme the request came in (a scheme-relative address).
                else f"//{shop_host[target]}/"
                if target is not None and target in shop_host
                else f"http://{PARKING_HOST}/?domain={account.host}"
            ),
        )
    sites[PARKING_HOST] = ParkingPage(PARKING_HOST, state)
    # Web shops are also served over TLS, each with its certificate (`sim.certificates`).
    certificates = ShopCertificates(
        {a.host: names[a.handle] for a in catalog.accounts_on("web") if a.handle in names}
    )
    stats = RequestStats()

    def limits() -> tuple[int, int]:
        return chosen.rate_limit, chosen.retry_after

    holder: list[ServedWorld] = []

    def admin(method: str, path: str) -> Response | None:
        return holder[0]._admin(method, path) if holder else None

    socks_origins: set[tuple[str, int]] = set()
    market_sites: dict[str, Site] = {catalog.onion_host: ShadowBazaar(catalog.onion_host, state)}
    with ExitStack() as undo:
        # Bind all three ports first, so a busy port leaves no server of this call running.
        undo.callback(certificates.close)
        front = SitesServer(
            Router(sites, stats, rate_limit=limits, admin=admin), port=port, tls=certificates.context_for
        )
        undo.callback(front.server_close)
        market = SitesServer(
            Router(market_sites, stats, rate_limit=limits),
            accepts=lambda client: tuple(client[:2]) in socks_origins,
        )
        undo.callback(market.server_close)

        def resolve(host: str, target_port: int) -> tuple[str, int] | None:
            if target_port != 80:
                return None
            if host == catalog.onion_host:
                return ("127.0.0.1", market.port)
            return ("127.0.0.1", front.port) if host in sites else None

        socks = SocksServer(resolve, port=socks_port, credentials=socks_credentials, origins=socks_origins)
        undo.pop_all()
    front.start()
    market.start()
    socks.start()
    served = ServedWorld(
        world_dir=world_dir,
        hostility=chosen,
        hosts=hosts,
        shop_hosts=catalog.shop_hosts,
        onion_host=catalog.onion_host,
        stats=stats,
        _state=state,
        _front=front,
        _market=market,
        _socks=socks,
        _write_truth=write_truth,
        _certificates=certificates,
    )
    holder.append(served)
    served._write_served()
    return served
