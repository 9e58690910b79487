"""ffmpeg, ffprobe and fpcalc run safely on untrusted uploads: demuxer allow-list, timeouts, clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from countermark.core.errors import Code, CountermarkError, InvalidInput

# Playlists and concat lists (hls, concat, ...) can make ffmpeg read other files or URLs; only plain
# container formats are allowed, and only the local file protocol.
DEMUXERS = (
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,ogg,wav,mp3,flac,aac,asf,gif,"
    "s16le,image2pipe,mjpeg"
)
PROTOCOLS = "file,pipe"
TOOL_TIMEOUT_S = 120
INSTALL_HINT = {
    "ffmpeg": "Debian/Ubuntu: apt install ffmpeg",
    "ffprobe": "Debian/Ubuntu: apt install ffmpeg",
    "fpcalc": "Debian/Ubuntu: apt install libchromaprint-tools",
}


class ToolMissing(CountermarkError):
    """A media tool this server needs is not installed."""

    status = 503
    code = "tool_missing"


def tool_path(name: str) -> str:
    """The path of a media tool; ToolMissing, saying how to install it, when it is absent."""
    found = shutil.which(name)
    if found is None:
        raise ToolMissing.of(
            "{tool} is not installed on this server, so this media type cannot be fingerprinted ({hint})",
            tool=name,
            hint=INSTALL_HINT.get(name, "install it"),
        )
    return found


def available(name: str) -> bool:
    """Whether a media tool is installed."""
    return shutil.which(name) is not None


@contextmanager
def upload_file(data: bytes) -> Iterator[Path]:
    """The bytes in a private temporary file (containers such as MP4 need seeking, which a pipe lacks)."""
    if not data:
        raise InvalidInput.of("empty file: nothing to fingerprint")
    with tempfile.TemporaryDirectory(prefix="cm-media-") as directory:
        path = Path(directory) / "upload"
        path.write_bytes(data)
        yield path


def run(
    args: list[str], *, refusal: InvalidInput, stdin: bytes | None = None, output_wins: bool = False
) -> bytes:
    """A tool's standard output; InvalidInput with its last error line when it fails or takes too long.

    The refusal says what a failure means for the upload ("not a readable video"); the error raised is
    the refusal followed by the tool's reason.

    With output_wins, an exit status is ignored when there is output (fpcalc exits 3 at the end of raw
    input after printing a complete fingerprint).
    """
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=TOOL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise InvalidInput.of(
            "{refusal}: took longer than {seconds} s, gave up", refusal=refusal, seconds=TOOL_TIMEOUT_S
        ) from None
    if done.returncode != 0 and not (output_wins and done.stdout.strip()):
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if not lines:
            raise InvalidInput.of("{refusal}: the decoder failed", refusal=refusal)
        raise InvalidInput.of("{refusal}: {reason}", refusal=refusal, reason=lines[-1][:300])
    return done.stdout


def ffmpeg_input(path: Path) -> list[str]:
    """ffmpeg arguments that open an upload with the demuxer and protocol allow-lists."""
    return [tool_path("ffmpeg"), "-nostdin", "-v", "error", "-format_whitelist", DEMUXERS,
            "-protocol_whitelist", PROTOCOLS, "-i", str(path)]  # fmt: skip


# What each allowed container can carry, recognised by its first bytes before any tool is asked: an upload
# that is none of them is refused as not a video or sound whatever is installed.
VIDEO_CONTAINERS = ("MP4/MOV", "Matroska/WebM", "AVI", "FLV", "MPEG-TS", "MPEG-PS", "Ogg", "ASF", "GIF")
AUDIO_CONTAINERS = ("WAV", "MP3", "FLAC", "AAC")
ISO_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")


def container_of(data: bytes) -> str | None:
    """The name of the media container the bytes start with, among those ffmpeg may open; None otherwise."""
    head = data[:16]
    if head[4:8] in ISO_BOXES:
        return "MP4/MOV"
    if head.startswith(b"RIFF") and head[8:12] in (b"AVI ", b"WAVE"):
        return "AVI" if head[8:12] == b"AVI " else "WAV"
    signatures = {
        b"\x1a\x45\xdf\xa3": "Matroska/WebM",
        b"FLV\x01": "FLV",
        b"\x00\x00\x01\xba": "MPEG-PS",
        b"\x00\x00\x01\xb3": "MPEG-PS",
        b"OggS": "Ogg",
        b"\x30\x26\xb2\x75\x8e\x66\xcf\x11": "ASF",
        b"GIF87a": "GIF",
        b"GIF89a": "GIF",
        b"fLaC": "FLAC",
        b"ID3": "MP3",
    }
    for magic, name in signatures.items():
        if head.startswith(magic):
            return name
    if len(data) >= 376 and data[0] == data[188] == data[376] == 0x47:  # MPEG-TS: a sync byte every 188
        return "MPEG-TS"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "AAC"  # ADTS frame header
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "MP3"  # an MPEG audio frame header
    return None


def check_container(data: bytes, kind: str) -> None:
    """InvalidInput unless the bytes start like a container that can hold this kind ("video", "audio")."""
    found = container_of(data)
    allowed = VIDEO_CONTAINERS if kind == "video" else VIDEO_CONTAINERS + AUDIO_CONTAINERS
    if found is None:
        raise InvalidInput.of(
            "not a {kind} file: its first bytes are none of the formats accepted ({formats})",
            kind=Code(kind),
            formats=", ".join(allowed),
        )
    if found not in allowed:
        raise InvalidInput.of("not a {kind} file: it is {found} audio", kind=Code(kind), found=found)


def stream_kinds(data: bytes) -> set[str]:
    """The kinds of stream in a media file ("video", "audio"); empty when ffprobe cannot read it."""
    with upload_file(data) as path:
        args = [tool_path("ffprobe"), "-v", "error", "-format_whitelist", DEMUXERS, "-protocol_whitelist",
                PROTOCOLS, "-show_entries", "stream=codec_type", "-of", "json", str(path)]  # fmt: skip
        try:
            out = run(args, refusal=InvalidInput.of("not a readable audio or video file"))
        except InvalidInput:
            return set()
    try:
        streams = json.loads(out or b"{}").get("streams", [])
    except ValueError:
        return set()
    return {str(s.get("codec_type")) for s in streams if s.get("codec_type") in ("video", "audio")}
