"""The evidence graph's vocabulary: parties (accounts, shops, shipment parties) and the links between them.

Pure values: the adapters (the store's `link_service`, the evaluation's world reader) build parties; the
engine (`link.engine`) turns them into links and networks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Value = tuple[str, str]  # (identifier kind, normalised value)

# Kinds that name places everyone shares (a free-mail or platform domain, a marketplace page): never links.
NON_LINKING_KINDS = frozenset({"domain", "url", "name", "postal_address"})


@dataclass(frozen=True)
class Party:
    """One record of the graph.

    `kind`: account (a marketplace or social account), shop (a web shop, its handle a domain) or
    shipment (a consignment's sender side). `values` are the exact identifiers seen on it (after the
    ingest's normalisation); `lines` the free-text lines it shows (bio, signature); `seller` the account
    key a consignment names as its seller, when it does.
    """

    key: str
    kind: str
    platform: str = ""
    handle: str = ""
    name: str = ""
    country: str = ""
    address: str = ""
    values: frozenset[Value] = frozenset()
    lines: tuple[str, ...] = ()
    seller: str | None = None
    photos: frozenset[str] = frozenset()  # the photos it posted, as `photos.photo_key` names them
    authorised_for: frozenset[str] = frozenset()  # rights holders listing it as an authorised seller
    seen_at: str | None = None  # ISO date of first sight, for the timeline


@dataclass(frozen=True)
class Link:
    """Evidence that two parties belong to one operator: what, how strong, and how sure.

    `strong` links join networks on their own; weak ones only when a second, independent piece of
    evidence (another weak link of another kind) ties the same two parties.
    """

    a: str
    b: str
    evidence: str  # e.g. "exact:email", "fuzzy:handle", "splink:consignor", "seller_id"
    detail: str
    strong: bool
    probability: float = 1.0
    contributions: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    # The values the link rests on (an e-mail and its slip name two): links sharing one are one piece of
    # evidence when a network is checked for a value borrowed from another.
    basis: tuple[str, ...] = field(default=(), compare=False, hash=False)

    def ordered(self) -> tuple[str, str]:
        """The pair with the smaller key first."""
        return (self.a, self.b) if self.a <= self.b else (self.b, self.a)

    def grounds(self) -> tuple[str, ...]:
        """The values the link rests on, or its evidence and detail when it names none."""
        return self.basis or (f"{self.evidence} {self.detail}",)


@dataclass(frozen=True)
class Hub:
    """A value too widely held to mean common ownership (a forwarder's depot, a payment aggregator)."""

    kind: str
    value: str
    holders: int
    platforms: int
    countries: int
    reason: str
    scattered: bool = False  # a hub only because its holders fall in groups nothing else ties
