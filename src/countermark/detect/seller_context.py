"""What a seller's listings show as a whole, added to each of its listings: features and their sentences.

A counterfeiter's listings err together (many brands, lookalike spellings, replica words, prices far under
the genuine ones), and a mixer prices its fakes below its genuine stock. The scorer reads these shares as
features; each share that other listings of the seller contribute to is also stated as a signal, so an
alert driven by its seller's range says so instead of naming only the listing's own, weaker signals. No
labels are read: only the listings' own signals. Pure: values in, values out.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from countermark.detect.signals import Evidence, Signal

# Shares of the seller's listings stated as signals: (signal, what a listing must show, strength). The
# strengths only order the sentences (after the listing's own signals) and give their sense, as the
# listing's own do: a reason for a low price is mitigating. The scorer weighs the features.
CONTEXT_SIGNALS: tuple[tuple[str, str, float], ...] = (
    ("seller_range_lookalike", "seller_lookalike_share", 0.3),
    ("seller_range_replica", "seller_replica_share", 0.3),
    ("seller_range_photo_theft", "seller_photo_theft_share", 0.3),
    ("seller_range_low_price", "seller_low_price_share", 0.2),
    ("seller_range_sale", "seller_sale_share", -0.1),
)
# A listing priced, against the genuine price, at no more than this share of its seller's usual level.
CHEAPER_THAN_USUAL = 0.5
# A seller offering goods of at least this many registered brands.
SEVERAL_BRANDS = 2


def _low(evidence: Evidence) -> bool:
    ratio = evidence.features.get("price_ratio", math.nan)
    return not math.isnan(ratio) and ratio < 0.5


def _fired(name: str) -> Callable[[Evidence], bool]:
    return lambda e: e.features.get(name, 0) > 0


SHOWS: dict[str, Callable[[Evidence], bool]] = {
    "seller_lookalike_share": _fired("mark_lookalike"),
    "seller_replica_share": _fired("replica_terms"),
    "seller_low_price_share": _low,
    "seller_photo_theft_share": _fired("photo_theft"),
    "seller_sale_share": _fired("sale_terms"),
    "seller_parody_share": _fired("parody_terms"),
}


def add_seller_context(
    evidences: Sequence[Evidence], extra: Mapping[str, Sequence[Evidence]] | None = None
) -> None:
    """Add, to each listing, what its seller's listings show as a whole (their own signals, no labels),
    and the signals of what its seller's other listings show.

    `extra` gives, per seller key, further listings of that seller (already stored) to count too. Adding
    the context again replaces the signals it added before.
    """
    by_seller: dict[str, list[Evidence]] = defaultdict(list)
    for evidence in evidences:
        if evidence.seller:
            by_seller[evidence.seller].append(evidence)
    ranges: dict[str, _Range] = {}
    for evidence in evidences:
        key = evidence.seller or ""
        seen = ranges.get(key) if key else None
        if seen is None:
            # A listing without a seller is a range of its own.
            seen = _Range.of(by_seller.get(key, [evidence]) + list((extra or {}).get(key, [])))
            if key:
                ranges[key] = seen
        f = evidence.features
        f["seller_listings"] = float(seen.listings)
        f["seller_brand_share"] = seen.branded / seen.listings
        for name, count in seen.counts.items():
            f[name] = count / seen.listings
        f["seller_brands"] = float(len(seen.brands))
        # A mixer's fakes are priced below its genuine stock: the listing's price against its seller's usual.
        own = f.get("price_ratio", math.nan)
        median = seen.median_price_ratio
        f["price_vs_seller_median"] = own / median if median and not math.isnan(own) else math.nan
        _state(evidence, seen.listings, seen.counts, seen.brands)


@dataclass(frozen=True)
class _Range:
    """What one seller's listings show as a whole, counted once for all of them."""

    listings: int
    branded: int
    counts: Mapping[str, int]
    brands: set[str]
    median_price_ratio: float

    @classmethod
    def of(cls, group: Sequence[Evidence]) -> _Range:
        ratios = [r for e in group if not math.isnan(r := e.features.get("price_ratio", math.nan))]
        return cls(
            listings=len(group),
            branded=sum(e.brand is not None for e in group),
            counts={name: sum(shows(e) for e in group) for name, shows in SHOWS.items()},
            brands={e.brand for e in group if e.brand},
            median_price_ratio=statistics.median(ratios) if ratios else math.nan,
        )


def _state(evidence: Evidence, listings: int, counts: Mapping[str, int], brands: set[str]) -> None:
    """The context signals of one listing: each share its seller's other listings contribute to."""
    signals = [s for s in evidence.signals if not s.name.startswith("seller_range")]
    for name, feature, strength in CONTEXT_SIGNALS:
        count = counts[feature]
        if count > int(SHOWS[feature](evidence)):
            signals.append(Signal(name, strength, {"count": str(count), "listings": str(listings)}))
    if len(brands) >= SEVERAL_BRANDS:
        shown = ", ".join(sorted(brands)[:5]) + (", …" if len(brands) > 5 else "")
        signals.append(Signal("seller_range_brands", 0.2, {"count": str(len(brands)), "brands": shown}))
    relative = evidence.features.get("price_vs_seller_median", math.nan)
    if not math.isnan(relative) and relative <= CHEAPER_THAN_USUAL:
        percent = str(round(100 * relative))
        signals.append(Signal("seller_range_cheaper", 0.3, {"percent": percent}))
    evidence.signals[:] = signals
