"""Opaque, tamper-evident pagination cursors (Trendora's "next" links, Pixelgram's infinite scroll)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


def encode_cursor(secret: str, scope: str, offset: int) -> str:
    """An opaque, tamper-evident cursor for the list `scope` starting at offset."""
    mac = hmac.new(secret.encode(), f"{scope}|{offset}".encode(), hashlib.sha256).hexdigest()[:10]
    return base64.urlsafe_b64encode(f"{offset}.{mac}".encode()).decode().rstrip("=")


def decode_cursor(secret: str, scope: str, cursor: str) -> int | None:
    """The offset of a cursor of `scope`, or None when it was not issued by this site."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    offset, _, _mac = raw.partition(".")
    if not offset.isdigit() or not hmac.compare_digest(encode_cursor(secret, scope, int(offset)), cursor):
        return None
    return int(offset)
