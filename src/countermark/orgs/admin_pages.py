"""Administration of the organisation and its users, and the viewer's API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from countermark.core.clock import utcnow
from countermark.core.errors import CountermarkError, Forbidden, InvalidInput
from countermark.core.http.deps import DbSession, client_origin
from countermark.core.http.error_text import page_error
from countermark.core.http.params import RecordId
from countermark.core.http.templating import LOCALES, render
from countermark.orgs.auth_service import (
    SCOPES,
    create_api_token,
    list_api_tokens,
    revoke_api_token,
    set_password,
)
from countermark.orgs.deps import PageViewer, Viewer, check_csrf
from countermark.orgs.models import ROLES, Organisation, SharingGroup, SharingGroupMember, User
from countermark.orgs.service import create_user, record_audit
from countermark.orgs.users_service import Reset, disable_user, enable_user, member_for_admin, reset_password

router = APIRouter(include_in_schema=False)
TOKEN_LIFETIMES = (30, 90, 365)


def _admin(viewer: Viewer) -> Viewer:
    if not viewer.is_admin or viewer.principal.org_id is None:
        raise Forbidden.of("only administrators of an organisation may manage its users")
    return viewer


def _user_of(viewer: Viewer) -> User:
    if viewer.user is None:
        raise Forbidden.of("this needs a signed-in user")
    return viewer.user


def _admin_page(request: Request, session: DbSession, viewer: Viewer, *, error: str | None = None,
                form: dict[str, str] | None = None, reset: Reset | None = None,
                status_code: int = 200) -> Response:
    org_id = viewer.principal.org_id
    users = session.scalars(select(User).where(User.org_id == org_id).order_by(User.email)).all()
    organisations = session.scalars(select(Organisation).order_by(Organisation.name)).all()
    groups = session.scalars(
        select(SharingGroup).join(SharingGroupMember, SharingGroupMember.group_id == SharingGroup.id)
        .where(SharingGroupMember.org_id == org_id).order_by(SharingGroup.name)
    ).all()
    response = render(request, "admin.html", {
        "viewer": viewer, "active": "admin", "users": users, "organisations": organisations, "groups": groups,
        "roles": ROLES, "error": error, "form": form or {}, "reset": reset,
    }, status_code=status_code)
    response.headers["cache-control"] = "no-store"  # a generated password is on the page once
    return response


@router.get("/admin")
def admin_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The organisation, its users (with forms to add one and change roles) and the other organisations."""
    return _admin_page(request, session, _admin(viewer))


@router.post("/admin/users")
def add_user(
    request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form(""),
    email: str = Form(""), display_name: str = Form(""), role: str = Form("viewer"), password: str = Form(""),
    locale: str = Form("en"),
) -> Response:
    """Add a user to the administrator's organisation, with a first password."""
    check_csrf(viewer.web_session, csrf_token)
    admin = _admin(viewer)
    form = {"email": email, "display_name": display_name, "role": role, "locale": locale}
    try:
        if "@" not in email or len(email) > 254 or not display_name.strip() or len(display_name) > 200:
            raise InvalidInput.of("give an e-mail address and a name of at most 200 characters")
        if locale not in LOCALES:
            raise InvalidInput.of("unknown language {locale!r}", locale=locale[:20])
        with session.begin_nested():
            user = create_user(session=session, org_id=admin.principal.org_id or 0, email=email.strip(),
                               display_name=display_name.strip(), role=role, actor=admin.principal.email)
            user.locale = locale
            set_password(session=session, user=user, password=password)
    except CountermarkError as exc:
        message = page_error(request, exc)
        return _admin_page(request, session, admin, error=message, form=form, status_code=exc.status)
    return RedirectResponse("/admin?added=1", status_code=303)


@router.post("/admin/users/{user_id}/role")
def change_role(
    user_id: RecordId, request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form(""),
    role: str = Form(""),
) -> Response:
    """Change the role of a user of the administrator's organisation (never the administrator's own)."""
    check_csrf(viewer.web_session, csrf_token)
    admin = _admin(viewer)
    user = member_for_admin(session=session, principal=admin.principal, user_id=user_id)
    if role not in ROLES:
        raise InvalidInput.of("unknown role {role!r}: use one of {roles}", role=role[:20],
                              roles=", ".join(ROLES))
    if user.role != role:
        record_audit(session=session, actor=admin.principal.email, org_id=user.org_id, action="update",
                     subject_type="user", subject_id=str(user.id), origin=client_origin(request),
                     detail={"role": [user.role, role]})
        user.role = role
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{user_id}/password")
def reset_user_password(user_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
                        csrf_token: str = Form("")) -> Response:
    """Give a user of the administrator's organisation a generated password, shown once; sessions end."""
    check_csrf(viewer.web_session, csrf_token)
    admin = _admin(viewer)
    user = member_for_admin(session=session, principal=admin.principal, user_id=user_id)
    reset = reset_password(session=session, user=user, actor=admin.principal.email,
                           origin=client_origin(request))
    return _admin_page(request, session, admin, reset=reset)


@router.post("/admin/users/{user_id}/disable")
def disable_member(user_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
                   csrf_token: str = Form("")) -> Response:
    """Disable a user of the administrator's organisation: sessions end and tokens are revoked at once."""
    check_csrf(viewer.web_session, csrf_token)
    admin = _admin(viewer)
    user = member_for_admin(session=session, principal=admin.principal, user_id=user_id)
    disable_user(session=session, user=user, actor=admin.principal.email, origin=client_origin(request))
    return RedirectResponse("/admin?disabled=1", status_code=303)


@router.post("/admin/users/{user_id}/enable")
def enable_member(user_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
                  csrf_token: str = Form("")) -> Response:
    """Let a disabled user of the administrator's organisation sign in again."""
    check_csrf(viewer.web_session, csrf_token)
    admin = _admin(viewer)
    user = member_for_admin(session=session, principal=admin.principal, user_id=user_id)
    enable_user(session=session, user=user, actor=admin.principal.email, origin=client_origin(request))
    return RedirectResponse("/admin?enabled=1", status_code=303)


def _tokens_page(request: Request, session: DbSession, viewer: Viewer, *, created: str | None = None,
                 error: str | None = None, status_code: int = 200) -> Response:
    user = _user_of(viewer)
    tokens = list_api_tokens(session=session, user_id=user.id)
    grantable = [scope for scope in SCOPES if scope in viewer.principal.scopes]
    response = render(request, "tokens.html", {
        "viewer": viewer, "active": "tokens", "tokens": tokens, "grantable": grantable, "created": created,
        "error": error, "lifetimes": TOKEN_LIFETIMES, "now": utcnow(),
    }, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/tokens")
def tokens_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The viewer's API tokens and the form to create one."""
    return _tokens_page(request, session, viewer)


@router.post("/tokens")
def create_token(
    request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form(""),
    name: str = Form(""), scopes: list[str] = Form(default_factory=list), expires_in_days: str = Form("90"),
) -> Response:
    """Create a token and show its secret once (the page is not cached)."""
    check_csrf(viewer.web_session, csrf_token)
    user = _user_of(viewer)
    try:
        days = int(expires_in_days) if expires_in_days.isdigit() and len(expires_in_days) < 6 else -1
        with session.begin_nested():
            raw, _ = create_api_token(session=session, user=user, name=name, scopes=scopes,
                                      expires_in_days=days, held=viewer.principal.scopes)
    except CountermarkError as exc:
        return _tokens_page(request, session, viewer, error=page_error(request, exc), status_code=exc.status)
    return _tokens_page(request, session, viewer, created=raw, status_code=201)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
                 csrf_token: str = Form("")) -> Response:
    """Revoke one of the viewer's tokens."""
    check_csrf(viewer.web_session, csrf_token)
    revoke_api_token(session=session, user=_user_of(viewer), token_id=token_id, origin=client_origin(request))
    return RedirectResponse("/tokens", status_code=303)
