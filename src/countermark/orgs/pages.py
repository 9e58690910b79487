"""Sign in, sign out and the choice of language."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from countermark.core.errors import Forbidden, InvalidInput
from countermark.core.http.deps import (
    LOCALE_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    DbSession,
    client_origin,
)
from countermark.core.http.params import local_path
from countermark.core.http.templating import LOCALES, render
from countermark.orgs.auth import (
    NotAuthenticated,
    TooManyAttempts,
    authenticate,
    end_web_session,
    start_web_session,
)
from countermark.orgs.deps import CurrentPrincipal, check_csrf, current_web_session
from countermark.orgs.models import User
from countermark.orgs.service import record_audit

router = APIRouter(include_in_schema=False)


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_form(request: Request, *, next_path: str, email: str = "", error: str | None = None,
                status_code: int = 200) -> Response:
    """The sign-in form with a fresh double-submit CSRF token in a cookie and a hidden field."""
    token = secrets.token_urlsafe(24)
    request.state.csrf_token = token
    response = render(request, "login.html", {"next": next_path, "email": email, "error": error},
                      status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                        secure=_is_https(request), path="/login")
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/login")
def login_page(request: Request, principal: CurrentPrincipal, next: str | None = None) -> Response:
    """The sign-in form (or the target page when already signed in)."""
    next_path = local_path(next)
    if not principal.is_public:
        return RedirectResponse(next_path, status_code=303)
    return _login_form(request, next_path=next_path)


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    email: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """Check the credentials; on success open a session and go to the local `next` page."""
    next_path = local_path(next)
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie_token or not csrf_token or not secrets.compare_digest(cookie_token, csrf_token):
        raise Forbidden("the sign-in form expired or did not come from this site: reload it and try again")
    email = email.strip()[:254]
    if not email or not password:
        return _login_form(request, next_path=next_path, email=email, error="missing", status_code=422)
    origin = client_origin(request)
    try:
        user = authenticate(session=session, email=email, password=password[:1000], origin=origin)
    except TooManyAttempts:
        return _login_form(request, next_path=next_path, email=email, error="throttled", status_code=429)
    except NotAuthenticated:
        return _login_form(request, next_path=next_path, email=email, error="wrong", status_code=401)
    raw, _ = start_web_session(session=session, user=user, origin=origin)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax", path="/",
                        secure=_is_https(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    # The user's saved language wins over whatever was chosen before signing in.
    response.delete_cookie(LOCALE_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, csrf_token: str = Form("")) -> Response:
    """Forget the browser session and return to the sign-in page."""
    web_session = current_web_session(request, session)
    check_csrf(web_session, csrf_token)
    raw = request.cookies.get(SESSION_COOKIE, "")
    user = session.get(User, web_session.user_id) if web_session else None
    end_web_session(session=session, raw=raw)
    if user is not None:
        record_audit(session=session, actor=user.email, org_id=user.org_id, action="sign_out",
                     subject_type="user", subject_id=str(user.id), origin=client_origin(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def choose_language(
    request: Request, session: DbSession, lang: str = Form(""), csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """Save the signed-in user's language and show the page again in it."""
    web_session = current_web_session(request, session)
    check_csrf(web_session, csrf_token)
    if lang not in LOCALES:
        raise InvalidInput(f"unknown language {lang[:20]!r}: choose one of {', '.join(LOCALES)}")
    user = session.get(User, web_session.user_id) if web_session else None
    if user is not None and user.locale != lang:
        user.locale = lang
        record_audit(session=session, actor=user.email, org_id=user.org_id, action="update",
                     subject_type="user", subject_id=str(user.id), detail={"locale": lang})
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(LOCALE_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax",
                        secure=_is_https(request))
    return response
