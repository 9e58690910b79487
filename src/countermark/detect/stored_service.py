"""Scoring stored listings: the active model (kept in the blob store), and the listings new or changed since
their last score, scored in batches; alerts raised above the operating threshold.

A listing is scored against the marks, products and authorised sellers its owner may see in the store,
at the store's exchange rates (`store_references`), and scored again when its version changed or the
active model did (after `detect retrain`), or its photos were hashed since, or (`detect run`) what its
owner may see of the registry changed since its score or a currency gained a rate.
Services never commit: the caller owns the transaction. Scoring is CPU work: callers run it in a
command, a batch job or a thread-pool route, never on the event loop.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.clock import utcnow
from countermark.core.db import IN_CHUNK
from countermark.core.errors import NotFound
from countermark.core.storage import store_blob
from countermark.detect.engine import FORMAT, DetectionModel, ScoredListing, score
from countermark.detect.facts import ListingFacts, SellerFacts
from countermark.detect.models import DetectionAlert, DetectionModelRecord, DetectionVerdict, ListingScore
from countermark.detect.offers import OfferBank, offer_signal
from countermark.detect.store_references import model_for_owner, references_digest
from countermark.fingerprint.hash_reads import pdq_of_blobs
from countermark.link.service import listings_of_networks, networks_of_listings
from countermark.observe.listing_reads import StoredListing, listing_versions, stored_listings

BATCH = 1000
PAGE = 5000
Progress = Callable[[int, int], None]

_LOADED: dict[str, DetectionModel] = {}
_LOCK = threading.Lock()


@dataclass
class ScoringReport:
    """What a scoring run did: listings looked at, scored, alerts opened, and with which model."""

    model_version: str | None = None
    seen: int = 0
    scored: int = 0
    alerts_opened: int = 0
    alerts_cleared: int = 0
    alert_ids: list[int] = field(default_factory=list)


def register_model(*, session: Session, blobs: BlobStore, model: DetectionModel) -> DetectionModelRecord:
    """Keep the model in the blob store and make it the active one (its version is its SHA-256)."""
    data = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    version = hashlib.sha256(data).hexdigest()
    found = session.scalar(select(DetectionModelRecord).where(DetectionModelRecord.version == version))
    session.execute(update(DetectionModelRecord).values(active=False))
    if found is not None:
        found.active = True
        session.flush()
        return found
    digest = store_blob(session=session, blobs=blobs, data=data, media_type="application/x-python-pickle")
    figures = {k: float(v) for k, v in model.figures.items() if v == v}  # NaN is not JSON
    record = DetectionModelRecord(
        version=version, blob_sha256=digest, threshold=model.threshold, figures=figures, active=True
    )
    session.add(record)
    session.flush()
    return record


def active_model_record(*, session: Session) -> DetectionModelRecord | None:
    """The model stored listings are scored with, if one was registered."""
    return session.scalar(
        select(DetectionModelRecord)
        .where(DetectionModelRecord.active.is_(True))
        .order_by(DetectionModelRecord.id.desc())
        .limit(1)
    )


def load_registered(*, blobs: BlobStore, record: DetectionModelRecord) -> DetectionModel:
    """The registered model (bytes written by this installation's retrain, pinned by their digest)."""
    with _LOCK:
        if record.version not in _LOADED:
            data = blobs.get(record.blob_sha256)
            if hashlib.sha256(data).hexdigest() != record.version:
                raise NotFound.of("the stored detection model does not match its version: retrain")
            model = pickle.loads(data)
            if not isinstance(model, DetectionModel) or getattr(model, "format", None) != FORMAT:
                raise NotFound.of(
                    "the stored detection model is from another version: run `countermark detect retrain`"
                )
            _LOADED.clear()  # one model at a time is enough
            _LOADED[record.version] = model
        return _LOADED[record.version]


def _facts(
    listing: StoredListing,
    hashes: dict[str, tuple[str, ...]],
    confirmed: dict[str, int],
    network: tuple[int, int] = (0, 0),
) -> tuple[ListingFacts, SellerFacts | None]:
    """The listing and its seller as detection reads them; `network` is (accounts in the seller's network,
    confirmed infringing listings of the network's other sellers)."""
    facts = ListingFacts(
        key=f"{listing.source}:{listing.external_id}",
        platform=listing.platform,
        title=listing.title,
        description=listing.description or "",
        url=listing.url,
        language=listing.language,
        price=float(listing.price) if isinstance(listing.price, Decimal) else None,
        currency=listing.currency,
        seller=listing.seller_handle,
        ships_from=listing.ships_from,
        observed_at=listing.observed_at,
        photo_hashes=tuple(h for d in listing.images for h in hashes.get(d, ())),
    )
    seller = None
    if listing.seller_handle:
        seller = SellerFacts(
            platform=listing.platform,
            handle=listing.seller_handle,
            country=listing.seller_country,
            joined_at=listing.seller_joined_at,
            confirmed_infringements=confirmed.get(listing.seller_handle, 0),
            network_size=network[0],
            network_confirmed=network[1],
        )
    return facts, seller


def seller_key(platform: str, handle: str | None, listing_id: int = 0) -> str:
    """The seller a listing is grouped under for training splits (its own group when unknown)."""
    return handle if handle else f"unknown:{listing_id}"


def _confirmed_by_seller(session: Session, owner_ids: set[int]) -> dict[str, int]:
    rows = session.execute(
        select(DetectionVerdict.seller, func.count(func.distinct(DetectionVerdict.listing_id)))
        .join(DetectionAlert, DetectionAlert.id == DetectionVerdict.alert_id)
        .where(DetectionAlert.status == "confirmed", DetectionVerdict.verdict == "confirm")
        .where(DetectionVerdict.owner_org_id.in_(sorted(owner_ids)))
        .group_by(DetectionVerdict.seller)
    )
    return {seller: int(count) for seller, count in rows}


def _confirmed_in_networks(session: Session, owner_of: dict[int, int]) -> dict[int, dict[str, int]]:
    """Network id -> seller -> that seller's listings in the network with an alert the network's owner
    confirmed (`owner_of`: network id -> its owner)."""
    members = listings_of_networks(session=session, network_ids=owner_of)
    network_of = {listing: network for network, listings in members.items() for listing in listings}
    ids = sorted(network_of)
    found: dict[int, dict[str, int]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        rows = session.execute(
            select(DetectionVerdict.listing_id, DetectionVerdict.seller, DetectionVerdict.owner_org_id)
            .join(DetectionAlert, DetectionAlert.id == DetectionVerdict.alert_id)
            .where(DetectionVerdict.listing_id.in_(ids[start : start + IN_CHUNK]))
            .where(DetectionAlert.status == "confirmed", DetectionVerdict.verdict == "confirm")
            .distinct()
        )
        for listing_id, seller, owner in rows:
            network = network_of[listing_id]
            if owner == owner_of[network]:
                counts = found.setdefault(network, {})
                counts[seller] = counts.get(seller, 0) + 1
    return found


def _network_of(
    listing: StoredListing, networks: dict[int, tuple[int, int]], known: dict[int, dict[str, int]]
) -> tuple[int, int]:
    """(accounts in the listing's network, confirmed infringing listings of its other sellers)."""
    if listing.id not in networks:
        return (0, 0)
    network_id, accounts = networks[listing.id]
    counts = known.get(network_id, {})
    return accounts, sum(counts.values()) - counts.get(listing.seller_handle or "", 0)


def _offer_text(listing: StoredListing) -> str:
    return f"{listing.title}\n{listing.description or ''}"


def _offer_seller(listing: StoredListing) -> str:
    return listing.seller_handle or f"listing:{listing.id}"


def _confirmed_offers(session: Session, owner_ids: set[int]) -> dict[int, OfferBank]:
    """Per owner, a bank of its listings confirmed infringing (text and seller): a listing scored after a
    verdict is compared with them, other sellers' only, without waiting for the next retrain."""
    rows = session.execute(
        select(DetectionAlert.listing_id, DetectionAlert.owner_org_id)
        .where(DetectionAlert.status == "confirmed")
        .where(DetectionAlert.owner_org_id.in_(sorted(owner_ids)))
    ).all()
    if not rows:
        return {}
    found = {listing.id: listing for listing in stored_listings(session=session, ids=[r[0] for r in rows])}
    banked: dict[int, tuple[list[str], list[str]]] = {}
    for listing_id, owner in rows:
        listing = found.get(listing_id)
        signal = offer_signal(_offer_text(listing)) if listing is not None else None
        if listing is not None and signal is not None:
            signals, sellers = banked.setdefault(owner, ([], []))
            signals.append(signal)
            sellers.append(_offer_seller(listing))
    return {owner: OfferBank(signals, sellers) for owner, (signals, sellers) in banked.items()}


class _OwnerViews:
    """Per owner, the model with the references it may see and their digest: the registry is read once
    per owner and run."""

    def __init__(self, session: Session, model: DetectionModel, version: str) -> None:
        self.session, self.base, self.version = session, model, version
        self._views: dict[int, tuple[DetectionModel, str]] = {}

    def _get(self, owner: int) -> tuple[DetectionModel, str]:
        if owner not in self._views:
            view = model_for_owner(session=self.session, model=self.base, version=self.version,
                                   owner_org_id=owner, today=utcnow().date())  # fmt: skip
            self._views[owner] = (view, references_digest(view.references, rate_values=False))
        return self._views[owner]

    def model(self, owner: int) -> DetectionModel:
        """The model the owner's listings are scored with."""
        return self._get(owner)[0]

    def digest(self, owner: int) -> str:
        """The digest of the references the owner's listings are scored against now."""
        return self._get(owner)[1]


def _store(
    session: Session,
    listing: StoredListing,
    item: ScoredListing,
    version: str,
    report: ScoringReport,
    found: tuple[ListingScore | None, DetectionAlert | None],
    digest: str,
) -> None:
    now = utcnow()
    row, alert = found
    if row is None:
        row = ListingScore(listing_id=listing.id, owner_org_id=listing.owner_org_id)
        session.add(row)
    row.listing_version = listing.version
    row.model_version = version
    row.references_digest = digest
    row.score = item.probability
    row.threshold = item.threshold
    row.alert = item.alert
    row.brand = item.brand[:200] if item.brand else None
    row.product = item.product[:200] if item.product else None
    row.platform = listing.platform[:100]
    row.language = listing.language
    row.country = listing.ships_from
    row.seller = listing.seller_handle
    row.rule = item.rule
    row.reasons = item.reason_codes
    row.signals = item.signals
    row.signal_names = " ".join(sorted({str(s["name"]) for s in item.signals}))[:1000]
    row.features = list(item.features)
    row.scored_at = now
    if item.alert and alert is None:
        alert = DetectionAlert(listing_id=listing.id, owner_org_id=listing.owner_org_id, status="new",
                               created_at=now, updated_at=now)  # fmt: skip
        session.add(alert)
        session.flush()
        report.alerts_opened += 1
        report.alert_ids.append(alert.id)
    elif item.alert and alert is not None and alert.status == "cleared":
        alert.status, alert.updated_at = "new", now
        report.alerts_opened += 1
        report.alert_ids.append(alert.id)
    elif not item.alert and alert is not None and alert.status == "new":
        alert.status, alert.updated_at = "cleared", now
        report.alerts_cleared += 1


def _score_batch(
    session: Session, version: str, ids: Sequence[int], report: ScoringReport, views: _OwnerViews
) -> None:
    listings = stored_listings(session=session, ids=ids)
    if not listings:
        return
    hashes = pdq_of_blobs(session=session, digests=[d for listing in listings for d in listing.images])
    confirmed = _confirmed_by_seller(session, {listing.owner_org_id for listing in listings})
    # The seller's network as the owner's last linking run found it (the model was fitted with it).
    networks = networks_of_listings(
        session=session, listings=[(listing.id, listing.owner_org_id) for listing in listings]
    )
    known = _confirmed_in_networks(session, {networks[listing.id][0]: listing.owner_org_id
                                             for listing in listings if listing.id in networks})  # fmt: skip
    banks = _confirmed_offers(session, {listing.owner_org_id for listing in listings})
    similarity = [
        banks[listing.owner_org_id].similarity(_offer_text(listing), not_from=_offer_seller(listing))
        if listing.owner_org_id in banks
        else 0.0
        for listing in listings
    ]
    facts = [
        _facts(listing, hashes, confirmed, _network_of(listing, networks, known)) for listing in listings
    ]
    # Each owner's listings are scored against the marks, products and sellers it may see in the store.
    results: list[ScoredListing | None] = [None] * len(listings)
    for owner in sorted({listing.owner_org_id for listing in listings}):
        rows = [i for i, listing in enumerate(listings) if listing.owner_org_id == owner]
        scored = score(
            views.model(owner), [facts[i] for i in rows],
            confirmed_offer_similarity=[similarity[i] for i in rows],
        )  # fmt: skip
        for i, item in zip(rows, scored, strict=True):
            results[i] = item
    ids = [listing.id for listing in listings]
    scores = {
        r.listing_id: r for r in session.scalars(select(ListingScore).where(ListingScore.listing_id.in_(ids)))
    }
    alerts = {
        a.listing_id: a
        for a in session.scalars(select(DetectionAlert).where(DetectionAlert.listing_id.in_(ids)))
    }
    for listing, found in zip(listings, results, strict=True):
        assert found is not None
        _store(session, listing, found, version, report, (scores.get(listing.id), alerts.get(listing.id)),
               views.digest(listing.owner_org_id))  # fmt: skip
    session.flush()
    report.scored += len(listings)


def score_stored_listings(
    *,
    session: Session,
    blobs: BlobStore,
    owner_org_id: int | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
    again: Collection[int] = (),
    every: bool = False,
    registry: bool = False,
) -> ScoringReport:
    """Score every stored listing (of one owner, when given) that is new or changed since its last score,
    or was scored by another model than the active one, and those in `again` whatever their score (their
    photos were hashed since); with `registry`, also those whose owner's registry changed since their
    score or read before a currency gained a rate (a full pass: `detect run`, not the ingestion path);
    all of them with `every`. Nothing when no model is registered."""
    report = ScoringReport()
    record = active_model_record(session=session)
    if record is None:
        return report
    model = load_registered(blobs=blobs, record=record)
    report.model_version = record.version
    after = 0
    views = _OwnerViews(session, model, record.version)
    while True:
        page = listing_versions(session=session, after_id=after, limit=PAGE, owner_org_id=owner_org_id)
        if not page:
            break
        after = page[-1][0]
        report.seen += len(page)
        known = {
            listing_id: (version, owner, digest)
            for listing_id, version, owner, digest in session.execute(
                select(ListingScore.listing_id, ListingScore.listing_version, ListingScore.owner_org_id,
                       ListingScore.references_digest)
                .where(ListingScore.listing_id.between(page[0][0], after))
                .where(ListingScore.model_version == record.version)
            )
        }  # fmt: skip
        todo = [
            listing_id
            for listing_id, version in page
            if every
            or listing_id in again
            or listing_id not in known
            or known[listing_id][0] != version
            or (registry and known[listing_id][2] != views.digest(known[listing_id][1]))
        ]
        for start in range(0, len(todo), batch):
            _score_batch(session, record.version, todo[start : start + batch], report, views)
        if progress:
            progress(report.seen, report.seen)
    return report


def listing_ids_scored(*, session: Session, ids: Iterable[int]) -> dict[int, ListingScore]:
    """The stored scores of these listings, by listing id (no visibility: callers filter first)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {
        row.listing_id: row
        for row in session.scalars(select(ListingScore).where(ListingScore.listing_id.in_(wanted)))
    }
