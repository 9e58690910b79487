"""PDQ image hashes: 256 bits, compared by Hamming distance, with the eight flips and rotations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash
from numpy.typing import NDArray
from PIL import Image

from countermark.core.errors import InvalidInput
from countermark.fingerprint.frames import inner_picture
from countermark.fingerprint.imaging import open_image, to_array

NAME = "pdq"
BITS = 256
MATCH_THRESHOLD = 31
THRESHOLD_SOURCE = "Meta PDQ hashing documentation: Hamming distance <= 31 of 256 bits is a match (FACTS.md)"
MIN_QUALITY = 50
QUALITY_SOURCE = "Meta PDQ documentation: hashes with quality below 50 are too flat to be trusted (FACTS.md)"
# Every picture is brought to one size before PDQ's own tent-filter downscaling, so that a hash does not
# depend on the size a copy was uploaded at: the pdqhash binding hashed one picture 100 bits or more away
# from its 512-pixel self at some widths (272 to 368 and 64 to 112 pixels wide). 320 rather than the 512
# of Meta's reference design, measured (docs/fingerprint.md): PDQ costs 1.6 ms there against 4.4
# (bench/detect.py's 100 listings a second needs it), and copies match better: 71 % of 22 photographs'
# transformed copies against 65 % (flips 95 % against 68 %), 88 of the world's 419 altered genuine shots
# against 80, a shot cropped by 2-8 pixels beyond 31 bits 17 % of the time against 22 %. The price: a
# hash 320 makes lies beyond 31 bits of a 512-pixel hasher's for 3 of the 22 photographs (and 1 in 7 of
# the world's smooth product shots), which matters for hashes exchanged with other tools.
CANONICAL_SIDE = 320


@dataclass(frozen=True)
class PdqHash:
    """One PDQ hash (64 hex digits) with its quality (0-100)."""

    hex: str
    quality: int

    @property
    def usable(self) -> bool:
        """Whether the quality is high enough for the hash to be matched."""
        return self.quality >= MIN_QUALITY


def _bits_to_hex(bits: NDArray[np.int64]) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def hex_to_bytes(value: str) -> bytes:
    """The 32 bytes of a PDQ hex hash; InvalidInput when it is not one."""
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise InvalidInput.of("not a PDQ hash (64 hex digits): {value!r}", value=value[:80]) from None
    if len(raw) != BITS // 8:
        raise InvalidInput.of("not a PDQ hash (64 hex digits): {value!r}", value=value[:80])
    return raw


def canonical(img: Image.Image) -> Image.Image:
    """The picture at the size PDQ hashes it: CANONICAL_SIDE pixels square."""
    side = CANONICAL_SIDE
    return img if img.size == (side, side) else img.resize((side, side), Image.Resampling.BILINEAR)


def _square_pixels(img: Image.Image) -> NDArray[np.uint8]:
    return to_array(canonical(img))


def hash_pixels(img: Image.Image) -> PdqHash:
    """The PDQ hash of a decoded image."""
    bits, quality = pdqhash.compute(_square_pixels(img))
    return PdqHash(_bits_to_hex(bits), int(quality))


def inner_hash(img: Image.Image) -> PdqHash | None:
    """The PDQ hash of what lies inside the picture's flat frame (padding, letterbox, border), when it has
    one and the inside is detailed enough to match (`frames`)."""
    inner = inner_picture(img)
    if inner is None:
        return None
    found = hash_pixels(inner)
    return found if found.usable else None


def picture_hashes(img: Image.Image) -> list[PdqHash]:
    """The picture's own PDQ hash, then the hash of what lies inside its flat frame when it has one."""
    own = hash_pixels(img)
    inner = inner_hash(img)
    return [own] if inner is None or inner.hex == own.hex else [own, inner]


def dihedral_pixels(img: Image.Image) -> list[PdqHash]:
    """The PDQ hashes of the image and of its seven flips and rotations (original first)."""
    vectors, quality = pdqhash.compute_dihedral(_square_pixels(img))
    return [PdqHash(_bits_to_hex(v), int(quality)) for v in vectors]


def dihedral_and_inner(img: Image.Image) -> tuple[list[PdqHash], list[PdqHash]]:
    """`dihedral_pixels` of a picture, and of what lies inside its flat frame when it has one and the inside
    is detailed enough to match (else []). A nearly symmetric product shot cut a few pixels off centre
    can hash like its own mirror image (PDQ's odd-frequency bits turn together), so a query looks the
    inside up in its eight orientations too."""
    inner = inner_picture(img)
    turns = dihedral_pixels(inner) if inner is not None else []
    return dihedral_pixels(img), turns if turns and turns[0].usable else []


def hash_image(data: bytes) -> PdqHash:
    """The PDQ hash of an image file's bytes."""
    return hash_pixels(open_image(data))


def image_hashes(data: bytes) -> list[PdqHash]:
    """`picture_hashes` of an image file's bytes."""
    return picture_hashes(open_image(data))


def hash_image_dihedral(data: bytes) -> list[PdqHash]:
    """The PDQ hashes of an image file and of its seven flips and rotations (original first)."""
    return dihedral_pixels(open_image(data))


def distance(a: str, b: str) -> int:
    """The Hamming distance between two PDQ hex hashes."""
    return (int.from_bytes(hex_to_bytes(a), "big") ^ int.from_bytes(hex_to_bytes(b), "big")).bit_count()


def is_match(dist: float) -> bool:
    """Whether a Hamming distance means the same picture."""
    return dist <= MATCH_THRESHOLD
