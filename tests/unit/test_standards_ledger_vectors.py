"""The ledger-entry vectors of docs/ledger.md, encoded by code written only from that page.

`doc_encode` follows the page's rules by hand (it does not call `json.dumps`), so a difference between
the page and `ledger/entries.py` — a field, an escape, a separator — fails here.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ledger.md"
VECTOR_RE = re.compile(r"```ledger-vector\n(.*?)```", re.S)
FIELDS = ["content_hash", "format", "kind", "metadata", "recorded_at", "seq", "subject_id", "subject_type"]
SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def doc_vectors() -> list[dict[str, str]]:
    vectors = []
    for block in VECTOR_RE.findall(DOC.read_text(encoding="utf-8")):
        pairs = (line.split(" = ", 1) for line in block.strip().splitlines())
        vectors.append({name.strip(): value for name, value in pairs})
    return vectors


def _string(text: str) -> str:
    out = []
    for char in text:
        if char in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ",".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(_string(k) + ":" + _value(value[k]) for k in sorted(value)) + "}"
    raise AssertionError(f"the page allows no {type(value).__name__}")


def doc_encode(fields: dict[str, Any]) -> bytes:
    assert sorted(fields) == FIELDS, "exactly the eight fields of the page"
    return _value(fields).encode("utf-8")


@pytest.mark.parametrize("vector", doc_vectors(), ids=lambda v: v["entry_hash"][:8])
def test_doc_vector_from_the_page_alone(vector: dict[str, str]) -> None:
    canonical = doc_encode(json.loads(vector["fields"]))
    assert canonical == vector["canonical"].encode("utf-8")
    assert hashlib.sha256(canonical).hexdigest() == vector["entry_hash"]
    assert hashlib.sha256(b"\x00" + canonical).hexdigest() == vector["leaf_hash"]


@pytest.mark.parametrize("vector", doc_vectors(), ids=lambda v: v["entry_hash"][:8])
def test_the_project_encoder_agrees(vector: dict[str, str]) -> None:
    from countermark.ledger.entries import canonical_entry, entry_hashes

    fields = json.loads(vector["fields"])
    fields.pop("format")
    canonical = canonical_entry(**fields)
    assert canonical == vector["canonical"].encode("utf-8")
    assert entry_hashes(canonical) == (vector["entry_hash"], vector["leaf_hash"])


def test_the_page_covers_format_nulls_lists_and_non_ascii() -> None:
    texts = [v["canonical"] for v in doc_vectors()]
    assert all('"format":1' in t for t in texts)
    assert any("null" in t for t in texts) and any("[" in t for t in texts)
    assert any(not t.isascii() for t in texts)


def test_escapes_follow_the_page() -> None:
    from countermark.ledger.entries import canonical_entry

    fields: dict[str, Any] = {
        "seq": 3,
        "kind": "evidence",
        "subject_type": "blob",
        "subject_id": 'a"b\\c\td\x01e\u2028f',
        "content_hash": "0" * 64,
        "metadata": {},
        "recorded_at": "2025-01-01T00:00:00.000000Z",
    }
    assert canonical_entry(**fields) == doc_encode(fields | {"format": 1})


def test_an_extra_or_missing_field_is_refused() -> None:
    from countermark.core.errors import InvalidInput
    from countermark.ledger.entries import encode_entry

    fields = json.loads(doc_vectors()[0]["fields"])
    with pytest.raises(InvalidInput):
        encode_entry(fields | {"id": 4})
    with pytest.raises(InvalidInput):
        encode_entry({k: v for k, v in fields.items() if k != "format"})
