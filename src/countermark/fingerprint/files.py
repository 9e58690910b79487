"""Software and other files: SHA-256 for exact copies, TLSH for near-identical binaries."""

from __future__ import annotations

import hashlib

import tlsh

from countermark.core.errors import InvalidInput

SHA256_NAME = "sha256"
TLSH_NAME = "tlsh"
TLSH_MATCH_THRESHOLD = 40
TLSH_THRESHOLD_SOURCE = (
    "Oliver, Cheng & Chen, 'TLSH - A Locality Sensitive Hash' (2013) and Trend Micro's TLSH notes: "
    "a distance below about 40 means near-identical files with a low false-positive rate"
)
TLSH_MIN_BYTES = 50


def sha256_signal(data: bytes) -> str:
    """The SHA-256 hex digest of the file: equal digests mean the same bytes."""
    return hashlib.sha256(data).hexdigest()


def tlsh_signal(data: bytes) -> str:
    """The TLSH digest of the file; InvalidInput when the file is too short or too uniform for one."""
    if len(data) < TLSH_MIN_BYTES:
        raise InvalidInput.of(
            "file too short for a TLSH digest ({size} bytes; {least} needed)",
            size=len(data),
            least=TLSH_MIN_BYTES,
        )
    digest = str(tlsh.hash(data))
    if not digest or digest == "TNULL":
        raise InvalidInput.of("file has too little variety for a TLSH digest")
    return digest


def tlsh_distance(a: str, b: str) -> int:
    """The TLSH distance between two digests (0 for identical content; larger is further)."""
    try:
        return int(tlsh.diff(a, b))
    except (ValueError, TypeError) as exc:
        raise InvalidInput.of("not a TLSH digest: {problem}", problem=exc) from None


def is_tlsh_match(distance: float) -> bool:
    """Whether a TLSH distance means a near-identical file."""
    return distance <= TLSH_MATCH_THRESHOLD
