"""What sellers do to photos (crops, watermarks, flips...) and photos of goods that carry no brand."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from countermark.sim.catalogue import RGB
from countermark.sim.compositions import compose
from countermark.sim.images import HOME_BACKGROUNDS, SIZE, STUDIO_BACKGROUNDS, add_grain, background, font

ALTERATIONS = ("crop", "pad", "recompress", "overlay", "flip", "rotate", "colour_shift", "resize")
# Compositions: a close-up crop, the product moved onto another background, several photos in one
# collage, a photo of a screen showing the photo. They apply first; the edits above follow.
COMPOSITIONS = ("closeup", "background_swap", "collage", "screen_photo")
# What honest resellers do to the brand's photos before posting them: stamp and frame.
RESELLER_OPS = ("overlay", "pad", "crop")


@dataclass
class Alteration:
    """The alterations applied to one photo, with the parameters used (kept for the ground truth)."""

    ops: list[str] = field(default_factory=list)
    params: dict[str, float | str] = field(default_factory=dict)
    quality: int = 90


def choose_alterations(
    rng: random.Random,
    overlay_texts: list[str],
    others: list[str] | None = None,
    pool: tuple[str, ...] = ALTERATIONS,
    composition: float = 0.35,
) -> Alteration:
    """One to four alterations, as sellers apply them to product photos taken from elsewhere.

    Args:
        others: further photos of the product (for a collage); without them no collage is made.
        pool: the edits to draw from; composition: the chance of one composition first.
    """
    count = rng.choices([1, 2, 3, 4], weights=[5, 4, 2, 1])[0]
    ops = sorted(rng.sample(pool, min(count, len(pool))), key=ALTERATIONS.index)
    alteration = Alteration(ops=ops)
    if rng.random() < composition:
        kinds = [c for c in COMPOSITIONS if c != "collage" or others]
        chosen = rng.choice(kinds)
        # A composition stands for most edits: keep at most one edit after it.
        alteration.ops = [chosen, *ops[:1]]
        ops = alteration.ops
        if chosen == "closeup":
            alteration.params["closeup"] = round(rng.uniform(0.45, 0.7), 3)
        elif chosen == "background_swap":
            alteration.params["background_swap"] = rng.choice(("home", "studio"))
        elif chosen == "collage":
            assert others is not None
            alteration.params["collage"] = "|".join(rng.sample(others, min(len(others), rng.randint(1, 3))))
        else:
            alteration.params["screen_photo"] = round(rng.uniform(0.7, 0.85), 3)
    for op in ops:
        if op == "crop":
            alteration.params["crop"] = round(rng.uniform(0.05, 0.20), 3)
        elif op == "pad":
            alteration.params["pad"] = round(rng.uniform(0.05, 0.15), 3)
        elif op == "recompress":
            alteration.quality = rng.randint(30, 60)
            alteration.params["recompress"] = alteration.quality
        elif op == "overlay":
            alteration.params["overlay"] = rng.choice(overlay_texts)
        elif op == "rotate":
            alteration.params["rotate"] = round(rng.choice([-1, 1]) * rng.uniform(2.0, 6.0), 2)
        elif op == "colour_shift":
            alteration.params["colour_shift"] = round(rng.uniform(0.75, 1.3), 3)
        elif op == "resize":
            alteration.params["resize"] = round(rng.uniform(0.5, 0.9), 3)
    return alteration


def apply_alterations(
    img: Image.Image,
    alteration: Alteration,
    seed: int,
    load: Callable[[str], Image.Image] | None = None,
) -> Image.Image:
    """The photo after the alterations, in the order a seller would apply them (load opens collage parts)."""
    rng = random.Random(seed)
    out = img.convert("RGB")
    for op in alteration.ops:
        if op in COMPOSITIONS:
            out = compose(out, op, alteration.params[op], rng, load)
        elif op == "crop":
            frac = float(alteration.params["crop"])
            w, h = out.size
            left = rng.uniform(0, frac) * w
            top = rng.uniform(0, frac) * h
            out = out.crop((int(left), int(top), int(w - (frac * w - left)), int(h - (frac * h - top))))
        elif op == "pad":
            frac = float(alteration.params["pad"])
            border = max(4, int(out.width * frac / 2))
            colour = rng.choice([(255, 255, 255), (0, 0, 0), (240, 240, 240)])
            out = ImageOps.expand(out, border=border, fill=colour)
        elif op == "overlay":
            out = overlay_text(out, str(alteration.params["overlay"]), rng)
        elif op == "flip":
            out = ImageOps.mirror(out)
        elif op == "rotate":
            out = out.rotate(
                float(alteration.params["rotate"]),
                resample=Image.Resampling.BILINEAR,
                fillcolor=(255, 255, 255),
            )
        elif op == "colour_shift":
            factor = float(alteration.params["colour_shift"])
            out = ImageEnhance.Color(out).enhance(factor)
            out = ImageEnhance.Brightness(out).enhance(2.0 - factor if factor > 1 else 1.0 + (1 - factor) / 3)
        elif op == "resize":
            factor = float(alteration.params["resize"])
            out = out.resize(
                (max(64, int(out.width * factor)), max(64, int(out.height * factor))),
                Image.Resampling.BILINEAR,
            )
    return out


def overlay_text(img: Image.Image, text: str, rng: random.Random) -> Image.Image:
    """A semi-transparent watermark, the way resellers stamp pictures they took elsewhere."""
    base = img.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(14, base.width // 14)
    x = rng.randint(10, max(11, base.width // 3))
    y = rng.randint(10, max(11, base.height - size * 2))
    colour = rng.choice([(255, 255, 255, 170), (220, 30, 30, 190), (0, 0, 0, 150)])
    draw.text((x, y), text, font=font(size), fill=colour, stroke_width=1, stroke_fill=(0, 0, 0, 90))
    return Image.alpha_composite(base, layer).convert("RGB")


def _plain_photo(seed: int, home: bool) -> tuple[Image.Image, ImageDraw.ImageDraw, np.random.Generator]:
    rng = np.random.default_rng(seed)
    palette = HOME_BACKGROUNDS if home else STUDIO_BACKGROUNDS
    colours = palette[int(rng.integers(0, len(palette)))]
    img = background(rng, colours, stripes=home and bool(rng.integers(0, 2)))
    return img, ImageDraw.Draw(img), rng


def accessory_photo(category: str, colour: RGB, seed: int) -> Image.Image:
    """An unbranded accessory sold as 'compatible with' a brand (the seller's own picture)."""
    img, d, rng = _plain_photo(seed, home=False)
    dark = (colour[0] // 2, colour[1] // 2, colour[2] // 2)
    if category in ("headphones", "cosmetics"):
        for cx in (180, 332):
            d.ellipse((cx - 80, 176, cx + 80, 336), fill=colour)
            d.ellipse((cx - 40, 216, cx + 40, 296), fill=dark)
    elif category in ("watches", "sneakers"):
        for k in range(3):
            d.rounded_rectangle(
                (120 + k * 100, 60, 180 + k * 100, 450), 20, fill=colour, outline=dark, width=3
            )
            for y in range(100, 440, 40):
                d.ellipse((144 + k * 100, y, 156 + k * 100, y + 12), fill=dark)
    elif category == "toys":
        for k in range(12):
            x, y = 90 + (k % 4) * 85, 140 + (k // 4) * 85
            d.rectangle((x, y, x + 70, y + 60), fill=colour if k % 2 else dark, outline=(30, 30, 30))
            d.ellipse((x + 12, y - 10, x + 30, y + 6), fill=colour)
            d.ellipse((x + 40, y - 10, x + 58, y + 6), fill=colour)
    else:
        for k in range(5):
            d.ellipse((130 + k * 6, 130 + k * 10, 380 - k * 6, 360 - k * 4), outline=colour, width=8)
        d.rectangle((360, 230, 420, 270), fill=dark)
    return add_grain(img, rng, 3.0)


UNRELATED_KINDS = ("mug", "lamp", "tshirt", "book", "plant", "chair", "bottle", "backpack")


def unrelated_photo(kind: str, colour: RGB, seed: int) -> Image.Image:
    """A photo of an ordinary, unbranded item (the bulk of what marketplaces sell)."""
    img, d, rng = _plain_photo(seed, home=bool(seed % 3 == 0))
    dark = (colour[0] // 2, colour[1] // 2, colour[2] // 2)
    if kind == "mug":
        d.rectangle((170, 170, 330, 380), fill=colour)
        d.arc((290, 220, 390, 320), 270, 90, fill=colour, width=18)
    elif kind == "lamp":
        d.polygon([(180, 120), (332, 120), (370, 250), (142, 250)], fill=colour)
        d.rectangle((246, 250, 266, 420), fill=dark)
        d.ellipse((186, 410, 326, 450), fill=dark)
    elif kind == "tshirt":
        d.polygon(
            [
                (150, 120),
                (210, 100),
                (302, 100),
                (362, 120),
                (420, 200),
                (370, 230),
                (350, 200),
                (350, 430),
                (162, 430),
                (162, 200),
                (142, 230),
                (92, 200),
            ],
            fill=colour,
        )
    elif kind == "book":
        d.rectangle((160, 90, 352, 430), fill=colour)
        d.rectangle((160, 90, 180, 430), fill=dark)
        d.text((266, 200), "NOVEL", font=font(28), fill=(250, 250, 250), anchor="mm")
    elif kind == "plant":
        d.polygon([(196, 320), (316, 320), (300, 440), (212, 440)], fill=(170, 90, 60))
        for k in range(7):
            d.ellipse((186 + k * 18 - 40, 140 + (k % 3) * 40, 226 + k * 18, 300), fill=colour)
    elif kind == "chair":
        d.rectangle((170, 100, 190, 440), fill=dark)
        d.rectangle((170, 270, 350, 300), fill=colour)
        d.rectangle((330, 270, 350, 440), fill=dark)
        d.rectangle((170, 100, 340, 160), fill=colour)
    elif kind == "bottle":
        d.rounded_rectangle((206, 160, 306, 440), 30, fill=colour)
        d.rectangle((236, 100, 276, 165), fill=dark)
    else:
        d.rounded_rectangle((150, 130, 362, 440), 50, fill=colour)
        d.rounded_rectangle((190, 300, 322, 400), 20, fill=dark)
        d.arc((200, 70, 312, 190), 180, 360, fill=dark, width=14)
    return add_grain(img.resize((SIZE * 3 // 4, SIZE * 3 // 4), Image.Resampling.BILINEAR), rng, 3.0)
