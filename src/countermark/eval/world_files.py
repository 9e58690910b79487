"""What a world's files say, read as an analyst would: accounts, listings, products, shipments, photos.

Nothing here reads the truth: the controls take their features from these records only.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from countermark.core.errors import InvalidInput


@dataclass(frozen=True)
class WorldAccount:
    """One row of online/accounts.jsonl, keyed as the truth keys it ('<source>:<external_id>')."""

    key: str
    platform: str
    handle: str
    country: str | None
    joined_at: datetime | None
    record: dict[str, Any]


@dataclass(frozen=True)
class WorldListing:
    """One row of online/listings.jsonl with the account that posted it (None when unknown)."""

    key: str
    seller: str | None
    title: str
    description: str
    price: float | None
    currency: str | None
    ships_from: str | None
    observed_at: datetime | None
    images: tuple[Path, ...]
    snapshot: Path | None
    record: dict[str, Any]


@dataclass(frozen=True)
class WorldProduct:
    """A product as its rights holder lists it: name, GTIN, price band (in its currency) and photos."""

    key: str
    brand: str
    name: str
    gtin: str | None
    price_mid: float | None
    currency: str
    images: tuple[Path, ...]


@dataclass(frozen=True)
class WorldFiles:
    """Everything the controls read from one world directory."""

    root: Path
    accounts: dict[str, WorldAccount]
    listings: list[WorldListing]
    products: list[WorldProduct]
    shipments: list[dict[str, str]]
    fx_to_eur: dict[str, float]


def _jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _key(record: dict[str, Any]) -> str:
    return f"{record.get('source', '')}:{record.get('external_id', '')}"


def read_world(root: Path) -> WorldFiles:
    """Read a world built by `countermark world build` (no truth)."""
    root = Path(root)
    try:
        manifest = json.loads((root / "world.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{root} holds no readable world.json: {exc}") from exc
    online = root / "online"
    accounts: dict[str, WorldAccount] = {}
    by_handle: dict[tuple[str, str], str] = {}
    for record in _jsonl(online / "accounts.jsonl"):
        account = WorldAccount(
            key=_key(record),
            platform=str(record.get("platform", "")),
            handle=str(record.get("handle", "")),
            country=record.get("country") or None,
            joined_at=_moment(record.get("joined_at")),
            record=record,
        )
        accounts[account.key] = account
        by_handle[(account.platform, account.handle)] = account.key
    listings = []
    for record in _jsonl(online / "listings.jsonl"):
        seller = by_handle.get((str(record.get("platform", "")), str(record.get("seller", ""))))
        listings.append(
            WorldListing(
                key=_key(record),
                seller=seller,
                title=str(record.get("title") or ""),
                description=str(record.get("description") or ""),
                price=_number(record.get("price")),
                currency=record.get("currency") or None,
                ships_from=record.get("ships_from") or None,
                observed_at=_moment(record.get("observed_at")),
                images=tuple(online / str(name) for name in record.get("images") or ()),
                snapshot=online / str(record["snapshot"]) if record.get("snapshot") else None,
                record=record,
            )
        )
    products = []
    for products_file in sorted((root / "holders").glob("*/products.jsonl")):
        for record in _jsonl(products_file):
            low, high = _number(record.get("price_min")), _number(record.get("price_max"))
            products.append(
                WorldProduct(
                    key=_key(record),
                    brand=str(record.get("brand") or ""),
                    name=str(record.get("name") or ""),
                    gtin=record.get("gtin") or None,
                    price_mid=(low + high) / 2 if low is not None and high is not None else low or high,
                    currency=str(record.get("currency") or "EUR"),
                    images=tuple(products_file.parent / str(name) for name in record.get("images") or ()),
                )
            )
    return WorldFiles(
        root=root,
        accounts=accounts,
        listings=listings,
        products=products,
        shipments=_shipments(root, manifest),
        fx_to_eur={str(k): float(v) for k, v in (manifest.get("fx_to_eur") or {}).items()},
    )


def _shipments(root: Path, manifest: dict[str, Any]) -> list[dict[str, str]]:
    """Customs rows renamed to the canonical fields by the world's own mapping file."""
    rows: list[dict[str, str]] = []
    for step in manifest.get("ingest", []):
        if step.get("kind") != "shipments" or not step.get("map"):
            continue
        mapping = json.loads((root / step["map"]).read_text(encoding="utf-8"))
        source = step.get("source") or "sim"
        with (root / step["file"]).open(encoding="utf-8", newline="") as handle:
            for raw in csv.DictReader(handle):
                row = {field: raw.get(column, "") for field, column in mapping.items()}
                row["key"] = f"{source}:{row.get('external_id', '')}"
                rows.append(row)
    return rows
