"""Audio: Chromaprint fingerprints (fpcalc -raw), matched by bit error rate at the best alignment."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from countermark.core.errors import InvalidInput
from countermark.fingerprint import mediatools

NAME = "audio"
SAMPLE_RATE = 11025  # Chromaprint resamples to 11,025 Hz itself; decoding straight to it saves work
MAX_SECONDS = 600
# Chromaprint emits one 32-bit sub-fingerprint about every 0.124 s (1365 samples at 11,025 Hz).
ITEM_SECONDS = 1365 / SAMPLE_RATE
MIN_ITEMS = 40  # about 5 seconds: shorter overlaps match unrelated sounds by chance
MATCH_BER = 0.35
MATCH_BER_SOURCE = (
    "Haitsma & Kalker, 'A Highly Robust Audio Fingerprinting System' (ISMIR 2002): two fingerprints of "
    "unrelated audio differ in about half their bits, and a bit error rate below 0.35 is declared a match"
)
# Stationary sounds (noise, hum) set the same bits over and over, so two unrelated ones can agree far more
# than half the time by chance; the error rate must also fall to half of what chance alone would give.
CHANCE_FACTOR = 0.5
CHANCE_SOURCE = (
    "measured in tests/unit/test_fingerprint_media.py: two pink noises with different seeds reach a bit "
    "error rate of 0.24 where chance predicts 0.28; a trimmed MP3 copy of a melody 0.02 (chance: 0.33)"
)


@dataclass(frozen=True)
class AudioComparison:
    """The best alignment of two fingerprints: bit error rate, offset (seconds) and overlap (seconds)."""

    bit_error_rate: float
    offset_seconds: float
    overlap_seconds: float
    chance_error_rate: float  # what two unaligned fingerprints with these bit frequencies would give

    @property
    def is_match(self) -> bool:
        """Whether the best alignment is close enough, and far enough from chance, to be the same sound."""
        return (
            self.bit_error_rate <= MATCH_BER and self.bit_error_rate <= CHANCE_FACTOR * self.chance_error_rate
        )


def fingerprint_of(data: bytes) -> list[int]:
    """The raw Chromaprint fingerprint of an audio (or video) file's sound; InvalidInput when it has none."""
    fpcalc = mediatools.tool_path("fpcalc")  # before decoding, so a missing tool costs nothing
    with mediatools.upload_file(data) as path:
        decode = [*mediatools.ffmpeg_input(path), "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
                  "-t", str(MAX_SECONDS), "-f", "s16le", "pipe:1"]  # fmt: skip
        pcm = mediatools.run(decode, refusal=InvalidInput.of("not a readable audio file"))
    if not pcm:
        raise InvalidInput.of("not a readable audio file: no sound could be decoded")
    calc = [fpcalc, "-raw", "-json", "-format", "s16le", "-rate", str(SAMPLE_RATE),
            "-channels", "1", "-length", str(MAX_SECONDS), "-"]  # fmt: skip
    refusal = InvalidInput.of("no audio fingerprint")
    out = mediatools.run(calc, refusal=refusal, stdin=pcm, output_wins=True)
    try:
        values = [int(v) & 0xFFFFFFFF for v in json.loads(out)["fingerprint"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput.of(
            "no audio fingerprint: fpcalc gave no fingerprint ({problem})", problem=exc
        ) from None
    if len(values) < MIN_ITEMS:
        raise InvalidInput.of(
            "sound too short to fingerprint: at least {seconds:.0f} seconds are needed",
            seconds=MIN_ITEMS * ITEM_SECONDS,
        )
    return values


def audio_signal(data: bytes) -> str:
    """The stored signal of an audio file: the fingerprint as a JSON list of unsigned 32-bit integers."""
    return json.dumps(fingerprint_of(data), separators=(",", ":"))


def from_signal(signal: str) -> NDArray[np.uint32]:
    """A fingerprint from a stored or submitted signal; InvalidInput when it is not one."""
    try:
        values = json.loads(signal)
        array = np.array([int(v) & 0xFFFFFFFF for v in values], dtype=np.uint32)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput.of(
            "not an audio signal (a JSON list of 32-bit integers): {problem}", problem=exc
        ) from None
    if array.ndim != 1 or len(array) < MIN_ITEMS:
        raise InvalidInput.of("not an audio signal: at least {least} integers are needed", least=MIN_ITEMS)
    return array


def best_alignment(a: NDArray[np.uint32], b: NDArray[np.uint32]) -> AudioComparison:
    """The lowest bit error rate over every offset with at least MIN_ITEMS sub-fingerprints in common."""
    if len(a) < MIN_ITEMS or len(b) < MIN_ITEMS:
        raise InvalidInput.of(
            "sound too short to compare: {seconds:.0f} seconds are needed", seconds=MIN_ITEMS * ITEM_SECONDS
        )
    best = (1.0, 0, 0)
    # Offset k lines up a[i] with b[i - k]: a trimmed copy starts part-way into the original.
    for offset in range(-(len(b) - MIN_ITEMS), len(a) - MIN_ITEMS + 1):
        a_part = a[max(0, offset) : min(len(a), len(b) + offset)]
        b_part = b[max(0, -offset) : max(0, -offset) + len(a_part)]
        errors = int(np.bitwise_count(a_part ^ b_part).sum())
        rate = errors / (32 * len(a_part))
        if rate < best[0]:
            best = (rate, offset, len(a_part))
    rate, offset, overlap = best
    return AudioComparison(
        round(rate, 4),
        round(offset * ITEM_SECONDS, 2),
        round(overlap * ITEM_SECONDS, 2),
        round(chance_error_rate(a, b), 4),
    )


def _bit_frequencies(values: NDArray[np.uint32]) -> NDArray[np.float64]:
    shifts = np.arange(32, dtype=np.uint32)
    return np.asarray(((values[:, None] >> shifts) & 1).mean(axis=0), dtype=np.float64)


def chance_error_rate(a: NDArray[np.uint32], b: NDArray[np.uint32]) -> float:
    """The bit error rate expected between independent fingerprints with these per-bit frequencies."""
    p, q = _bit_frequencies(a), _bit_frequencies(b)
    return float((p * (1 - q) + q * (1 - p)).mean())


def compare(a: str, b: str) -> AudioComparison:
    """Comparison of two stored audio signals at their best alignment."""
    return best_alignment(from_signal(a), from_signal(b))
