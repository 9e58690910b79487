"""Synthetic code histories: genuine life cycles and photocopied codes, with the truth kept apart.

Genuine items are commissioned at a factory, shipped, received and sold in a shop, then scanned a few
times by their buyer near the shop (some buyers fly abroad with them: a hard negative). Copies reuse the
serials of genuine codes: scans in distant cities within hours, many devices in one market, scans after
destruction, scans of codes that never entered the supply chain, and a few quiet copies that leave no
trace a detector could see.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from countermark.codes import epcis_documents
from countermark.codes.signed import parse_uri

CITIES = {
    "Paris": (48.8566, 2.3522),
    "Lyon": (45.764, 4.8357),
    "Milan": (45.4642, 9.19),
    "Madrid": (40.4168, -3.7038),
    "Berlin": (52.52, 13.405),
    "London": (51.5072, -0.1276),
    "New York": (40.7128, -74.006),
    "Shanghai": (31.2304, 121.4737),
    "Shenzhen": (22.5431, 114.0579),
    "Istanbul": (41.0082, 28.9784),
    "Lagos": (6.5244, 3.3792),
    "Bangkok": (13.7563, 100.5018),
    "Sao Paulo": (-23.5505, -46.6333),
    "Dubai": (25.2048, 55.2708),
    "Marseille": (43.2965, 5.3698),
}
FACTORY = "Lyon"
SHOPS = ("Paris", "Milan", "Madrid", "Berlin", "London", "Marseille")
CLONE_MARKETS = ("Lagos", "Bangkok", "Sao Paulo", "Dubai", "Istanbul", "Shenzhen")
CLONE_KINDS = ("distant_cities", "market_stall", "after_destruction", "never_commissioned", "quiet")
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
EPCIS_CONTEXT = [epcis_documents.EPCIS_CONTEXT]  # the versioned context (EPCIS 2.0.0)
EPCIS_FILE = "codes/epcis.json"
SCANS_FILE = "codes/scans.jsonl"
TRUTH_FILE = "truth/scans.json"


@dataclass
class Histories:
    """The EPCIS events, the consumer scans and the truth (cloned serials and how) of a set of codes."""

    events: list[dict[str, Any]] = field(default_factory=list)
    scans: list[dict[str, Any]] = field(default_factory=list)
    truth: dict[str, dict[str, Any]] = field(default_factory=dict)

    def epcis_document(self) -> dict[str, Any]:
        """The events as one EPCIS 2.0 JSON-LD document."""
        return {
            "@context": EPCIS_CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": START.isoformat().replace("+00:00", "Z"),
            "epcisBody": {"eventList": self.events},
        }


def _near(rng: random.Random, city: str, km: float = 8.0) -> tuple[float, float]:
    lat, lon = CITIES[city]
    return round(lat + rng.uniform(-km, km) / 111.0, 4), round(lon + rng.uniform(-km, km) / 80.0, 4)


def _event(
    uri: str,
    at: datetime,
    step: str,
    disposition: str,
    city: str,
    rng: random.Random,
    action: str = "OBSERVE",
) -> dict[str, Any]:
    lat, lon = _near(rng, city, 2.0)
    code = parse_uri(uri)  # CBV 2.0: the constrained Digital Link, without the ?8030= data attribute
    return epcis_documents.object_event(
        epcs=[epcis_documents.constrained_sgtin(code.gtin, code.serial)],
        at=at,
        tz_offset="+01:00",
        action=action,
        biz_step=step,
        disposition=disposition,
        read_point=f"geo:{lat},{lon}",
    )


class _Writer:
    def __init__(self, rng: random.Random, out: Histories) -> None:
        self.rng, self.out, self.count = rng, out, 0

    def scan(self, uri: str, at: datetime, city: str | None, device: str) -> None:
        self.count += 1
        lat, lon = _near(self.rng, city) if city else (None, None)
        self.out.scans.append(
            {
                "external_id": f"scan-{self.count:07d}",
                "uri": uri,
                "scanned_at": at.isoformat(),
                "lat": lat,
                "lon": lon,
                "device": device,
            }
        )

    def device(self) -> str:
        return f"device-{self.rng.getrandbits(48):012x}"


def _genuine_life(w: _Writer, uri: str, begin: datetime, *, destroyed: bool = False) -> tuple[datetime, str]:
    """Commissioning to sale (or destruction); returns when and where it ended."""
    rng, shop = w.rng, w.rng.choice(SHOPS)
    at = begin + timedelta(hours=rng.uniform(0, 240))
    w.out.events.append(_event(uri, at, "commissioning", "active", FACTORY, rng, "ADD"))
    at += timedelta(hours=rng.uniform(6, 48))
    w.out.events.append(_event(uri, at, "shipping", "in_transit", FACTORY, rng))
    at += timedelta(hours=rng.uniform(20, 96))
    w.out.events.append(_event(uri, at, "receiving", "sellable_accessible", shop, rng))
    at += timedelta(days=rng.uniform(1, 40))
    if destroyed:
        w.out.events.append(_event(uri, at, "destroying", "destroyed", shop, rng, "DELETE"))
        return at, shop
    w.out.events.append(_event(uri, at, "retail_selling", "retail_sold", shop, rng))
    return at, shop


def _buyer_scans(w: _Writer, uri: str, sold_at: datetime, shop: str) -> None:
    rng = w.rng
    buyer = w.device()
    at = sold_at + timedelta(minutes=rng.uniform(2, 90))
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        w.scan(uri, at, shop if rng.random() > 0.1 else None, buyer)
        at += timedelta(days=rng.uniform(0.5, 20))
    if rng.random() < 0.15:  # the buyer flies to New York or Shanghai with the item: slower than a plane
        w.scan(uri, at + timedelta(hours=rng.uniform(13, 30)), rng.choice(("New York", "Shanghai")), buyer)
    if rng.random() < 0.2:  # a friend checks it too
        w.scan(uri, at + timedelta(days=rng.uniform(1, 9)), shop, w.device())


def _clone(w: _Writer, uri: str, kind: str, begin: datetime) -> None:
    rng = w.rng
    if kind == "never_commissioned":
        at = begin + timedelta(days=rng.uniform(10, 60))
        market = rng.choice(CLONE_MARKETS)
        for _ in range(rng.randint(1, 3)):
            w.scan(uri, at, market, w.device())
            at += timedelta(hours=rng.uniform(1, 72))
        return
    ended, shop = _genuine_life(w, uri, begin, destroyed=kind == "after_destruction")
    at = ended + timedelta(days=rng.uniform(5, 30))
    if kind == "distant_cities":
        _buyer_scans(w, uri, ended, shop)
        for market in rng.sample(CLONE_MARKETS, rng.randint(2, 4)):
            w.scan(uri, at, market, w.device())
            at += timedelta(hours=rng.uniform(0.5, 5))
    elif kind == "market_stall":
        market = rng.choice(CLONE_MARKETS)
        for _ in range(rng.randint(6, 12)):
            w.scan(uri, at, market, w.device())
            at += timedelta(hours=rng.uniform(2, 60))
    elif kind == "after_destruction":
        for _ in range(rng.randint(1, 3)):
            w.scan(uri, at, rng.choice(CLONE_MARKETS), w.device())
            at += timedelta(days=rng.uniform(1, 10))
    else:  # quiet: one copy bought by one person in the genuine item's own town
        _buyer_scans(w, uri, ended, shop)
        w.scan(uri, at, shop, w.device())


def generate_histories(
    seed: int, uris: list[str], *, clone_share: float = 0.2, start: datetime = START
) -> Histories:
    """Genuine and cloned histories for these code URIs; the truth says which serials were copied."""
    rng = random.Random(seed)
    out = Histories()
    writer = _Writer(rng, out)
    for index, uri in enumerate(uris):
        begin = start + timedelta(hours=index * 3)
        if rng.random() < clone_share:
            kind = CLONE_KINDS[rng.randrange(len(CLONE_KINDS))]
            _clone(writer, uri, kind, begin)
            out.truth[uri] = {"cloned": True, "kind": kind}
            continue
        destroyed = rng.random() < 0.05
        ended, shop = _genuine_life(writer, uri, begin, destroyed=destroyed)
        if not destroyed:
            _buyer_scans(writer, uri, ended, shop)
        out.truth[uri] = {"cloned": False, "kind": "destroyed" if destroyed else "genuine"}
    out.scans.sort(key=lambda s: s["scanned_at"])
    return out


def write_histories(world_dir: Path, histories: Histories, *, seed: int) -> None:
    """Write the EPCIS document and scans for ingestion, and the truth to the world's truth folder."""
    (world_dir / "codes").mkdir(parents=True, exist_ok=True)
    (world_dir / "truth").mkdir(parents=True, exist_ok=True)
    (world_dir / EPCIS_FILE).write_text(
        json.dumps(histories.epcis_document(), indent=1) + "\n", encoding="utf-8"
    )
    (world_dir / SCANS_FILE).write_text(
        "".join(json.dumps(s) + "\n" for s in histories.scans), encoding="utf-8"
    )
    truth = {"seed": seed, "codes": histories.truth}
    (world_dir / TRUTH_FILE).write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n", encoding="utf-8")
