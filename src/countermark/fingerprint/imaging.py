"""Safe, fast image decoding: clear errors for bad input, shrunk early so hashing stays cheap."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from countermark.core.errors import InvalidInput

# Beyond this a file is a decompression bomb rather than a product photo; refuse before decoding.
MAX_PIXELS = 80_000_000
HASH_SIDE = 512
# Pixels one request may have decoded, summed over its pictures (a JPEG counts at the reduced scale libjpeg
# decodes it at): 48 megapixels are ~150 MB as RGB and about a second of decoding, the largest
# photograph a phone saves at full resolution. Bounds each heavy request's memory and time.
MAX_REQUEST_PIXELS = 48_000_000


class TooManyPixels(InvalidInput):
    """Pictures that would decode to more pixels than one request may use (an InvalidInput, sent as 413)."""

    status = 413
    code = "too_many_pixels"


def decoded_pixels(data: bytes, *, max_side: int = HASH_SIDE) -> int:
    """The pixels open_image would decode, read from the header alone; 0 when the bytes are no image.

    Pictures that cannot even be opened cost nothing here: open_image refuses them before decoding.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format == "JPEG":
                    opened.draft("RGB", (max_side, max_side))
                width, height = opened.size
                return max(0, width) * max(0, height)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        return 0


def check_pixel_budget(pictures: Iterable[bytes], *, budget: int = MAX_REQUEST_PIXELS) -> None:
    """TooManyPixels (413) when these pictures together would decode to more than the budget."""
    total = 0
    for data in pictures:
        total += decoded_pixels(data)
        if total > budget:
            raise TooManyPixels.of(
                "the pictures sent would decode to more than {megapixels} megapixels, the most one request "
                "may use: send them smaller (a photograph of 12 megapixels or fewer is plenty)",
                megapixels=budget // 1_000_000,
            )


def open_image(data: bytes, *, max_side: int = HASH_SIDE) -> Image.Image:
    """The image in the bytes as RGB, shrunk to at most max_side pixels; InvalidInput when it is not one."""
    if not data:
        raise InvalidInput.of("empty file: no image to fingerprint")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise InvalidInput.of(
                    "image too large to fingerprint: {width}x{height} pixels", width=width, height=height
                )
            if width < 1 or height < 1:
                raise InvalidInput.of("image has no pixels")
            if opened.format == "JPEG":
                # draft() lets libjpeg decode at 1/2, 1/4 or 1/8 scale, which is most of the speed-up.
                opened.draft("RGB", (max_side, max_side))
            if opened.size[0] * opened.size[1] > MAX_REQUEST_PIXELS:
                raise TooManyPixels.of(
                    "image too large to fingerprint: {width}x{height} pixels would be decoded in full, "
                    "more than {megapixels} megapixels",
                    width=width,
                    height=height,
                    megapixels=MAX_REQUEST_PIXELS // 1_000_000,
                )
            img: Image.Image = ImageOps.exif_transpose(opened) or opened
            img = img.convert("RGB")
            img.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
            return img
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput.of("image too large to fingerprint safely: {problem}", problem=exc) from None
    except UnidentifiedImageError as exc:
        raise InvalidInput.of("not a readable image: {problem}", problem=exc) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidInput.of("damaged or truncated image: {problem}", problem=exc) from None


def to_array(img: Image.Image) -> NDArray[np.uint8]:
    """The RGB pixels of the image as a contiguous uint8 array (height, width, 3)."""
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
