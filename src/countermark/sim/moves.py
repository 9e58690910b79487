"""Shops that move between crawls: from epoch 1 a moved shop's every address redirects elsewhere.

An organised network that loses a shop (taken down, burnt by reports) points its domain at a sibling shop:
a crawl asking for the old address is redirected (301) to the sibling's front page and records the chain,
the slip that ties the two (`observe.redirects`). An honest shop whose domain lapsed is parked: its
addresses redirect to a parking page that names no shop. The moved shop's listings are gone from then on.

Drawn from their own random stream at build time (the served world reads `sites/moves.json`, shop handle
-> the handle it moves to, or null when parked; never read by a detector).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from countermark.sim.entities import SimAccount

MOVES_FILE = Path("sites") / "moves.json"
MOVE_EPOCH = 1  # the epoch from which moved shops redirect
NETWORK_MOVES = 0.5  # an organised network with two or more shops moves one onto a sibling this often
PARKED = 0.03  # an honest shop's domain lapses and is parked
PARKING_HOST = "parked.domainpark.example"


def assign_moves(rng: random.Random, accounts: Sequence[SimAccount]) -> dict[str, str | None]:
    """Which shops move at `MOVE_EPOCH`: shop handle -> the sibling shop's handle, or None when parked."""
    shops = sorted((a for a in accounts if a.platform == "web"), key=lambda a: a.handle)
    by_network: dict[str, list[SimAccount]] = {}
    moves: dict[str, str | None] = {}
    for shop in shops:
        if shop.role == "counterfeiter" and shop.network:
            by_network.setdefault(shop.network, []).append(shop)
        elif shop.role == "honest" and rng.random() < PARKED:
            moves[shop.handle] = None
    for network in sorted(by_network):
        owned = by_network[network]
        if len(owned) >= 2 and rng.random() < NETWORK_MOVES:
            moved, target = rng.sample(owned, 2)
            moves[moved.handle] = target.handle
    return moves


def write_moves(out_dir: Path, moves: dict[str, str | None]) -> None:
    """Write the moves (shop handle -> handle moved to, or null when parked) to `sites/moves.json`."""
    path = out_dir / MOVES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"epoch": MOVE_EPOCH, "moves": dict(sorted(moves.items()))}
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def read_moves(world_dir: Path) -> tuple[int, dict[str, str | None]]:
    """The epoch shops move at and the moves ({} for a world built before moves)."""
    path = Path(world_dir) / MOVES_FILE
    if not path.is_file():
        return MOVE_EPOCH, {}
    payload = json.loads(path.read_text(encoding="utf-8"))
    moves = payload.get("moves") if isinstance(payload, dict) else None
    if not isinstance(moves, dict):
        return MOVE_EPOCH, {}
    return int(payload.get("epoch", MOVE_EPOCH)), {
        str(k): (str(v) if isinstance(v, str) else None) for k, v in moves.items()
    }
