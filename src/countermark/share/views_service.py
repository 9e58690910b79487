"""What the sharing pages read and change, always for one organisation.

A partner belongs to the organisation that follows it (`acting_org_id`): only its members see it, its
runs and its requests, and only its administrators change it. A collection (an agreement) belongs to its
owner organisation the same way. Everything else answers the same 404 as an absent record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.errors import Forbidden, InvalidInput, NotFound
from countermark.orgs.service import group_ids_of, organisation_names
from countermark.orgs.visibility import Principal
from countermark.share.models import (
    ShareCollection,
    ShareCollectionAccess,
    SharePartner,
    ShareSyncRun,
    StixObject,
)


def _mine(principal: Principal, org_id: int) -> bool:
    return principal.is_system or (principal.org_id is not None and principal.org_id == org_id)


def require_admin(principal: Principal) -> None:
    """Changes to partners and agreements are for administrators of an organisation."""
    if "admin" not in principal.scopes or principal.org_id is None:
        raise Forbidden.of("only administrators of an organisation may change its partners and agreements")


def partners_of(session: Session, principal: Principal) -> list[SharePartner]:
    """The partners the principal's organisation follows, by name."""
    query = select(SharePartner).order_by(SharePartner.name)
    if not principal.is_system:
        query = query.where(SharePartner.acting_org_id == (principal.org_id or -1))
    return list(session.scalars(query))


def partner_of_org(session: Session, principal: Principal, partner_id: int) -> SharePartner:
    """One partner the principal's organisation follows; the same 404 for absent and someone else's."""
    partner = session.get(SharePartner, partner_id)
    if partner is None or not _mine(principal, partner.acting_org_id):
        raise NotFound.of("no partner with this id that you may see")
    return partner


def runs_of(
    session: Session, principal: Principal, *, partner_id: int | None = None, limit: int = 50
) -> list[ShareSyncRun]:
    """The latest sync runs against the partners the organisation follows, newest first."""
    query = (
        select(ShareSyncRun)
        .join(SharePartner, SharePartner.id == ShareSyncRun.partner_id)
        .order_by(ShareSyncRun.id.desc())
        .limit(limit)
    )
    if not principal.is_system:
        query = query.where(SharePartner.acting_org_id == (principal.org_id or -1))
    if partner_id is not None:
        query = query.where(ShareSyncRun.partner_id == partner_id)
    return list(session.scalars(query))


def collections_of(session: Session, principal: Principal) -> list[ShareCollection]:
    """The collections (agreements) the principal's organisation owns."""
    query = select(ShareCollection).order_by(ShareCollection.title)
    if not principal.is_system:
        query = query.where(ShareCollection.owner_org_id == (principal.org_id or -1))
    return list(session.scalars(query))


def collection_of_org(session: Session, principal: Principal, collection_id: int) -> ShareCollection:
    """One collection the organisation owns; the same 404 for absent and someone else's."""
    collection = session.get(ShareCollection, collection_id)
    if collection is None or not _mine(principal, collection.owner_org_id):
        raise NotFound.of("no collection with this id that you may see")
    return collection


@dataclass(frozen=True)
class Grant:
    """One organisation's access to a collection, with the partner it stands for (if any)."""

    org_id: int
    org_name: str
    partner_name: str | None
    can_read: bool
    can_write: bool


def grants_of(session: Session, collection: ShareCollection) -> list[Grant]:
    """Who may read and write a collection."""
    rows = list(
        session.execute(
            select(ShareCollectionAccess, SharePartner.name)
            .outerjoin(SharePartner, SharePartner.org_id == ShareCollectionAccess.org_id)
            .where(ShareCollectionAccess.collection_id == collection.id)
        )
    )
    names = organisation_names(session=session, ids=[access.org_id for access, _ in rows])
    grants = [
        Grant(a.org_id, names.get(a.org_id, f"#{a.org_id}"), partner, a.can_read, a.can_write)
        for a, partner in rows
    ]
    return sorted(grants, key=lambda grant: grant.org_name)


def revoke_grant(session: Session, *, collection: ShareCollection, org_id: int) -> None:
    """Take an organisation's access to a collection away (404 when it had none)."""
    access = session.scalar(
        select(ShareCollectionAccess).where(
            ShareCollectionAccess.collection_id == collection.id, ShareCollectionAccess.org_id == org_id
        )
    )
    if access is None:
        raise NotFound.of("this organisation has no access to the collection")
    session.delete(access)
    session.flush()


def update_collection(
    session: Session, *, collection: ShareCollection, title: str, description: str | None
) -> ShareCollection:
    """Rename or describe a collection (its id and its group stay: partners follow them)."""
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput.of("a collection needs a title of 1 to 200 characters")
    if description is not None and len(description) > 5000:
        raise InvalidInput.of("the description is at most 5,000 characters")
    taken = session.scalar(
        select(ShareCollection.id).where(ShareCollection.title == title, ShareCollection.id != collection.id)
    )
    if taken is not None:
        raise InvalidInput.of("a collection is already called {title!r}", title=title)
    collection.title, collection.description = title, (description or "").strip() or None
    session.flush()
    return collection


def object_counts(session: Session, scopes: list[str]) -> dict[str, int]:
    """How many object versions each scope holds."""
    if not scopes:
        return {}
    rows = session.execute(
        select(StixObject.scope, func.count()).where(StixObject.scope.in_(scopes)).group_by(StixObject.scope)
    )
    return {scope: int(count) for scope, count in rows}


def groups_of(session: Session, principal: Principal) -> list[int]:
    """The sharing groups the organisation belongs to (what a collection may carry), by id."""
    if principal.org_id is None:
        return []
    return sorted(group_ids_of(session, principal.org_id))
