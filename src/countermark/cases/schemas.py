"""API input of cases: opening, decisions, notices and their status."""

from __future__ import annotations

from pydantic import BaseModel, Field

from countermark.core.marking import DEFAULT_TLP, Tlp


class CaseOpen(BaseModel):
    """A case to open: by hand under a procedure, or from a shipment or a listing."""

    title: str | None = Field(None, max_length=300)
    procedure: str | None = Field(None, max_length=64)
    shipment_id: int | None = Field(None, ge=1, le=2_147_483_647)
    listing_id: int | None = Field(None, ge=1, le=2_147_483_647)
    country: str | None = Field(None, min_length=2, max_length=2)
    perishable: bool = False
    rights_holder_org_id: int | None = Field(None, ge=1, le=2_147_483_647)
    platform_org_id: int | None = Field(
        None, ge=1, le=2_147_483_647, description="The platform organisation that takes its decisions."
    )
    tlp: Tlp = DEFAULT_TLP


class DecisionIn(BaseModel):
    """A decision on the case's current step."""

    decision: str = Field(..., min_length=1, max_length=64)
    role: str | None = Field(None, max_length=32)
    note: str | None = Field(None, max_length=2000)


class NoticeIn(BaseModel):
    """A notice to build from the case; missing URLs and right details come from the case's links."""

    kind: str = Field(..., pattern="^(dsa|dmca|lumen|marketplace)$")
    reason_code: str = Field("9052", max_length=8)
    notifier_name: str = Field(..., min_length=1, max_length=300)
    notifier_email: str = Field(..., min_length=3, max_length=254)
    explanation: str = Field(..., max_length=5000)
    good_faith: bool = False
    accurate_under_penalty: bool = False
    signature: str | None = Field(None, max_length=300)
    notifier_address: str | None = Field(None, max_length=500)
    notifier_phone: str | None = Field(None, max_length=50)
    infringing_urls: list[str] | None = Field(None, max_length=100)
    right_kind: str | None = Field(None, pattern="^(trademark|copyright|design|patent)$")
    right_name: str | None = Field(None, max_length=300)
    countries: list[str] | None = Field(None, max_length=50)


class StatusIn(BaseModel):
    """A notice's new status."""

    status: str = Field(..., max_length=16)
    note: str | None = Field(None, max_length=2000)


class PlatformIn(BaseModel):
    """The platform organisation an online case's takedown is asked of."""

    platform_org_id: int = Field(..., ge=1, le=2_147_483_647)
