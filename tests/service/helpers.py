"""Builders of small input files for ingestion tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ingest.service import IngestReport, ingest_file
from countermark.orgs.service import create_organisation


def write_jsonl(path: Path, rows: Iterable[dict[str, Any] | str]) -> Path:
    """Write rows (dicts as JSON, strings verbatim) one per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_image(path: Path, colour: tuple[int, int, int], label: str = "") -> Path:
    """A small JPEG with a coloured shape, distinct per colour and label."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (64, 64), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 56, 56), fill=colour)
    draw.text((10, 26), label, fill=(0, 0, 0))
    image.save(path, format="JPEG", quality=90)
    return path


def make_org(
    ctx: AppContext, name: str = "Maison Aurel", kind: str = "rights_holder", country: str = "FR"
) -> int:
    """Create an organisation and return its id."""
    with unit_of_work(ctx.sessions) as session:
        return create_organisation(session=session, name=name, kind=kind, country=country).id


def ingest(ctx: AppContext, kind: str, path: Path, org_id: int, **options: Any) -> IngestReport:
    """Ingest one file in its own transaction."""
    with unit_of_work(ctx.sessions) as session:
        return ingest_file(
            session=session,
            blobs=ctx.blobs,
            kind=kind,
            path=path,
            owner_org_id=org_id,
            actor="test",
            **options,
        )


def read_rejects(report: IngestReport) -> list[dict[str, Any]]:
    """The rejected rows written beside the input."""
    assert report.rejects_path is not None
    return [json.loads(line) for line in Path(report.rejects_path).read_text(encoding="utf-8").splitlines()]


RIGHT = {
    "source": "t",
    "external_id": "R-1",
    "kind": "trademark",
    "name": "AUREL",
    "brand": "Aurel",
    "holder_name": "Maison Aurel SA",
    "registration_number": "018000001",
    "office": "EUIPO",
    "jurisdictions": ["EU"],
    "nice_classes": [18, 25],
    "valid_from": "2020-01-01",
    "valid_until": "2030-01-01",
}
PRODUCT = {
    "source": "t",
    "external_id": "P-1",
    "brand": "Aurel",
    "gtin": "4006381333931",
    "name": "Aurel tote bag",
    "category": "handbags",
    "hs_code": "420221",
    "price_min": "300",
    "price_max": "450",
    "currency": "EUR",
    "rights": ["R-1"],
    "images": ["img/tote-1.jpg", "img/tote-2.jpg"],
}
