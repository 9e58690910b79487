"""Collections we serve, who may read or write them, and publishing this instance's records into them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.errors import Conflict, Forbidden, NotFound
from countermark.core.marking import TLP_LEVELS
from countermark.orgs.service import organisation_names
from countermark.orgs.visibility import Principal
from countermark.share.extensions import ALL_TYPES, PROJECT_IDENTITY, extension_definition
from countermark.share.models import ShareCollection, ShareCollectionAccess, StixObject
from countermark.share.networks import components
from countermark.share.objects_service import Marking, StoreCounts, last_versions, store_versions
from countermark.share.records_service import local_records
from countermark.share.stix_mapping import (
    network_objects,
    organisation_identity,
    record_objects,
    stix_time,
)
from countermark.share.tlp import marking_definition


def create_collection(
    session: Session,
    *,
    title: str,
    owner_org_id: int,
    sharing_group_id: int | None,
    description: str | None = None,
    collection_uuid: str | None = None,
) -> ShareCollection:
    """A new collection (one per sharing group or agreement)."""
    if session.scalar(select(ShareCollection.id).where(ShareCollection.title == title)) is not None:
        raise Conflict.of("a collection is already called {title!r}", title=title)
    collection = ShareCollection(
        uuid=collection_uuid or str(uuid.uuid4()),
        title=title,
        description=description,
        owner_org_id=owner_org_id,
        sharing_group_id=sharing_group_id,
    )
    session.add(collection)
    session.flush()
    return collection


def grant(
    session: Session, *, collection: ShareCollection, org_id: int, can_read: bool, can_write: bool
) -> None:
    """Let an organisation (a partner's, usually) read and/or write a collection."""
    access = session.scalar(
        select(ShareCollectionAccess).where(
            ShareCollectionAccess.collection_id == collection.id, ShareCollectionAccess.org_id == org_id
        )
    )
    if access is None:
        access = ShareCollectionAccess(collection_id=collection.id, org_id=org_id)
        session.add(access)
    access.can_read, access.can_write = can_read, can_write
    session.flush()


@dataclass(frozen=True)
class CollectionAccess:
    """A collection as one principal may use it."""

    collection: ShareCollection
    can_read: bool
    can_write: bool


def collections_for(session: Session, principal: Principal) -> list[CollectionAccess]:
    """The collections a principal may read or write: its organisation's grants (owners get both)."""
    result = []
    for collection in session.scalars(select(ShareCollection).order_by(ShareCollection.id)):
        if principal.is_system or collection.owner_org_id == principal.org_id:
            result.append(CollectionAccess(collection, True, True))
            continue
        access = session.scalar(
            select(ShareCollectionAccess).where(
                ShareCollectionAccess.collection_id == collection.id,
                ShareCollectionAccess.org_id == principal.org_id,
            )
        )
        if access is not None and (access.can_read or access.can_write):
            result.append(CollectionAccess(collection, access.can_read, access.can_write))
    return result


def collection_for(session: Session, principal: Principal, collection_uuid: str) -> CollectionAccess:
    """One collection the principal may use; absent and forbidden are the same 404."""
    for access in collections_for(session, principal):
        if access.collection.uuid == collection_uuid:
            return access
    raise NotFound.of("no collection with this id that you may use")


def require_read(access: CollectionAccess) -> None:
    """Refuse reading a write-only collection."""
    if not access.can_read:
        raise Forbidden.of("your organisation may not read this collection")


def require_write(access: CollectionAccess) -> None:
    """Refuse writing a read-only collection."""
    if not access.can_write:
        raise Forbidden.of("your organisation may not add objects to this collection")


def scope_of(collection: ShareCollection) -> str:
    """The storage scope of a collection's objects."""
    return f"c:{collection.id}"


def _most_restrictive(levels: list[str]) -> str:
    return min(levels, key=TLP_LEVELS.index)


def publish(session: Session, *, collection: ShareCollection, origin: str) -> StoreCounts:
    """Map the collection's records to STIX and store what changed; revoke what no longer belongs.

    Idempotent: publishing twice stores nothing the second time. A record that left the collection (its
    group or marking changed, or it became RED) gets a revoked version of each of its domain objects and
    relationships, so partners' copies follow; observables have no versions in STIX and cannot be
    revoked, but nothing links them to the record any more.
    """
    records = local_records(session, sharing_group_id=collection.sharing_group_id)
    names = organisation_names(
        session=session, ids={r.owner_org_id for r in records} | {collection.owner_org_id}
    )
    identities = {org_id: organisation_identity(origin, org_id, name) for org_id, name in names.items()}
    clear = Marking(collection.owner_org_id, "CLEAR", None)
    items: list[tuple[dict[str, Any], Marking, str | None]] = [(PROJECT_IDENTITY, clear, None)]
    items += [(marking_definition(level), clear, None) for level in TLP_LEVELS]
    items += [(extension_definition(t), clear, None) for t in ALL_TYPES]
    items += [(identity, Marking(org_id, "CLEAR", None), None) for org_id, identity in identities.items()]
    seen: set[str] = {body["id"] for body, _, _ in items}
    seller_refs: dict[int, str] = {}
    anchors: dict[str, tuple[str, Any]] = {}
    for record in (r for r in records if r.kind == "accounts"):
        seller_refs[record.id] = record_objects(origin, record, identities[record.owner_org_id]["id"])[0][
            "id"
        ]
    for record in records:
        marking = Marking(record.owner_org_id, record.tlp, record.sharing_group_id)
        objects = record_objects(origin, record, identities[record.owner_org_id]["id"], seller_refs)
        if objects:
            anchors[f"{record.kind}:{record.id}"] = (objects[0]["id"], record)
        for body in objects:
            if body["id"] not in seen:
                seen.add(body["id"])
                items.append((body, marking, f"{record.kind}:{record.id}"))
    groups = components((key, rec.identifiers) for key, (_, rec) in anchors.items())
    for number, group in enumerate(groups, start=1):
        members = [anchors[key][1] for key in group]
        tlp = _most_restrictive([m.tlp for m in members])
        owner = members[0].owner_org_id
        dates = [m.created for m in members if m.created is not None]
        for body in network_objects(
            origin,
            f"Network {number} ({len(group)} members)",
            [anchors[key][0] for key in group],
            tlp,
            identities[owner]["id"],
            min(dates, default=None),
            max(dates, default=None),
        ):
            if body["id"] not in seen:
                seen.add(body["id"])
                items.append((body, Marking(owner, tlp, members[0].sharing_group_id), None))
    items += _revocations(session, collection, {key for key in anchors})
    return store_versions(session, scope=scope_of(collection), items=items, collection_id=collection.id)


def _revocations(
    session: Session, collection: ShareCollection, current: set[str]
) -> list[tuple[dict[str, Any], Marking, str | None]]:
    scope = scope_of(collection)
    rows = session.scalars(
        select(StixObject).where(
            StixObject.scope == scope,
            StixObject.source_record.is_not(None),
            StixObject.revoked.is_(False),
            last_versions(scope),
        )
    )
    now = stix_time(utcnow())
    result = []
    for row in rows:
        if row.source_record in current or "modified" not in row.body:
            continue
        body = {**row.body, "modified": max(now, row.body["modified"]), "revoked": True}
        result.append((body, Marking(row.owner_org_id, row.tlp, row.sharing_group_id), row.source_record))
    return result
