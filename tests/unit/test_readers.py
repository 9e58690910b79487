"""Readers of JSON Lines and CSV, the column mapping and format detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from countermark.core.errors import InvalidInput
from countermark.ingest.kinds import KINDS
from countermark.ingest.readers import detect_format, load_mapping, read_csv, read_jsonl


def _csv(path: Path, text: str, mapping: dict[str, str] | None = None) -> list:
    spec = KINDS["shipments"]
    path.write_text(text, encoding="utf-8")
    return list(
        read_csv(
            path,
            mapping=mapping or {},
            fields=spec.fields,
            list_fields=spec.fields_of_type(list),
            dict_fields=spec.fields_of_type(dict),
        )
    )


def test_jsonl_reports_line_numbers_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n{broken\n"text"\n', encoding="utf-8")
    rows = list(read_jsonl(path))
    assert [(r.line, r.data is not None) for r in rows] == [(1, True), (3, False), (4, False)]


def test_csv_unknown_columns_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="Colour match no field"):
        _csv(tmp_path / "s.csv", "external_id,Colour\n1,red\n")


def test_csv_mapping_naming_a_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not have: Ref"):
        _csv(tmp_path / "s.csv", "external_id\n1\n", {"external_id": "Ref"})


def test_csv_maps_headers_to_fields_and_attributes(tmp_path: Path) -> None:
    rows = _csv(
        tmp_path / "s.csv",
        "Ref,Mode,Import Type,currency\nD1,post,e-commerce,\n",
        {"external_id": "Ref", "transport_mode": "Mode", "attributes.import_type": "Import Type"},
    )
    assert rows[0].data == {
        "external_id": "D1",
        "transport_mode": "post",
        "attributes": {"import_type": "e-commerce"},
    }


def test_csv_row_with_too_many_cells_is_an_error_row(tmp_path: Path) -> None:
    rows = _csv(tmp_path / "s.csv", "external_id,office\nD1,A,B\n")
    assert rows[0].data is None and "more cells" in (rows[0].error or "")


def test_list_fields_split_on_semicolons(tmp_path: Path) -> None:
    spec = KINDS["rights"]
    path = tmp_path / "r.csv"
    path.write_text("external_id,jurisdictions\nR1,EU; FR ;\n", encoding="utf-8")
    rows = list(
        read_csv(
            path,
            mapping={},
            fields=spec.fields,
            list_fields=spec.fields_of_type(list),
            dict_fields=spec.fields_of_type(dict),
        )
    )
    assert rows[0].data == {"external_id": "R1", "jurisdictions": ["EU", "FR"]}


@pytest.mark.parametrize(
    ("name", "declared", "expected"),
    [
        ("a.jsonl", None, "jsonl"),
        ("a.ndjson", None, "jsonl"),
        ("a.CSV", None, "csv"),
        ("a.txt", "csv", "csv"),
    ],
)
def test_format_comes_from_the_declaration_or_the_extension(
    name: str, declared: str | None, expected: str
) -> None:
    assert detect_format(Path(name), declared) == expected


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="cannot tell the format"):
        detect_format(Path("a.xlsx"), None)


def test_mapping_must_be_an_object_of_strings(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"external_id": 3}')
    with pytest.raises(InvalidInput, match="JSON object"):
        load_mapping(path)
