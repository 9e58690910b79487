"""Video: frames sampled by ffmpeg and hashed with PDQ (after Meta's vPDQ), matched frame against frame."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pdqhash
from numpy.typing import NDArray

from countermark.core.errors import InvalidInput
from countermark.fingerprint import mediatools, pdq

NAME = "video"
FRAMES_PER_SECOND = 1.0
MAX_FRAMES = 1800  # half an hour at one frame a second
# PDQ downsamples to 64x64 internally; decoding frames at 256x256 keeps hashing cheap and size-independent.
FRAME_SIDE = 256
FRAME_THRESHOLD = pdq.MATCH_THRESHOLD
FRAME_THRESHOLD_SOURCE = pdq.THRESHOLD_SOURCE
MATCH_SHARE = 0.5
MATCH_SHARE_SOURCE = (
    "vPDQ (facebook/ThreatExchange vpdq/README) reports the share of matching frames in both directions "
    "and leaves the cut-off to the user; 50 % of either video's usable frames, with at least 2 frames, "
    "chosen here: trimmed or re-encoded copies in tests/unit/test_fingerprint_media.py reach 100 %, "
    "unrelated videos 0 %"
)
MIN_MATCHED_FRAMES = 2


@dataclass(frozen=True)
class Frame:
    """One sampled frame: its time in seconds, PDQ hash and PDQ quality."""

    timestamp: float
    hash: str
    quality: int

    @property
    def usable(self) -> bool:
        """Whether the frame has enough detail to be matched (PDQ quality >= 50)."""
        return self.quality >= pdq.MIN_QUALITY


@dataclass(frozen=True)
class VideoComparison:
    """How much of each video is found in the other, and whether that makes them the same content."""

    query_share: float  # share of the first video's usable frames found in the second
    reference_share: float  # share of the second video's usable frames found in the first
    matched_frames: int
    best_distance: int

    @property
    def is_match(self) -> bool:
        """Whether enough frames of either video are found in the other."""
        return (
            self.matched_frames >= MIN_MATCHED_FRAMES
            and max(self.query_share, self.reference_share) >= MATCH_SHARE
        )


def frames_of(data: bytes) -> list[Frame]:
    """PDQ-hashed frames of a video file, one a second; InvalidInput when it is not a readable video."""
    side = FRAME_SIDE
    with mediatools.upload_file(data) as path:
        args = [*mediatools.ffmpeg_input(path), "-an", "-vf",
                f"fps={FRAMES_PER_SECOND},scale={side}:{side}:flags=bilinear", "-frames:v", str(MAX_FRAMES),
                "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]  # fmt: skip
        raw = mediatools.run(args, refusal=InvalidInput.of("not a readable video"))
    frame_bytes = side * side * 3
    count = len(raw) // frame_bytes
    if count == 0:
        raise InvalidInput.of("not a readable video: no frame could be decoded")
    pixels = np.frombuffer(raw[: count * frame_bytes], dtype=np.uint8).reshape(count, side, side, 3)
    frames = []
    for k in range(count):
        bits, quality = pdqhash.compute(np.ascontiguousarray(pixels[k]))
        hex_hash = np.packbits(bits.astype(np.uint8)).tobytes().hex()
        frames.append(Frame(round(k / FRAMES_PER_SECOND, 3), hex_hash, int(quality)))
    return frames


def to_signal(frames: list[Frame]) -> str:
    """Frames as the stored signal: JSON [[seconds, hex, quality], ...]."""
    return json.dumps([[f.timestamp, f.hash, f.quality] for f in frames], separators=(",", ":"))


def video_signal(data: bytes) -> str:
    """The stored signal of a video file; InvalidInput when no frame has enough detail to match."""
    frames = frames_of(data)
    if not any(f.usable for f in frames):
        raise InvalidInput.of(
            "video too flat to fingerprint: no frame reaches PDQ quality {quality}", quality=pdq.MIN_QUALITY
        )
    return to_signal(frames)


def from_signal(signal: str) -> list[Frame]:
    """Frames from a stored or submitted signal; InvalidInput when it is not one."""
    try:
        rows = json.loads(signal)
        frames = [Frame(float(t), str(h), int(q)) for t, h, q in rows]
        for frame in frames:
            pdq.hex_to_bytes(frame.hash)
    except (ValueError, TypeError) as exc:
        raise InvalidInput.of(
            "not a video signal ([[seconds, pdq hex, quality], ...]): {problem}", problem=exc
        ) from None
    if not frames:
        raise InvalidInput.of("not a video signal: no frames")
    return frames


def _words(frames: list[Frame]) -> NDArray[np.uint64]:
    """Frame hashes as an (n, 4) matrix of 64-bit words, for vectorised Hamming distances."""
    raw = b"".join(bytes.fromhex(f.hash) for f in frames)
    return np.frombuffer(raw, dtype=np.uint64).reshape(len(frames), 4)


def distance_matrix(query: list[Frame], reference: list[Frame]) -> NDArray[np.int64]:
    """PDQ Hamming distances between every frame of one video and every frame of the other."""
    a, b = _words(query), _words(reference)
    out = np.empty((len(a), len(b)), dtype=np.int64)
    # In blocks of rows, so half-hour videos never need more than a few megabytes at once.
    for start in range(0, len(a), 128):
        block = a[start : start + 128, None, :] ^ b[None, :, :]
        out[start : start + 128] = np.bitwise_count(block).sum(axis=2)
    return out


def compare_frames(query: list[Frame], reference: list[Frame]) -> VideoComparison:
    """Shares of each video's usable frames within PDQ distance 31 of some frame of the other."""
    a = [f for f in query if f.usable]
    b = [f for f in reference if f.usable]
    if not a or not b:
        return VideoComparison(0.0, 0.0, 0, pdq.BITS)
    distances = distance_matrix(a, b)
    close = distances <= FRAME_THRESHOLD
    query_hits = int(close.any(axis=1).sum())
    reference_hits = int(close.any(axis=0).sum())
    return VideoComparison(
        query_share=round(query_hits / len(a), 4),
        reference_share=round(reference_hits / len(b), 4),
        matched_frames=query_hits,
        best_distance=int(distances.min()),
    )


def compare(a: str, b: str) -> VideoComparison:
    """Comparison of two stored video signals."""
    return compare_frames(from_signal(a), from_signal(b))
