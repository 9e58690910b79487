"""Consumer reports joined to the intelligence: identifier threads, listings, accounts, rights, bank matches.

Everything is matched with the rights holder's own visibility (the report's owner): a report never
reveals a listing, account, shipment or bank entry its holder could not see; and matches are read again
against the reader's visibility (`codes.match_reads.matches_of`), so a record re-marked since drops out.
Matches are stored with what matched, why (a sentence) and how strongly (0–1), and replaced each time the
report is matched again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from countermark.codes.mentions import (
    IDENTIFIER_STRENGTH,
    KIND_WORDS,
    Match,
    item_tokens,
    mentioned,
    merge_matches,
    shop_handles,
)
from countermark.codes.models import ConsumerReport, ReportMatch
from countermark.codes.photo_similarity import near_duplicates
from countermark.codes.reason_codes import part, reason
from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.errors import CountermarkError
from countermark.core.ingestion import IngestContext
from countermark.fingerprint import pdq
from countermark.fingerprint.lookup_service import lookup_image
from countermark.fingerprint.service import pdq_hashes
from countermark.observe.identifier_service import (
    record_sightings,
    records_sharing_identifiers,
    sightings_in_text,
)
from countermark.observe.identifiers import normalise_identifier
from countermark.observe.service import (
    AccountSummary,
    ListingSummary,
    accounts_by_handle,
    listings_by_address,
    listings_by_seller,
    listings_showing,
    visible_account_summaries,
    visible_listing_summaries,
)
from countermark.observe.weblinks import registrable_domain
from countermark.orgs.service import group_ids_of, record_audit
from countermark.orgs.visibility import Principal, visible_clause
from countermark.rights.service import (
    RightSummary,
    product_summaries,
    right_summaries,
    rights_of_product,
    rights_with_brand,
)
from countermark.targeting.service import visible_shipment_summaries

log = logging.getLogger(__name__)
SUBJECT_TYPE = "report"
# The records an identifier thread joins a report to.
THREAD_TYPES = ("listing", "account", "shipment", SUBJECT_TYPE)
MAX_PHOTO_CANDIDATES = 200_000  # listing pictures compared by PDQ, a scan: beyond this, index them
MAX_THREAD_MEMBERS = 50  # per identifier: a very common value (a marketplace's domain) is not a thread
# A domain in the addresses of listings of this many different sellers is a marketplace's, not a seller's
# (a small or hidden market may hold fewer than MAX_THREAD_MEMBERS listings in a store): its listings
# are found by the item the report's address names, not by the domain.
MARKET_SELLERS = 3
MAX_NAMED = 20  # listings or accounts a report's address or shop name may point at, per query
MAX_BRANDS = 2000  # rights whose brand a report's text is searched for


def principal_of(session: Session, report: ConsumerReport) -> Principal:
    """The rights holder who receives the report: whose visibility every match respects."""
    org = report.owner_org_id
    return Principal(org_id=org, scopes=frozenset({"read"}), group_ids=group_ids_of(session, org))


def _listing_label(listing: ListingSummary) -> str:
    return f"listing {listing.id} on {listing.platform}: {listing.title}"[:300]


def _account_label(account: AccountSummary) -> str:
    return f"account {account.handle} on {account.platform}"[:300]


def record_report_identifiers(*, ctx: AppContext, session: Session, report: ConsumerReport) -> int:
    """Extract identifiers from the report's text, shop and address into the shared identifier threads."""
    ingest = IngestContext(
        session=session,
        blobs=ctx.blobs,
        base_dir=None,
        source="consumer-report",
        owner_org_id=report.owner_org_id,
        tlp=report.tlp,
    )
    sightings = sightings_in_text("description", report.description, region=None)
    sightings += sightings_in_text("shop", report.shop, region=None)
    sightings += sightings_in_text("url", report.url, region=None)
    return record_sightings(ingest, subject_type=SUBJECT_TYPE, subject_id=report.id, sightings=sightings)


def visible_labels(
    session: Session, principal: Principal, subject_type: str, ids: Iterable[int]
) -> dict[int, str]:
    """The labels of the records of one thread type among these ids that the principal may see (listings
    are read whole by `identifier_threads`, which needs their sellers)."""
    if subject_type == "account":
        accounts = visible_account_summaries(session=session, principal=principal, ids=ids)
        return {i: _account_label(account) for i, account in accounts.items()}
    if subject_type == "shipment":
        shipments = visible_shipment_summaries(session=session, principal=principal, ids=ids)
        return {i: f"shipment {s.external_id} ({s.transport_mode})"[:300] for i, s in shipments.items()}
    wanted = sorted(set(ids))
    if subject_type != SUBJECT_TYPE or not wanted:
        return {}
    reports = session.scalars(
        select(ConsumerReport.id).where(
            visible_clause(ConsumerReport, principal), ConsumerReport.id.in_(wanted)
        )
    )
    return {report_id: f"consumer report {report_id}" for report_id in reports}


def _marketplace_domains(members: Iterable[Any], listings: dict[int, ListingSummary]) -> set[str]:
    """The domains among the threads that are a marketplace's: in the addresses of listings of
    `MARKET_SELLERS` or more different sellers (a shop's own domain is in its own listings' only)."""
    sellers: dict[str, set[str]] = defaultdict(set)
    for member in members:
        if member.kind == "domain" and member.subject_type == "listing" and member.field == "url":
            listing = listings.get(member.subject_id)
            if listing is not None:
                sellers[member.value].add((listing.seller_handle or f"listing:{listing.id}").lower())
    return {domain for domain, who in sellers.items() if len(who) >= MARKET_SELLERS}


def identifier_threads(*, session: Session, report: ConsumerReport) -> list[Match]:
    """Listings, accounts, shipments and other reports sharing an identifier with the report."""
    members = records_sharing_identifiers(
        session=session,
        subject_type=SUBJECT_TYPE,
        subject_id=report.id,
        member_types=THREAD_TYPES,
        max_members=MAX_THREAD_MEMBERS,
    )
    if not members:
        return []
    principal = principal_of(session, report)
    wanted: dict[str, set[int]] = defaultdict(set)
    for member in members:
        wanted[member.subject_type].add(member.subject_id)
    listings = visible_listing_summaries(session=session, principal=principal, ids=wanted.pop("listing", ()))
    seen = {kind: visible_labels(session, principal, kind, ids) for kind, ids in wanted.items()}
    seen["listing"] = {i: _listing_label(listing) for i, listing in listings.items()}
    markets = _marketplace_domains(members, listings)
    found = []
    for member in members:
        label = seen.get(member.subject_type, {}).get(member.subject_id)
        if label is None or (member.kind == "domain" and member.value in markets):
            continue
        kind, value, field, own_field = member.kind, member.value, member.field, member.own_field
        same_page = (
            kind == "url" and member.subject_type == "listing" and field == "url" and own_field == "url"
        )
        words = KIND_WORDS.get(kind, kind)
        why = (
            _why("codes.match.same_page", value=value)
            if same_page
            else _why(
                "codes.match.thread",
                own_field={"term": own_field},
                words={"term": words},
                value=value,
                field={"term": field},
                subject={"term": member.subject_type},
            )
        )
        found.append(
            Match(
                kind="listing" if same_page else "thread",
                subject_type=member.subject_type,
                subject_id=member.subject_id,
                label=label,
                **why,
                strength=1.0 if same_page else IDENTIFIER_STRENGTH.get(kind, 0.5),
                detail={"identifier": kind, "value": value[:300], "field": field},
            )
        )
    return found


def listings_by_item(*, session: Session, report: ConsumerReport) -> list[Match]:
    """Listings of the same site whose address carries the same item id as the report's address."""
    if not report.url:
        return []
    normalised = normalise_identifier("url", report.url)
    if not normalised:
        return []
    parts = urlsplit(normalised)
    domain = registrable_domain(parts.hostname or "")
    tokens = item_tokens(parts.path)
    if not domain or not tokens:
        return []
    found = []
    principal = principal_of(session, report)
    for token in tokens:
        listings = listings_by_address(
            session=session, principal=principal, host=domain, fragment=token, limit=MAX_NAMED
        )
        for listing in listings:
            listing_parts = urlsplit(normalise_identifier("url", listing.url) or "")
            if token not in item_tokens(listing_parts.path):
                continue
            found.append(
                Match(
                    kind="listing",
                    subject_type="listing",
                    subject_id=listing.id,
                    label=_listing_label(listing),
                    **_why("codes.match.item", token=token, domain=domain),
                    strength=0.8,
                    detail={"item": token, "domain": domain},
                )
            )
    return found


def accounts_by_shop(*, session: Session, report: ConsumerReport) -> list[Match]:
    """Seller accounts and listings whose handle (or shop name) is the shop the reporter names."""
    handles = shop_handles(report.shop)
    if not handles:
        return []
    principal = principal_of(session, report)
    found = []
    accounts = accounts_by_handle(
        session=session,
        principal=principal,
        handles=handles,
        names=[(report.shop or "").strip().lower()],
        limit=MAX_NAMED,
    )
    for account in accounts:
        exact = account.handle.lower() in handles
        found.append(
            Match(
                kind="account",
                subject_type="account",
                subject_id=account.id,
                label=_account_label(account),
                **_why(
                    "codes.match.shop_handle" if exact else "codes.match.shop_name",
                    shop=report.shop,
                    platform=account.platform,
                ),
                strength=0.7 if exact else 0.5,
                detail={"shop": report.shop},
            )
        )
    listings = listings_by_seller(session=session, principal=principal, handles=handles, limit=MAX_NAMED)
    for listing in listings:
        found.append(
            Match(
                kind="listing",
                subject_type="listing",
                subject_id=listing.id,
                label=_listing_label(listing),
                **_why("codes.match.seller", seller=listing.seller_handle),
                strength=0.6,
                detail={"shop": report.shop},
            )
        )
    return found


def _why(code: str, **params: Any) -> dict[str, Any]:
    """A match's reason: the English sentence and the same reason coded."""
    said = reason(code, **params)
    return {"reason": said["text"][:500], "coded": [said]}


def _right_match(right: RightSummary, why: dict[str, Any], strength: float, **detail: Any) -> Match:
    return Match(
        kind="right",
        subject_type="right",
        subject_id=right.id,
        label=f"{right.kind} {right.name} ({right.office} {right.registration_number})"[:300],
        **why,
        strength=strength,
        detail=detail,
    )


def rights_of_report(*, session: Session, report: ConsumerReport) -> list[Match]:
    """The rights behind the reported product (by its code or GTIN), and brands the report names."""
    principal = principal_of(session, report)
    found = []
    product = (
        product_summaries(session=session, ids=[report.product_id]).get(report.product_id)
        if report.product_id
        else None
    )
    if product is not None:
        how = (
            part("codes.match.scanned_code") if report.code_id else part("codes.match.gtin", gtin=report.gtin)
        )
        found.append(
            Match(
                kind="product",
                subject_type="product",
                subject_id=product.id,
                label=product.full_name[:300],
                **_why("codes.match.product", how=how),
                strength=1.0 if report.code_id else 0.9,
                detail={"gtin": report.gtin},
            )
        )
        for right in rights_of_product(session=session, principal=principal, product_id=product.id):
            why = _why("codes.match.product_right", how=how, product=product.name)
            found.append(_right_match(right, why, 0.9))
    text = " ".join(part for part in (report.description, report.shop, report.url) if part)
    if text:
        for right in rights_with_brand(session=session, principal=principal, limit=MAX_BRANDS):
            if right.brand and mentioned(right.brand, text):
                found.append(
                    _right_match(right, _why("codes.match.brand", brand=right.brand), 0.5, brand=right.brand)
                )
    return found


def photo_matches(*, ctx: AppContext, session: Session, report: ConsumerReport) -> list[Match]:
    """Reference images the report's photos match (banks the holder may match) and listings showing them."""
    found = []
    org = report.owner_org_id
    references: set[str] = set()
    for position, digest in enumerate(report.photos, start=1):
        try:
            matches = lookup_image(ctx=ctx, session=session, principal_org_id=org, data=ctx.blobs.get(digest))
        except CountermarkError as exc:  # a photo too small or too plain to fingerprint is still kept
            log.info("photo %s of report %s not matched: %s", digest[:12], report.id, exc)
            continue
        if any(hit.purpose == "genuine" and hit.stage == "pdq" for hit in matches):
            references.add(digest)
        for hit in matches:
            what = (
                part("codes.match.reference_named", label=hit.label)
                if hit.label
                else part("codes.match.reference")
            )
            why = _why(
                "codes.match.photo_bank",
                position=position,
                what=what,
                bank=hit.bank_name,
                stage={"term": hit.stage},
                distance=hit.distance,
            )
            found.append(
                Match(
                    kind="fingerprint",
                    subject_type="fingerprint_entry" if hit.entry_id else "fingerprint_bank",
                    subject_id=hit.entry_id or hit.bank_id,
                    label=f"{hit.bank_name}: {hit.label or hit.purpose}"[:300],
                    **why,
                    strength=float(hit.score),
                    detail={"photo": digest, "bank_id": hit.bank_id, "purpose": hit.purpose},
                )
            )
            if hit.right_id is not None:
                right = right_summaries(
                    session=session, principal=principal_of(session, report), ids=[hit.right_id]
                ).get(hit.right_id)
                if right is not None:
                    found.append(_right_match(right, _why("codes.match.photo_right", position=position), 0.8))
    # A photo that is a rights holder's own shot (its picture in a genuine bank) names no seller: every
    # reseller and counterfeiter showing that shot would be matched by it.
    found += similar_listing_photos(ctx=ctx, session=session, report=report, left_out=references)
    same = listings_showing(session=session, principal=principal_of(session, report), digests=report.photos)
    for listing, digest in same:
        found.append(
            Match(
                kind="listing",
                subject_type="listing",
                subject_id=listing.id,
                label=_listing_label(listing),
                **_why("codes.match.very_picture"),
                strength=1.0,
                detail={"photo": digest},
            )
        )
    return found


def similar_listing_photos(
    *, ctx: AppContext, session: Session, report: ConsumerReport, left_out: Collection[str] = ()
) -> list[Match]:
    """Listings showing a near-duplicate of a report photo (PDQ within the match threshold, another file),
    but for the photos `left_out`."""
    if all(digest in left_out for digest in report.photos):
        return []
    candidates = pdq_hashes(session=session, exclude=list(report.photos), limit=MAX_PHOTO_CANDIDATES)
    if not candidates:
        return []
    close: dict[str, tuple[int, int]] = {}
    for position, digest in enumerate(report.photos, start=1):
        if digest in left_out:
            continue
        try:
            query = pdq.hash_image(ctx.blobs.get(digest))
        except CountermarkError:
            continue
        if not query.usable:
            continue
        for other, distance in near_duplicates(query.hex, candidates, threshold=pdq.MATCH_THRESHOLD):
            if other not in close or distance < close[other][1]:
                close[other] = (position, distance)
    if not close:
        return []
    shown = listings_showing(session=session, principal=principal_of(session, report), digests=list(close))
    found = []
    for listing, digest in shown:
        position, distance = close[digest]
        found.append(
            Match(
                kind="listing",
                subject_type="listing",
                subject_id=listing.id,
                label=_listing_label(listing),
                **_why("codes.match.near_duplicate", position=position, distance=distance),
                strength=0.85,
                detail={"photo": digest, "pdq_distance": distance},
            )
        )
    return found


def match_report(
    *, ctx: AppContext, session: Session, report: ConsumerReport, actor: str
) -> list[ReportMatch]:
    """Match one report and replace its stored matches; strongest first."""
    record_report_identifiers(ctx=ctx, session=session, report=report)
    found = identifier_threads(session=session, report=report)
    found += listings_by_item(session=session, report=report)
    found += accounts_by_shop(session=session, report=report)
    found += rights_of_report(session=session, report=report)
    found += photo_matches(ctx=ctx, session=session, report=report)
    session.execute(delete(ReportMatch).where(ReportMatch.report_id == report.id))
    rows = [
        ReportMatch(
            report_id=report.id,
            kind=m.kind,
            subject_type=m.subject_type,
            subject_id=m.subject_id,
            label=m.label,
            reason=m.reason,
            reason_codes=m.coded,
            strength=round(m.strength, 4),
            detail=m.detail,
            owner_org_id=report.owner_org_id,
            tlp=report.tlp,
            sharing_group_id=report.sharing_group_id,
        )
        for m in merge_matches(found)
    ]
    session.add_all(rows)
    report.matched_at = utcnow()
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="codes.report.match",
        subject_type="consumer_report",
        subject_id=str(report.id),
        org_id=report.owner_org_id,
        detail={"matches": len(rows)},
    )
    return rows


def match_pending_reports(*, ctx: AppContext, session: Session, limit: int = 1000) -> int:
    """Match the reports not matched yet (the background pass); how many were matched."""
    pending = session.scalars(
        select(ConsumerReport)
        .where(ConsumerReport.matched_at.is_(None))
        .order_by(ConsumerReport.id)
        .limit(limit)
    ).all()
    for report in pending:
        match_report(ctx=ctx, session=session, report=report, actor="system")
    return len(pending)


def threads_of(matches: Iterable[ReportMatch]) -> list[dict[str, Any]]:
    """The report's identifier threads: each shared identifier with the records it joins."""
    threads: dict[tuple[str, str], list[ReportMatch]] = defaultdict(list)
    for match in matches:
        for item in match.detail.get("identifiers", [match.detail]):
            if isinstance(item, dict) and item.get("identifier"):
                threads[(str(item["identifier"]), str(item.get("value", "")))].append(match)
    return [
        {"kind": kind, "value": value, "members": members}
        for (kind, value), members in sorted(threads.items(), key=lambda t: (-len(t[1]), t[0]))
    ]
