"""Robustness of image matching on real photographs shipped inside installed packages (no download).

Enrols every photograph, queries each under each transformation, and prints the true-match rate per
transformation for PDQ alone (eight orientations) and for the full two-stage pipeline, and the
false-match rate over all unrelated (query, reference) pairs.

    .venv/bin/python bench/fingerprint_robustness.py
"""

from __future__ import annotations

import argparse
import io
import platform
import time
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from countermark.fingerprint import geometric
from countermark.fingerprint.imaging import open_image
from countermark.fingerprint.matcher import ImageMatcher, query_signals
from countermark.fingerprint.pdq import hash_pixels

SKIMAGE_PHOTOS = (
    "astronaut",
    "camera",
    "chelsea",
    "coffee",
    "coins",
    "clock",
    "moon",
    "rocket",
    "immunohistochemistry",
    "retina",
    "hubble_deep_field",
    "page",
    "text",
    "brick",
    "grass",
    "gravel",
    "cell",
    "logo",
    "colorwheel",
)


def photographs() -> dict[str, Image.Image]:
    """Photographs that ship inside scikit-image and scikit-learn wheels, as RGB images."""
    from skimage import data
    from sklearn.datasets import load_sample_images

    out: dict[str, Image.Image] = {}
    for name in SKIMAGE_PHOTOS:
        arr = np.asarray(getattr(data, name)())
        if arr.dtype != np.uint8:
            arr = (255 * (arr.astype(float) / max(1e-9, float(arr.max())))).astype(np.uint8)
        out[name] = Image.fromarray(arr).convert("RGB")
    left = np.asarray(data.stereo_motorcycle()[0])
    out["motorcycle"] = Image.fromarray(left).convert("RGB")
    for name, arr in zip(("china", "flower"), load_sample_images().images, strict=True):
        out[name] = Image.fromarray(arr).convert("RGB")
    return out


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def crop(img: Image.Image, frac: float) -> Image.Image:
    """Cut frac of each dimension off, unevenly (more from the left and top), as sellers do."""
    w, h = img.size
    left, top = int(w * frac * 0.7), int(h * frac * 0.6)
    return img.crop((left, top, left + int(w * (1 - frac)), top + int(h * (1 - frac))))


def overlay(img: Image.Image) -> Image.Image:
    out = img.copy()
    draw = ImageDraw.Draw(out)
    size = max(12, img.width // 12)
    draw.text((img.width // 10, img.height // 2), "BEST PRICE - WHATSAPP", fill=(255, 0, 0), font_size=size)
    return out


def square(img: Image.Image) -> Image.Image:
    """Padded with white to a square, as marketplaces show a picture that is not one."""
    side = max(img.size)
    out = Image.new("RGB", (side, side), (255, 255, 255))
    out.paste(img, ((side - img.width) // 2, (side - img.height) // 2))
    return out


BILINEAR = Image.Resampling.BILINEAR
TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "jpeg q50": lambda im: jpeg(im, 50),
    "jpeg q20": lambda im: jpeg(im, 20),
    "resize 1/2": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.BILINEAR),
    "resize 1/4": lambda im: im.resize((im.width // 4, im.height // 4), Image.Resampling.BILINEAR),
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "colour jitter": lambda im: ImageEnhance.Brightness(ImageEnhance.Color(im).enhance(1.4)).enhance(0.85),
    "text overlay": overlay,
    "320 px wide": lambda im: im.resize((320, max(1, im.height * 320 // im.width)), BILINEAR),
    "crop 5%": lambda im: crop(im, 0.05),
    "crop 10%": lambda im: crop(im, 0.10),
    "crop 20%": lambda im: crop(im, 0.20),
    "pad 10%": lambda im: ImageOps.expand(im, border=max(2, im.width // 20), fill=(255, 255, 255)),
    "pad to square": lambda im: jpeg(square(im), 80),
    "black pad 10%": lambda im: jpeg(ImageOps.expand(im, border=max(2, im.width // 20), fill=(0, 0, 0)), 80),
    "rotate 5": lambda im: im.rotate(5, resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255)),
    "rotate 90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "flip": ImageOps.mirror,
}


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def main() -> None:
    """Run the robustness bench and print its table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--inliers", action="store_true", help="also verify every (query, reference) pair: inlier margins"
    )
    args = parser.parse_args()
    photos = photographs()
    names = sorted(photos)
    # Decode through the product's own path, as an enrolled file would be.
    refs = {name: open_image(png_bytes(photos[name])) for name in names}
    features = {i: geometric.orb_features(refs[name]) for i, name in enumerate(names)}
    matcher = ImageMatcher(features.get)
    for i, name in enumerate(names):
        matcher.add(i, hash_pixels(refs[name]))
    print(
        f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}; "
        f"{len(names)} photographs: {', '.join(names)}"
    )
    header = f"{'transformation':<16}{'PDQ alone':>11}{'full':>8}{'false (full)':>14}{'ms/query':>10}"
    print(header)
    print("-" * len(header))
    false_pdq = false_full = pairs = 0
    totals = [0, 0, 0]
    for label, transform in TRANSFORMS.items():
        hit_pdq = hit_full = 0
        elapsed = 0.0
        for i, name in enumerate(names):
            query_img = open_image(png_bytes(transform(photos[name])))
            started = time.perf_counter()
            signals = query_signals(query_img)
            only_pdq = matcher.match(signals, geometric_stage=False)
            full = matcher.match(signals)
            elapsed += time.perf_counter() - started
            hit_pdq += any(m.entry_id == i for m in only_pdq)
            hit_full += any(m.entry_id == i for m in full)
            false_pdq += sum(m.entry_id != i for m in only_pdq)
            false_full += sum(m.entry_id != i for m in full)
            pairs += len(names) - 1
        n = len(names)
        totals[0] += hit_pdq
        totals[1] += hit_full
        totals[2] += n
        print(f"{label:<16}{hit_pdq / n:>11.0%}{hit_full / n:>8.0%}{'':>14}{1000 * elapsed / n:>10.1f}")
    print("-" * len(header))
    print(f"{'all':<16}{totals[0] / totals[2]:>11.0%}{totals[1] / totals[2]:>8.0%}")
    print(f"false matches over {pairs} unrelated pairs: PDQ alone {false_pdq}, full pipeline {false_full}")
    if args.inliers:
        inlier_margins(photos, refs, features)


def inlier_margins(
    photos: dict[str, Image.Image], refs: dict[str, Image.Image], features: dict[int, geometric.OrbFeatures]
) -> None:
    """ORB + RANSAC on every (query, reference) pair of the geometric transformations: the margin between
    the fewest inliers of a true copy and the most of an unrelated pair, which MIN_INLIERS must separate."""
    names = sorted(photos)
    true_inliers: list[int] = []
    worst: tuple[int, float, str] = (0, 0.0, "")
    for label in ("crop 5%", "crop 10%", "crop 20%", "pad 10%", "rotate 5", "rotate 90", "flip"):
        for i, name in enumerate(names):
            query = open_image(png_bytes(TRANSFORMS[label](photos[name])))
            direct = geometric.orb_features(query)
            mirrored = geometric.orb_features(ImageOps.mirror(query))
            for j in range(len(names)):
                v = geometric.verify(query, features[j], query_features=direct, mirrored_features=mirrored)
                if i == j:
                    true_inliers.append(v.inliers)
                elif (v.inliers, v.inlier_ratio) > worst[:2]:
                    worst = (v.inliers, v.inlier_ratio, f"{label} {name} vs {names[j]}")
    print(f"RANSAC inliers, true copies: min {min(true_inliers)}, median {int(np.median(true_inliers))}; "
          f"unrelated pairs: max {worst[0]} (ratio {worst[1]:.2f}, {worst[2]})")  # fmt: skip


if __name__ == "__main__":
    main()
