"""Past customs inspections of the world's shipments: a sample examined, with what the officers found."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from countermark.sim.shipments import ShipmentTruth

FILE = "customs/inspections.jsonl"
# The most recent fortnight has not been examined yet: it is what targeting must rank.
UNINSPECTED_DAYS = 14
RANDOM_SHARE = 0.12  # the office's random quality-control sample
SUSPICION_SHARE = 0.25  # extra examinations of small postal parcels from outside the EU, as officers do
MISS_RATE = 0.08  # examinations that fail to recognise a fake


def _examined(rng: random.Random, row: dict[str, Any]) -> bool:
    if rng.random() < RANDOM_SHARE:
        return True
    small_parcel = row.get("kind") == "consignment" and row.get("transport_mode") == "post"
    return small_parcel and rng.random() < SUSPICION_SHARE


def inspection_records(
    shipments: list[tuple[dict[str, Any], ShipmentTruth]], rng: random.Random, today: date
) -> list[dict[str, Any]]:
    """Inspection results (InspectionIn fields) of the shipments examined before the cut-off."""
    cutoff = today - timedelta(days=UNINSPECTED_DAYS)
    records = []
    for row, truth in shipments:
        declared = date.fromisoformat(str(row["declared_on"]))
        if declared >= cutoff or not _examined(rng, row):
            continue
        found = truth.infringing and rng.random() >= MISS_RATE
        records.append(
            {
                "source": "sim-customs-inspections",
                "external_id": f"I-{row['external_id']}",
                "shipment_source": row["source"],
                "shipment_external_id": row["external_id"],
                "inspected_on": (declared + timedelta(days=rng.randint(1, 3))).isoformat(),
                "lane": "red",
                "found": found,
                "severity": (2 if row.get("kind") == "declaration" else 1) if found else 0,
                "finding": "counterfeit goods" if found else None,
                "officer": f"officer {rng.randint(1, 12):02d}",
            }
        )
    return records


def write_inspections(
    out_dir: Path, shipments: list[tuple[dict[str, Any], ShipmentTruth]], rng: random.Random, today: date
) -> int:
    """Write the world's past inspection results to customs/inspections.jsonl; the number written."""
    records = inspection_records(shipments, rng, today)
    path = out_dir / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return len(records)
