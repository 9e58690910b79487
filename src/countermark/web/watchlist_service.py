"""Watchlists: what an organisation watches for, and the records stored since it last looked (issue 18).

An entry is a brand, a seller, an identifier or a domain, kept normalised. Its *hits* are the records the
organisation may see (listings, seller accounts, shipments: every query starts from `visible`) stored after
the entry's `seen_until` that carry the value. They are found by a query when the work queue or the
watchlist is read, not by a hook in ingestion: every way a record arrives (API, bulk files, crawls, syncs)
is covered, and nothing is written on the ingestion path. Entries belong to one organisation and are read
and changed only by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.errors import Conflict, InvalidInput, NotFound
from countermark.observe.identifiers import extract_identifiers
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing
from countermark.observe.watchlists import WATCH_KINDS, WatchlistEntry
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, visible
from countermark.targeting.models import Shipment

MAX_ENTRIES = 200  # per organisation: the queue reads every entry's hits
MAX_HITS = 100  # per entry and kind of record, on the page and in the counts
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_SUBJECTS: dict[str, Any] = {"listing": Listing, "account": Account, "shipment": Shipment}


@dataclass(frozen=True)
class Hit:
    """A record that carries a watched value, stored after the entry was last looked at."""

    subject_type: str
    subject_id: int
    label: str
    stored_at: datetime

    @property
    def href(self) -> str:
        return f"/{self.subject_type}s/{self.subject_id}"


def normalise(kind: str, raw: str) -> tuple[str, str]:
    """The value an entry is looked up by, and the label shown; InvalidInput with the reason if unusable."""
    if kind not in WATCH_KINDS:
        raise InvalidInput.of(
            "a watchlist entry is one of {kinds}, not {kind!r}", kinds=", ".join(WATCH_KINDS), kind=kind
        )
    label = " ".join((raw or "").split())
    if not label or len(label) > 300:
        raise InvalidInput.of("give a value of 1 to 300 characters to watch for")
    if kind == "brand":
        if len(label) < 2:
            raise InvalidInput.of("a brand to watch for has at least 2 characters")
        return label.casefold(), label
    if kind == "seller":
        return label.casefold().lstrip("@") or label.casefold(), label
    if kind == "domain":
        text = label.casefold()
        host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
        host = host.removeprefix("www.").rstrip(".")
        if not _DOMAIN.match(host):
            raise InvalidInput.of("{value!r} is not a domain name (such as shop.example)", value=label)
        return host, label
    found = extract_identifiers(label)
    if not found:
        raise InvalidInput.of(
            "no identifier found in {value!r}: give an e-mail, a phone number, a web address, an IBAN, "
            "a payment account or a crypto wallet",
            value=label,
        )
    return f"{found[0].kind}:{found[0].value}"[:300], label


def entries(*, session: Session, principal: Principal) -> list[WatchlistEntry]:
    """The organisation's entries, newest first (none for a principal without an organisation)."""
    if principal.org_id is None:
        return []
    query = select(WatchlistEntry).where(WatchlistEntry.org_id == principal.org_id)
    return list(session.scalars(query.order_by(WatchlistEntry.created_at.desc(), WatchlistEntry.id.desc())))


def entry_of(*, session: Session, principal: Principal, entry_id: int) -> WatchlistEntry:
    """One entry of the organisation; NotFound for another's entry as for an absent one."""
    entry = session.get(WatchlistEntry, entry_id)
    if entry is None or principal.org_id is None or entry.org_id != principal.org_id:
        raise NotFound.of("no such watchlist entry")
    return entry


def add_entry(*, session: Session, principal: Principal, kind: str, value: str, actor: str) -> WatchlistEntry:
    """Watch for a value from now on (its hits are records stored after this moment)."""
    if principal.org_id is None:
        raise InvalidInput.of("a watchlist belongs to an organisation: sign in as one of its users")
    normalised, label = normalise(kind, value)
    mine = select(func.count()).select_from(WatchlistEntry).where(WatchlistEntry.org_id == principal.org_id)
    if (session.scalar(mine) or 0) >= MAX_ENTRIES:
        raise Conflict.of("a watchlist holds at most {most} entries: remove some first", most=MAX_ENTRIES)
    same = session.scalar(
        select(WatchlistEntry).where(
            WatchlistEntry.org_id == principal.org_id,
            WatchlistEntry.kind == kind,
            WatchlistEntry.value == normalised,
        )
    )
    if same is not None:
        return same
    now = utcnow()
    entry = WatchlistEntry(
        org_id=principal.org_id,
        kind=kind,
        value=normalised,
        label=label,
        created_by=actor,
        created_at=now,
        seen_until=now,
    )
    session.add(entry)
    session.flush()
    _audit(session, principal, actor, "create", entry)
    return entry


def remove_entry(*, session: Session, principal: Principal, entry_id: int, actor: str) -> None:
    """Stop watching for a value."""
    entry = entry_of(session=session, principal=principal, entry_id=entry_id)
    _audit(session, principal, actor, "delete", entry)
    session.delete(entry)
    session.flush()


def mark_seen(*, session: Session, principal: Principal, entry_id: int, actor: str) -> WatchlistEntry:
    """The organisation has looked at the entry's hits: only records stored from now on are new."""
    entry = entry_of(session=session, principal=principal, entry_id=entry_id)
    entry.seen_until = utcnow()
    session.flush()
    return entry


def _audit(session: Session, principal: Principal, actor: str, action: str, entry: WatchlistEntry) -> None:
    record_audit(
        session=session,
        actor=actor,
        org_id=principal.org_id,
        action=action,
        subject_type="watchlist_entry",
        subject_id=str(entry.id),
        detail={"kind": entry.kind, "value": entry.value},
    )


def _lower(column: Any) -> ColumnElement[str]:
    return func.lower(func.coalesce(column, ""))


def _conditions(entry: WatchlistEntry) -> dict[str, ColumnElement[bool]]:
    value = entry.value
    if entry.kind == "brand":
        return {
            "listing": _lower(Listing.title).contains(value, autoescape=True),
            "shipment": _lower(Shipment.description).contains(value, autoescape=True),
        }
    if entry.kind == "seller":
        return {
            "listing": _lower(Listing.seller_handle) == value,
            "account": or_(_lower(Account.handle) == value, _lower(Account.display_name) == value),
            "shipment": _lower(Shipment.consignor_name) == value,
        }
    if entry.kind == "domain":
        return {
            "listing": or_(
                _lower(Listing.url).contains(f"//{value}", autoescape=True),
                _lower(Listing.url).contains(f".{value}", autoescape=True),
            ),
            "account": or_(
                _lower(Account.profile_url).contains(f"//{value}", autoescape=True),
                _lower(Account.profile_url).contains(f".{value}", autoescape=True),
            ),
        }
    return {}


def _label(subject_type: str, record: Any) -> str:
    if subject_type == "listing":
        return f"{record.platform}: {record.title}"[:200]
    if subject_type == "account":
        return f"{record.platform}: {record.handle}"[:200]
    return f"{record.external_id} — {record.consignor_name or ''}"[:200]


def hits(
    *, session: Session, principal: Principal, entry: WatchlistEntry, limit: int = MAX_HITS
) -> list[Hit]:
    """The visible records stored after the entry's `seen_until` that carry its value, newest first."""
    found: list[Hit] = []
    if entry.kind == "identifier":
        kind, _, value = entry.value.partition(":")
        sightings = session.execute(
            select(IdentifierSighting.subject_type, IdentifierSighting.subject_id)
            .join(Identifier, Identifier.id == IdentifierSighting.identifier_id)
            .where(
                Identifier.kind == kind,
                Identifier.value == value,
                IdentifierSighting.subject_type.in_(list(_SUBJECTS)),
                # A record stored after `seen_until` was sighted after it: without this bound the newest
                # could fall beyond the limit behind older sightings of a common value.
                IdentifierSighting.seen_at > entry.seen_until,
            )
            .distinct()
            .order_by(IdentifierSighting.subject_id.desc())
            .limit(limit * 3)
        ).all()
        wanted: dict[str, list[int]] = {}
        for subject_type, subject_id in sightings:
            wanted.setdefault(subject_type, []).append(subject_id)
        conditions = {t: _SUBJECTS[t].id.in_(ids) for t, ids in wanted.items()}
    else:
        conditions = _conditions(entry)
    for subject_type, condition in conditions.items():
        model = _SUBJECTS[subject_type]
        rows = session.scalars(
            visible(model, principal)
            .where(condition, model.created_at > entry.seen_until)
            .order_by(model.created_at.desc())
            .limit(limit)
        )
        found += [Hit(subject_type, r.id, _label(subject_type, r), r.created_at) for r in rows]
    return sorted(found, key=lambda h: h.stored_at, reverse=True)[:limit]


def new_hits(*, session: Session, principal: Principal) -> list[tuple[WatchlistEntry, list[Hit]]]:
    """Every entry of the organisation with its new hits (entries without any left out)."""
    result = []
    for entry in entries(session=session, principal=principal):
        found = hits(session=session, principal=principal, entry=entry)
        if found:
            result.append((entry, found))
    return result
