"""What an upload is (image, video, audio or any file) and the signals of each kind it yields."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from countermark.core.errors import InvalidInput
from countermark.fingerprint import audio, files, mediatools, pdq, video
from countermark.fingerprint.imaging import TooManyPixels, open_image

KINDS = ("auto", "image", "video", "audio", "file")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Signal:
    """One signal of an upload, with the rule that decides a match and where that rule comes from."""

    signal_type: str
    signal: str
    threshold: str
    source: str
    quality: int | None = None


THRESHOLDS = {
    "pdq": (f"Hamming distance <= {pdq.MATCH_THRESHOLD} of 256 bits", pdq.THRESHOLD_SOURCE),
    "video": (
        f"frames within PDQ distance {video.FRAME_THRESHOLD}; >= {video.MATCH_SHARE:.0%} of either "
        f"video's frames", video.MATCH_SHARE_SOURCE,
    ),
    "audio": (
        f"bit error rate <= {audio.MATCH_BER} and <= {audio.CHANCE_FACTOR} x chance at the best alignment",
        audio.MATCH_BER_SOURCE,
    ),
    "sha256": ("identical digest", "SHA-256: equal digests mean the same bytes"),
    "tlsh": (f"TLSH distance <= {files.TLSH_MATCH_THRESHOLD}", files.TLSH_THRESHOLD_SOURCE),
}  # fmt: skip


def check_size(data: bytes) -> None:
    """InvalidInput when an upload is empty or larger than the limit."""
    if not data:
        raise InvalidInput.of("empty file: nothing to fingerprint")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput.of(
            "file too large: {size:,} bytes, the limit is {most:,}", size=len(data), most=MAX_UPLOAD_BYTES
        )


def detect_kind(data: bytes) -> str:
    """image, video, audio, or file (anything else, matched by SHA-256 and TLSH)."""
    try:
        open_image(data, max_side=64)
        return "image"
    except TooManyPixels:
        raise
    except InvalidInput:
        pass
    if mediatools.container_of(data) is None or not mediatools.available("ffprobe"):
        return "file"
    streams = mediatools.stream_kinds(data)
    if "video" in streams:
        return "video"
    return "audio" if "audio" in streams else "file"


def _signal(signal_type: str, signal: str, quality: int | None = None) -> Signal:
    threshold, source = THRESHOLDS[signal_type]
    return Signal(signal_type, signal, threshold, source, quality)


def signals_of(data: bytes, kind: str = "auto") -> tuple[str, list[Signal]]:
    """The kind of the upload and its signals; InvalidInput when it is not of the kind asked for."""
    check_size(data)
    if kind not in KINDS:
        raise InvalidInput.of("kind must be one of {kinds}, not {kind!r}", kinds=", ".join(KINDS), kind=kind)
    if kind == "auto":
        kind = detect_kind(data)
    if kind == "image":
        whole = pdq.hash_image(data)
        return kind, [_signal("pdq", whole.hex, whole.quality)]
    if kind in ("video", "audio"):
        # Recognised before any tool is looked for: a text posted as a video is refused whatever is installed.
        mediatools.check_container(data, kind)
    if kind == "video":
        out = [_signal("video", video.video_signal(data))]
        # A video's soundtrack is matched too, when it has one long enough and fpcalc is installed.
        with contextlib.suppress(InvalidInput, mediatools.ToolMissing):
            out.append(_signal("audio", audio.audio_signal(data)))
        return kind, out
    if kind == "audio":
        return kind, [_signal("audio", audio.audio_signal(data))]
    out = [_signal("sha256", files.sha256_signal(data))]
    with contextlib.suppress(InvalidInput):
        out.append(_signal("tlsh", files.tlsh_signal(data)))
    return kind, out
