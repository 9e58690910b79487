"""Prices of offers as a share of the genuine product's price, by what the offer is.

The ranges overlap on purpose: a fifth of fakes ask 0.6-1.0 of the genuine price, about a tenth of honest
branded offers go below 0.45 (damaged, lots, clearance), grey imports sit at 0.6-0.9.
"""

from __future__ import annotations

import random

CHEAP_HONEST = 0.12  # honest branded offers sold far below the price, with a reason
FULL_PRICE_FAKES = 0.2  # fakes priced like the real thing


def counterfeit_ratio(rng: random.Random) -> float:
    """A fake's price over the genuine mid price."""
    if rng.random() < FULL_PRICE_FAKES:
        return rng.uniform(0.6, 1.0)
    return rng.uniform(0.22, 0.62)


def cheap_ratio(rng: random.Random) -> float:
    """A genuine item sold off: damaged box, display model, a lot from a closed shop."""
    return rng.uniform(0.2, 0.45)


def grey_ratio(rng: random.Random) -> float:
    """A genuine item imported outside the brand's channels."""
    return rng.uniform(0.6, 0.9)


def parody_ratio(rng: random.Random) -> float:
    """A parody or dupe: priced like a cheap alternative."""
    return rng.uniform(0.12, 0.4)


def second_hand_ratio(rng: random.Random) -> float:
    """A used genuine item."""
    return rng.uniform(0.35, 0.75)


def outlet_ratio(rng: random.Random) -> float:
    """A genuine item at an outlet price."""
    return rng.uniform(0.45, 0.7)
