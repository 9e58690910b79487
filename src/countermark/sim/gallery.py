"""Photos of online offers: copies and alterations of genuine photos, and sellers' own photos."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from countermark.sim.alterations import Alteration, accessory_photo, apply_alterations, unrelated_photo
from countermark.sim.brands import product_look
from countermark.sim.catalogue import CATEGORIES, COLOURS
from countermark.sim.entities import Brand, ImageRef, Product, SimListing
from countermark.sim.images import HOME_BACKGROUNDS, STUDIO_BACKGROUNDS, View, encode_jpeg, render_product

WORKERS = min(4, os.cpu_count() or 1)


class Gallery:
    """Renders each distinct ImageRef once and writes it under online/images, named by its content."""

    def __init__(self, out_dir: Path, brands: list[Brand]) -> None:
        """Index the products so photos can be drawn or loaded."""
        self.out_dir = out_dir
        self.images_dir = out_dir / "online" / "images"
        self.images_dir.mkdir(parents=True, exist_ok=True)
        self.products: dict[str, tuple[Brand, Product]] = {
            p.external_id: (b, p) for b in brands for p in b.products
        }
        self.written: dict[str, ImageRef] = {}

    def _source(self, ref: ImageRef) -> Image.Image:
        assert ref.source is not None
        with Image.open(self.out_dir / ref.source) as img:
            return img.convert("RGB")

    def render(self, ref: ImageRef) -> bytes:
        """The JPEG bytes of one photo."""
        rng = random.Random(ref.seed)
        if ref.kind == "genuine_copy":
            roll = rng.random()
            if roll < 0.45:
                # The brand's own file, uploaded as it is: byte-identical to the reference photo.
                assert ref.source is not None
                return (self.out_dir / ref.source).read_bytes()
            img = self._source(ref)
            if roll < 0.8:
                side = rng.choice([400, 480, 600, 640])
                img = img.resize((side, side), Image.Resampling.BILINEAR)
                ref.ops = ["resize"]
            else:
                ref.ops = ["recompress"]
            return encode_jpeg(img, rng.randint(80, 88))
        if ref.kind == "altered_genuine":
            alteration = Alteration(ops=ref.ops, params=ref.params, quality=ref.quality)
            return encode_jpeg(apply_alterations(self._source(ref), alteration, ref.seed), ref.quality)
        if ref.kind in ("own_photo", "fake_own_photo"):
            assert ref.product is not None
            brand, product = self.products[ref.product]
            look = product_look(brand, product, str(ref.spec.get("logo", brand.name)))
            home = bool(ref.spec.get("home", 0))
            view = View(
                background=rng.choice(HOME_BACKGROUNDS if home else STUDIO_BACKGROUNDS),
                rotation=rng.uniform(-30, 30),
                scale=rng.uniform(0.62, 0.9),
                dx=rng.randint(-50, 50),
                dy=rng.randint(-40, 40),
                worn=ref.kind == "own_photo",
                stripes=home and rng.random() < 0.5,
            )
            return encode_jpeg(render_product(look, view, ref.seed), rng.randint(70, 88))
        if ref.kind == "accessory":
            category = CATEGORIES[str(ref.spec["category"])].key
            return encode_jpeg(accessory_photo(category, COLOURS[int(ref.spec["colour"])][1], ref.seed), 85)
        return encode_jpeg(
            unrelated_photo(str(ref.spec["item"]), COLOURS[int(ref.spec["colour"])][1], ref.seed), 85
        )

    def write_listing_images(
        self, listings: list[SimListing], progress: Callable[[str, int, int], None] | None = None
    ) -> int:
        """Render and write every photo of the offers, setting each ImageRef's file; returns files written."""
        refs: dict[int, ImageRef] = {}
        for listing in listings:
            for ref in listing.images:
                refs.setdefault(id(ref), ref)
        ordered = list(refs.values())
        # Pillow and numpy release the GIL in their heavy loops, so threads use both cores; results come back
        # in input order, and every photo has its own seed, so the files do not depend on scheduling.
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            rendered = list(pool.map(self.render, ordered))
        for done, (ref, data) in enumerate(zip(ordered, rendered, strict=True), start=1):
            name = "images/" + hashlib.sha256(data).hexdigest()[:20] + ".jpg"
            ref.file = name
            if name not in self.written:
                (self.out_dir / "online" / name).write_bytes(data)
                self.written[name] = ref
            if progress and (done % 50 == 0 or done == len(ordered)):
                progress("online images", done, len(ordered))
        return len(self.written)
