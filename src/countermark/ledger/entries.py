"""The canonical bytes of a ledger entry, and the rules that keep personal data out of its metadata."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from countermark.core.errors import InvalidInput
from countermark.ledger.merkle import leaf_hash

ENTRY_FORMAT = 1
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Metadata strings are identifiers, hashes, codes and timestamps: no spaces (names, addresses, free
# text) and no '@' (e-mail addresses). Values that are only a phone-like run of digits are refused too.
_TOKEN = re.compile(r"^[A-Za-z0-9_.:+\-/#=]{0,128}$")
_PHONE_LIKE = re.compile(r"^\+?[0-9]{7,15}$")
PERSONAL_KEYS = frozenset(
    {"name", "email", "e_mail", "phone", "telephone", "address", "person", "birth", "passport", "iban"}
)
MAX_METADATA_KEYS = 32


def check_kind(kind: str) -> str:
    """The entry kind, when it is a short lower-case word (right, evidence, case_action, notice, …)."""
    if not _KIND.match(kind):
        raise InvalidInput.of(
            "a ledger kind is a lower-case word of at most 32 characters: {kind!r}", kind=kind[:40]
        )
    return kind


def check_content_hash(content_hash: str) -> str:
    """The content hash, when it is a lower-case hex SHA-256."""
    if not _HEX64.match(content_hash):
        raise InvalidInput.of(
            "a ledger content hash is a lower-case hex SHA-256: {content_hash!r}",
            content_hash=content_hash[:80],
        )
    return content_hash


def _check_value(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        if not _TOKEN.match(value) or _PHONE_LIKE.match(value):
            raise InvalidInput.of(
                "ledger metadata {key!r} must be an id, hash, code or timestamp (no spaces, no '@', "
                "no phone numbers): the ledger never holds personal data",
                key=key,
            )
        return value
    if isinstance(value, list) and len(value) <= 64:
        return [_check_value(key, item) for item in value if not isinstance(item, list)]
    raise InvalidInput.of(
        "ledger metadata {key!r} must be a string, integer, boolean, null or a short list", key=key
    )


def check_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """The metadata when it holds only hashes, ids, kinds and timestamps; InvalidInput otherwise."""
    metadata = dict(metadata or {})
    if len(metadata) > MAX_METADATA_KEYS:
        raise InvalidInput.of("ledger metadata has at most {most} keys", most=MAX_METADATA_KEYS)
    checked = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidInput.of("a ledger metadata key is a lower-case word: {key!r}", key=str(key)[:40])
        if any(part in PERSONAL_KEYS for part in key.split("_")) or key in PERSONAL_KEYS:
            raise InvalidInput.of(
                "ledger metadata {key!r} looks like personal data: store its hash instead", key=key
            )
        checked[key] = _check_value(key, value)
    return checked


def timestamp(moment: datetime) -> str:
    """The canonical UTC form of a time, to the microsecond."""
    if moment.tzinfo is None:
        raise InvalidInput("ledger times carry a timezone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


ENTRY_FIELDS = (
    "content_hash",
    "format",
    "kind",
    "metadata",
    "recorded_at",
    "seq",
    "subject_id",
    "subject_type",
)


def entry_fields(
    *,
    seq: int,
    kind: str,
    subject_type: str,
    subject_id: str,
    content_hash: str,
    metadata: Mapping[str, Any],
    recorded_at: datetime | str,
) -> dict[str, Any]:
    """Exactly the fields a leaf commits to (ENTRY_FIELDS), `format` included: what a package shows."""
    return {
        "format": ENTRY_FORMAT,
        "seq": seq,
        "kind": kind,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "content_hash": content_hash,
        "metadata": dict(metadata),
        "recorded_at": recorded_at if isinstance(recorded_at, str) else timestamp(recorded_at),
    }


def encode_entry(document: Mapping[str, Any]) -> bytes:
    """The canonical bytes of an entry's fields (docs/ledger.md, "An entry to the byte").

    Refuses a document with a field more or less than ENTRY_FIELDS: what is shown is exactly what is
    hashed, so nothing can be added beside the hashed fields and pass for part of them.
    """
    if sorted(document) != list(ENTRY_FIELDS):
        raise InvalidInput(f"a ledger entry has exactly the fields {', '.join(ENTRY_FIELDS)}")
    return json.dumps(dict(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_entry(
    *,
    seq: int,
    kind: str,
    subject_type: str,
    subject_id: str,
    content_hash: str,
    metadata: Mapping[str, Any],
    recorded_at: datetime | str,
) -> bytes:
    """The bytes a leaf commits to: sorted, compact UTF-8 JSON of every field of the entry."""
    return encode_entry(
        entry_fields(
            seq=seq,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            content_hash=content_hash,
            metadata=metadata,
            recorded_at=recorded_at,
        )
    )


def entry_hashes(canonical: bytes) -> tuple[str, str]:
    """(SHA-256 of the canonical bytes, RFC 9162 leaf hash) in hex."""
    return hashlib.sha256(canonical).hexdigest(), leaf_hash(canonical).hex()
