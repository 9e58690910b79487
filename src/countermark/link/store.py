"""Stored records as the engine's parties, and the engine's networks grown back into stored members.

Pure: the caller reads an organisation's accounts, listings and consignments (with the identifiers
ingestion extracted from them) into `StoreRecords`; `parties_of` turns them into parties (an account's
listings lend it their identifiers, as the evaluation's reader does); `grown_networks` adds to each
network the listings of its accounts and the domains of its shops, each tied in by an edge of its own,
and recomputes every member's chain of evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from countermark.link.engine import LinkRun
from countermark.link.evidence import Link, Party, Value
from countermark.link.lookalikes import lookalike_of, lookalike_table
from countermark.link.networks import Cluster, chains
from countermark.observe.shops import is_shop_platform

OWN_WEBSITE = "own website"  # how a declaration names a seller selling from its own shop


@dataclass(frozen=True)
class StoredAccount:
    """A stored seller account or web shop, with the identifiers seen in its profile."""

    id: int
    platform: str
    handle: str
    display_name: str = ""
    country: str = ""
    bio: str = ""
    profile_url: str = ""
    seen_at: datetime | None = None
    values: frozenset[Value] = frozenset()
    authorised_for: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StoredListing:
    """A stored listing: its seller account (when stored), address, and the identifiers seen in it."""

    id: int
    account_id: int | None
    platform: str
    url: str
    title: str
    observed_at: datetime | None = None
    values: frozenset[Value] = frozenset()
    photos: frozenset[str] = frozenset()  # PDQ hashes (hex) of its images that were hashed


@dataclass(frozen=True)
class StoredShipment:
    """A stored consignment's sender side: consignor, its contact identifiers, the seller it names."""

    id: int
    name: str = ""
    address: str = ""
    country: str = ""
    declared_on: datetime | None = None
    values: frozenset[Value] = frozenset()
    marketplace: str = ""
    seller_id: str = ""


@dataclass
class StoreRecords:
    """What one organisation's store holds for linking."""

    accounts: list[StoredAccount] = field(default_factory=list)
    listings: list[StoredListing] = field(default_factory=list)
    shipments: list[StoredShipment] = field(default_factory=list)
    # PDQ hashes of the rights holders' own product photos: a group of photos near one ties nobody.
    references: list[str] = field(default_factory=list)
    # PDQ hash of a listing photo -> the hash of the picture inside its flat frame, where it has one.
    photo_insides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Member:
    """A network member ready to store."""

    key: str
    kind: str
    label: str
    record_type: str | None
    record_id: int | None
    seen_at: datetime | None


@dataclass(frozen=True)
class GrownNetwork:
    """A network of the run with its listings and domains added, and each member's chain."""

    key: str
    score: float
    operator: bool
    members: list[Member]
    links: list[Link]
    chains: dict[str, list[Link]]


def account_key(account_id: int) -> str:
    return f"account:{account_id}"


def host_of(address: str) -> str | None:
    """The lower-cased host of an address or bare domain, without a leading www."""
    text = address.strip()
    if not text:
        return None
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.lower().removeprefix("www.")
    return host if "." in host else None


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line for line in text.splitlines() if line.strip())


def parties_of(records: StoreRecords) -> list[Party]:
    """Accounts, shops and consignments as parties; a listing's identifiers and photos count for its
    account."""
    lent: dict[int, set[Value]] = defaultdict(set)
    photos: dict[int, set[str]] = defaultdict(set)
    for listing in records.listings:
        if listing.account_id is not None:
            lent[listing.account_id] |= listing.values
            photos[listing.account_id] |= listing.photos
    parties: list[Party] = []
    by_handle: dict[tuple[str, str], str] = {}
    for account in records.accounts:
        key = account_key(account.id)
        by_handle[(account.platform.lower(), account.handle.lower())] = key
        parties.append(
            Party(
                key=key,
                kind="shop" if is_shop_platform(account.platform) else "account",
                platform=account.platform,
                handle=account.handle,
                name=account.display_name,
                country=account.country,
                values=frozenset(account.values | lent.get(account.id, set())),
                lines=_lines(account.bio),
                photos=frozenset(photos.get(account.id, ())),
                authorised_for=account.authorised_for,
                seen_at=account.seen_at.date().isoformat() if account.seen_at else None,
            )
        )
    for shipment in records.shipments:
        platform = shipment.marketplace.strip().lower()
        platform = "web" if platform == OWN_WEBSITE else platform
        seller = by_handle.get((platform, shipment.seller_id.strip().lower())) if shipment.seller_id else None
        parties.append(
            Party(
                key=f"shipment:{shipment.id}",
                kind="shipment",
                name=shipment.name,
                address=shipment.address,
                country=shipment.country,
                values=shipment.values,
                seller=seller,
            )
        )
    return parties


@dataclass(frozen=True)
class MemberNotes:
    """What a stored member says besides its place in the chain: the mark its domain imitates (never in a
    same-owner group, `link.lookalikes`) and the brands whose authorised-seller lists name it."""

    lookalikes: Mapping[str, tuple[str, str]]
    authorised: Mapping[str, list[str]]

    @classmethod
    def build(cls, records: StoreRecords, marks: Sequence[str]) -> MemberNotes:
        authorised = {
            account_key(a.id): sorted(a.authorised_for) for a in records.accounts if a.authorised_for
        }
        return cls(lookalike_table(marks), authorised)

    def columns(self, member: Member, *, operator: bool) -> dict[str, Any]:
        """The member row's annotation columns."""
        imitates = (
            lookalike_of(member.label, self.lookalikes) if member.kind == "domain" and not operator else None
        )
        return {
            "lookalike_of": imitates[0] if imitates else None,
            "lookalike_kind": imitates[1] if imitates else None,
            "authorised_for": self.authorised.get(member.key),
        }


def _label(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listings_by_account(records: StoreRecords) -> dict[str, list[StoredListing]]:
    """Account key -> its stored listings."""
    found: dict[str, list[StoredListing]] = defaultdict(list)
    for listing in records.listings:
        if listing.account_id is not None:
            found[account_key(listing.account_id)].append(listing)
    return found


def grown_networks(run: LinkRun, records: StoreRecords) -> list[GrownNetwork]:
    """Each network of the run with its members' listings and shops' domains, and every member's chain
    of evidence from the network's root (an account or shop when it has one)."""
    accounts = {account_key(a.id): a for a in records.accounts}
    stored = record_members(records)
    listings_of = listings_by_account(records)
    grown: list[GrownNetwork] = []
    for network in run.networks:
        members = {key: stored[key] for key in network.members if key in stored}
        links = list(network.links)
        for key in list(members):
            if key in accounts:
                extra, tied = account_extras(accounts[key], listings_of.get(key, ()))
                for member in extra:
                    members.setdefault(member.key, member)
                links.extend(tied)
        ordered = tuple(sorted(members))
        roots = [k for k in network.members if k in accounts] or list(network.members)
        grown.append(
            GrownNetwork(
                key=network.id,
                score=network.score,
                operator=network.operator,
                members=[members[k] for k in ordered],
                links=links,
                chains=chains(Cluster(ordered, tuple(links)), roots[0]),
            )
        )
    return grown


def account_extras(
    account: StoredAccount, listings: Sequence[StoredListing]
) -> tuple[list[Member], list[Link]]:
    """An account's listings (edge `listed_by`) and, for a shop, the domains it sells from (`hosted_on`)."""
    key = account_key(account.id)
    members: list[Member] = []
    links: list[Link] = []
    hosts: dict[str, datetime | None] = {}
    if is_shop_platform(account.platform):
        for address in (account.handle, account.profile_url):
            if (host := host_of(address)) is not None:
                hosts.setdefault(host, account.seen_at)
    for listing in listings:
        listing_key = f"listing:{listing.id}"
        members.append(
            Member(
                listing_key, "listing", _label(listing.title or listing.url), "listing", listing.id,
                listing.observed_at,
            )
        )  # fmt: skip
        links.append(Link(key, listing_key, "listed_by", f"listed by {account.handle}", strong=True))
        if is_shop_platform(account.platform) and (host := host_of(listing.url)) is not None:
            hosts.setdefault(host, listing.observed_at)
    for host, seen in hosts.items():
        members.append(Member(f"domain:{host}", "domain", host, None, None, seen))
        links.append(Link(key, f"domain:{host}", "hosted_on", f"shop on {host}", strong=True))
    return members, links


def record_members(records: StoreRecords) -> dict[str, Member]:
    """Party key -> the stored member it is, for every account, shop and consignment."""
    found: dict[str, Member] = {}
    for account in records.accounts:
        key = account_key(account.id)
        kind = "shop" if is_shop_platform(account.platform) else "account"
        name = _label(f"{account.platform}/{account.handle}")
        found[key] = Member(key, kind, name, "account", account.id, account.seen_at)
    for shipment in records.shipments:
        key = f"shipment:{shipment.id}"
        name = _label(f"{shipment.name or '?'} ({shipment.country or '?'})")
        found[key] = Member(key, "consignor", name, "shipment", shipment.id, shipment.declared_on)
    return found


def previous_of(assignment: Mapping[str, str], keys: Sequence[str]) -> dict[str, str]:
    """The former network key of each party the engine links (listings and domains follow accounts)."""
    wanted = set(keys)
    return {member: network for member, network in assignment.items() if member in wanted}
