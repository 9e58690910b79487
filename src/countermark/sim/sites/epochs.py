"""Pages that change between crawls: which listings change or disappear at each epoch, and how."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

_TITLE_TAGS = ("- promo", "- new stock", "- last items", "- price drop")


def _draw(seed: str, key: str, epoch: int, what: str) -> float:
    """A uniform draw in [0, 1) fixed by the world, the listing, the epoch and the kind of event."""
    digest = hashlib.sha256(f"{seed}|{key}|{epoch}|{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class ListingState:
    """A listing at one epoch: live or gone (since when), and the epochs at which it changed."""

    live: bool
    gone_at: int | None
    changed_at: tuple[int, ...]

    @property
    def changes(self) -> int:
        """How many times the page changed so far."""
        return len(self.changed_at)


LIVE = ListingState(live=True, gone_at=None, changed_at=())


def state_at(key: str, epoch: int, *, seed: str, change_rate: float, gone_rate: float) -> ListingState:
    """The state of a listing after `epoch` advances (epoch 0 is the world as generated).

    At each epoch a live listing disappears with probability `gone_rate` (for good) and otherwise changes
    with probability `change_rate`; the draws depend only on the seed, the key and the epoch, so every run
    of the same world changes the same listings.
    """
    changed: list[int] = []
    for step in range(1, epoch + 1):
        if gone_rate > 0 and _draw(seed, key, step, "gone") < gone_rate:
            return ListingState(live=False, gone_at=step, changed_at=tuple(changed))
        if change_rate > 0 and _draw(seed, key, step, "change") < change_rate:
            changed.append(step)
    return ListingState(live=True, gone_at=None, changed_at=tuple(changed)) if changed else LIVE


def changed_price(price: float | None, state: ListingState) -> float | None:
    """The price after the listing's changes: 10% off per change, rounded to cents."""
    if price is None or not state.changed_at:
        return price
    return round(price * 0.9 ** len(state.changed_at), 2)


def changed_title(title: str, state: ListingState) -> str:
    """The title after the listing's changes: every other change appends a seller's tag."""
    if len(state.changed_at) % 2 == 0:
        return title
    return f"{title} {_TITLE_TAGS[state.changed_at[-1] % len(_TITLE_TAGS)]}"
