"""Pillow drawings of logos and products: the genuine photos and the sellers' own photos."""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from countermark.sim.catalogue import RGB

SIZE = 512
GENUINE_QUALITY = 90

# Backgrounds: studio sets for brand photos, home surfaces for sellers' own photos.
STUDIO_BACKGROUNDS: tuple[tuple[RGB, RGB], ...] = (
    ((250, 250, 250), (222, 222, 226)),
    ((236, 238, 242), (200, 204, 212)),
    ((246, 240, 228), (214, 200, 176)),
    ((232, 240, 236), (190, 208, 200)),
)
HOME_BACKGROUNDS: tuple[tuple[RGB, RGB], ...] = (
    ((150, 110, 75), (110, 75, 50)),
    ((180, 170, 160), (120, 115, 110)),
    ((90, 100, 120), (60, 66, 80)),
    ((205, 195, 175), (160, 150, 130)),
)


@dataclass(frozen=True)
class ProductLook:
    """How one product is drawn: its category, model, colours and the mark printed on it."""

    category: str
    model_index: int
    body: RGB
    primary: RGB
    secondary: RGB
    logo_shape: str
    logo_text: str


@dataclass(frozen=True)
class View:
    """One photo of a product: background, framing and whether it is a close-up or a worn item."""

    background: tuple[RGB, RGB]
    rotation: float
    scale: float
    dx: int
    dy: int
    detail: bool = False
    worn: bool = False
    stripes: bool = False


_FONTS = threading.local()


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's built-in scalable font (no font file is ever downloaded), one instance per thread."""
    # FreeType faces must not be shared between threads, and photos are drawn on several.
    cache: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = _FONTS.__dict__.setdefault("by_size", {})
    if size not in cache:
        cache[size] = ImageFont.load_default(size=size)
    return cache[size]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (int(a[0] + (b[0] - a[0]) * t), int(a[1] + (b[1] - a[1]) * t), int(a[2] + (b[2] - a[2]) * t))


def _darker(c: RGB, f: float = 0.7) -> RGB:
    return (int(c[0] * f), int(c[1] * f), int(c[2] * f))


def background(rng: np.random.Generator, colours: tuple[RGB, RGB], stripes: bool) -> Image.Image:
    """A vertical gradient (with wood-like stripes for home surfaces); grain is added later."""
    top = np.array(colours[0], dtype=np.float32)
    bottom = np.array(colours[1], dtype=np.float32)
    t = np.linspace(0.0, 1.0, SIZE, dtype=np.float32)[:, None, None]
    column = np.clip(top + (bottom - top) * t, 0, 255).astype(np.uint8)
    img = Image.fromarray(column, "RGB").resize((SIZE, SIZE), Image.Resampling.NEAREST)
    if stripes:
        phase = rng.uniform(0, 6.28)
        wave = (10 * np.sin(np.linspace(0, 38, SIZE, dtype=np.float32) + phase)).astype(np.int16)
        arr = np.asarray(img, dtype=np.int16) + wave[None, :, None]
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    return img


@lru_cache(maxsize=8)
def _grain_tile(spread: int) -> Image.Image:
    # One fixed noise field per strength, drawn from a constant seed; photos take crops at random offsets.
    noise = np.random.default_rng(spread).integers(
        0, 2 * spread + 1, size=(2 * SIZE, 2 * SIZE), dtype=np.uint8
    )
    grey = Image.fromarray(noise, "L")
    return Image.merge("RGB", (grey, grey, grey))


def add_grain(img: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    """Sensor-like noise so no photo is flat (flat images give degenerate perceptual hashes)."""
    spread = int(sigma * 2)
    x, y = int(rng.integers(0, SIZE)), int(rng.integers(0, SIZE))
    noise = _grain_tile(spread).crop((x, y, x + img.width, y + img.height))
    return ImageChops.add(img.convert("RGB"), noise, scale=1.0, offset=-spread)


def draw_logo(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, look: ProductLook, with_text: bool = True
) -> None:
    """The brand's logo: its shape in brand colours, with the brand text beneath."""
    p, s = look.primary, look.secondary
    shape = look.logo_shape
    if shape == "chevron":
        draw.polygon(
            [
                (cx - r, cy - r / 2),
                (cx, cy + r / 2),
                (cx + r, cy - r / 2),
                (cx + r, cy),
                (cx, cy + r),
                (cx - r, cy),
            ],
            fill=p,
        )
    elif shape == "crescent":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=p)
        draw.ellipse((cx - r / 2, cy - r, cx + r * 1.3, cy + r * 0.8), fill=s)
    elif shape == "ring":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=p, width=max(2, int(r / 3)))
        draw.line((cx, cy - r, cx, cy + r), fill=s, width=max(2, int(r / 5)))
    elif shape == "diamond":
        draw.polygon([(cx, cy - r), (cx + r * 0.7, cy), (cx, cy + r), (cx - r * 0.7, cy)], fill=p, outline=s)
    elif shape == "wave":
        for k in range(3):
            off = (k - 1) * r / 2
            draw.arc(
                (cx - r, cy - r / 2 + off, cx + r, cy + r / 2 + off),
                200,
                340,
                fill=p,
                width=max(2, int(r / 5)),
            )
    elif shape == "triangle":
        draw.polygon([(cx, cy - r), (cx + r, cy + r * 0.8), (cx - r, cy + r * 0.8)], fill=p)
        draw.line(
            (
                cx + r / 4,
                cy - r / 3,
                cx - r / 4,
                cy + r / 6,
                cx + r / 4,
                cy + r / 6,
                cx - r / 4,
                cy + r / 1.6,
            ),
            fill=s,
            width=max(2, int(r / 6)),
        )
    elif shape == "star":
        points = []
        for k in range(10):
            rad = r if k % 2 == 0 else r * 0.45
            ang = math.pi / 5 * k - math.pi / 2
            points.append((cx + rad * math.cos(ang), cy + rad * math.sin(ang)))
        draw.polygon(points, fill=p, outline=s)
    elif shape == "hexagon":
        points = [(cx + r * math.cos(math.pi / 3 * k), cy + r * math.sin(math.pi / 3 * k)) for k in range(6)]
        draw.polygon(points, fill=p)
        draw.ellipse((cx - r / 3, cy - r / 3, cx + r / 3, cy + r / 3), fill=s)
    else:
        draw.ellipse((cx - r, cy - r / 2, cx + r, cy + r / 2), fill=p)
        draw.line((cx - r, cy, cx + r, cy), fill=s, width=max(2, int(r / 6)))
    if with_text and look.logo_text:
        size = max(10, int(r * 0.55))
        draw.text((cx, cy + r + 4), look.logo_text, font=font(size), fill=_darker(p, 0.8), anchor="mt")


def _sneaker(d: ImageDraw.ImageDraw, look: ProductLook) -> None:
    mid = look.model_index % 3 == 2
    top = 120 if mid else 150
    d.rounded_rectangle(
        (70, 300, 450, 345), 18, fill=look.secondary if look.secondary != look.body else (240, 240, 240)
    )
    d.polygon(
        [
            (90, 302),
            (95, 230),
            (150, top + 40),
            (240, top + 30),
            (300, top),
            (370, top),
            (385, 205),
            (445, 262),
            (452, 302),
        ],
        fill=look.body,
    )
    d.polygon([(380, 230), (445, 262), (452, 302), (380, 302)], fill=_darker(look.body))
    for k in range(5):
        d.line(
            (250 + k * 22, top + 38 - k * 6, 275 + k * 22, top + 52 - k * 6), fill=(245, 245, 245), width=5
        )
    for k in range(look.model_index % 3 + 1):
        d.line((110, 280 - k * 10, 200, 280 - k * 10), fill=look.primary, width=4)
    draw_logo(d, 250, 250, 36, look, with_text=False)
    d.text((120, 312), look.logo_text, font=font(18), fill=(60, 60, 60))


def _handbag(d: ImageDraw.ImageDraw, look: ProductLook) -> None:
    w = 150 + 20 * (look.model_index % 3)
    if look.model_index % 4 != 3:
        d.arc((256 - w * 0.6, 95, 256 + w * 0.6, 330), 180, 360, fill=_darker(look.body), width=16)
    d.polygon([(256 - w, 215), (256 + w, 215), (256 + w + 35, 410), (256 - w - 35, 410)], fill=look.body)
    d.polygon(
        [(256 - w, 215), (256 + w, 215), (256 + w + 10, 290), (256 - w - 10, 290)],
        fill=_darker(look.body, 0.8),
    )
    d.rounded_rectangle((226, 270, 286, 310), 8, fill=look.secondary)
    draw_logo(d, 256, 350, 22, look)


def _watch(d: ImageDraw.ImageDraw, look: ProductLook) -> None:
    d.rectangle((218, 40, 294, 472), fill=look.body)
    for y in range(60, 472, 40):
        d.line((218, y, 294, y), fill=_darker(look.body), width=2)
    case = look.secondary if look.model_index % 2 else (190, 190, 196)
    d.ellipse((136, 136, 376, 376), fill=case)
    dial = (245, 245, 240) if look.model_index % 3 == 0 else _darker(look.primary, 0.5)
    d.ellipse((156, 156, 356, 356), fill=dial)
    for k in range(12):
        ang = math.pi / 6 * k
        d.line(
            (
                256 + 88 * math.cos(ang),
                256 + 88 * math.sin(ang),
                256 + 72 * math.cos(ang),
                256 + 72 * math.sin(ang),
            ),
            fill=look.primary,
            width=4,
        )
    d.line((256, 256, 256 + 55, 256 - 30), fill=(30, 30, 30), width=6)
    d.line((256, 256, 256 - 20, 256 - 70), fill=(30, 30, 30), width=4)
    d.text((256, 200), look.logo_text, font=font(16), fill=look.primary, anchor="mm")
    draw_logo(d, 256, 300, 12, look, with_text=False)


def _perfume(d: ImageDraw.ImageDraw, look: ProductLook) -> None:
    tall = 30 * (look.model_index % 3)
    d.rounded_rectangle((210, 100 - tall, 302, 175), 10, fill=look.secondary, outline=_darker(look.secondary))
    d.rectangle((236, 170, 276, 195), fill=(200, 200, 205))
    glass = _mix(look.body, (255, 255, 255), 0.35)
    d.rounded_rectangle((150, 190 - tall // 2, 362, 440), 28, fill=glass, outline=_darker(glass))
    d.rectangle((185, 290, 327, 380), fill=(250, 248, 240))
    draw_logo(d, 256, 315, 18, look)


def _headphones(d: ImageDraw.ImageDraw, look: ProductLook) -> None:
    if look.model_index % 3 == 1:
        for cx in (180, 332):
            d.ellipse((cx - 55, 190, cx + 55, 300), fill=look.body)
            d.rounded_rectangle((cx - 14, 280, cx + 14, 400), 10, fill=look.body)
            draw_logo(d, cx, 235, 18, look, with_text=False)
        d.text((256, 430), look.logo_text, font=font(22), fill=_darker(look.primary), anchor="mm")
        return
    d.arc((110, 80, 402, 380), 180, 360, fill=look.body, width=28)
    for x0 in (90, 342):
        d.rounded_rectangle((x0, 220, x0 + 80, 390), 30, fill=look.body)
        d.rounded_rectangle((x0 + 10, 235, x0 + 70, 375), 24, fill=_darker(look.body))
        draw_logo(d, x0 + 40, 290, 18, look, with_text=False)
    d.text((256, 420), look.logo_text, font=font(22), fill=_darker(look.primary), anchor="mm")


def _phone_accessory(d: ImageDraw.ImageDraw, look: ProductLook) -> None:
    kind = look.model_index % 3
    if kind == 0:
        d.rounded_rectangle((176, 170, 336, 370), 26, fill=look.body, outline=_darker(look.body))
        d.rectangle((220, 120, 234, 172), fill=(190, 190, 190))
        d.rectangle((278, 120, 292, 172), fill=(190, 190, 190))
        draw_logo(d, 256, 250, 28, look)
    elif kind == 1:
        d.ellipse((126, 126, 386, 386), fill=look.body, outline=_darker(look.body), width=6)
        d.ellipse((206, 206, 306, 306), outline=look.primary, width=5)
        draw_logo(d, 256, 240, 20, look)
    else:
        d.rounded_rectangle((166, 70, 346, 450), 36, fill=look.body)
        d.rounded_rectangle((186, 92, 256, 170), 14, fill=_darker(look.body))
        draw_logo(d, 256, 300, 30, look)


def _toy(d: ImageDraw.ImageDraw, look: ProductLook) -> None:
    d.rectangle((80, 110, 432, 410), fill=look.primary)
    d.rectangle((110, 180, 402, 390), fill=(235, 240, 245))
    palette = [look.secondary, look.body, (250, 210, 40), (60, 170, 90)]
    for row in range(4):
        for col in range(6 - row):
            x = 140 + col * 40 + row * 20
            y = 350 - row * 38
            d.rectangle(
                (x, y, x + 38, y + 34), fill=palette[(row + col + look.model_index) % 4], outline=(40, 40, 40)
            )
    draw_logo(d, 140, 140, 24, look, with_text=False)
    d.text((180, 140), look.logo_text, font=font(30), fill=(255, 255, 255), anchor="lm")


def _game(d: ImageDraw.ImageDraw, look: ProductLook) -> None:
    d.rectangle((140, 50, 372, 462), fill=(20, 60, 160) if look.model_index % 2 else (30, 30, 34))
    d.rectangle((150, 80, 362, 452), fill=look.primary)
    for k in range(5):
        d.polygon(
            [(150 + k * 35, 452), (186 + k * 35, 300 - 20 * (k % 3)), (222 + k * 35, 452)],
            fill=_mix(look.secondary, look.body, k / 5),
        )
    d.text((256, 150), look.logo_text.upper(), font=font(26), fill=look.secondary, anchor="mm")
    draw_logo(d, 256, 220, 26, look, with_text=False)


def _cosmetic(d: ImageDraw.ImageDraw, look: ProductLook) -> None:
    kind = look.model_index % 3
    if kind == 0:
        d.rectangle((146, 250, 366, 420), fill=look.secondary, outline=_darker(look.secondary))
        d.rounded_rectangle((136, 190, 376, 255), 12, fill=look.primary)
        draw_logo(d, 256, 315, 24, look)
    elif kind == 1:
        d.rounded_rectangle((220, 190, 292, 440), 8, fill=look.primary)
        d.polygon([(226, 190), (286, 190), (276, 110), (236, 130)], fill=look.body)
        draw_logo(d, 256, 330, 14, look, with_text=False)
        d.text((256, 460), look.logo_text, font=font(20), fill=_darker(look.primary), anchor="mm")
    else:
        d.polygon([(200, 90), (312, 90), (330, 430), (182, 430)], fill=look.secondary)
        d.rectangle((215, 430, 297, 470), fill=look.primary)
        draw_logo(d, 256, 230, 26, look)


_DRAWERS = {
    "sneakers": _sneaker,
    "handbags": _handbag,
    "watches": _watch,
    "perfume": _perfume,
    "headphones": _headphones,
    "phone_accessories": _phone_accessory,
    "toys": _toy,
    "software": _game,
    "cosmetics": _cosmetic,
}


def render_product(look: ProductLook, view: View, seed: int) -> Image.Image:
    """A photo of the product in one view, with grain; deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    layer = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    _DRAWERS[look.category](ImageDraw.Draw(layer), look)
    # Scale, rotation and offset in one affine resampling (output pixel -> drawing pixel).
    angle = math.radians(view.rotation)
    cos, sin = math.cos(angle) / view.scale, math.sin(angle) / view.scale
    cx_out, cy_out, centre = SIZE / 2 + view.dx, SIZE / 2 + view.dy, SIZE / 2
    matrix = (cos, sin, centre - cos * cx_out - sin * cy_out, -sin, cos, centre + sin * cx_out - cos * cy_out)
    layer = layer.transform((SIZE, SIZE), Image.Transform.AFFINE, matrix, Image.Resampling.NEAREST)
    canvas = background(rng, view.background, view.stripes)
    shadow = Image.new("L", (320, 100), 0)
    ImageDraw.Draw(shadow).ellipse((24, 24, 296, 74), fill=90)
    canvas.paste((40, 40, 40), (96 + view.dx, 396 + view.dy // 3), shadow.filter(ImageFilter.BoxBlur(12)))
    canvas.paste(layer, (0, 0), layer)
    if view.detail:
        # A close-up of the branded area: a different composition, not a resized copy.
        box = (
            SIZE // 4 + view.dx // 2,
            SIZE // 4 + view.dy // 2,
            SIZE * 3 // 4 + view.dx // 2,
            SIZE * 3 // 4 + view.dy // 2,
        )
        canvas = canvas.crop(box).resize((SIZE, SIZE), Image.Resampling.BICUBIC)
    if view.worn:
        canvas = canvas.filter(ImageFilter.BoxBlur(1))
    return add_grain(canvas, rng, 5.0 if view.worn else 3.0)


def encode_jpeg(img: Image.Image, quality: int) -> bytes:
    """JPEG bytes with fixed settings and no metadata, so the same pixels give the same file."""
    buffer = io.BytesIO()
    img.convert("RGB").save(buffer, format="JPEG", quality=quality, optimize=False, progressive=False)
    return buffer.getvalue()
