"""Readers of JSON Lines and CSV files into raw rows, with an optional CSV column mapping."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from countermark.core.errors import InvalidInput

LIST_SEPARATOR = ";"
FORMATS = ("jsonl", "csv")


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row as read: its line number, its fields, or why it could not be read."""

    line: int
    data: dict[str, Any] | None
    error: str | None = None
    raw: str = ""


def detect_format(path: Path, declared: str | None) -> str:
    """The file's format: the declared one, else from its extension."""
    if declared:
        if declared not in FORMATS:
            raise InvalidInput.of(
                "unknown format {format!r}: use one of {formats}", format=declared, formats=", ".join(FORMATS)
            )
        return declared
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise InvalidInput.of(
        "cannot tell the format of {file}: pass --format jsonl or --format csv", file=path.name
    )


def load_mapping(path: Path | None) -> dict[str, str]:
    """A column mapping file: a JSON object {schema field or attributes.<name>: CSV header}."""
    if path is None:
        return {}
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput.of(
            "cannot read the column mapping {path}: {reason}", path=str(path), reason=str(exc)
        ) from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise InvalidInput.of("a column mapping is a JSON object of field name to CSV header, both strings")
    return mapping


def count_rows(path: Path) -> int:
    """Number of non-empty lines (an upper bound on rows, for the progress bar)."""
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def read_jsonl(path: Path) -> Iterator[RawRow]:
    """Rows of a JSON Lines file; a line that is not a JSON object becomes an error row."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:
                yield RawRow(number, None, f"not valid JSON: {exc}", line.rstrip("\n"))
                continue
            if not isinstance(data, dict):
                yield RawRow(number, None, "each line must be a JSON object", line.rstrip("\n"))
                continue
            yield RawRow(number, data, None, line.rstrip("\n"))


def _csv_cell(value: str | None, field: str, list_fields: frozenset[str], dict_fields: frozenset[str]) -> Any:
    if value is None:
        return None
    value = value.strip()
    if value == "":
        return None
    if field in list_fields:
        return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
    if field in dict_fields:
        return json.loads(value)
    return value


def read_csv(
    path: Path,
    *,
    mapping: dict[str, str],
    fields: frozenset[str],
    list_fields: frozenset[str],
    dict_fields: frozenset[str],
) -> Iterator[RawRow]:
    """Rows of a CSV file, renamed through the mapping; list cells split on ';'."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
        reader = csv.DictReader(handle, dialect=dialect)
        headers = reader.fieldnames or []
        header_to_field = {header: field for field, header in mapping.items()}
        missing = sorted(h for h in mapping.values() if h not in headers)
        if missing:
            raise InvalidInput.of(
                "the mapping names columns the file does not have: {columns}", columns=", ".join(missing)
            )
        unknown = [
            h
            for h in headers
            if h not in header_to_field and h not in fields and not h.startswith("attributes.")
        ]
        if unknown:
            raise InvalidInput.of(
                "columns {columns} match no field; map them (--map) or remove them",
                columns=", ".join(unknown),
                detail={"known_fields": sorted(fields)},
            )
        for row in reader:
            line = reader.line_num
            raw = json.dumps(row, ensure_ascii=False)
            if None in row:
                yield RawRow(line, None, "the row has more cells than the header", raw)
                continue
            data: dict[str, Any] = {}
            try:
                for header, cell in row.items():
                    field = header_to_field.get(header, header)
                    value = _csv_cell(cell, field, list_fields, dict_fields)
                    if value is None:
                        continue
                    if field.startswith("attributes."):
                        data.setdefault("attributes", {})[field.removeprefix("attributes.")] = value
                    else:
                        data[field] = value
            except ValueError as exc:
                yield RawRow(line, None, f"a JSON cell could not be read: {exc}", raw)
                continue
            yield RawRow(line, data, None, raw)
