"""Photos of online offers: copies and alterations of genuine photos, and sellers' own photos."""

from __future__ import annotations

import hashlib
import io
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

    def _load(self, source: str) -> Image.Image:
        with Image.open(self.out_dir / source) as img:
            return img.convert("RGB")

    def pixels(self, ref: ImageRef) -> Image.Image:
        """The photo as the seller made it, before the platform's upload pipeline."""
        rng = random.Random(ref.seed)
        if ref.kind == "genuine_copy":
            return self._source(ref)
        if ref.kind == "altered_genuine":
            alteration = Alteration(ops=ref.ops, params=ref.params, quality=ref.quality)
            out = apply_alterations(self._source(ref), alteration, ref.seed, self._load)
            if "recompress" in ref.ops:
                # The seller saved it at a low quality before uploading; the platform re-encodes it again.
                out = Image.open(io.BytesIO(encode_jpeg(out, int(ref.params["recompress"])))).convert("RGB")
            return out
        if ref.kind in ("own_photo", "fake_own_photo"):
            assert ref.product is not None
            brand, product = self.products[ref.product]
            look = product_look(brand, product, str(ref.spec.get("logo", brand.name)))
            home = bool(ref.spec.get("home", 0))
            # Backgrounds, framing and blur are drawn the same way whatever the object is.
            view = View(
                background=rng.choice(HOME_BACKGROUNDS if home else STUDIO_BACKGROUNDS),
                rotation=rng.uniform(-30, 30),
                scale=rng.uniform(0.62, 0.9),
                dx=rng.randint(-50, 50),
                dy=rng.randint(-40, 40),
                detail=rng.random() < 0.15,
                worn=rng.random() < 0.5,
                stripes=home and rng.random() < 0.5,
            )
            return render_product(look, view, ref.seed)
        if ref.kind == "accessory":
            category = CATEGORIES[str(ref.spec["category"])].key
            return accessory_photo(category, COLOURS[int(ref.spec["colour"])][1], ref.seed)
        return unrelated_photo(str(ref.spec["item"]), COLOURS[int(ref.spec["colour"])][1], ref.seed)

    def render(self, ref: ImageRef) -> bytes:
        """The JPEG bytes of one photo as its platform stores it: resized and saved its way."""
        img = self.pixels(ref)
        side = int(ref.params.get("upload_side", 0)) or max(img.size)
        quality = int(ref.params.get("upload_quality", 0)) or ref.quality
        if max(img.size) > side:
            scale = side / max(img.size)
            img = img.resize(
                (max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                Image.Resampling.BILINEAR,
            )
        return encode_jpeg(img, quality)

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
