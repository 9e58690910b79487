"""The manifest of a synthetic world: what was built, who owns which file, and in which order to ingest it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OrgKind = Literal["customs", "police", "rights_holder", "platform", "other"]
IngestKind = Literal[
    "rights",
    "recordals",
    "products",
    "authorised_sellers",
    "accounts",
    "listings",
    "shipments",
    "inspections",
]
Tlp = Literal["RED", "AMBER+STRICT", "AMBER", "GREEN", "CLEAR"]


class OrganisationSpec(BaseModel):
    """An organisation of the world that owns some of its records."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: OrgKind
    country: str


class IngestStep(BaseModel):
    """One file to ingest, with its owner, marking and (for CSV exports) its column mapping."""

    model_config = ConfigDict(extra="forbid")

    kind: IngestKind
    file: str = Field(description="Path relative to the world directory.")
    org: str = Field(description="Name of the owning organisation.")
    tlp: Tlp
    map: str | None = Field(default=None, description="Column mapping file (relative), for CSV exports.")
    source: str | None = Field(
        default=None,
        description="Source to give the records of a CSV export (JSONL records carry their own).",
    )


class WorldManifest(BaseModel):
    """What build_world wrote; also saved as world.json at the top of the world directory."""

    model_config = ConfigDict(extra="forbid")

    seed: int
    scale: Literal["small", "medium", "large"]
    today: date
    counts: dict[str, int]
    organisations: list[OrganisationSpec]
    ingest: list[IngestStep]
    fx_to_eur: dict[str, float] = Field(
        description="Fixed rates (EUR per unit) used for prices in the world."
    )
    truth: str = Field(
        default="truth/truth.json", description="Ground truth; only countermark.eval reads it."
    )
