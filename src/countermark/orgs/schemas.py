"""Output fields every marked record shares in the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class MarkedOut(BaseModel):
    """Identity, provenance and marking of a record."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    external_id: str
    version: int
    owner_org_id: int
    tlp: str
    sharing_group_id: int | None
    created_at: datetime
    updated_at: datetime
