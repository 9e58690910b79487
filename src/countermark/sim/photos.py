"""Which photos an offer shows, drawn from how its seller shoots (its style); how platforms re-encode them.

Honest and infringing sellers of one style draw from the same habits: a reseller of genuine stock stamps and
frames the brand's photos as a drop-shipper of fakes does, a private seller of a fake shoots it at home as a
private seller of a genuine item does. What differs is the object in front of the camera (a fake carries its
own logo, sometimes a lookalike) and, for about 15% of fakes, the brand's own photo posted untouched.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import replace

from countermark.sim.alterations import ALTERATIONS, RESELLER_OPS, choose_alterations
from countermark.sim.entities import Brand, ImageRef, Product, SimAccount
from countermark.sim.text import lookalike

# The upload pipeline of each platform: the longest side it keeps and the JPEG quality it saves at.
# Every photo is re-encoded on upload, so neither byte identity across platforms nor quality tells anything.
UPLOADS: dict[str, tuple[int, int]] = {
    "ShopMarket": (480, 85),
    "Bazario": (448, 80),
    "Trendora": (512, 90),
    "Pixelgram": (400, 82),
    "ShadowBazaar": (384, 75),
}
_WEB_SIDES = (384, 448, 480, 512)
_WEB_QUALITIES = (72, 78, 82, 85, 88, 90, 92)

# Per style: chances of (the brand's photos untouched, the brand's photos edited, own photos).
_SHOOTING: dict[str, tuple[float, float, float]] = {
    "brand_store": (0.9, 0.1, 0.0),
    "pro_reseller": (0.45, 0.45, 0.1),
    "grey_market": (0.3, 0.45, 0.25),
    "bulk_trader": (0.12, 0.6, 0.28),
    "casual_private": (0.08, 0.07, 0.85),
    "parody": (0.0, 0.1, 0.9),
}
_DEFAULT_SHOOTING = (0.2, 0.4, 0.4)
UNTOUCHED_FAKES = 0.15  # share of infringing offers that show only the brand's files, untouched


def upload_settings(account: SimAccount) -> tuple[int, int]:
    """Longest side and quality of the account's platform (a web shop has its own, fixed per shop)."""
    if account.platform in UPLOADS:
        return UPLOADS[account.platform]
    digest = zlib.crc32(account.handle.encode("utf-8"))
    return _WEB_SIDES[digest % len(_WEB_SIDES)], _WEB_QUALITIES[(digest // 7) % len(_WEB_QUALITIES)]


def uploaded(refs: list[ImageRef], account: SimAccount) -> list[ImageRef]:
    """The photos as the account's platform stores them: the same pixels, re-encoded its way."""
    side, quality = upload_settings(account)
    out = []
    for ref in refs:
        params = {**ref.params, "upload_side": side, "upload_quality": quality}
        out.append(
            replace(ref, params=params, quality=quality, spec={**ref.spec, "upload": f"{side}:{quality}"})
        )
    return out


class PhotoPicker:
    """Chooses the photos of offers from the seller's style and the offer's own (in)fringement."""

    def __init__(self, rng: random.Random) -> None:
        """Keep the world's random source for listings."""
        self.rng = rng

    def _sources(self, brand: Brand, product: Product, count: int) -> list[str]:
        paths = self.rng.sample(product.image_paths, min(count, len(product.image_paths)))
        return [f"holders/{brand.slug}/{p}" for p in paths]

    def untouched(self, brand: Brand, product: Product, count: int) -> list[ImageRef]:
        """The brand's own files, as they are (the platform still re-encodes them)."""
        return [
            ImageRef(
                kind="genuine_copy", seed=self.rng.randrange(2**32), product=product.external_id, source=s
            )
            for s in self._sources(brand, product, count)
        ]

    def edited(
        self, brand: Brand, product: Product, count: int, overlay_texts: list[str], pool: tuple[str, ...]
    ) -> list[ImageRef]:
        """The brand's files, cropped, stamped, framed, recomposed..."""
        rng = self.rng
        all_sources = [f"holders/{brand.slug}/{p}" for p in product.image_paths]
        refs = []
        for source in self._sources(brand, product, count):
            others = [s for s in all_sources if s != source]
            alteration = choose_alterations(rng, overlay_texts, others, pool)
            refs.append(
                ImageRef(
                    kind="altered_genuine",
                    seed=rng.randrange(2**32),
                    product=product.external_id,
                    source=source,
                    ops=alteration.ops,
                    params=alteration.params,
                    quality=alteration.quality,
                )
            )
        return refs

    def own(self, product: Product, logo: str, fake: bool, count: int) -> list[ImageRef]:
        """The seller's own photos of the object: the same backgrounds and blur whatever the object is."""
        rng = self.rng
        return [
            ImageRef(
                kind="fake_own_photo" if fake else "own_photo",
                seed=rng.randrange(2**32),
                product=product.external_id,
                spec={"logo": logo, "home": int(rng.random() < 0.55)},
            )
            for _ in range(count)
        ]

    def for_offer(
        self,
        style: str,
        brand: Brand,
        product: Product,
        *,
        infringing: bool,
        overlay_texts: list[str],
        logo: str | None = None,
    ) -> list[ImageRef]:
        """Photos of one offer. logo: what the object itself carries (a fake's logo may be a lookalike)."""
        rng = self.rng
        if infringing and rng.random() < UNTOUCHED_FAKES:
            return self.untouched(brand, product, rng.randint(1, 3))
        untouched, edited, _ = _SHOOTING.get(style, _DEFAULT_SHOOTING)
        roll = rng.random()
        if infringing:
            # The untouched share of fakes is drawn above; the rest of the style's habit stays the same.
            untouched, edited = 0.0, untouched + edited
        if roll < untouched:
            return self.untouched(brand, product, rng.randint(1, 3))
        if roll < untouched + edited:
            pool = RESELLER_OPS if style in ("brand_store", "pro_reseller") else ALTERATIONS
            return self.edited(brand, product, rng.randint(1, 3), overlay_texts, pool)
        if logo is None:
            logo = brand.name if not infringing or rng.random() < 0.65 else lookalike(rng, brand.name)
        refs = self.own(product, logo, infringing, rng.randint(1, 3))
        if rng.random() < 0.2:
            refs += self.edited(brand, product, 1, overlay_texts, ALTERATIONS)
        return refs
