"""Synthetic consumer reports: buyers of counterfeit listings tell the rights holder; the truth kept apart.

Run at demo time, after the code histories (codes are issued during the demo). A buyer names the shop
(the seller's handle or shop name, typed carelessly), sometimes pastes the listing's address, sometimes
quotes the phone or e-mail seen on the listing, sometimes attaches the listing's photo re-encoded or
cropped, gives a place near where copies of the code were scanned, and the code of a cloned serial when
there is one. Distractors are reports about genuine purchases in shops the world does not know.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from countermark.sim.scans import CITIES, SHOPS, Histories

REPORTS_FILE = "codes/reports.jsonl"
PHOTOS_DIR = "codes/report-photos"
TRUTH_FILE = "truth/reports.json"
DISTRACTOR_SHOPS = (
    "Sport Corner",
    "Runners Point Gare",
    "Chaussures Martin",
    "Outlet Village",
    "Le Comptoir du Sport",
    "Piazza Scarpe",
)
_BROWSER_WORDS = (
    "The stitching came apart after a week and the box had spelling mistakes.",
    "The logo looks slightly off and the sole smells of glue.",
    "Price was far too low; the label does not look like the one on your site.",
    "The QR code on the tag was printed on plain paper.",
)
_GENUINE_WORDS = (
    "Just checking this pair is real, the shop seemed fine.",
    "Bought as a gift, want to be sure before giving it.",
    "The code scanned but I want confirmation.",
)


@dataclass
class Reports:
    """Report rows to submit (photos as files beside them) and the truth of what each concerns."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)
    truth: dict[str, dict[str, Any]] = field(default_factory=dict)


def reporter_of(report_id: str) -> str:
    """The reporter hash stored with a synthetic report (lets re-runs skip it and the evaluation find it)."""
    return hashlib.sha256(f"countermark-sim-report:{report_id}".encode()).hexdigest()[:32]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _noisy(rng: random.Random, name: str) -> str:
    """A shop name as a buyer types it: case changed, spaces or underscores, stray blanks."""
    choice = rng.random()
    if choice < 0.3:
        name = name.upper()
    elif choice < 0.6:
        name = name.title()
    if rng.random() < 0.3:
        name = name.replace("_", " ")
    return (" " if rng.random() < 0.3 else "") + name + ("  " if rng.random() < 0.3 else "")


def _photo(rng: random.Random, data: bytes) -> bytes:
    """The listing's picture saved again by the buyer: re-encoded as JPEG, sometimes cropped."""
    with Image.open(io.BytesIO(data)) as image:
        picture = image.convert("RGB")
    if rng.random() < 0.5:
        width, height = picture.size
        dx, dy = int(width * rng.uniform(0.02, 0.08)), int(height * rng.uniform(0.02, 0.08))
        picture = picture.crop((dx, dy, width - dx, height - dy))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=rng.randint(70, 90))
    return out.getvalue()


def _place(rng: random.Random, histories: Histories, uri: str | None) -> tuple[float | None, float | None]:
    """Somewhere near a scan of the cloned code (a clone market), or near a shop city."""
    located = [s for s in histories.scans if s["uri"] == uri and s["lat"] is not None] if uri else []
    if located:
        scan = rng.choice(located)
        return (
            round(scan["lat"] + rng.uniform(-0.05, 0.05), 4),
            round(scan["lon"] + rng.uniform(-0.05, 0.05), 4),
        )
    if rng.random() < 0.3:
        return None, None
    lat, lon = CITIES[rng.choice(SHOPS)]
    return round(lat + rng.uniform(-0.05, 0.05), 4), round(lon + rng.uniform(-0.05, 0.05), 4)


def _contacts(truth: dict[str, Any], listing_key: str, account: dict[str, Any]) -> list[str]:
    planted = truth.get("planted_identifiers", {}).get("listings:" + listing_key, [])
    found = [item["value"] for item in planted if item["kind"] in ("email", "phone")]
    return found or [c for c in account.get("contacts", []) if "@" in c or c.startswith("+")]


def generate_reports(
    world_dir: Path, seed: int, gtins: dict[str, str], histories: Histories, *, distractors: int = 6
) -> Reports:
    """Reports about the world's counterfeit listings of these products (external id → GTIN); distractors.

    Reads the world's listings, accounts, pictures and truth (the simulator may), and the code histories
    to pick cloned serials and places.
    """
    rng = random.Random(seed * 7919 + 17)
    truth_path = world_dir / "truth" / "truth.json"
    truth: dict[str, Any] = json.loads(truth_path.read_text("utf-8")) if truth_path.is_file() else {}
    online = world_dir / "online"
    listings = {f"{r['source']}:{r['external_id']}": r for r in _read_jsonl(online / "listings.jsonl")}
    accounts = {f"{r['source']}:{r['external_id']}": r for r in _read_jsonl(online / "accounts.jsonl")}
    cloned: dict[str, list[str]] = {}
    genuine: list[str] = []
    for code, state in sorted(histories.truth.items()):
        code_gtin = code.split("/01/", 1)[1].split("/", 1)[0] if "/01/" in code else ""
        if state.get("cloned"):
            cloned.setdefault(code_gtin, []).append(code)
        elif state.get("kind") == "genuine":
            genuine.append(code)
    out = Reports()
    chosen = [
        (key, label)
        for key, label in sorted(truth.get("listings", {}).items())
        if label.get("infringing") and label.get("product") in gtins and key in listings
    ]
    for key, label in chosen:
        if rng.random() < 0.25:  # most buyers never report
            continue
        listing, account = listings[key], accounts.get(label["seller"], {})
        report_id = f"R-{len(out.rows) + 1:04d}"
        gtin = gtins[label["product"]]
        uri: str | None = rng.choice(cloned[gtin]) if cloned.get(gtin) and rng.random() < 0.6 else None
        shop = listing["seller"] if rng.random() < 0.7 else account.get("display_name", listing["seller"])
        words = [rng.choice(_BROWSER_WORDS)]
        contacts = _contacts(truth, key, account)
        if contacts and rng.random() < 0.4:
            words.append(f"The seller told me to write to {rng.choice(contacts)} for the order.")
        near = uri or (rng.choice(cloned[gtin]) if cloned.get(gtin) else None)
        lat, lon = _place(rng, histories, near)
        photos: list[str] = []
        if listing.get("images") and rng.random() < 0.5:
            source = world_dir / "online" / rng.choice(listing["images"])
            if source.is_file():
                name = f"{report_id}-1.jpg"
                out.photos[name] = _photo(rng, source.read_bytes())
                photos.append(name)
        out.rows.append(
            {
                "external_id": report_id,
                "code_uri": uri,
                "gtin": None if uri else gtin,
                "bought_at_kind": "listing" if listing["platform"] != "web" else "website",
                "shop": _noisy(rng, shop),
                "url": listing["url"] if rng.random() < 0.5 else None,
                "description": " ".join(words),
                "lat": lat,
                "lon": lon,
                "photos": photos,
            }
        )
        out.truth[report_id] = {
            "listing": key,
            "seller": label["seller"],
            "cloned_code": uri is not None,
            "with_url": out.rows[-1]["url"] is not None,
            "with_photo": bool(photos),
        }
    for index in range(distractors if genuine else 0):
        report_id = f"R-{len(out.rows) + 1:04d}"
        uri = rng.choice(genuine)
        lat, lon = _place(rng, histories, None)
        out.rows.append(
            {
                "external_id": report_id,
                "code_uri": uri,
                "gtin": None,
                "bought_at_kind": "shop",
                "shop": _noisy(rng, DISTRACTOR_SHOPS[index % len(DISTRACTOR_SHOPS)]),
                "url": None,
                "description": rng.choice(_GENUINE_WORDS),
                "lat": lat,
                "lon": lon,
                "photos": [],
            }
        )
        out.truth[report_id] = {"listing": None, "seller": None, "cloned_code": False}
    return out


def write_reports(world_dir: Path, reports: Reports, *, seed: int) -> None:
    """Write the reports (one JSON object a line) and their photos for submission, and the truth apart."""
    (world_dir / PHOTOS_DIR).mkdir(parents=True, exist_ok=True)
    (world_dir / "truth").mkdir(parents=True, exist_ok=True)
    for name, data in reports.photos.items():
        (world_dir / PHOTOS_DIR / name).write_bytes(data)
    (world_dir / REPORTS_FILE).write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in reports.rows), encoding="utf-8"
    )
    truth = {"seed": seed, "reports": reports.truth}
    (world_dir / TRUTH_FILE).write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n", encoding="utf-8")
