"""The ingestion schema reference (docs/INGEST.md), generated from the schemas so it cannot drift."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic.fields import FieldInfo

from countermark.ingest.kinds import KINDS
from countermark.ingest.readers import LIST_SEPARATOR
from countermark.ingest.service import BATCH_ROWS

HEADER = f"""# Ingestion schemas

Generated from the code by `countermark kinds --markdown`; a test fails when this file is stale.

Every kind is ingested with `countermark ingest KIND FILE --org NAME`, from JSON Lines (one object a
line) or CSV (one row a line, with a header). In CSV, list fields are separated by `{LIST_SEPARATOR}` and a
mapping file (`--map mapping.json`, an object `{{"field": "CSV header"}}`, where the field may be
`attributes.<name>` for shipments) renames an administration's own columns. A record is identified by
`source` + `external_id`: the same version again changes nothing, a higher version replaces it, a lower
one is ignored, and the same version with other content is rejected. Each organisation has its own key
space: another organisation's record of the same key is another record, never compared, changed or
revealed, and a row's references (a recordal's right and products, a product's rights, an inspection's
shipment, a listing's seller account) are looked up among the organisation's own records only. Rejected
rows are written beside the input as `<file>.rejects.jsonl`, each with its line number and reasons; good
rows are kept.

Kinds marked *(batched)* are validated and decided {BATCH_ROWS:,} rows at a time and written set-based
(PostgreSQL: COPY, and an UPDATE ... FROM a staging table for newer versions; SQLite: executemany), with
the same counts, rejects and identifiers as row by row; a batch the database refuses is redone row by row
so that only the rows at fault are rejected. Listing images are stored by SHA-256 after a header check,
not hashed: `countermark fingerprint listings` hashes and matches them (`detect run` and `link run` run it
first).
"""


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        parts = [_type_name(a) for a in typing.get_args(annotation) if a is not type(None)]
        return " | ".join(parts) + " (optional)"
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " / ".join(str(a) for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        for item in meta:
            name = getattr(getattr(item, "func", None), "__name__", "")
            if name:
                return f"{_type_name(base)} ({name.strip('_').replace('_', ' ')})"
        return _type_name(base)
    if origin in (list, dict):
        return f"{origin.__name__} of " + ", ".join(_type_name(a) for a in typing.get_args(annotation))
    return getattr(annotation, "__name__", str(annotation))


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        return "empty"
    return "" if info.default is None else f"`{info.default}`"


def schema_markdown() -> str:
    """The whole reference as Markdown."""
    parts = [HEADER]
    for spec in KINDS.values():
        batched = " *(batched)*" if spec.bulk else ""
        parts.append(
            f"\n## `{spec.name}` — {spec.summary}{batched}\n\n"
            "| field | type | default | meaning |\n|---|---|---|---|"
        )
        for name, info in spec.schema.model_fields.items():
            description = (info.description or "").replace("|", "\\|")
            parts.append(f"| `{name}` | {_type_name(info.annotation)} | {_default(info)} | {description} |")
    return "\n".join(parts) + "\n"
