"""Pulling partners' collections and pushing ours: the sync job, one transaction per page.

A pull reads from the subscription's place (`added_after` = the last `X-TAXII-Date-Added-Last`), stores
each page (idempotent by id and version, objects with missing references waiting), moves the place on
and commits, so a run stopped half-way resumes where it stopped. Imported objects keep their origin (the
partner) and their TLP marking, owned here by the organisation that follows the partner. A new version
of a network we already had, or a sighting of one, raises an alert: a shared network reappeared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from countermark.core.clock import utcnow
from countermark.core.db import unit_of_work
from countermark.share.intake_service import receive
from countermark.share.models import ShareAlert, SharePartner, ShareSubscription, ShareSyncRun, StixObject
from countermark.share.objects_service import Filters, Marking, page_of, taxii_time
from countermark.share.partners_service import partner_principal, subscribe
from countermark.share.taxii_client import (
    HeaderKeepingConnection,
    collection_at,
    pages,
    partner_collections,
)
from countermark.share.tlp import tlp_of

Progress = Callable[[int], None]
T = TypeVar("T")


def prefetched(source: Iterator[T]) -> Iterator[T]:
    """The items of an iterator, the next one read in a thread while the caller works on this one.

    A pull waits on the partner's server and then on its own database; reading page n+1 while page n is
    validated and stored overlaps the two. An exception of the source is raised where it would have been.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="taxii-prefetch") as pool:
        sentinel = object()
        pending = pool.submit(next, source, sentinel)
        while True:
            item = pending.result()
            if item is sentinel:
                return
            pending = pool.submit(next, source, sentinel)
            yield item  # type: ignore[misc]


@dataclass(frozen=True)
class SyncSummary:
    """What one run did."""

    run_id: int
    status: str
    received: int
    stored: int
    unchanged: int
    waiting: int
    rejected: int
    errors: list[str]


def discover(
    factory: sessionmaker[Session], partner_id: int, *, connection: HeaderKeepingConnection | None = None
) -> list[ShareSubscription]:
    """Ask the partner which collections it offers us and follow each we may read or write."""
    with unit_of_work(factory) as session:
        partner = session.get(SharePartner, partner_id)
        assert partner is not None
        url, token = partner.api_root_url, partner.token
    conn = connection or HeaderKeepingConnection(token)
    offered = partner_collections(url, conn)
    with unit_of_work(factory) as session:
        partner = session.get(SharePartner, partner_id)
        assert partner is not None
        return [
            subscribe(
                session,
                partner=partner,
                collection_uuid=c["id"],
                title=c["title"] or "",
                can_read=bool(c["can_read"]),
                can_write=bool(c["can_write"]),
            )
            for c in offered
        ]


def _alerts_for(
    session: Session,
    partner: SharePartner,
    stored_ids: list[str],
    new_versions: list[str],
    objects: list[dict[str, Any]],
) -> None:
    stored = set(stored_ids)
    for obj in objects:
        ref = None
        if obj.get("id") in new_versions and obj.get("type") == "intrusion-set" and not obj.get("revoked"):
            ref, message = obj["id"], f"network {obj.get('name', '')!r} shared by {partner.name} seen again"
        elif (
            obj.get("type") == "sighting"
            and obj.get("id") in stored
            and str(obj.get("sighting_of_ref", "")).startswith("intrusion-set--")
        ):
            ref = obj["sighting_of_ref"]
            message = f"{partner.name} saw a shared network again ({obj.get('count', 1)} sightings)"
        if ref:
            session.add(
                ShareAlert(
                    org_id=partner.acting_org_id,
                    partner_id=partner.id,
                    kind="network_reappeared",
                    stix_ref=ref,
                    message=message[:1000],
                )
            )


def pull(
    factory: sessionmaker[Session],
    subscription_id: int,
    *,
    connection: HeaderKeepingConnection | None = None,
    page_size: int = 1000,
    progress: Progress | None = None,
) -> SyncSummary:
    """Pull a followed collection from where we stopped; one committed transaction per page."""
    with unit_of_work(factory) as session:
        sub = session.get(ShareSubscription, subscription_id)
        assert sub is not None
        partner = session.get(SharePartner, sub.partner_id)
        assert partner is not None
        run = ShareSyncRun(
            partner_id=partner.id,
            collection_uuid=sub.collection_uuid,
            direction="pull",
            cursor=sub.added_after,
        )
        session.add(run)
        session.flush()
        run_id, url, token, place = run.id, partner.api_root_url, partner.token, sub.added_after
        partner_id, acting, collection_uuid = partner.id, partner.acting_org_id, sub.collection_uuid
    conn = connection or HeaderKeepingConnection(token)
    collection = collection_at(url, collection_uuid, conn)
    totals = {"received": 0, "stored": 0, "unchanged": 0, "waiting": 0, "rejected": 0}
    errors: list[str] = []
    status = "ok"

    def marking_of(obj: dict[str, Any]) -> Marking:
        return Marking(acting, tlp_of(obj, "AMBER"), None)

    try:
        for page in prefetched(pages(collection, conn, added_after=place, limit=page_size)):
            with unit_of_work(factory) as session:
                result = receive(
                    session,
                    scope=f"p:{partner_id}",
                    objects=page.objects,
                    marking_of=marking_of,
                    partner_id=partner_id,
                )
                partner = session.get(SharePartner, partner_id)
                assert partner is not None
                _alerts_for(
                    session, partner, [i for i, _ in result.stored], result.new_versions, page.objects
                )
                totals["received"] += len(page.objects)
                totals["stored"] += len(result.stored) + result.resolved
                totals["unchanged"] += len(result.unchanged)
                totals["waiting"] += len(result.waiting) - result.resolved
                totals["rejected"] += len(result.rejected)
                errors += [
                    f"{r['id'] or '#' + str(r['index'])}: {'; '.join(r['errors'])}" for r in result.rejected
                ]
                if page.date_added_last:
                    place = page.date_added_last
                sub = session.get(ShareSubscription, subscription_id)
                run = session.get(ShareSyncRun, run_id)  # type: ignore[assignment]
                assert sub is not None and run is not None
                sub.added_after, sub.last_run_at = place, utcnow()
                run.pages += 1
                run.cursor = place
                for key, value in totals.items():
                    setattr(run, key, value)
                run.errors = errors[:200]
            if progress:
                progress(len(page.objects))
    except (requests.RequestException, ValueError) as exc:
        status, errors = "failed", [*errors, f"{type(exc).__name__}: {exc}"[:500]]
    with unit_of_work(factory) as session:
        run = session.get(ShareSyncRun, run_id)  # type: ignore[assignment]
        assert run is not None
        run.status, run.finished_at, run.errors = status, utcnow(), errors[:200]
        waiting = session.scalar(
            select(StixObject.id)
            .where(StixObject.scope == f"p:{partner_id}", StixObject.state == "waiting")
            .limit(1)
        )
        if status == "ok" and waiting is not None:
            run.status = "ok_waiting"
    return SyncSummary(
        run_id,
        status,
        totals["received"],
        totals["stored"],
        totals["unchanged"],
        totals["waiting"],
        totals["rejected"],
        errors,
    )


def push(
    factory: sessionmaker[Session],
    subscription_id: int,
    *,
    source_collection_id: int,
    connection: HeaderKeepingConnection | None = None,
    batch: int = 1000,
    skip_types: tuple[str, ...] = (),
) -> SyncSummary:
    """Push what the partner may read of one of our collections into its writable collection.

    `skip_types` leaves out object types a partner's server cannot hold (medallion 3.0's memory backend
    fails on an `extension-definition`, whose `version` property it takes for a timestamp).
    """
    with unit_of_work(factory) as session:
        sub = session.get(ShareSubscription, subscription_id)
        assert sub is not None
        partner = session.get(SharePartner, sub.partner_id)
        assert partner is not None
        if not sub.can_write:
            raise PermissionError(f"{partner.name} does not let us write collection {sub.collection_uuid}")
        reader = partner_principal(session, partner)
        since = sub.pushed_until
        filters = Filters(added_after=since, versions=("all",), limit=batch)
        rows = []
        while True:
            page = page_of(session, f"c:{source_collection_id}", reader, filters)
            rows += [(row.body, row.date_added) for row in page.rows if row.stix_type not in skip_types]
            if not page.more:
                break
            filters = Filters(added_after=since, versions=("all",), limit=batch, next=page.next)
        run = ShareSyncRun(partner_id=partner.id, collection_uuid=sub.collection_uuid, direction="push")
        session.add(run)
        session.flush()
        run_id, url, token = run.id, partner.api_root_url, partner.token
    conn = connection or HeaderKeepingConnection(token)
    collection = collection_at(url, sub.collection_uuid, conn)
    sent, failed, errors, status = 0, 0, [], "ok"
    last = since
    try:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            answer = collection.add_objects(
                {"objects": [body for body, _ in chunk]}, wait_for_completion=False
            )
            sent += int(answer.success_count or 0) + int(answer.pending_count or 0)
            failed += int(answer.failure_count or 0)
            errors += [f"{f.get('id')}: {f.get('message')}" for f in (answer.failures or [])][:50]
            last = chunk[-1][1]
    except (requests.RequestException, ValueError) as exc:
        status, errors = "failed", [*errors, f"{type(exc).__name__}: {exc}"[:500]]
    with unit_of_work(factory) as session:
        run = session.get(ShareSyncRun, run_id)  # type: ignore[assignment]
        sub = session.get(ShareSubscription, subscription_id)
        assert run is not None and sub is not None
        run.status, run.finished_at, run.received, run.stored, run.rejected = (
            status,
            utcnow(),
            len(rows),
            sent,
            failed,
        )
        run.errors, run.cursor = errors[:200], taxii_time(last) if last else None
        sub.pushed_until = last
    return SyncSummary(run_id, status, len(rows), sent, 0, 0, failed, errors)


def sync_partner(
    factory: sessionmaker[Session],
    partner_id: int,
    *,
    source_collection_id: int | None = None,
    connection: HeaderKeepingConnection | None = None,
) -> list[SyncSummary]:
    """Discover, pull every readable collection and push where allowed: what the schedule runs."""
    subs = discover(factory, partner_id, connection=connection)
    summaries = [pull(factory, s.id, connection=connection) for s in subs if s.can_read]
    if source_collection_id is not None:
        summaries += [
            push(factory, s.id, source_collection_id=source_collection_id, connection=connection)
            for s in subs
            if s.can_write
        ]
    return summaries


def received_objects(session: Session, partner_id: int, *, last_only: bool = True) -> list[StixObject]:
    """What we hold from a partner (newest versions by default)."""
    query = select(StixObject).where(StixObject.scope == f"p:{partner_id}")
    if last_only:
        from countermark.share.objects_service import last_versions

        query = query.where(last_versions(f"p:{partner_id}"))
    return list(session.scalars(query.order_by(StixObject.date_added)))


def recent_runs(session: Session, *, limit: int = 50) -> list[ShareSyncRun]:
    """The latest sync runs, newest first."""
    return list(session.scalars(select(ShareSyncRun).order_by(ShareSyncRun.id.desc()).limit(limit)))
