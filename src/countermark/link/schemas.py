"""What the linking API answers and accepts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from countermark.core.validation import TextIn


class NetworkOut(BaseModel):
    """A network: its stable key, score, size, members by kind, first and last activity, marking."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    score: float
    operator: bool = Field(description="An honest same-owner group (a rights holder's own stores).")
    size: int
    kinds: dict[str, int]
    first_seen: datetime | None
    last_seen: datetime | None
    owner_org_id: int
    tlp: str
    sharing_group_id: int | None
    updated_at: datetime
    dissolved_at: datetime | None


class NetworkPage(BaseModel):
    """One page of networks and how many match."""

    items: list[NetworkOut]
    total: int
    limit: int
    offset: int


class MemberOut(BaseModel):
    """A member: its key, kind, label, the stored record it is (if any) and its place in the chain."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    kind: str
    label: str
    record_type: str | None
    record_id: int | None
    depth: int
    via_edge_id: int | None
    seen_at: datetime | None
    lookalike_of: str | None = Field(
        default=None, description="A domain imitating a registered mark: the mark's domain (aurel.com)."
    )
    lookalike_kind: str | None = Field(
        default=None, description="How: dnstwist's permutation (homoglyph, omission, tld-swap…)."
    )
    authorised_for: list[str] | None = Field(
        default=None, description="An authorised seller: the brands whose lists name it."
    )


class EdgeOut(BaseModel):
    """Evidence between two members: which identifier or comparison, and how much it weighs."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    a: str
    b: str
    evidence: str
    detail: str
    strong: bool
    probability: float
    contributions: dict[str, float]


class NetworkDetail(BaseModel):
    """A network with its members and edges."""

    network: NetworkOut
    members: list[MemberOut]
    edges: list[EdgeOut]


class WhyOut(BaseModel):
    """Why a member is in a network: the chain of edges from the network's root to it."""

    network: NetworkOut
    member: MemberOut
    chain: list[EdgeOut]


class HubOut(BaseModel):
    """An entry of the hub list."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    value: str
    hub: bool
    source: str
    holders: int
    reason: str
    owner_org_id: int
    tlp: str
    updated_at: datetime


class HubIn(TextIn):
    """The analyst's word on a value: keep it off the links (hub) or on them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$", examples=["email"])
    value: str = Field(min_length=1, max_length=1000, examples=["support@market.example"])
    hub: bool = True


class JobIn(BaseModel):
    """A linking run to ask for: a full run, or only what was stored since the last one."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["full", "incremental"] = Field(
        default="full",
        description="full: link every record again; incremental: join what was stored since the last run.",
    )


class JobOut(BaseModel):
    """A linking job: queued, running, done (with the run it made) or failed (with why)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    mode: str
    status: str
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    run_id: int | None
    summary: dict[str, Any]
    message: str
