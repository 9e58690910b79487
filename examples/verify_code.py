#!/usr/bin/env python3
"""Verify a Countermark signed product code offline, with only the `cryptography` package.

Written from docs/verify-codes.md alone, as a third party would: it imports nothing of Countermark.

    python verify_code.py --key 0a1b2c=<public key base64url> URI
    python verify_code.py --keys keys.json URI        # the issuer's exported key list

Exit status: 0 genuine signature, 1 signature refused (bad, unknown or revoked key), 2 unreadable input.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
import sys
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PREFIX = b"countermark-code/1"
SEPARATOR = b"\x1f"
VALUE_RE = re.compile(r"^[A-Za-z0-9_-]{90}$")
KEY_ID_RE = re.compile(r"^[0-9a-f]{6}$")


class Unreadable(ValueError):
    """Input that is not a code or a key list."""


def gtin_ok(gtin: str) -> bool:
    """14 digits with a valid GS1 mod-10 check digit."""
    if not re.fullmatch(r"\d{14}", gtin):
        return False
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(gtin[:-1])))
    return (10 - total % 10) % 10 == int(gtin[-1])


def read_code(uri: str) -> tuple[str, str, str, bytes]:
    """(GTIN-14, serial, key id, signature) of a code URI (§1, §2)."""
    parts = urlsplit(uri.strip())
    segments = parts.path.split("/")
    if len(segments) != 5 or segments[1] != "01" or segments[3] != "21":
        raise Unreadable("expected https://host/01/{GTIN-14}/21/{serial}?8030={value}")
    gtin, serial = segments[2], unquote(segments[4])
    if not gtin_ok(gtin):
        raise Unreadable(f"{gtin} is not a GTIN-14 with a valid check digit")
    values = parse_qs(parts.query).get("8030")
    if not values or not VALUE_RE.match(values[0]):
        raise Unreadable("the AI 8030 value must be exactly 90 base64url characters")
    try:
        raw = base64.urlsafe_b64decode(values[0] + "==")
    except binascii.Error as exc:
        raise Unreadable(f"the AI 8030 value is not base64url: {exc}") from exc
    return gtin, serial, raw[:3].hex(), raw[3:]


def public_key(text: str) -> Ed25519PublicKey:
    """The raw 32-byte key of a base64url text without padding (§4)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise Unreadable(f"not a 32-byte base64url public key: {text[:20]}…") from exc


def load_keys(args: argparse.Namespace) -> dict[str, tuple[Ed25519PublicKey, str]]:
    """Key id → (public key, status), from --key options and a --keys file."""
    found: dict[str, tuple[Ed25519PublicKey, str]] = {}
    for item in args.key or []:
        key_id, _, text = item.partition("=")
        if not KEY_ID_RE.match(key_id):
            raise Unreadable(f"--key wants 6-lower-case-hex-id=public-key, not {item[:30]!r}")
        found[key_id] = (public_key(text), "active")
    if args.keys:
        with open(args.keys, encoding="utf-8") as handle:
            document = json.load(handle)
        if document.get("format") != "countermark-code-keys/1":
            raise Unreadable(f"{args.keys} is not a countermark-code-keys/1 document")
        for key in document.get("keys", []):
            found[str(key["key_id"])] = (public_key(str(key["public_key"])), str(key["status"]))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("uri")
    parser.add_argument("--key", action="append", help="KEYID=PUBLICKEY (repeatable)")
    parser.add_argument("--keys", help="the issuer's exported key list (JSON)")
    args = parser.parse_args(argv)
    try:
        gtin, serial, key_id, signature = read_code(args.uri)
        keys = load_keys(args)
    except (Unreadable, OSError, ValueError, KeyError) as exc:
        print(f"unreadable: {exc}")
        return 2
    if key_id not in keys:
        print(f"refused: key {key_id} is not among the keys given")
        return 1
    key, status = keys[key_id]
    if status == "revoked":
        print(f"refused: key {key_id} is revoked")
        return 1
    message = SEPARATOR.join((PREFIX, gtin.encode("ascii"), serial.encode("ascii"), key_id.encode("ascii")))
    try:
        key.verify(signature, message)
    except InvalidSignature:
        print(f"refused: the signature does not match GTIN {gtin}, serial {serial} and key {key_id}")
        return 1
    print(f"genuine signature: key {key_id}, GTIN {gtin}, serial {serial}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
