"""Photos made from a product photo: a close-up, a new background, a collage, a photo of a screen."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from countermark.sim.images import HOME_BACKGROUNDS, STUDIO_BACKGROUNDS, add_grain, background


def closeup(img: Image.Image, keep: float, rng: random.Random) -> Image.Image:
    """A crop of `keep` of the side around a point near the centre, brought back to the original size."""
    w, h = img.size
    side_w, side_h = int(w * keep), int(h * keep)
    left = int(rng.uniform(0.1, 0.9) * (w - side_w))
    top = int(rng.uniform(0.1, 0.9) * (h - side_h))
    return img.crop((left, top, left + side_w, top + side_h)).resize((w, h), Image.Resampling.BICUBIC)


def background_swap(img: Image.Image, where: str, rng: random.Random) -> Image.Image:
    """The product cut out of its studio backdrop (pixels near each row's edge colour), put on another."""
    arr = np.asarray(img.convert("RGB"), dtype=np.int16)
    edge = np.concatenate([arr[:, :6, :], arr[:, -6:, :]], axis=1).mean(axis=1, keepdims=True)
    backdrop = np.abs(arr - edge).sum(axis=2) < 36
    palette = HOME_BACKGROUNDS if where == "home" else STUDIO_BACKGROUNDS
    np_rng = np.random.default_rng(rng.randrange(2**32))
    new = background(
        np_rng, palette[rng.randrange(len(palette))], stripes=where == "home" and rng.random() < 0.5
    )
    new = add_grain(new.resize(img.size, Image.Resampling.BILINEAR), np_rng, 3.0)
    out = np.where(backdrop[:, :, None], np.asarray(new, dtype=np.int16), arr)
    return Image.fromarray(out.astype(np.uint8), "RGB")


def collage(img: Image.Image, parts: list[Image.Image], rng: random.Random) -> Image.Image:
    """The photo and one to three others of the same product in a grid on a white sheet."""
    tiles = [img, *parts]
    cols = 2
    rows = (len(tiles) + 1) // 2
    w, h = img.size
    cell_w, cell_h = w // cols, h // max(rows, 2)
    sheet = Image.new("RGB", (w, h), (255, 255, 255))
    order = list(range(len(tiles)))
    rng.shuffle(order)
    for slot, index in enumerate(order):
        tile = tiles[index].convert("RGB").resize((cell_w - 6, cell_h - 6), Image.Resampling.BILINEAR)
        sheet.paste(
            tile, ((slot % cols) * cell_w + 3, (slot // cols) * cell_h + 3 + (h - rows * cell_h) // 2)
        )
    return sheet


def screen_photo(img: Image.Image, fill: float, rng: random.Random) -> Image.Image:
    """The photo shown on a monitor and photographed: a dark bezel, a slight tilt, scan lines and blur."""
    w, h = img.size
    inner = img.convert("RGB").resize((int(w * fill), int(h * fill)), Image.Resampling.BILINEAR)
    arr = np.asarray(inner, dtype=np.float32)
    period = rng.choice((3, 4, 5))
    lines = 0.88 + 0.12 * (np.arange(arr.shape[0]) % period == 0)[:, None, None]
    glow = np.array([rng.uniform(0.95, 1.05), 1.0, rng.uniform(0.95, 1.1)], dtype=np.float32)
    arr = np.clip(arr * lines * glow + rng.uniform(5, 20), 0, 255)
    screen = Image.fromarray(arr.astype(np.uint8), "RGB")
    desk = (rng.randint(40, 90),) * 3
    canvas = Image.new("RGB", (w, h), desk)
    bezel = Image.new("RGB", (screen.width + 24, screen.height + 24), (18, 18, 20))
    bezel.paste(screen, (12, 12))
    left, top = (w - bezel.width) // 2, (h - bezel.height) // 2
    canvas.paste(bezel, (left, top))
    ImageDraw.Draw(canvas).rectangle((w // 2 - 30, top + bezel.height, w // 2 + 30, h), fill=(30, 30, 32))
    tilted = canvas.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BILINEAR, fillcolor=desk)
    return tilted.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))


def compose(
    img: Image.Image,
    op: str,
    param: float | str,
    rng: random.Random,
    load: Callable[[str], Image.Image] | None,
) -> Image.Image:
    """Apply one composition named in an image's truth (op and its parameter)."""
    if op == "closeup":
        return closeup(img, float(param), rng)
    if op == "background_swap":
        return background_swap(img, str(param), rng)
    if op == "collage":
        if load is None:
            raise ValueError("a collage needs its other photos")
        return collage(img, [load(source) for source in str(param).split("|")], rng)
    if op == "screen_photo":
        return screen_photo(img, float(param), rng)
    raise ValueError(f"unknown composition {op!r}")
