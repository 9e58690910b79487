"""A flat frame around a picture, and the picture inside it.

Sellers pad a product shot to a square, letterbox it or put a plain border around it. PDQ does not survive
that: a shot padded by a tenth of its width lies 60 bits or more from the shot itself. So a picture with a
flat frame is hashed twice, as it is and as what lies inside its frame (`pdq.picture_hashes`).

A frame is a run of lines, from each edge inwards, whose pixels all but a few stay within a few levels of
the edge's own colour. The tolerance is tight on purpose: a studio backdrop's gradient with its grain is not
a frame, and a frame found on one copy and not on another costs nothing, the picture's own hash being kept.
Hand-written: none of the image libraries pinned here trims a border of any colour with a tolerance
(Pillow's `ImageChops.difference` + `getbbox` needs the colour and an exact match).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from countermark.fingerprint.imaging import to_array

# Levels per channel a frame's pixel may stray from the edge's colour (JPEG noise over a flat area).
FRAME_TOLERANCE = 4
# Share of a line's pixels that must be frame-coloured (a watermark's corner may reach into the frame).
LINE_SHARE = 0.98
# At most this share of the picture is taken from each side: what remains is the picture.
MOST_FROM_A_SIDE = 0.35
# A frame thinner than this share of the picture's width or height changes its hash by a bit or two: none.
LEAST_FRAME = 0.02
LEAST_INNER_SIDE = 32
# Pixels taken past the frame on each framed side: the seam where resizing and JPEG blur the frame's edge
# into the picture (a dark ring inside a black frame moved the hash 10-30 bits; 2 pixels halved that).
SEAM = 2


def _flat_lines(pixels: NDArray[np.uint8], limit: int) -> int:
    """How many lines, from the first row inwards, are the colour of the first row (at most `limit`).
    Read in growing blocks: a frame costs about twice its own lines, not the `limit`."""
    if limit < 1:
        return 0
    edge = np.rint(np.median(pixels[0], axis=0)).astype(np.int16)

    def close(lines: NDArray[np.uint8]) -> NDArray[np.bool_]:
        apart = np.abs(lines.astype(np.int16) - edge).max(axis=2)
        found: NDArray[np.bool_] = (apart <= FRAME_TOLERANCE).mean(axis=1) >= LINE_SHARE
        return found

    if not close(pixels[:1])[0]:  # most pictures: no frame, one line read
        return 0
    start, block = 1, 8
    while start < limit:
        stop = min(limit, start + block)
        flat = close(pixels[start:stop])
        if not flat.all():
            return start + int(np.argmin(flat))
        start, block = stop, block * 2
    return limit


Box = tuple[int, int, int, int]


def frame_of(img: Image.Image) -> Box | None:
    """(left, top, right, bottom): the box inside the picture's flat frame, or None when it has none."""
    pixels = to_array(img)
    height, width = pixels.shape[:2]
    most_rows, most_columns = int(height * MOST_FROM_A_SIDE), int(width * MOST_FROM_A_SIDE)
    columns = pixels.transpose(1, 0, 2)
    top = _flat_lines(pixels, most_rows)
    bottom = _flat_lines(pixels[::-1], most_rows)
    left = _flat_lines(columns, most_columns)
    right = _flat_lines(columns[::-1], most_columns)
    if top + bottom < LEAST_FRAME * height and left + right < LEAST_FRAME * width:
        return None
    box = (
        left + SEAM * (left > 0),
        top + SEAM * (top > 0),
        width - right - SEAM * (right > 0),
        height - bottom - SEAM * (bottom > 0),
    )
    if box[2] - box[0] < LEAST_INNER_SIDE or box[3] - box[1] < LEAST_INNER_SIDE:
        return None
    return box


def inner_picture(img: Image.Image) -> Image.Image | None:
    """The picture inside its flat frame, or None when it has none."""
    box = frame_of(img)
    return None if box is None else img.crop(box)
