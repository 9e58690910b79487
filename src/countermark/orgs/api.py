"""REST routes of organisations, users, API tokens, sharing groups, markings and the audit trail.

Who may do what with credentials: reading your tokens needs `read`; creating or revoking a token and
changing your password need a browser session or a token with the `admin` scope (a token created by a
token gets none of the scopes its creator lacks and expires no later than it); resetting, disabling and
enabling users need the `admin` scope and a user of your own organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from countermark.core.errors import Code, Conflict, CountermarkError, Forbidden, InvalidInput
from countermark.core.http.deps import DbSession, app_context, client_origin
from countermark.core.http.params import RecordId
from countermark.core.marking import marked_models
from countermark.orgs.auth_service import (
    api_token_of,
    create_api_token,
    has_control_characters,
    list_api_tokens,
    revoke_api_token,
    set_password,
)
from countermark.orgs.deps import SignedIn, current_web_session, require_scope
from countermark.orgs.models import (
    ApiToken,
    AuditEntry,
    Organisation,
    SharingGroup,
    SharingGroupMember,
    User,
)
from countermark.orgs.schemas import (
    MarkingIn,
    OrganisationIn,
    OrganisationOut,
    PasswordChanged,
    PasswordChangeIn,
    PasswordResetIn,
    PasswordResetOut,
    SharingGroupIn,
    SharingGroupOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserStatusOut,
)
from countermark.orgs.service import create_organisation, create_user, record_audit
from countermark.orgs.signin_service import TooManyAttempts, WrongPassword
from countermark.orgs.users_service import (
    change_password,
    disable_user,
    enable_user,
    member_for_admin,
    reset_password,
)
from countermark.orgs.visibility import Principal, require_owner

router = APIRouter(prefix="/api/v1", tags=["organisations and access"])
READ, WRITE, ADMIN = (Depends(require_scope(s)) for s in ("read", "write", "admin"))
MAX_ID = 2_147_483_647  # primary keys are 32-bit on PostgreSQL
REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not allowed, or the current password is wrong"},
    429: {"description": "Too many failed password checks; `Retry-After` says when to try again"},
}


def _user(session: DbSession, principal: Principal) -> User:
    user = session.get(User, principal.user_id) if principal.user_id else None
    if user is None:
        raise Forbidden.of("this needs a user (not the system or the public)")
    return user


@dataclass(frozen=True)
class Holder:
    """A user acting on their own credentials, with the token or browser session they came with."""

    principal: Principal
    user: User
    token: ApiToken | None
    web_session_id: int | None


def credential_holder(request: Request, session: DbSession, principal: SignedIn) -> Holder:
    """The user, who must come with a browser session or an `admin`-scoped token.

    A token that only reads or writes data cannot mint, revoke or re-password anything, so a leaked one
    stays as limited and as short-lived as it was issued.
    """
    user = _user(session, principal)
    authorization = request.headers.get("authorization", "")
    if authorization:
        token = api_token_of(session=session, raw=authorization.partition(" ")[2].strip())
        if token is None or "admin" not in principal.scopes:
            raise Forbidden.of(
                "managing tokens and passwords needs a browser session or a token with the 'admin' scope"
            )
        return Holder(principal=principal, user=user, token=token, web_session_id=None)
    web_session = current_web_session(request, session)
    return Holder(
        principal=principal, user=user, token=None, web_session_id=web_session.id if web_session else None
    )


HOLDER = Depends(credential_holder)


def _refusal(exc: CountermarkError) -> JSONResponse:
    """The error as a response, so the request's transaction commits and the failed check is counted."""
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)


def _clean_name(value: str, what: str) -> str:
    if has_control_characters(value):
        raise InvalidInput.of("the {what} contains control characters", what=Code(what))
    return value.strip()


def _status(user: User) -> UserStatusOut:
    return UserStatusOut.model_validate(user, from_attributes=True)


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


@router.post(
    "/me/password",
    response_model=PasswordChanged,
    responses=REFUSED,
    summary="Change your password (ends your other browser sessions)",
)
def post_my_password(
    body: PasswordChangeIn, request: Request, session: DbSession, holder: Holder = HOLDER
) -> Any:
    try:
        ended = change_password(
            session=session,
            user=holder.user,
            current=body.current_password,
            new=body.new_password,
            origin=client_origin(request),
            keep_session_id=holder.web_session_id,
        )
    except (WrongPassword, TooManyAttempts) as exc:
        return _refusal(exc)
    return PasswordChanged(sessions_ended=ended)


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
        name=_clean_name(body.name, "name"),
        kind=body.kind,
        country=body.country,
        default_tlp=body.default_tlp or app_context(request).settings.default_tlp,
        actor=principal.email,
    )


@router.get("/users", response_model=list[UserStatusOut], summary="Users of your organisation")
def list_users(session: DbSession, principal: Principal = READ) -> list[User]:
    return list(session.scalars(select(User).where(User.org_id == principal.org_id).order_by(User.email)))


@router.post(
    "/users",
    response_model=UserStatusOut,
    status_code=201,
    responses={409: {"description": "The e-mail address cannot be used (whoever holds it)"}},
    summary="Add a user to your organisation",
)
def post_user(body: UserIn, session: DbSession, principal: Principal = ADMIN) -> User:
    if principal.org_id is None:
        raise Forbidden.of("the system principal has no organisation to add users to")
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


@router.post(
    "/users/{user_id}/password",
    response_model=PasswordResetOut,
    summary="Reset the password of a user of your organisation (ends their sessions)",
)
def post_user_password(
    user_id: RecordId,
    body: PasswordResetIn,
    request: Request,
    session: DbSession,
    principal: Principal = ADMIN,
) -> PasswordResetOut:
    user = member_for_admin(session=session, principal=principal, user_id=user_id)
    reset = reset_password(
        session=session,
        user=user,
        actor=principal.email,
        password=body.password,
        origin=client_origin(request),
    )
    return PasswordResetOut(user=_status(user), password=reset.password, sessions_ended=reset.sessions_ended)


@router.post(
    "/users/{user_id}/disable",
    response_model=UserStatusOut,
    summary="Disable a user of your organisation: no sign-in, sessions ended, tokens revoked",
)
def post_disable_user(
    user_id: RecordId, request: Request, session: DbSession, principal: Principal = ADMIN
) -> User:
    user = member_for_admin(session=session, principal=principal, user_id=user_id)
    return disable_user(session=session, user=user, actor=principal.email, origin=client_origin(request))


@router.post(
    "/users/{user_id}/enable", response_model=UserStatusOut, summary="Let a disabled user sign in again"
)
def post_enable_user(
    user_id: RecordId, request: Request, session: DbSession, principal: Principal = ADMIN
) -> User:
    user = member_for_admin(session=session, principal=principal, user_id=user_id)
    return enable_user(session=session, user=user, actor=principal.email, origin=client_origin(request))


@router.get("/tokens", response_model=list[TokenOut], summary="Your API tokens")
def list_tokens(session: DbSession, principal: Principal = READ) -> list[Any]:
    return list_api_tokens(session=session, user_id=_user(session, principal).id)


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=201,
    responses=REFUSED,
    summary="Create an API token (from a browser session or an admin-scoped token)",
)
def post_token(body: TokenIn, session: DbSession, holder: Holder = HOLDER) -> dict[str, Any]:
    raw, token = create_api_token(
        session=session,
        user=holder.user,
        name=body.name,
        scopes=list(body.scopes),
        expires_in_days=body.expires_in_days,
        held=holder.principal.scopes,
        creator=holder.token,
    )
    return {**TokenOut.model_validate(token).model_dump(), "token": raw}


@router.delete(
    "/tokens/{token_id}",
    response_model=TokenOut,
    responses=REFUSED,
    summary="Revoke an API token (from a browser session or an admin-scoped token)",
)
def delete_token(token_id: RecordId, request: Request, session: DbSession, holder: Holder = HOLDER) -> Any:
    return revoke_api_token(
        session=session, user=holder.user, token_id=token_id, origin=client_origin(request)
    )


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
        raise Forbidden.of("a sharing group is owned by an organisation")
    name = _clean_name(body.name, "name")
    # Only the caller's own names count: another organisation's group of that name is none of its business.
    mine = select(SharingGroup).where(
        SharingGroup.owner_org_id == principal.org_id, SharingGroup.name == name
    )
    if session.scalar(mine) is not None:
        raise Conflict.of("your organisation already has a sharing group named {name!r}", name=name)
    members = set(body.member_org_ids) | {principal.org_id}
    if not all(1 <= org_id <= MAX_ID for org_id in members):
        raise InvalidInput.of(
            "unknown organisation id(s): {ids}", ids=sorted(i for i in members if not 1 <= i <= MAX_ID)
        )
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(members))))
    if known != members:
        raise InvalidInput.of("unknown organisation id(s): {ids}", ids=sorted(members - known))
    group = SharingGroup(name=name, owner_org_id=principal.org_id)
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
    record_id: RecordId,
    body: MarkingIn,
    request: Request,
    session: DbSession,
    principal: Principal = WRITE,
) -> dict[str, Any]:
    marked = marked_models()
    model = marked.get(resource)
    if model is None:
        raise InvalidInput.of(
            "unknown resource {resource!r}: use one of {resources}",
            resource=resource,
            resources=", ".join(marked),
        )
    row = require_owner(session.get(model, record_id), principal, what=f"{resource} record {record_id}")
    if body.sharing_group_id is not None and body.sharing_group_id not in principal.group_ids:
        in_range = 1 <= body.sharing_group_id <= MAX_ID
        group = session.get(SharingGroup, body.sharing_group_id) if in_range else None
        if group is None or group.owner_org_id != principal.org_id:
            raise InvalidInput.of("share only with a group your organisation owns or belongs to")
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
