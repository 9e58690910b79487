"""A naive keyword-and-price detector: the baseline any real detector must beat.

It flags a listing when its title or description names a registered brand and its price is
below half of the cheapest genuine price of that brand's products. It reads only the store.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.observe.models import Listing
from countermark.rights.models import Product


def naive_flags(*, session: Session, price_ratio: Decimal = Decimal("0.5")) -> dict[tuple[str, str], bool]:
    """For every listing, (source, external_id) → whether the naive rule flags it."""
    floors: dict[str, Decimal] = {}
    for brand, lowest in session.execute(
        select(Product.brand, func.min(Product.price_min)).group_by(Product.brand)
    ):
        if lowest is not None:
            floors[brand.casefold()] = Decimal(lowest)
    flags: dict[tuple[str, str], bool] = {}
    for source, external_id, title, description, price in session.execute(
        select(Listing.source, Listing.external_id, Listing.title, Listing.description, Listing.price)
    ):
        text = f"{title} {description or ''}".casefold()
        flagged = False
        for brand, floor in floors.items():
            if brand in text and price is not None and Decimal(price) < floor * price_ratio:
                flagged = True
                break
        flags[(source, external_id)] = flagged
    return flags
