"""PDQ at one size whatever a copy's upload size, and the picture inside a flat frame (padding, letterbox)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from countermark.fingerprint import pdq
from countermark.fingerprint.frames import frame_of, inner_picture
from countermark.fingerprint.matcher import ImageMatcher, query_signals
from countermark.sim.images import STUDIO_BACKGROUNDS, ProductLook, View, render_product


def _shot(category: str = "handbags", seed: int = 3) -> Image.Image:
    """A product shot as the synthetic world draws them: a smooth studio backdrop with grain."""
    look = ProductLook(category, 0, (190, 30, 40), (20, 30, 90), (230, 220, 200), "chevron", "Marenza")
    return render_product(look, View(STUDIO_BACKGROUNDS[0], 0.0, 1.0, 0, 0), seed=seed)


def _padded(img: Image.Image, share: float, colour: tuple[int, int, int]) -> Image.Image:
    return ImageOps.expand(img, border=max(4, int(img.width * share / 2)), fill=colour)


def _jpeg_round_trip(img: Image.Image, quality: int = 60) -> Image.Image:
    import io

    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


@pytest.mark.parametrize("category", ["handbags", "perfume"])
@pytest.mark.parametrize("width", [288, 320, 352, 400])
def test_the_hash_does_not_depend_on_the_size_a_copy_was_uploaded_at(category: str, width: int) -> None:
    # Hashed at their own sizes, the pdqhash binding put these copies 90-122 bits away.
    shot = _shot(category)
    copy = shot.resize((width, width), Image.Resampling.BILINEAR)
    assert pdq.distance(pdq.hash_pixels(copy).hex, pdq.hash_pixels(shot).hex) <= 16


@pytest.mark.parametrize("colour", [(255, 255, 255), (0, 0, 0), (240, 240, 240)])
@pytest.mark.parametrize("share", [0.05, 0.1, 0.15])
def test_a_padded_copy_is_found_inside_its_frame(colour: tuple[int, int, int], share: float) -> None:
    shot = _shot()
    copy = _jpeg_round_trip(_padded(shot, share, colour).resize((400, 400), Image.Resampling.BILINEAR))
    own, *inner = pdq.picture_hashes(copy)
    assert len(inner) == 1
    assert pdq.is_match(pdq.distance(inner[0].hex, pdq.hash_pixels(shot).hex))
    # The reason for the second hash: the padded picture as a whole is another picture to PDQ.
    assert pdq.distance(own.hex, pdq.hash_pixels(shot).hex) > pdq.MATCH_THRESHOLD


def test_a_letterboxed_picture_is_cut_to_the_picture_between_the_bars() -> None:
    wide = _shot().resize((512, 288))
    boxed = Image.new("RGB", (512, 512), (0, 0, 0))
    boxed.paste(wide, (0, 112))
    assert frame_of(boxed) == (0, 112 + 2, 512, 400 - 2)  # and the seam


def test_a_studio_backdrop_with_grain_is_not_a_frame() -> None:
    for category in ("handbags", "perfume", "sneakers"):
        shot = _shot(category)
        assert frame_of(shot) is None
        assert len(pdq.picture_hashes(shot)) == 1


def test_a_thin_line_round_a_picture_is_not_a_frame() -> None:
    lined = ImageOps.expand(_shot().resize((508, 508)), border=2, fill=(0, 0, 0))
    assert frame_of(lined) is None


def test_a_frame_takes_at_most_a_third_from_a_side() -> None:
    canvas = Image.new("RGB", (300, 300), (255, 255, 255))
    canvas.paste(_shot().resize((30, 30)), (135, 135))
    assert frame_of(canvas) == (107, 107, 193, 193)  # 35 % from each side, and the seam
    flat = Image.new("RGB", (300, 300), (255, 255, 255))
    inner = inner_picture(flat)
    assert inner is not None and pdq.inner_hash(flat) is None  # all frame: nothing inside to match


def test_what_would_remain_inside_must_be_a_picture() -> None:
    thin = Image.new("RGB", (40, 300), (0, 0, 0))
    thin.paste(_shot().resize((4, 200)), (18, 50))
    assert frame_of(thin) is None


def test_a_watermark_reaching_into_the_frame_does_not_end_it() -> None:
    copy = _padded(_shot(), 0.12, (255, 255, 255))
    pixels = np.asarray(copy).copy()
    pixels[5:9, 0:6] = 0  # a few dark pixels of a stamp at the edge of the frame
    box = frame_of(Image.fromarray(pixels))
    assert box is not None and box[0] >= 28 and box[1] >= 28


def test_the_matcher_finds_a_padded_copy_by_its_whole_picture_hash() -> None:
    shot = _shot()
    matcher = ImageMatcher()
    matcher.add(7, pdq.hash_pixels(shot))
    copy = _jpeg_round_trip(_padded(shot, 0.1, (255, 255, 255)))
    matches = matcher.match(query_signals(copy), geometric_stage=False)
    assert [(m.entry_id, m.stage) for m in matches] == [(7, "pdq")]
    unframed = query_signals(_shot("perfume"))
    assert unframed.inner is None
    assert matcher.match(unframed, geometric_stage=False) == []
