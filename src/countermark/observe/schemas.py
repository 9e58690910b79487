"""Ingestion schemas of accounts and listings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, field_validator

from countermark.core.validation import CountryCode, CurrencyCode, RecordIn, UtcDatetime
from countermark.observe.redirects import MAX_REDIRECTS
from countermark.observe.tls import tls_name
from countermark.orgs.schemas import MarkedOut

# Left out of a record's dump: the content hash has them only when given (`observe.service`), so the
# hashes of records stored before these fields existed do not change.
RedirectedFrom = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://")]],
    Field(
        default_factory=list,
        max_length=MAX_REDIRECTS,
        exclude=True,
        description="The addresses (http or https) a crawler asked for before a redirect brought it to this "
        "page, in order (at most 20); another shop's domain among them links the two.",
    ),
]


class AccountIn(RecordIn):
    """A seller account, page or shop on a platform."""

    platform: str = Field(min_length=1, max_length=100)
    handle: str = Field(min_length=1, max_length=200)
    display_name: str | None = Field(default=None, max_length=300)
    profile_url: str | None = Field(default=None, max_length=2000)
    country: CountryCode | None = None
    bio: str | None = Field(
        default=None,
        max_length=5000,
        description="Free text, at most 5,000 characters; identifiers are extracted from it.",
    )
    contacts: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list,
        max_length=50,
        description="Contacts as shown (e-mails, phones, handles, wallets; at most 50 of 300 characters); "
        "identifiers are extracted.",
    )
    joined_at: UtcDatetime | None = None
    redirected_from: RedirectedFrom


class ListingIn(RecordIn):
    """An offer observed online."""

    platform: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=2000)
    title: str = Field(min_length=1, max_length=1000)
    description: str | None = Field(
        default=None,
        max_length=20_000,
        description="The offer's text, at most 20,000 characters; identifiers are extracted from it.",
    )
    language: str | None = Field(default=None, max_length=8)
    price: Decimal | None = Field(default=None, ge=0)
    currency: CurrencyCode | None = None
    seller: str | None = Field(default=None, max_length=200, description="Seller handle on the platform.")
    ships_from: CountryCode | None = None
    observed_at: UtcDatetime
    images: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list,
        max_length=50,
        description="Image paths relative to the input file (at most 50).",
    )
    snapshot: str | None = Field(
        default=None, max_length=500, description="Saved page (HTML) path relative to the input."
    )
    redirected_from: RedirectedFrom
    # Left out of the record's dump, as `redirected_from`.
    tls_names: list[Annotated[str, Field(min_length=1, max_length=253)]] = Field(
        default_factory=list,
        max_length=100,
        exclude=True,
        description="The DNS names of the TLS certificate the page was served with, as a crawler read them "
        "(at most 100); shops named on one certificate are linked.",
    )

    @field_validator("tls_names")
    @classmethod
    def _tls_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if tls_name(name) is None:
                raise ValueError(f"tls_names: {name[:60]!r} is not a DNS name")
        return names

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return value


class AccountOut(MarkedOut):
    """An account as the API returns it."""

    platform: str
    handle: str
    display_name: str | None
    profile_url: str | None
    country: str | None
    bio: str | None
    joined_at: datetime | None


class ListingOut(MarkedOut):
    """A listing as the API returns it."""

    platform: str
    url: str
    title: str
    description: str | None
    language: str | None
    price: Decimal | None
    currency: str | None
    account_id: int | None
    seller_handle: str | None
    ships_from: str | None
    observed_at: datetime
    snapshot_sha256: str | None
