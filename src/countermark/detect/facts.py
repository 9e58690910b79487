"""What detection reads: a listing, its seller, and the rights holders' references. Plain values only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


def band_middle(low: float | None, high: float | None) -> float | None:
    """Middle of a price band, or its one end when the other is missing."""
    if low is not None and high is not None:
        return (low + high) / 2
    return low if low is not None else high


@dataclass(frozen=True, slots=True)
class ProductRef:
    """A genuine product: brand, name, GTIN, retail price band in its currency, photos' PDQ hashes."""

    key: str
    brand: str
    name: str
    gtin: str | None
    price_min: float | None
    price_max: float | None
    currency: str
    category: str | None = None
    photo_hashes: tuple[str, ...] = ()

    @property
    def price_mid(self) -> float | None:
        """Middle of the retail band (or its one end)."""
        return band_middle(self.price_min, self.price_max)


@dataclass(frozen=True, slots=True)
class SellerFacts:
    """What is known of the account behind a listing."""

    platform: str
    handle: str
    country: str | None = None
    joined_at: datetime | None = None
    confirmed_infringements: int = 0
    network_size: int = 0
    network_confirmed: int = 0


@dataclass(frozen=True, slots=True)
class ListingFacts:
    """A listing as detection reads it (the ingestion schema's fields, photos as PDQ hashes)."""

    key: str
    platform: str
    title: str
    description: str = ""
    url: str = ""
    language: str | None = None
    price: float | None = None
    currency: str | None = None
    seller: str | None = None
    ships_from: str | None = None
    observed_at: datetime | None = None
    photo_hashes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Title and description, as one text."""
        return f"{self.title}\n{self.description}"


@dataclass(frozen=True)
class References:
    """The rights holders' side: marks, aliases, products, authorised sellers, exchange rates, logos."""

    marks: Mapping[str, tuple[str, ...]]
    products: tuple[ProductRef, ...] = ()
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # (brand, platform, handle), compared case-insensitively.
    authorised: frozenset[tuple[str, str, str]] = frozenset()
    fx_to_eur: Mapping[str, float] = field(default_factory=lambda: {"EUR": 1.0})
    # Logo and label photos per brand, matched to find a mark shown only in the photo.
    logo_hashes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Texts of offers already confirmed infringing (MinHash signals), a bank of known offers.
    known_offer_signals: tuple[str, ...] = ()

    def is_authorised(self, brand: str, platform: str, handle: str | None) -> bool:
        """Whether the seller is on the brand's authorised list for this platform."""
        if not handle:
            return False
        return (brand.casefold(), platform.casefold(), handle.casefold()) in self.authorised
