"""Colour signatures: copies of one shot keep theirs (saturation, brightness, JPEG, size, frames,
captions); a product of another colour drawn from one template does not, though PDQ sees one picture."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from countermark.fingerprint import pdq
from countermark.fingerprint.colour import LENGTH, colour_signature, same_colours

BACKDROP = (226, 230, 236)  # a studio's pale grey-blue, below the chroma a colour needs


def _bag(colour: tuple[int, int, int], backdrop: tuple[int, int, int] = BACKDROP) -> Image.Image:
    img = Image.new("RGB", (400, 400), backdrop)
    draw = ImageDraw.Draw(img)
    dark = tuple(int(c * 0.5) for c in colour)
    draw.arc((140, 40, 260, 160), 180, 360, fill=dark, width=12)
    draw.rounded_rectangle((100, 100, 300, 340), radius=30, fill=colour)
    draw.rectangle((150, 230, 250, 300), fill=dark)
    return img


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


RED, BROWN, NAVY, BLACK = (190, 35, 40), (110, 70, 40), (25, 40, 90), (28, 28, 30)


def _caption(img: Image.Image) -> Image.Image:
    out = img.copy()
    ImageDraw.Draw(out).text((20, 360), "WhatsApp +86 138 0000 0000", fill=(255, 255, 255))
    return out


def _tone(img: Image.Image, saturation: float, brightness: float) -> Image.Image:
    return ImageEnhance.Brightness(ImageEnhance.Color(img).enhance(saturation)).enhance(brightness)


COPIES = {
    "more saturated, darker": lambda i: _tone(i, 1.3, 0.7),
    "less saturated, brighter": lambda i: _tone(i, 0.75, 1.08),
    "JPEG at 30": lambda i: _jpeg(i, 30),
    "half size": lambda i: i.resize((200, 200)),
    "white frame": lambda i: ImageOps.expand(i, border=30, fill=(255, 255, 255)),
    "black frame": lambda i: ImageOps.expand(i, border=30, fill=(0, 0, 0)),
    "caption": _caption,
}


@pytest.mark.parametrize("edit", sorted(COPIES))
def test_a_copy_of_a_shot_keeps_its_colours(edit: str) -> None:
    for colour in (RED, BROWN, NAVY, BLACK):
        shot = _bag(colour)
        assert same_colours(colour_signature(shot), colour_signature(COPIES[edit](shot))), (edit, colour)


def test_products_of_other_colours_from_one_template_differ_though_pdq_sees_one_picture() -> None:
    red, brown = _bag(RED), _bag(BROWN)
    assert pdq.distance(pdq.hash_pixels(red).hex, pdq.hash_pixels(brown).hex) <= 16  # the flaw
    colours = {"red": RED, "brown": BROWN, "navy": NAVY, "black": BLACK}
    signatures = {name: colour_signature(_bag(c)) for name, c in colours.items()}
    for a in signatures:
        for b in signatures:
            assert same_colours(signatures[a], signatures[b]) is (a == b), (a, b)


def test_pictures_without_colour_are_left_to_the_hash() -> None:
    # A black and a grey product on a neutral backdrop: hue says nothing, so colour does not part them.
    black, grey = colour_signature(_bag(BLACK)), colour_signature(_bag((128, 128, 132)))
    assert same_colours(black, grey)


def test_a_coloured_backdrop_counts_but_does_not_hide_the_product() -> None:
    # On a green backdrop, the red and the navy bag share the backdrop's hue but not their own (the bag
    # covers under a third of the picture).
    green = (60, 140, 80)
    assert same_colours(colour_signature(_bag(RED, green)), colour_signature(_bag(RED, green)))
    assert not same_colours(colour_signature(_bag(RED, green)), colour_signature(_bag(NAVY, green)))


def test_signatures_are_fixed_length_hex_and_unknown_or_malformed_ones_part_nothing() -> None:
    signature = colour_signature(Image.new("RGBA", (50, 80), (200, 10, 10, 128)))
    assert len(signature) == LENGTH and int(signature, 16) >= 0
    assert colour_signature(Image.new("L", (64, 64), 90))[-2:] == "00"  # grey: no coloured pixel
    for other in (None, "", "zz" * (LENGTH // 2), signature[:-2]):
        assert same_colours(signature, other) and same_colours(other, signature)
