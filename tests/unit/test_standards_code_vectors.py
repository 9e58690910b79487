"""The signed-code vectors of docs/verify-codes.md, checked by code written only from that page.

The checks of the vectors import nothing of `countermark`: if the page and the code disagreed, an outsider
following the page would fail, and so would they. Then the standalone example verifier runs on the vectors,
and the last test (the only one importing `countermark`) ties the project's signer to the page.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "verify-codes.md"
VECTOR_RE = re.compile(r"```test-vector\n(.*?)```", re.S)
ALPHABET_RE = re.compile(r"^[A-Za-z0-9_-]{90}$")


def doc_vectors() -> list[dict[str, str]]:
    """Every ```test-vector block of the page as a dict of its `name = value` lines."""
    vectors = []
    for block in VECTOR_RE.findall(DOC.read_text(encoding="utf-8")):
        pairs = (line.split(" = ", 1) for line in block.strip().splitlines())
        vectors.append({name.strip(): value.strip() for name, value in pairs})
    return vectors


def message_from_doc(gtin: str, serial: str, key_id: str) -> bytes:
    # §3: "countermark-code/1" 0x1F GTIN-14 0x1F serial 0x1F key-id (6 lower-case hex characters)
    separator = b"\x1f"
    return (
        b"countermark-code/1"
        + separator
        + gtin.encode()
        + separator
        + serial.encode()
        + separator
        + key_id.encode()
    )


def verify_from_doc(uri: str, public_key_text: str) -> tuple[str, bool]:
    """§5, step by step: (key id, whether the signature verifies)."""
    parts = urlsplit(uri)
    segments = parts.path.split("/")
    assert segments[1] == "01" and segments[3] == "21"
    gtin, serial = segments[2], unquote(segments[4])
    value = parse_qs(parts.query)["8030"][0]
    assert ALPHABET_RE.match(value), "§2: exactly 90 base64url characters"
    raw = base64.urlsafe_b64decode(value + "==")
    assert len(raw) == 67
    key_id, signature = raw[:3].hex(), raw[3:]
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(public_key_text + "="))
    try:
        public.verify(signature, message_from_doc(gtin, serial, key_id))
    except InvalidSignature:
        return key_id, False
    return key_id, True


def test_the_page_publishes_valid_and_invalid_vectors() -> None:
    vectors = doc_vectors()
    assert len(vectors) >= 3
    assert {v["valid"] for v in vectors} == {"true", "false"}


@pytest.mark.parametrize("vector", doc_vectors(), ids=lambda v: f"{v['serial']}-{v['valid']}")
def test_doc_vector_verifies_as_the_page_says(vector: dict[str, str]) -> None:
    assert len(vector["public_key"]) == 43 and "=" not in vector["public_key"]
    assert re.fullmatch(r"[0-9a-f]{6}", vector["key_id"])
    message = message_from_doc(vector["gtin"], vector["serial"], vector["key_id"])
    assert message.hex() == vector["message_hex"]
    assert vector["uri"].endswith("?8030=" + vector["ai8030"])
    key_id, ok = verify_from_doc(vector["uri"], vector["public_key"])
    assert key_id == vector["key_id"]
    assert ok is (vector["valid"] == "true")


def test_a_changed_byte_of_the_signature_fails() -> None:
    vector = doc_vectors()[0]
    value = vector["ai8030"]
    flipped = value[:50] + ("A" if value[50] != "A" else "B") + value[51:]
    assert verify_from_doc(vector["uri"].replace(value, flipped), vector["public_key"])[1] is False


@pytest.mark.parametrize("vector", doc_vectors(), ids=lambda v: f"{v['serial']}-{v['valid']}")
def test_the_standalone_example_agrees(vector: dict[str, str]) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "verify_code.py"),
            "--key",
            f"{vector['key_id']}={vector['public_key']}",
            vector["uri"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == (0 if vector["valid"] == "true" else 1), result.stdout + result.stderr
    assert ("genuine signature" in result.stdout) is (vector["valid"] == "true")


def test_countermark_signs_the_doc_vectors() -> None:
    """The project's own signer (imported only here) produces the page's values from the page's key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from countermark.codes import keys, signed

    seed = re.search(r"seed\s*`([0-9a-f]{64})`", DOC.read_text(encoding="utf-8"))
    assert seed is not None
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed.group(1)))
    for vector in doc_vectors():
        assert keys.public_key_text(private.public_key()) == vector["public_key"]
        if vector["valid"] == "true":
            value = signed.sign_code(private, vector["key_id"], vector["gtin"], vector["serial"])
            assert value == vector["ai8030"]
            uri = signed.build_uri("id.example.org", vector["gtin"], vector["serial"], value)
            assert uri == vector["uri"]
