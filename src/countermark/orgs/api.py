"""REST routes of organisations, users, API tokens, sharing groups, markings and the audit trail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from countermark.core.errors import Forbidden, InvalidInput
from countermark.core.http.deps import DbSession, app_context, client_origin
from countermark.core.marking import marked_models
from countermark.orgs.auth import create_api_token, list_api_tokens, revoke_api_token, set_password
from countermark.orgs.deps import require_scope
from countermark.orgs.models import AuditEntry, Organisation, SharingGroup, SharingGroupMember, User
from countermark.orgs.schemas_api import (
    MarkingIn,
    OrganisationIn,
    OrganisationOut,
    SharingGroupIn,
    SharingGroupOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from countermark.orgs.service import create_organisation, create_user, record_audit
from countermark.orgs.visibility import Principal, require_owner

router = APIRouter(prefix="/api/v1", tags=["organisations and access"])
READ, WRITE, ADMIN = (Depends(require_scope(s)) for s in ("read", "write", "admin"))


def _user(session: DbSession, principal: Principal) -> User:
    user = session.get(User, principal.user_id) if principal.user_id else None
    if user is None:
        raise Forbidden("this needs a user (not the system or the public)")
    return user


@router.get("/me", summary="Who you are")
def me(session: DbSession, principal: Principal = READ) -> dict[str, Any]:
    org = session.get(Organisation, principal.org_id) if principal.org_id else None
    return {
        "email": principal.email,
        "role": principal.role,
        "scopes": sorted(principal.scopes),
        "organisation": OrganisationOut.model_validate(org).model_dump() if org else None,
        "sharing_groups": sorted(principal.group_ids),
    }


@router.get("/organisations", response_model=list[OrganisationOut], summary="Organisations of this instance")
def list_organisations(session: DbSession, principal: Principal = READ) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


@router.post(
    "/organisations", response_model=OrganisationOut, status_code=201, summary="Create an organisation"
)
def post_organisation(
    body: OrganisationIn, request: Request, session: DbSession, principal: Principal = ADMIN
) -> Organisation:
    return create_organisation(
        session=session,
        name=body.name,
        kind=body.kind,
        country=body.country,
        default_tlp=body.default_tlp or app_context(request).settings.default_tlp,
        actor=principal.email,
    )


@router.get("/users", response_model=list[UserOut], summary="Users of your organisation")
def list_users(session: DbSession, principal: Principal = READ) -> list[User]:
    return list(session.scalars(select(User).where(User.org_id == principal.org_id).order_by(User.email)))


@router.post("/users", response_model=UserOut, status_code=201, summary="Add a user to your organisation")
def post_user(body: UserIn, session: DbSession, principal: Principal = ADMIN) -> User:
    if principal.org_id is None:
        raise Forbidden("the system principal has no organisation to add users to")
    user = create_user(
        session=session,
        org_id=principal.org_id,
        email=str(body.email),
        display_name=body.display_name,
        role=body.role,
        actor=principal.email,
    )
    user.locale = body.locale
    set_password(session=session, user=user, password=body.password)
    return user


@router.get("/tokens", response_model=list[TokenOut], summary="Your API tokens")
def list_tokens(session: DbSession, principal: Principal = READ) -> list[Any]:
    return list_api_tokens(session=session, user_id=_user(session, principal).id)


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="Create an API token")
def post_token(body: TokenIn, session: DbSession, principal: Principal = READ) -> dict[str, Any]:
    user = _user(session, principal)
    if not set(body.scopes) <= principal.scopes:
        raise Forbidden(f"you can grant only scopes you have: {', '.join(sorted(principal.scopes))}")
    raw, token = create_api_token(
        session=session,
        user=user,
        name=body.name,
        scopes=list(body.scopes),
        expires_in_days=body.expires_in_days,
    )
    return {**TokenOut.model_validate(token).model_dump(), "token": raw}


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke an API token")
def delete_token(token_id: int, session: DbSession, principal: Principal = READ) -> Any:
    return revoke_api_token(session=session, user=_user(session, principal), token_id=token_id)


def _group_out(session: DbSession, group: SharingGroup) -> SharingGroupOut:
    members = session.scalars(
        select(SharingGroupMember.org_id).where(SharingGroupMember.group_id == group.id)
    )
    return SharingGroupOut(
        id=group.id, name=group.name, owner_org_id=group.owner_org_id, member_org_ids=sorted(members)
    )


@router.get("/sharing-groups", response_model=list[SharingGroupOut], summary="Groups you own or belong to")
def list_groups(session: DbSession, principal: Principal = READ) -> list[SharingGroupOut]:
    groups = session.scalars(select(SharingGroup).order_by(SharingGroup.name))
    return [
        _group_out(session, g)
        for g in groups
        if g.owner_org_id == principal.org_id or g.id in principal.group_ids or principal.is_system
    ]


@router.post(
    "/sharing-groups", response_model=SharingGroupOut, status_code=201, summary="Create a sharing group"
)
def post_group(body: SharingGroupIn, session: DbSession, principal: Principal = ADMIN) -> SharingGroupOut:
    if principal.org_id is None:
        raise Forbidden("a sharing group is owned by an organisation")
    if session.scalar(select(SharingGroup).where(SharingGroup.name == body.name)) is not None:
        raise InvalidInput(f"a sharing group named {body.name!r} exists")
    members = set(body.member_org_ids) | {principal.org_id}
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(members))))
    if known != members:
        raise InvalidInput(f"unknown organisation id(s): {sorted(members - known)}")
    group = SharingGroup(name=body.name, owner_org_id=principal.org_id)
    session.add(group)
    session.flush()
    session.add_all(SharingGroupMember(group_id=group.id, org_id=org_id) for org_id in sorted(members))
    session.flush()
    record_audit(
        session=session,
        actor=principal.email,
        org_id=principal.org_id,
        action="create",
        subject_type="sharing_group",
        subject_id=str(group.id),
        detail={"members": sorted(members)},
    )
    return _group_out(session, group)


@router.put("/markings/{resource}/{record_id}", summary="Change the marking of one of your records")
def put_marking(
    resource: str,
    record_id: int,
    body: MarkingIn,
    request: Request,
    session: DbSession,
    principal: Principal = WRITE,
) -> dict[str, Any]:
    marked = marked_models()
    model = marked.get(resource)
    if model is None:
        raise InvalidInput(f"unknown resource {resource!r}: use one of {', '.join(marked)}")
    row = require_owner(session.get(model, record_id), principal, what=f"{resource} record {record_id}")
    if body.sharing_group_id is not None and body.sharing_group_id not in principal.group_ids:
        group = session.get(SharingGroup, body.sharing_group_id)
        if group is None or group.owner_org_id != principal.org_id:
            raise InvalidInput("share only with a group your organisation owns or belongs to")
    row.tlp, row.sharing_group_id = body.tlp, body.sharing_group_id
    record_audit(
        session=session,
        actor=principal.email,
        org_id=principal.org_id,
        action="mark",
        subject_type=resource,
        subject_id=str(record_id),
        origin=client_origin(request),
        detail={"tlp": body.tlp, "sharing_group_id": body.sharing_group_id},
    )
    return {"resource": resource, "id": record_id, "tlp": row.tlp, "sharing_group_id": row.sharing_group_id}


@router.get("/audit", summary="Audit trail of your organisation (admins)")
def list_audit(session: DbSession, limit: int = 100, principal: Principal = ADMIN) -> list[dict[str, Any]]:
    if not 1 <= limit <= 500:
        raise InvalidInput("limit must be between 1 and 500")
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if not principal.is_system:
        query = query.where(AuditEntry.org_id == principal.org_id)
    return [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "subject_type": e.subject_type,
            "subject_id": e.subject_id,
            "origin": e.origin,
            "detail": e.detail,
        }
        for e in session.scalars(query)
    ]
