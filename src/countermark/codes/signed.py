"""Pure product codes: GTIN check digits, random serials, the signed message and GS1 Digital Link URIs.

A code is `https://{resolver}/01/{GTIN-14}/21/{serial}?8030={signature}`. AI 8030 (digital signature)
is a GS1 data attribute, not a key qualifier, so GS1 Digital Link carries it in the query string. Its
value is base64url (no padding) of a 3-byte key id followed by a 64-byte Ed25519 signature: 90 characters.
docs/verify-codes.md specifies these bytes for outside verifiers, with test vectors that a test checks.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from countermark.codes.reasons import ReasonError

# Digits and Latin letters: a subset of the GS1 AI 21 character set (CSET 82) that needs no
# percent-encoding in a URI, so the printed QR code stays short.
SERIAL_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SERIAL_LENGTH = 16  # 62**16 ≈ 2**95: at least 80 bits of randomness, as guessing must be hopeless.
GS1_SERIAL_RE = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
KEY_ID_BYTES = 3
SIGNATURE_BYTES = 64
SIGNATURE_CHARS = 90
MESSAGE_PREFIX = b"countermark-code/1"
SIGNATURE_RE = re.compile(r"^[A-Za-z0-9_-]{90}$")
# The form this system prints; anything else (other qualifiers, short GTINs, encoded serials) goes to biip.
CANONICAL_PATH_RE = re.compile(r"^/01/(\d{14})/21/([0-9A-Za-z]{1,20})$")


class CodeError(ReasonError):
    """A code that cannot be read: says what is wrong with it in words."""


@dataclass(frozen=True)
class ParsedCode:
    """What a Digital Link URI says: resolver host, GTIN-14, serial and the AI 8030 value if any."""

    resolver: str
    gtin: str
    serial: str
    signature: str | None


@dataclass(frozen=True)
class SignatureParts:
    """The decoded AI 8030 value: key id (6 hex digits) and the raw Ed25519 signature."""

    key_id: str
    signature: bytes


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of a GTIN without its last digit."""
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalise_gtin(gtin: str) -> str:
    """The GTIN as 14 digits with a verified check digit; raises CodeError otherwise."""
    digits = gtin.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise CodeError.of("a GTIN has 8, 12, 13 or 14 digits, not {gtin!r}", gtin=gtin)
    digits = digits.zfill(14)
    if gtin_check_digit(digits[:-1]) != int(digits[-1]):
        raise CodeError.of(
            "the GTIN {gtin} has a wrong check digit (expected {expected})",
            gtin=digits,
            expected=gtin_check_digit(digits[:-1]),
        )
    return digits


def check_serial(serial: str) -> str:
    """The serial if it is 1–20 characters of the GS1 AI 21 set; raises CodeError otherwise."""
    if not GS1_SERIAL_RE.match(serial):
        raise CodeError.of("a serial number is 1 to 20 characters of the GS1 character set")
    return serial


def random_serial(length: int = SERIAL_LENGTH) -> str:
    """A fresh random serial from a cryptographic source."""
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(length))


def signed_message(gtin: str, serial: str, key_id: str) -> bytes:
    """The canonical bytes that are signed: prefix, GTIN-14, serial and key id, unit-separated."""
    return b"\x1f".join(
        (MESSAGE_PREFIX, gtin.encode("ascii"), serial.encode("ascii"), key_id.encode("ascii"))
    )


def sign_code(private_key: Ed25519PrivateKey, key_id: str, gtin: str, serial: str) -> str:
    """The AI 8030 value for a code: base64url of the key id and the Ed25519 signature (90 characters)."""
    raw_id = bytes.fromhex(key_id)
    if len(raw_id) != KEY_ID_BYTES:
        raise CodeError("a key id is 3 bytes (6 hex digits)")
    signature = private_key.sign(signed_message(gtin, serial, key_id))
    return base64.urlsafe_b64encode(raw_id + signature).decode("ascii").rstrip("=")


def decode_signature(value: str) -> SignatureParts:
    """The key id and signature inside an AI 8030 value; raises CodeError when it is not one of ours."""
    if not SIGNATURE_RE.match(value):
        raise CodeError.of("the signature must be {length} base64url characters", length=SIGNATURE_CHARS)
    try:
        raw = base64.urlsafe_b64decode(value + "==")
    except (binascii.Error, ValueError) as exc:
        raise CodeError.of("the signature is not valid base64url") from exc
    return SignatureParts(key_id=raw[:KEY_ID_BYTES].hex(), signature=raw[KEY_ID_BYTES:])


def signature_matches(public_key: Ed25519PublicKey, parts: SignatureParts, gtin: str, serial: str) -> bool:
    """Whether the signature is the key's signature of this GTIN, serial and key id."""
    try:
        public_key.verify(parts.signature, signed_message(gtin, serial, parts.key_id))
    except InvalidSignature:
        return False
    return True


def build_uri(resolver: str, gtin: str, serial: str, signature: str | None = None) -> str:
    """The GS1 Digital Link URI of a code (AI 8030 in the query string when signed)."""
    uri = f"https://{resolver}/01/{normalise_gtin(gtin)}/21/{quote(check_serial(serial), safe='')}"
    return f"{uri}?8030={signature}" if signature else uri


def parse_uri(uri: str) -> ParsedCode:
    """The resolver, GTIN-14, serial and signature of a Digital Link URI; raises CodeError with the reason."""
    text = uri.strip()
    if len(text) > 400:
        raise CodeError.of("this is too long to be a product code")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise CodeError.of("a product code is a web address starting with https://")
    found = parse_qs(parts.query).get("8030")
    signature = found[0] if found else None
    canonical = CANONICAL_PATH_RE.match(parts.path)
    if canonical:
        return ParsedCode(parts.hostname, normalise_gtin(canonical.group(1)), canonical.group(2), signature)
    # Other paths are parsed by biip; the signature is read apart so that a damaged one is judged, not unread.
    try:
        link = GS1DigitalLinkURI.parse(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))
    except Exception as exc:  # biip raises several types for the many ways a URI can be malformed
        raise CodeError.of("not a GS1 Digital Link: {problem}", problem=exc) from exc
    values = {element.ai.ai: element for element in link.element_strings}
    gtin_element = values.get("01")
    serial_element = values.get("21")
    if gtin_element is None or serial_element is None:
        raise CodeError.of("the code names no GTIN (01) and serial number (21)")
    if gtin_element.gtin_error:
        raise CodeError.of("the GTIN has a wrong check digit: {problem}", problem=gtin_element.gtin_error)
    gtin = normalise_gtin(gtin_element.value)
    serial = check_serial(serial_element.value)
    return ParsedCode(resolver=parts.hostname, gtin=gtin, serial=serial, signature=signature)


def resolver_path(gtin: str, serial: str) -> str:
    """The path of a code on the resolver (what this instance serves)."""
    return f"/01/{gtin}/21/{quote(serial, safe='')}"
