"""Storing accounts and listings (with the identifiers extracted from them), and what other capabilities
may read of them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from countermark.core.blobs import sha256_hex
from countermark.core.ingestion import (
    IngestContext,
    Outcome,
    Prepared,
    RowRejected,
    content_hash,
    resolve_beside,
    store_file_bytes,
    store_image,
    upsert_versioned,
)
from countermark.observe.identifier_service import Sighting, record_sightings, sightings_in_text
from countermark.observe.identifiers import FoundIdentifier
from countermark.observe.models import Account, Listing, ListingImage
from countermark.observe.redirects import redirect_domains, site_domain
from countermark.observe.schemas import AccountIn, ListingIn
from countermark.observe.shops import is_shop_platform
from countermark.observe.templates import page_template
from countermark.observe.tls import tls_names_value
from countermark.orgs.visibility import Principal, visible, visible_clause

# Snapshots can be large; identifiers past this point are almost always boilerplate (footers, scripts).
SNAPSHOT_SCAN_LIMIT = 200_000
# Pages scanned in this process, by (SHA-256, region): a crawl scans each listing's page while the crawl
# goes on (`scan_page`, from monitor's absorb), and the listing's ingestion at the crawl's end finds the
# scan done. The most recent are kept.
SCANNED_PAGES_KEPT = 4096
_scanned: OrderedDict[tuple[str, str | None, bool], tuple[Sighting, ...]] = OrderedDict()
_scanned_lock = threading.Lock()


def find_account(*, session: Session, owner_org_id: int, platform: str, handle: str) -> Account | None:
    """The organisation's account with this handle on this platform (the most recently stored if several
    of its sources have it); another organisation's account is never found (keys are per organisation)."""
    return session.scalar(
        select(Account)
        .where(Account.owner_org_id == owner_org_id, Account.platform == platform, Account.handle == handle)
        .order_by(Account.id.desc())
    )


def account_sightings(record: AccountIn) -> list[Sighting]:
    """The identifiers in an account's profile (pure: run ahead in a worker by `prepare_account`)."""
    region = record.country
    sightings = sightings_in_text("bio", record.bio, region=region)
    sightings += sightings_in_text("profile_url", record.profile_url, region=region)
    for contact in record.contacts:
        sightings += sightings_in_text("contacts", contact, region=region)
    own = record.profile_url or (f"https://{record.handle}/" if is_shop_platform(record.platform) else None)
    return sightings + served_under(record.platform, own, record.redirected_from)


def served_under(platform: str, url: str | None, redirected_from: list[str]) -> list[Sighting]:
    """The domains a page is served under (`observe.redirects`): a web shop's own, and every other domain
    a redirect brought the crawler from."""
    found: list[Sighting] = []
    if is_shop_platform(platform) and (own := site_domain(url)) is not None:
        found.append(Sighting("site", FoundIdentifier("site_domain", own, url or own, -1, -1)))
    for domain in redirect_domains(url, redirected_from):
        found.append(Sighting("redirect", FoundIdentifier("site_domain", domain, domain, -1, -1)))
    return found


def _redirects(record: AccountIn | ListingIn) -> dict[str, Any]:
    """What a record's content hash adds for its redirects: nothing when it has none (`schemas`)."""
    return {"redirected_from": list(record.redirected_from)} if record.redirected_from else {}


def prepare_account(record: AccountIn, base_dir: Path | None = None) -> Prepared:
    """What storing an account computes without the database: its content hash and sightings."""
    return Prepared(content_hash(record, _redirects(record) or None), tuple(account_sightings(record)))


def ingest_account(ctx: IngestContext, record: AccountIn) -> Outcome:
    """Insert or update one account and the identifiers in its profile."""
    account, outcome = upsert_versioned(
        ctx,
        Account,
        record,
        label="account",
        fields=("platform", "handle", "display_name", "profile_url", "country", "bio", "joined_at"),
        derived=_redirects(record) or None,
    )
    if outcome == "unchanged" or account is None:
        return outcome
    sightings = list(ctx.prepared.sightings) if ctx.prepared else account_sightings(record)
    record_sightings(
        ctx, subject_type="account", subject_id=account.id, sightings=sightings, new=outcome == "stored"
    )
    return outcome


def listing_text_sightings(record: ListingIn) -> list[Sighting]:
    """The identifiers in a listing's address, title and description, and the names of the certificate
    its page was served with (pure, see `prepare_listing`)."""
    sightings = text_sightings(record.url, record.title, record.description, region=record.ships_from)
    if record.tls_names and (value := tls_names_value(record.tls_names)) is not None:
        raw = ", ".join(record.tls_names)[:1000]
        sightings.append(Sighting("tls", FoundIdentifier("tls_names", value, raw, -1, -1)))
    return sightings + served_under(record.platform, record.url, record.redirected_from)


def text_sightings(url: str, title: str, description: str | None, *, region: str | None) -> list[Sighting]:
    """The identifiers in a listing's address, title and description as given (short texts are scanned
    once per process: a crawl scans them while it goes on, ahead of the listing's ingestion)."""
    sightings = sightings_in_text("url", url, region=region)
    sightings += sightings_in_text("title", title, region=region)
    sightings += sightings_in_text("description", description, region=region)
    return sightings


def _page_sightings(page: bytes, region: str | None, *, shop: bool = False) -> list[Sighting]:
    text = page[:SNAPSHOT_SCAN_LIMIT].decode("utf-8", errors="replace")
    found = sightings_in_text("snapshot", text, region=region)
    if shop and (template := page_template(page.decode("utf-8", errors="replace"))) is not None:
        # A shop's own page: the frame it is drawn in is its operator's template (`observe.templates`).
        found.append(Sighting("snapshot", FoundIdentifier("site_template", template, template, -1, -1)))
    return found


def scan_page(
    page: bytes, region: str | None, digest: str | None = None, *, shop: bool = False
) -> tuple[Sighting, ...]:
    """The identifiers in a listing's saved page (`digest`: its SHA-256, when known), scanned once in
    this process however many times the page is stored or scanned ahead; with `shop` (the page of a web
    shop, `observe.shops.is_shop_platform`), its site template too."""
    key = (digest or sha256_hex(page), region, shop)
    with _scanned_lock:
        found = _scanned.get(key)
        if found is not None:
            _scanned.move_to_end(key)
            return found
    found = tuple(_page_sightings(page, region, shop=shop))
    with _scanned_lock:
        _scanned[key] = found
        while len(_scanned) > SCANNED_PAGES_KEPT:
            _scanned.popitem(last=False)
    return found


def prepare_listing(record: ListingIn, base_dir: Path | None = None) -> Prepared:
    """What storing a listing computes without the database: the sightings of its text and of its saved
    page, read beside the input (its content hash includes its images' and page's digests, computed when
    they are stored). A page that cannot be read here is left to the handler, which says why."""
    page = None
    if record.snapshot and base_dir is not None:
        try:
            data = resolve_beside(base_dir, record.snapshot).read_bytes()
        except (RowRejected, OSError):
            data = None
        if data is not None:
            shop = is_shop_platform(record.platform)
            page = (sha256_hex(data), tuple(_page_sightings(data, record.ships_from, shop=shop)))
    return Prepared(None, tuple(listing_text_sightings(record)), page)


def _seller_account_id(ctx: IngestContext, platform: str, handle: str) -> int | None:
    """The id of the organisation's account of the seller; inside a batch, looked up once per seller."""
    if ctx.batch is None:
        account = find_account(session=ctx.session, owner_org_id=ctx.owner_org_id, platform=platform,
                               handle=handle)  # fmt: skip
        return account.id if account else None
    key = ("seller", f"{platform}\x00{handle}")
    if key not in ctx.cache:
        account = find_account(session=ctx.session, owner_org_id=ctx.owner_org_id, platform=platform,
                               handle=handle)  # fmt: skip
        ctx.cache[key] = account.id if account else None
    found: int | None = ctx.cache[key]
    return found


def _write_listing_images(ctx: IngestContext, queued: dict[Hashable, Any]) -> None:
    """Replace the images of a batch's stored listings set-based (deferred by `ingest_listing`)."""
    ids = [listing_id for listing_id in queued if isinstance(listing_id, int)]
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        ctx.session.execute(delete(ListingImage).where(ListingImage.listing_id.in_(chunk)))
    rows = [
        {"listing_id": listing_id, "blob_sha256": sha, "position": position}
        for listing_id, digests in queued.items()
        for position, sha in enumerate(digests)
    ]
    if rows and ctx.batch is not None:
        ctx.batch.insert_rows(ctx.session, ListingImage.__table__, rows)


def ingest_listing(ctx: IngestContext, record: ListingIn) -> Outcome:
    """Insert or update one listing with its images, snapshot and identifiers.

    Images are stored by SHA-256 after a header check, not hashed: the fingerprint step hashes stored
    blobs. Inside a batch (`KindSpec.bulk`) the seller's account is looked up once per seller, and the
    images, blob rows and sightings are written with the batch's other rows."""
    image_digests = list(dict.fromkeys(store_image(ctx, path) for path in record.images))
    snapshot, page = store_file_bytes(ctx, record.snapshot, "text/html") if record.snapshot else (None, b"")
    account_id = _seller_account_id(ctx, record.platform, record.seller) if record.seller else None
    listing, outcome = upsert_versioned(
        ctx,
        Listing,
        record,
        label="listing",
        fields=(
            "platform",
            "url",
            "title",
            "description",
            "language",
            "price",
            "currency",
            "ships_from",
            "observed_at",
        ),
        derived={
            "images": image_digests,
            "snapshot": snapshot,
            **({"tls_names": sorted(record.tls_names)} if record.tls_names else {}),
            **_redirects(record),
        },
        values={"seller_handle": record.seller, "account_id": account_id, "snapshot_sha256": snapshot},
    )
    if outcome == "unchanged" or listing is None:
        return outcome
    if ctx.batch is not None:
        ctx.batch.defer(_write_listing_images, listing.id, image_digests)
    else:
        ctx.session.execute(delete(ListingImage).where(ListingImage.listing_id == listing.id))
        ctx.session.add_all(
            ListingImage(listing_id=listing.id, blob_sha256=sha, position=position)
            for position, sha in enumerate(image_digests)
        )
    sightings = list(ctx.prepared.sightings) if ctx.prepared else listing_text_sightings(record)
    if snapshot:
        ahead = ctx.prepared.page if ctx.prepared else None
        if ahead is not None and ahead[0] == snapshot:
            sightings.extend(ahead[1])
        else:
            shop = is_shop_platform(record.platform)
            sightings.extend(scan_page(page, record.ships_from, snapshot, shop=shop))
    record_sightings(
        ctx, subject_type="listing", subject_id=listing.id, sightings=sightings, new=outcome == "stored"
    )
    return outcome


def blob_is_visible(*, session: Session, principal: Principal, digest: str) -> bool:
    """Whether a blob is an image or the saved page of a listing the principal may see."""
    checks = (
        exists(
            visible(Listing, principal)
            .join(ListingImage, ListingImage.listing_id == Listing.id)
            .where(ListingImage.blob_sha256 == digest)
        ),
        exists(visible(Listing, principal).where(Listing.snapshot_sha256 == digest)),
    )
    return any(session.scalar(select(check)) for check in checks)


@dataclass(frozen=True)
class ListingSummary:
    """What another capability may show of a listing: where it is, what it offers and who sells it."""

    id: int
    platform: str
    url: str
    title: str
    seller_handle: str | None


@dataclass(frozen=True)
class AccountSummary:
    """What another capability may show of a seller account."""

    id: int
    platform: str
    handle: str
    display_name: str | None


def _listing_summary(listing: Listing) -> ListingSummary:
    return ListingSummary(listing.id, listing.platform, listing.url, listing.title, listing.seller_handle)


def _account_summary(account: Account) -> AccountSummary:
    return AccountSummary(account.id, account.platform, account.handle, account.display_name)


def visible_listing_summaries(
    *, session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, ListingSummary]:
    """The listings among these ids that the principal may see, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(visible(Listing, principal).where(Listing.id.in_(wanted)))
    return {listing.id: _listing_summary(listing) for listing in rows}


def visible_account_summaries(
    *, session: Session, principal: Principal, ids: Iterable[int]
) -> dict[int, AccountSummary]:
    """The accounts among these ids that the principal may see, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(visible(Account, principal).where(Account.id.in_(wanted)))
    return {account.id: _account_summary(account) for account in rows}


def listings_by_address(
    *, session: Session, principal: Principal, host: str, fragment: str, limit: int
) -> list[ListingSummary]:
    """Up to `limit` visible listings whose address contains the host (any case) and the fragment (as is)."""
    rows = session.scalars(
        visible(Listing, principal)
        .where(func.lower(Listing.url).contains(host.lower()))
        .where(Listing.url.contains(fragment))
        .limit(limit)
    )
    return [_listing_summary(listing) for listing in rows]


def accounts_by_handle(
    *, session: Session, principal: Principal, handles: Iterable[str], names: Iterable[str], limit: int
) -> list[AccountSummary]:
    """Up to `limit` visible accounts whose handle or display name, lower-cased, is one of these."""
    rows = session.scalars(
        visible(Account, principal)
        .where(
            func.lower(Account.handle).in_(list(handles)) | func.lower(Account.display_name).in_(list(names))
        )
        .limit(limit)
    )
    return [_account_summary(account) for account in rows]


def listings_by_seller(
    *, session: Session, principal: Principal, handles: Iterable[str], limit: int
) -> list[ListingSummary]:
    """Up to `limit` visible listings whose seller handle, lower-cased, is one of these."""
    rows = session.scalars(
        visible(Listing, principal).where(func.lower(Listing.seller_handle).in_(list(handles))).limit(limit)
    )
    return [_listing_summary(listing) for listing in rows]


def listings_showing(
    *, session: Session, principal: Principal, digests: Iterable[str]
) -> list[tuple[ListingSummary, str]]:
    """(listing, digest) for every picture among these blobs that a visible listing shows."""
    shown = session.execute(
        select(ListingImage.listing_id, ListingImage.blob_sha256).where(
            ListingImage.blob_sha256.in_(list(digests))
        )
    ).all()
    listings = visible_listing_summaries(
        session=session, principal=principal, ids=[listing_id for listing_id, _ in shown]
    )
    return [(listings[listing_id], digest) for listing_id, digest in shown if listing_id in listings]


@dataclass(frozen=True)
class ListingFacts:
    """What a case is opened and followed from: a listing's place, offer, seller account, owner and time."""

    id: int
    platform: str
    url: str
    title: str
    account_id: int | None
    observed_at: datetime
    owner_org_id: int
    tlp: str


def listing_facts(*, session: Session, principal: Principal, ids: Iterable[int]) -> dict[int, ListingFacts]:
    """The listings among these ids that the principal may see, by id (in id order)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(
        Listing.id, Listing.platform, Listing.url, Listing.title, Listing.account_id, Listing.observed_at
    ).add_columns(Listing.owner_org_id, Listing.tlp)
    query = query.where(visible_clause(Listing, principal), Listing.id.in_(wanted)).order_by(Listing.id)
    return {row[0]: ListingFacts(*row) for row in session.execute(query)}


def same_offer_listings(
    *, session: Session, listing_ids: Iterable[int], observed_after: datetime | None = None
) -> set[int]:
    """Other listings offering what these do: the same URL, or the same seller and title on one platform.

    Only those observed after a time, when one is given. Visible or not: the caller checks what it shows.
    """
    wanted = sorted(set(listing_ids))
    columns = (Listing.url, Listing.platform, Listing.seller_handle, Listing.title)
    listings = session.execute(select(*columns).where(Listing.id.in_(wanted))).all() if wanted else []
    if not listings:
        return set()
    same = [Listing.url.in_({url for url, *_ in listings})] + [
        and_(Listing.platform == platform, Listing.seller_handle == handle, Listing.title == title)
        for _, platform, handle, title in listings
        if handle
    ]
    query = select(Listing.id).where(Listing.id.not_in(wanted), or_(*same))
    if observed_after is not None:
        query = query.where(Listing.observed_at > observed_after)
    return set(session.scalars(query))
