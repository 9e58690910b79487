"""API input of product codes: batches, alert decisions and reward statuses."""

from __future__ import annotations

from pydantic import BaseModel, Field

from countermark.codes import service


class BatchIn(BaseModel):
    """A batch to issue."""

    product_id: int = Field(ge=1, le=2_147_483_647)
    quantity: int = Field(ge=1, le=service.MAX_BATCH)
    label: str | None = Field(default=None, max_length=200)
    resolver: str | None = Field(default=None, max_length=200, pattern=r"^[A-Za-z0-9.-]+(:\d{1,5})?$")


class DecisionIn(BaseModel):
    """A person's decision on a clone alert."""

    decision: str = Field(pattern="^(confirmed|dismissed|open)$")
    note: str | None = Field(default=None, max_length=1000)


class RewardIn(BaseModel):
    """A reward scheme."""

    name: str = Field(min_length=1, max_length=200)
    amount: int = Field(ge=0, le=1_000_000)
    currency: str = Field(default="EUR", pattern="^[A-Za-z]{3}$")
    description: str | None = Field(default=None, max_length=2000)
