"""Ed25519 signing keys: generation, private keys on disk (0600), and the public key list for verifiers."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from countermark.codes.signed import KEY_ID_BYTES, CodeError

KEY_FILE_FORMAT = "countermark-code-keys/1"
KEY_STATUSES = ("active", "retired", "revoked")


@dataclass(frozen=True)
class PublicKeyInfo:
    """A verifier's view of one key: its id, owner, public key and status."""

    key_id: str
    org: str
    public_key: Ed25519PublicKey
    status: str
    revoked_at: datetime | None = None


def new_key_id() -> str:
    """A random 3-byte key id as 6 hex digits."""
    return secrets.token_bytes(KEY_ID_BYTES).hex()


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key as base64url without padding."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """The public key of a base64url text; raises CodeError when it is not 32 bytes."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise CodeError("a public key is 32 bytes in base64url") from exc


def key_path(key_dir: Path, org_id: int, key_id: str) -> Path:
    """Where the private key of an organisation's key lives."""
    return key_dir / str(int(org_id)) / f"{bytes.fromhex(key_id).hex()}.key"


def save_private_key(key_dir: Path, org_id: int, key_id: str, private_key: Ed25519PrivateKey) -> Path:
    """Write a private key (PKCS#8 PEM) readable only by its owner; never overwrites one."""
    path = key_path(key_dir, org_id, key_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return path


def load_private_key(key_dir: Path, org_id: int, key_id: str) -> Ed25519PrivateKey:
    """The private key of an organisation's key; raises CodeError when it is missing."""
    path = key_path(key_dir, org_id, key_id)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise CodeError(f"the private key {key_id} is not in {path.parent}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CodeError(f"{path} is not an Ed25519 key")
    return key


def export_public_keys(keys: list[dict[str, Any]]) -> str:
    """The JSON document offline verifiers load: every key with its owner and status."""
    return json.dumps({"format": KEY_FILE_FORMAT, "keys": keys}, indent=1, sort_keys=True) + "\n"


def load_public_keys(text: str) -> dict[str, PublicKeyInfo]:
    """The keys of an exported document, by key id; raises CodeError when it is not one."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CodeError("the key file is not JSON") from exc
    if not isinstance(document, dict) or document.get("format") != KEY_FILE_FORMAT:
        raise CodeError(f"the key file is not a {KEY_FILE_FORMAT} document")
    found: dict[str, PublicKeyInfo] = {}
    for item in document.get("keys") or []:
        if not isinstance(item, dict) or item.get("status") not in KEY_STATUSES:
            raise CodeError("every key needs a key_id, org, public_key and a known status")
        revoked = item.get("revoked_at")
        found[str(item["key_id"])] = PublicKeyInfo(
            key_id=str(item["key_id"]),
            org=str(item.get("org", "")),
            public_key=public_key_from_text(str(item.get("public_key", ""))),
            status=str(item["status"]),
            revoked_at=datetime.fromisoformat(revoked) if revoked else None,
        )
    return found
