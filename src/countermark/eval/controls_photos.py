"""The photo-encoding tell: a listing photo saved at the reference photos' JPEG quality without being one.

If altered counterfeit photos keep the quality the brand's photos were saved at while honest uploads are
re-encoded, this rule finds fakes without comparing a pixel; a hard world gives it nothing. The quality
is read from the file's quantisation tables (no decoding), matched against the tables Pillow writes.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from functools import cache
from pathlib import Path

from PIL import Image

from countermark.eval.metrics import average_precision, precision_at_recall
from countermark.eval.world_files import WorldFiles

IDENTICAL = -1000.0  # the score of a listing whose photos are all the reference files themselves
NO_PHOTO = -2000.0


@cache
def _tables_by_quality() -> dict[int, tuple[int, ...]]:
    """The luminance quantisation table Pillow writes at each quality 1-100."""
    tables: dict[int, tuple[int, ...]] = {}
    for quality in range(1, 101):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 16), (128, 128, 128)).save(buffer, "JPEG", quality=quality)
        buffer.seek(0)
        with Image.open(buffer) as image:
            tables[quality] = tuple(getattr(image, "quantization", {}).get(0, ()))
    return tables


@cache
def _quality_of_table() -> dict[tuple[int, ...], int]:
    """The highest quality writing each table (low qualities clip to the same tables)."""
    return {table: quality for quality, table in sorted(_tables_by_quality().items())}


def jpeg_quality(path: Path) -> int | None:
    """The quality whose luminance table is closest to the file's (None if not a readable JPEG)."""
    try:
        with Image.open(path) as image:
            table = tuple(getattr(image, "quantization", {}).get(0, ()))
    except (OSError, ValueError):
        return None
    if len(table) != 64:
        return None
    exact = _quality_of_table().get(table)
    if exact is not None:
        return exact
    return min(
        _tables_by_quality().items(),
        key=lambda item: (sum(abs(a - b) for a, b in zip(item[1], table, strict=False)), -item[0]),
    )[0]


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file's bytes (None when it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def reference_photos(world: WorldFiles) -> tuple[set[str], int | None]:
    """The digests of the rights holders' photos and the quality most of them were saved at."""
    paths = {path for product in world.products for path in product.images}
    digests = {d for d in (file_digest(p) for p in paths) if d}
    qualities = Counter(q for q in (jpeg_quality(p) for p in sorted(paths)) if q is not None)
    return digests, (qualities.most_common(1)[0][0] if qualities else None)


def photo_tell(world: WorldFiles, labels: dict[str, bool]) -> dict[str, float | None]:
    """The rule "a photo at the reference quality that is not a reference file" on listings.

    A listing's score is, over its photos that are not byte-identical to a reference, minus the distance
    between their quality and the reference quality (0 is the rule firing); the rule's own precision and
    recall, the AP of that ranking and its best precision at recall 0.5.
    """
    digests, reference = reference_photos(world)
    if reference is None:
        return {"reference_quality": None, "precision": None, "recall": None, "ap": None}
    scores: list[float] = []
    truth: list[bool] = []
    for listing in world.listings:
        if listing.key not in labels:
            continue
        score = NO_PHOTO if not listing.images else IDENTICAL
        for path in listing.images:
            if file_digest(path) in digests:
                continue
            quality = jpeg_quality(path)
            if quality is not None:
                score = max(score, -float(abs(quality - reference)))
        scores.append(score)
        truth.append(labels[listing.key])
    flagged = [s == 0.0 for s in scores]
    hits = sum(f and t for f, t in zip(flagged, truth, strict=True))
    positives = sum(truth)
    return {
        "reference_quality": float(reference),
        "precision": hits / sum(flagged) if any(flagged) else None,
        "recall": hits / positives if positives else None,
        "flagged": float(sum(flagged)),
        "ap": average_precision(scores, truth) if positives else None,
        "precision_at_recall_0.5": precision_at_recall(scores, truth, 0.5) if positives else None,
    }
