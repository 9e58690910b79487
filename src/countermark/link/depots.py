"""Shared addresses on consignments: a forwarder's depot or a street many senders write.

Agreement on such an address says nothing about who sent a parcel: a parcel that shows no contact and
is sent from one may not follow a sender by name. An address is shared when more distinct sender names
write it (house and room numbers aside) than one operation uses; misspelt copies of it count as it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz, process

from countermark.link.evidence import Party

# More distinct sender names than one operation writes at its addresses (at most 32 on the training
# worlds, seeds 9 and 10; the forwarder's depot and common streets 50 or more).
DEPOT_NAMES = 40
SIMILAR = 90  # a misspelt copy of a shared address (rapidfuzz ratio, 0–100)


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9 ]+", " ", folded)


def address_form(address: str) -> str:
    """The address folded, without its numbers (house, room, unit, postcode)."""
    return " ".join(word for word in _fold(address).split() if not any(c.isdigit() for c in word))


def shared_addresses(shipments: Iterable[Party]) -> set[str]:
    """The address forms that more than DEPOT_NAMES distinct sender names write, and their misspellings."""
    names: dict[str, set[str]] = defaultdict(set)
    for party in shipments:
        form = address_form(party.address)
        if form:
            names[form].add(" ".join(_fold(party.name).split()))
    shared = [form for form, senders in names.items() if len(senders) >= DEPOT_NAMES]
    if not shared:
        return set()
    found = set(shared)
    for form in names:
        if form not in found and process.extractOne(form, shared, scorer=fuzz.ratio, score_cutoff=SIMILAR):
            found.add(form)
    return found


def sent_from_shared(shipments: Sequence[Party]) -> set[str]:
    """The consignments sent from a shared address."""
    shared = shared_addresses(shipments)
    return {p.key for p in shipments if address_form(p.address) in shared}
