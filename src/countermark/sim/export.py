"""The customs administration's CSV export: its own headers, and the mapping of schema fields onto them."""

from __future__ import annotations

import csv
import io
from typing import Any

# The administration's own export headers, in its column order, and the schema field each holds.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("external_id", "Declaration No"),
    ("kind", "Declaration Type"),
    ("declared_on", "Date"),
    ("office", "Office"),
    ("transport_mode", "Mode"),
    ("consignor_name", "Consignor"),
    ("consignor_address", "Consignor Address"),
    ("consignor_country", "Consignor Country"),
    ("consignor_contact", "Consignor Tel"),
    ("consignee_name", "Consignee"),
    ("consignee_address", "Consignee Address"),
    ("consignee_country", "Consignee Country"),
    ("consignee_contact", "Consignee Tel"),
    ("declarant", "Declarant"),
    ("courier", "Carrier"),
    ("hs_code", "HS Code"),
    ("origin_country", "Origin"),
    ("departure_country", "Dispatch Country"),
    ("quantity", "Qty"),
    ("gross_mass_kg", "Gross Mass (kg)"),
    ("declared_value", "Value"),
    ("currency", "Currency"),
    ("description", "Goods Description"),
    ("attributes.import_type", "Import Type"),
    ("attributes.payment_type", "Payment Type"),
    ("attributes.seller_id", "Seller ID"),
    ("attributes.marketplace", "Marketplace"),
    ("attributes.tax_type", "Tax Type"),
)
MAPPING: dict[str, str] = dict(COLUMNS)


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as exported: the administration's headers, ISO dates, plain numbers, empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header for _, header in COLUMNS])
    for row in rows:
        cells = []
        for field_name, _ in COLUMNS:
            if field_name.startswith("attributes."):
                value = row["attributes"].get(field_name.split(".", 1)[1])
            else:
                value = row.get(field_name)
            cells.append("" if value is None else str(value))
        writer.writerow(cells)
    return buffer.getvalue()
