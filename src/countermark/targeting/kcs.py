"""The public Korean customs data set (KCS, arXiv 2208.02484) read through its shipped column mapping."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from countermark.core.errors import InvalidInput

SOURCE = "kcs"
CURRENCY = "KRW"  # the data set's Item Price is in won; the export has no currency column
# Korea Customs transport mode codes (UNI-PASS): 10 sea, 20 rail, 30 road, 40 air, 50 post (check 60-90).
TRANSPORT_CODES = {"10": "sea", "20": "rail", "30": "road", "40": "air", "50": "post"}
# Codes that mean "unknown" in the export, kept as attributes rather than rejected as countries.
UNKNOWN_COUNTRIES = frozenset({"ZZ", ""})
INSPECTION_PREFIX = "inspection."


def mapping() -> dict[str, str]:
    """The shipped column mapping: {ShipmentIn field, attributes.<name> or inspection.<name>: KCS header}."""
    text = resources.files("countermark.targeting").joinpath("kcs-mapping.json").read_text(encoding="utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


@dataclass(frozen=True)
class KcsRow:
    """One KCS row as a shipment record (ShipmentIn fields) and, when labelled, its inspection result."""

    line: int
    shipment: dict[str, Any]
    inspection: dict[str, Any] | None


def _shipment(cells: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {"source": SOURCE, "attributes": {}}
    for field, value in cells.items():
        if field.startswith("attributes."):
            record["attributes"][field.removeprefix("attributes.")] = value
        else:
            record[field] = value
    code = record.get("transport_mode", "")
    record["transport_mode"] = TRANSPORT_CODES.get(code, "other")
    record["attributes"]["transport_code"] = code
    for field in ("origin_country", "departure_country"):
        if record.get(field, "") in UNKNOWN_COUNTRIES:
            record["attributes"][f"{field}_code"] = record.pop(field, "")
    if "hs_code" in record:
        record["hs_code"] = record["hs_code"].zfill(6)
    if "declared_value" in record:
        record["currency"] = CURRENCY
    if "gross_mass_kg" in record:
        # KCS gives the net mass; it is kept apart so it is never mistaken for a gross mass.
        record["attributes"]["net_mass_kg"] = record.pop("gross_mass_kg")
    return record


def _inspection(cells: dict[str, str], shipment: dict[str, Any]) -> dict[str, Any] | None:
    found = cells.get(INSPECTION_PREFIX + "found", "")
    if found == "":
        return None
    if found not in ("0", "1"):
        raise ValueError(f"Fraud must be 0 or 1, not {found!r}")
    severity = cells.get(INSPECTION_PREFIX + "severity", "") or "0"
    return {
        "source": SOURCE,
        "external_id": f"inspection-{shipment['external_id']}",
        "shipment_source": SOURCE,
        "shipment_external_id": shipment["external_id"],
        # The data set records no inspection date: the declaration date stands in for it.
        "inspected_on": shipment["declared_on"],
        "lane": "red",
        "found": found == "1",
        "severity": int(severity),
        "finding": "fraud" if found == "1" else None,
    }


def read_kcs(path: Path, columns: dict[str, str] | None = None) -> Iterator[KcsRow]:
    """Rows of a KCS export: the shipment record and its inspection result, labels kept apart."""
    columns = columns or mapping()
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InvalidInput.of("cannot read {path}: {reason}", path=str(path), reason=str(exc)) from exc
    with handle:
        reader = csv.DictReader(handle)
        headers = reader.fieldnames or []
        missing = sorted(h for h in columns.values() if h not in headers)
        if missing:
            raise InvalidInput.of(
                "{file} lacks the KCS columns {columns}", file=path.name, columns=", ".join(missing)
            )
        for row in reader:
            cells = {field: (row.get(header) or "").strip() for field, header in columns.items()}
            shipment = _shipment(
                {k: v for k, v in cells.items() if v and not k.startswith(INSPECTION_PREFIX)}
            )
            try:
                inspection = _inspection(cells, shipment)
            except ValueError as exc:
                raise InvalidInput.of(
                    "{file} line {line}: {reason}", file=path.name, line=reader.line_num, reason=str(exc)
                ) from exc
            yield KcsRow(reader.line_num, shipment, inspection)


def write_ingestible(path: Path, out_dir: Path) -> tuple[Path, Path]:
    """Write a KCS export as two JSON Lines files the ordinary ingestion reads: shipments and inspections."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shipments_path = out_dir / f"{path.stem}.shipments.jsonl"
    inspections_path = out_dir / f"{path.stem}.inspections.jsonl"
    with (
        shipments_path.open("w", encoding="utf-8") as shipments,
        inspections_path.open("w", encoding="utf-8") as inspections,
    ):
        for row in read_kcs(path):
            shipments.write(json.dumps(row.shipment, ensure_ascii=False) + "\n")
            if row.inspection is not None:
                inspections.write(json.dumps(row.inspection, ensure_ascii=False) + "\n")
    return shipments_path, inspections_path
