"""A photo's colours, beside its PDQ hash: PDQ reads luma only, so a red and a brown bag drawn from one
template, or one mug photographed in black and in navy, are one picture to it.

The signature is a hue histogram of the picture's coloured pixels (12 bins of 30 degrees, each pixel
shared between its two nearest bins and weighted by its chroma, the weight fading out below `CHROMA` so
that pale pixels a saturation change pushes across it barely move the histogram) and the share of
coloured pixels. Hue
does not move when a seller turns saturation or brightness up or down, re-encodes, resizes, pads with a
white, grey or black frame or stamps a caption, so copies of one shot keep their signature; a product of
another colour does not. Kept as 26 hexadecimal characters: 12 bins and the share, one byte each.

Hand-written in NumPy: OpenCV's `calcHist` counts pixels into hard bins; it neither weights them by
chroma nor shares them between neighbouring bins, which is what keeps copies of one shot together.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from countermark.fingerprint.imaging import to_array

BINS = 12
SIDE = 64  # pixels a side the picture is reduced to first: colours, not detail
# A pixel is coloured when its chroma (max - min of R, G, B, on 0..1) passes this: JPEG noise and a
# studio's off-white or pastel backdrop stay below it; a red, navy or brown product is far above.
CHROMA = 0.12
# Below this share of coloured pixels a picture has no colour to compare (a black, white or grey product
# on a neutral backdrop): its hue histogram is noise.
COLOURLESS = 0.02
# A picture with at least this share of coloured pixels is not a copy of one with none.
COLOURED = 0.10
# Two coloured pictures are of one colour scheme when their hue histograms overlap this much (histogram
# intersection, 0..1). Measured on two synthetic worlds (seeds 8 and 53): of the coloured photo pairs
# within 4 bits posted by one ring (product and accessory shots; unbranded stock shots left out, as a
# ring posts them in several colours), 1,266 of 1,267 overlap by 0.93 or more (the other is a brown and
# a black cable, which this parts); of 1,500 coloured pairs within 16 bits posted by unrelated sellers,
# 70 % overlap by less.
# A backdrop's colour counts in both: on a strongly coloured one, a product of another colour that
# covers under a fifth of the coloured pixels is not told apart.
OVERLAP = 0.8
LENGTH = 2 * (BINS + 1)


def colour_signature(img: Image.Image) -> str:
    """The picture's colour signature (hexadecimal, `LENGTH` characters)."""
    small = img if img.size == (SIDE, SIDE) else img.resize((SIDE, SIDE), Image.Resampling.BOX)
    pixels: NDArray[np.float32] = to_array(small).astype(np.float32) / 255.0
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    high, low = pixels.max(axis=2), pixels.min(axis=2)
    chroma = high - low
    share = float((chroma > CHROMA).mean())
    tinted = chroma > CHROMA / 2
    histogram = np.zeros(BINS, dtype=np.float64)
    if tinted.any():
        r, g, b, c, top = red[tinted], green[tinted], blue[tinted], chroma[tinted], high[tinted]
        weight = c * np.clip(2 * c / CHROMA - 1, 0.0, 1.0)  # none at CHROMA / 2, the chroma from CHROMA up
        # Hue in sixths of the circle, as in the HSV model: which channel is highest picks the sixth.
        hue = np.where(top == r, ((g - b) / c) % 6, np.where(top == g, (b - r) / c + 2, (r - g) / c + 4))
        position = hue / 6 * BINS
        below = np.floor(position)
        upper = position - below
        index = below.astype(np.int64) % BINS
        np.add.at(histogram, index, weight * (1 - upper))
        np.add.at(histogram, (index + 1) % BINS, weight * upper)
        histogram /= histogram.sum()
    quantised = [*np.rint(histogram * 255).astype(int).tolist(), round(share * 255)]
    return bytes(quantised).hex()


def _read(signature: str) -> tuple[NDArray[np.float64], float] | None:
    if len(signature) != LENGTH:
        return None
    try:
        values = np.frombuffer(bytes.fromhex(signature), dtype=np.uint8).astype(np.float64)
    except ValueError:
        return None
    histogram = values[:BINS]
    total = histogram.sum()
    return (histogram / total if total else histogram), values[BINS] / 255.0


def same_colours(a: str | None, b: str | None) -> bool:
    """Whether two pictures may be copies of one shot as far as colour tells (True when either has no
    signature, or neither has colour enough to compare)."""
    first, second = _read(a or ""), _read(b or "")
    if first is None or second is None:
        return True
    (hues_a, share_a), (hues_b, share_b) = first, second
    if min(share_a, share_b) < COLOURLESS:
        return bool(max(share_a, share_b) < COLOURED)
    return bool(np.minimum(hues_a, hues_b).sum() >= OVERLAP)
