"""The TLS certificates web shops are served with: which names each certificate carries.

Most shops have a certificate of their own (the domain and its www). An organised network running two or
more shops on one server often takes one certificate naming them all, the slip investigators read off a
certificate. Two kinds of certificate name unrelated shops together and must tell nothing: a CDN's
shared certificates (a dozen to thirty customers each, under the CDN's own name) and a shared host's
(four to six). The served world presents these certificates (`sim.sites.tls`); a crawl records their
names, as the world's listings of shops do (`tls_names`).

Drawn from their own random stream: adding certificates left every other part of the world as it was.
The served world reads them from `sites/certificates.json` (shop handle -> names), the sites' own
configuration, never read by a detector.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from countermark.sim.entities import SimAccount

CERTIFICATES_FILE = Path("sites") / "certificates.json"
NETWORK_SHARES = 0.6  # an organised network with two or more shops puts them on one certificate this often
CDN_SHARE = 0.2  # shops behind a CDN, on its shared certificates
CDN_SIZE = (12, 30)
HOSTING_SHARE = 0.08  # shops on a shared host's certificate
HOSTING_SIZE = (4, 6)


def shop_domain(account: SimAccount) -> str:
    """The host a shop is served under."""
    return (urlsplit(account.profile_url).hostname or account.handle).lower()


def _own(domain: str) -> tuple[str, ...]:
    return (domain, f"www.{domain}")


def _chunks(rng: random.Random, items: list[SimAccount], low: int, high: int) -> list[list[SimAccount]]:
    """Items in consecutive groups of low..high (a last group too small joins the one before)."""
    groups: list[list[SimAccount]] = []
    start = 0
    while start < len(items):
        size = rng.randint(low, high)
        groups.append(items[start : start + size])
        start += size
    if len(groups) > 1 and len(groups[-1]) < low:
        groups[-2].extend(groups.pop())
    return groups


def assign_certificates(rng: random.Random, accounts: Sequence[SimAccount]) -> dict[str, tuple[str, ...]]:
    """The names of the certificate each web shop is served with, by shop handle."""
    shops = sorted((a for a in accounts if a.platform == "web"), key=lambda a: a.handle)
    names: dict[str, tuple[str, ...]] = {}
    cdn: list[SimAccount] = []
    hosted: list[SimAccount] = []
    rest: list[SimAccount] = []
    for shop in shops:
        draw = rng.random()
        (cdn if draw < CDN_SHARE else hosted if draw < CDN_SHARE + HOSTING_SHARE else rest).append(shop)
    rng.shuffle(cdn)
    for group in _chunks(rng, cdn, *CDN_SIZE):
        edge = f"sni{rng.randint(10_000, 99_999)}.edgessl-cdn.net"
        for shop in group:
            names[shop.handle] = (edge, *sorted(shop_domain(s) for s in group))
    rng.shuffle(hosted)
    groups = _chunks(rng, hosted, *HOSTING_SIZE)
    if groups and len(groups[0]) < HOSTING_SIZE[0]:  # too few for a shared host: their own certificates
        rest.extend(groups.pop())
    for group in groups:
        server = f"srv{rng.randint(100, 999)}.hostbox-shared.com"
        for shop in group:
            names[shop.handle] = (server, *sorted(shop_domain(s) for s in group))
    by_network: dict[str, list[SimAccount]] = {}
    for shop in rest:
        if shop.role == "counterfeiter" and shop.network:
            by_network.setdefault(shop.network, []).append(shop)
    shared = {
        network
        for network in sorted(by_network)
        if len(by_network[network]) >= 2 and rng.random() < NETWORK_SHARES
    }
    for shop in rest:
        if shop.network in shared:
            group = by_network[shop.network]
            names[shop.handle] = tuple(n for s in group for n in _own(shop_domain(s)))
        else:
            names[shop.handle] = _own(shop_domain(shop))
    return names


def write_certificates(out_dir: Path, names: dict[str, tuple[str, ...]]) -> None:
    """Write each shop's certificate names (shop handle -> names) to `sites/certificates.json`."""
    path = out_dir / CERTIFICATES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {handle: list(found) for handle, found in sorted(names.items())}
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_certificates(world_dir: Path) -> dict[str, tuple[str, ...]]:
    """Each shop's certificate names by handle ({} for a world built before certificates)."""
    path = Path(world_dir) / CERTIFICATES_FILE
    if not path.is_file():
        return {}
    payload = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): tuple(str(n) for n in v) for k, v in payload.items() if isinstance(v, list)}
