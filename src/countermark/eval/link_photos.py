"""The photos of a world's files as the linker reads them: each posted photo's PDQ hash, the hash inside
its flat frame and its colour signature, and the rights holders' own shots in every orientation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from countermark.core.errors import InvalidInput
from countermark.eval.world_files import WorldFiles
from countermark.fingerprint.colour import colour_signature
from countermark.fingerprint.imaging import open_image
from countermark.fingerprint.pdq import hash_pixels, inner_hash
from countermark.link.photos import photo_key


@dataclass(frozen=True)
class PhotoPrint:
    """What the linker reads of one photo (as the store keeps it in `image_hashes`)."""

    pdq: str
    inner: str | None = None
    colour: str | None = None


# A photo file -> its print, or None when it is unreadable or too flat to compare.
PhotoPrints = dict[Path, PhotoPrint | None]


def print_of(picture: Image.Image) -> PhotoPrint | None:
    """A decoded picture's print (None when it is too flat to compare)."""
    own = hash_pixels(picture)
    if not own.usable:
        return None
    inner = inner_hash(picture)
    return PhotoPrint(own.hex, inner.hex if inner is not None else None, colour_signature(picture))


def photo_print(path: Path, prints: PhotoPrints) -> PhotoPrint | None:
    """A photo file's print, read once and kept in `prints`."""
    if path not in prints:
        try:
            prints[path] = print_of(open_image(path.read_bytes()))
        except (OSError, InvalidInput):
            prints[path] = None
    return prints[path]


def world_photos(world: WorldFiles, prints: PhotoPrints) -> dict[str, set[str]]:
    """The photos each account posted, named as the linker names them (`photo_key`: hash and colour)."""
    photos: dict[str, set[str]] = {}
    for listing in world.listings:
        if listing.seller is not None:
            for path in listing.images:
                if (found := photo_print(path, prints)) is not None:
                    photos.setdefault(listing.seller, set()).add(photo_key(found.pdq, found.colour))
    return photos


def photo_insides(prints: PhotoPrints) -> dict[str, str]:
    """PDQ hash -> the hash inside the picture's flat frame, for the photos read so far that have one."""
    return {p.pdq: p.inner for p in prints.values() if p is not None and p.inner}


# The seven flips and quarter turns of a picture, besides itself.
TURNS = (
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
)


def reference_hashes(world: WorldFiles) -> list[str]:
    """The PDQ hashes of the rights holders' own product photos and of their flips and quarter turns: a
    mirrored genuine shot is still the holder's, and two sellers who each mirror it post one picture.
    PDQ is not mirror-invariant (a mirror is about 100 bits away), and the library's own eight hashes
    are computed from the transform of one picture's DCT, 6 to 38 bits from a mirrored picture's hash,
    so each turn is hashed from its pixels."""
    found: set[str] = set()
    for path in (path for p in world.products for path in p.images):
        try:  # read and decoded once for its straight hash and its turns
            picture = open_image(path.read_bytes())
        except (OSError, InvalidInput):
            continue
        straight = hash_pixels(picture)
        if not straight.usable:  # too flat to compare
            continue
        turned = [straight, *(hash_pixels(picture.transpose(turn)) for turn in TURNS)]
        found |= {h.hex for h in turned if h.usable}
    return sorted(found)
