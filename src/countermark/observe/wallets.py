"""Crypto-currency addresses: finding them in text and checking their checksums.

Normalised values carry the chain as a prefix ("btc:", "ltc:", "eth:", "trx:", "xmr:") because the
same string shape can belong to several chains and the join key must not merge them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import base58
from bech32 import CHARSET as _BECH32_CHARSET
from bech32 import bech32_hrp_expand, bech32_polymod, convertbits
from Crypto.Hash import keccak

_B58 = "1-9A-HJ-NP-Za-km-z"
# Candidates are cut on alphanumeric boundaries so an address glued to other letters is not sliced.
_BASE58_RE = re.compile(rf"(?<![0-9A-Za-z])[13LMT48][{_B58}]{{24,105}}(?![0-9A-Za-z])")
_BECH32_RE = re.compile(r"(?<![0-9A-Za-z])(?:bc|ltc)1[02-9ac-hj-np-z]{8,87}(?![0-9A-Za-z])", re.I | re.A)
_ETH_RE = re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])")
_PREFIXED_RE = re.compile(r"^(?:btc|bitcoin|ltc|litecoin|eth|ethereum|trx|tron|xmr|monero)[:：]\s*", re.I)

# Version bytes of base58check payloads (one version byte plus a 20-byte hash).
_BASE58_VERSIONS: dict[int, str] = {0x00: "btc", 0x05: "btc", 0x30: "ltc", 0x32: "ltc", 0x41: "trx"}
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3
_SEGWIT_HRPS = {"bc": "btc", "ltc": "ltc"}


def _base58check_chain(candidate: str) -> str | None:
    """The chain of a base58check address, or None when the checksum or version is wrong."""
    if not 25 <= len(candidate) <= 35:
        return None
    try:
        payload = base58.b58decode_check(candidate)
    except ValueError:
        return None
    if len(payload) != 21:
        return None
    chain = _BASE58_VERSIONS.get(payload[0])
    if chain is None:
        return None
    # Tron addresses are always exactly 34 characters starting with T; anything else is a collision.
    if chain == "trx" and not (candidate[0] == "T" and len(candidate) == 34):
        return None
    return chain


def _is_monero(candidate: str) -> bool:
    """Structural check only: Monero's checksum needs keccak over a non-standard base58 block encoding.

    Standard (4…) and sub-addresses (8…) are 95 characters; integrated addresses (4…) are 106.
    """
    return (len(candidate) == 95 and candidate[0] in "48") or (len(candidate) == 106 and candidate[0] == "4")


def _segwit_chain(candidate: str) -> str | None:
    """The chain of a bech32 (witness v0) or bech32m (v1+, e.g. taproot) address, or None if invalid."""
    if candidate.lower() != candidate and candidate.upper() != candidate:
        return None
    address = candidate.lower()
    if len(address) > 90:
        return None
    sep = address.rfind("1")
    hrp, data_part = address[:sep], address[sep + 1 :]
    chain = _SEGWIT_HRPS.get(hrp)
    if chain is None or len(data_part) < 7 or any(c not in _BECH32_CHARSET for c in data_part):
        return None
    data = [_BECH32_CHARSET.index(c) for c in data_part]
    residue = bech32_polymod(bech32_hrp_expand(hrp) + data)
    version = data[0]
    # BIP-350: witness v0 must use the bech32 constant, every later version the bech32m one.
    expected = _BECH32_CONST if version == 0 else _BECH32M_CONST
    if residue != expected or version > 16:
        return None
    program = convertbits(data[1:-6], 5, 8, False)
    if program is None or not 2 <= len(program) <= 40:
        return None
    if version == 0 and len(program) not in (20, 32):
        return None
    if version == 1 and len(program) != 32:
        return None
    return chain


def _eip55_ok(address: str) -> bool:
    """True when an all-lower/all-upper address, or a mixed-case one whose EIP-55 checksum holds."""
    hex_part = address[2:]
    if hex_part == hex_part.lower() or hex_part == hex_part.upper():
        return True
    digest = keccak.new(digest_bits=256, data=hex_part.lower().encode("ascii")).hexdigest()
    for char, nibble in zip(hex_part, digest[: len(hex_part)], strict=True):
        if char.isalpha() and char.isupper() != (int(nibble, 16) >= 8):
            return False
    return True


def normalise_wallet(raw: str) -> str | None:
    """The chain-prefixed value of one address (any supported chain), or None if it does not validate."""
    candidate = _PREFIXED_RE.sub("", raw.strip(), count=1).split("?", 1)[0].strip()
    if not candidate or len(candidate) > 120:
        return None
    if _ETH_RE.fullmatch(candidate):
        return f"eth:{candidate.lower()}" if _eip55_ok(candidate) else None
    if _BECH32_RE.fullmatch(candidate):
        chain = _segwit_chain(candidate)
        return f"{chain}:{candidate.lower()}" if chain else None
    if _BASE58_RE.fullmatch(candidate):
        chain = _base58check_chain(candidate)
        if chain:
            return f"{chain}:{candidate}"
        if _is_monero(candidate):
            return f"xmr:{candidate}"
    return None


def find_wallets(text: str) -> Iterator[tuple[str, int, int]]:
    """Every valid address in text as (normalised value, start, end)."""
    for pattern in (_ETH_RE, _BECH32_RE, _BASE58_RE):
        for match in pattern.finditer(text):
            value = normalise_wallet(match.group())
            if value:
                yield value, match.start(), match.end()
