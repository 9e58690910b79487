"""API input and output of organisations, users, sharing groups and tokens, and the fields every marked
record shares."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from countermark.core.marking import Tlp


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


class UserStatusOut(UserOut):
    """A user with whether they may sign in."""

    disabled_at: datetime | None = Field(
        description="When an administrator disabled the user; null if active."
    )
    password_changed_at: datetime | None
    created_at: datetime


class PasswordChangeIn(BaseModel):
    """Your current password and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=10, max_length=1000)


class PasswordChanged(BaseModel):
    """How many of your other browser sessions were ended."""

    sessions_ended: int


class PasswordResetIn(BaseModel):
    """The new password, or nothing to have one generated."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(
        default=None, min_length=10, max_length=1000, description="Omit to have a password generated."
    )


class PasswordResetOut(BaseModel):
    """The user, and the generated password if one was generated (shown once)."""

    user: UserStatusOut
    password: str | None = Field(description="The generated password, shown once; null when you gave one.")
    sessions_ended: int
