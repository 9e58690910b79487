"""A naive keyword-and-price detector: the baseline any real detector must beat.

It flags a listing when its title or description names a registered brand and its price is below half of
the cheapest genuine price of that brand's products. Pure: it takes the listings' text and prices and the
brands' price floors, and returns a flag per listing key.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ListingText:
    """What the baseline reads of a listing."""

    key: Hashable
    title: str
    description: str | None
    price: Decimal | None


def naive_flags(
    listings: Iterable[ListingText],
    brand_floors: Mapping[str, Decimal],
    *,
    price_ratio: Decimal = Decimal("0.5"),
) -> dict[Hashable, bool]:
    """For every listing, its key → whether the rule flags it (brand named, price under ratio × floor)."""
    floors = {brand.casefold(): Decimal(floor) for brand, floor in brand_floors.items()}
    flags: dict[Hashable, bool] = {}
    for listing in listings:
        text = f"{listing.title} {listing.description or ''}".casefold()
        price = listing.price
        flags[listing.key] = price is not None and any(
            brand in text and Decimal(price) < floor * price_ratio for brand, floor in floors.items()
        )
    return flags
