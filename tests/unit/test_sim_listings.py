"""Offers of the synthetic world: one pool of words, prices and photos for honest and infringing sellers."""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from countermark.sim.brands import make_brands
from countermark.sim.photos import UPLOADS, PhotoPicker
from countermark.sim.text import REPLICA_WORDS
from countermark.sim.wording_templates import COUNTRY_NAMES, PHRASES
from tests.worlds import shared_world


@dataclass
class World:
    """A built small world: its directory, truth, records and genuine prices (EUR)."""

    root: Path
    truth: dict[str, Any]
    listings: dict[str, dict[str, Any]]
    accounts: dict[str, dict[str, Any]]
    products: dict[str, dict[str, Any]]


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = shared_world(tmp_path_factory, seed=7)
    truth = json.loads((root / "truth" / "truth.json").read_text(encoding="utf-8"))
    products = {p["external_id"]: p for path in root.glob("holders/*/products.jsonl") for p in _jsonl(path)}
    return World(
        root,
        truth,
        {"sim:" + x["external_id"]: x for x in _jsonl(root / "online" / "listings.jsonl")},
        {"sim:" + a["external_id"]: a for a in _jsonl(root / "online" / "accounts.jsonl")},
        products,
    )


def _text(listing: dict[str, Any]) -> str:
    return f"{listing['title']}\n{listing.get('description') or ''}".lower()


def _said(listing: dict[str, Any], register: str, **values: str) -> bool:
    phrases = PHRASES[register][listing["language"]]
    return any(p.format(**values).lower() in _text(listing) for p in phrases)


def _ratio(world: World, key: str) -> float | None:
    listing, label = world.listings[key], world.truth["listings"][key]
    if listing.get("price") is None or not label["product"]:
        return None
    product = world.products[label["product"]]
    mid = (float(product["price_min"]) + float(product["price_max"])) / 2
    return float(listing["price"]) * float(world.truth["fx_to_eur"][listing["currency"]]) / mid


def test_fakes_and_honest_offers_share_the_wording(world: World) -> None:
    fakes = [k for k, v in world.truth["listings"].items() if v["category"] == "counterfeit"]
    honest = [k for k, v in world.truth["listings"].items() if not v["infringing"] and v["product"]]
    replica = [w.lower() for words in REPLICA_WORDS.values() for w in words]

    def clean(key: str) -> bool:
        listing = world.listings[key]
        gtin = world.products[world.truth["listings"][key]["product"]]["gtin"]
        text = _text(listing)
        china = COUNTRY_NAMES["CN"][listing["language"]]
        return (
            gtin in text and not any(w in text for w in replica) and not _said(listing, "ships_from", c=china)
        )

    clean_share = sum(clean(k) for k in fakes) / len(fakes)
    assert 0.2 <= clean_share <= 0.6, clean_share

    def pitched(key: str) -> bool:
        listing = world.listings[key]
        china = COUNTRY_NAMES["CN"][listing["language"]]
        return (
            _said(listing, "authentic")
            or _said(listing, "free_shipping")
            or _said(listing, "ships_from", c=china)
        )

    pitched_share = sum(pitched(k) for k in honest) / len(honest)
    assert 0.2 <= pitched_share <= 0.7, pitched_share
    assert sum(pitched(k) for k in fakes) / len(fakes) < 0.8
    languages = Counter(world.listings[k]["language"] for k in fakes + honest)
    assert set(languages) == {"en", "fr", "de", "es", "zh"}


def test_prices_of_fakes_and_honest_offers_overlap(world: World) -> None:
    fakes = [
        r for k, v in world.truth["listings"].items() if v["kind"] == "counterfeit" if (r := _ratio(world, k))
    ]
    honest = [r for k, v in world.truth["listings"].items() if not v["infringing"] if (r := _ratio(world, k))]
    full_price = sum(r >= 0.6 for r in fakes) / len(fakes)
    cheap = sum(r < 0.45 for r in honest) / len(honest)
    assert 0.1 <= full_price <= 0.35, full_price
    assert 0.05 <= cheap <= 0.3, cheap


def test_parodies_and_grey_imports_are_labelled_as_such(world: World) -> None:
    kinds = Counter((v["kind"], v["infringing"]) for v in world.truth["listings"].values())
    assert kinds[("parody", True)] and kinds[("parody", False)]
    assert kinds[("grey_market", False)] and not kinds[("grey_market", True)]
    for label in world.truth["listings"].values():
        if label["kind"] == "parody":
            assert label["category"] == "parody"


def test_no_photo_is_a_reference_file_and_each_platform_saves_at_its_own_quality(world: World) -> None:
    references = {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in world.root.glob("holders/*/images/*.jpg")
    }
    tables: dict[int, list[int]] = {}

    def table(quality: int) -> list[int]:
        if quality not in tables:
            buffer = io.BytesIO()
            Image.new("RGB", (16, 16)).save(buffer, "JPEG", quality=quality)
            with Image.open(io.BytesIO(buffer.getvalue())) as img:
                tables[quality] = list(img.quantization[0])  # type: ignore[attr-defined]
        return tables[quality]

    quality_of: dict[str, set[int]] = defaultdict(set)
    for listing in world.listings.values():
        for name in listing["images"]:
            path = world.root / "online" / name
            assert hashlib.sha256(path.read_bytes()).hexdigest() not in references
            params = world.truth["images"]["online/" + name]["params"]
            with Image.open(path) as img:
                assert list(img.quantization[0]) == table(int(params["upload_quality"]))  # type: ignore[attr-defined]
                assert max(img.size) <= int(params["upload_side"])
            quality_of[listing["platform"]].add(int(params["upload_quality"]))
    for platform, (_, quality) in UPLOADS.items():
        assert quality_of.get(platform, {quality}) == {quality}
    assert len(quality_of["web"]) >= 2


def test_compositions_appear_and_name_real_photos(world: World) -> None:
    ops = Counter(op for image in world.truth["images"].values() for op in image["ops"])
    for op in ("closeup", "background_swap", "collage", "screen_photo", "overlay", "pad"):
        assert ops[op] >= 3, op
    for image in world.truth["images"].values():
        if "collage" in image["ops"]:
            for source in str(image["params"]["collage"]).split("|"):
                assert (world.root / source).is_file()
    kinds = Counter(
        world.truth["images"]["online/" + name]["kind"]
        for key, label in world.truth["listings"].items()
        if label["kind"] == "counterfeit"
        for name in world.listings[key]["images"]
    )
    assert kinds["genuine_copy"] and kinds["altered_genuine"] and kinds["fake_own_photo"]


def test_stock_intros_are_used_on_both_sides(world: World) -> None:
    networks_of: dict[str, set[str]] = defaultdict(set)
    honest: set[str] = set()
    for key, account in world.accounts.items():
        label = world.truth["accounts"][key]
        for line in (account.get("bio") or "").split("\n"):
            if label["role"] == "counterfeiter" and label["network"]:
                networks_of[line].add(label["network"])
            elif label["role"] != "counterfeiter":
                honest.add(line)
    # Stock phrases only: lines that carry no contact, address or number (those are identifiers, not wording).
    common = [
        line
        for line, networks in networks_of.items()
        if len(networks) >= 3 and line and not any(ch.isdigit() for ch in line) and "@" not in line
    ]
    assert common
    assert all(line in honest for line in common), [line for line in common if line not in honest]


def test_own_photos_draw_backgrounds_alike_on_both_sides() -> None:
    brand = make_brands(random.Random(1), 1, 1)[0]
    product = brand.products[0]
    picker = PhotoPicker(random.Random(2))
    homes = {
        fake: [int(ref.spec["home"]) for _ in range(800) for ref in picker.own(product, brand.name, fake, 1)]
        for fake in (False, True)
    }
    assert abs(sum(homes[False]) / 800 - sum(homes[True]) / 800) < 0.08
    assert 0.3 < sum(homes[True]) / 800 < 0.8
