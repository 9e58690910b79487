"""API input and output of organisations, users, sharing groups and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from countermark.core.marking import Tlp


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    country: str
    default_tlp: str


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    kind: Literal["customs", "police", "rights_holder", "platform", "other"]
    country: str = Field(min_length=2, max_length=2)
    default_tlp: Tlp | None = Field(None, description="Default: the instance's COUNTERMARK_DEFAULT_TLP.")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    email: str
    display_name: str
    role: str
    locale: str


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "analyst", "officer", "viewer"] = "viewer"
    password: str = Field(min_length=10, max_length=200)
    locale: Literal["en", "fr", "zh"] = "en"


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Literal["read", "write", "admin"]] = Field(min_length=1)
    expires_in_days: int | None = Field(default=90, ge=1, le=730)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret, shown once: store it now.")


class SharingGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    member_org_ids: list[int] = Field(default_factory=list)


class SharingGroupOut(BaseModel):
    id: int
    name: str
    owner_org_id: int
    member_org_ids: list[int]


class MarkingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tlp: Tlp
    sharing_group_id: int | None = None
