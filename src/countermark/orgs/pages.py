"""Sign in, sign out, changing one's password and the choice of language."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from countermark.core.errors import CountermarkError, Forbidden, InvalidInput
from countermark.core.http.deps import (
    LOCALE_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    DbSession,
    client_origin,
)
from countermark.core.http.error_text import page_error
from countermark.core.http.params import local_path
from countermark.core.http.security import tokens_match
from countermark.core.http.templating import LOCALES, render
from countermark.orgs.auth_service import (
    MIN_PASSWORD_LENGTH,
    NotAuthenticated,
    end_web_session,
    start_web_session,
)
from countermark.orgs.deps import CurrentPrincipal, PageViewer, Viewer, check_csrf, current_web_session
from countermark.orgs.models import User
from countermark.orgs.service import record_audit
from countermark.orgs.signin_service import AccountDisabled, TooManyAttempts, WrongPassword, authenticate
from countermark.orgs.users_service import change_password

router = APIRouter(include_in_schema=False)


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _throttled(response: Response, exc: TooManyAttempts) -> Response:
    response.headers["retry-after"] = str(exc.retry_after)
    return response


def _login_form(request: Request, *, next_path: str, email: str = "", error: str | None = None,
                status_code: int = 200, minutes: int = 0) -> Response:
    """The sign-in form with a fresh double-submit CSRF token in a cookie and a hidden field."""
    token = secrets.token_urlsafe(24)
    request.state.csrf_token = token
    response = render(request, "login.html", {"next": next_path, "email": email, "error": error,
                                              "minutes": minutes}, status_code=status_code)
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
    """Check the credentials; on success open a session and go to the local `next` page.

    Failures return the form (never raise), so that the failed attempt is committed and counted.
    """
    next_path = local_path(next)
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie_token or not tokens_match(cookie_token, csrf_token):
        raise Forbidden.of("the sign-in form expired or did not come from this site: reload it and try again")
    email = email.strip()[:254]
    if not email or not password:
        return _login_form(request, next_path=next_path, email=email, error="missing", status_code=422)
    origin = client_origin(request)
    try:
        user = authenticate(session=session, email=email, password=password[:1000], origin=origin)
    except TooManyAttempts as exc:
        return _throttled(_login_form(request, next_path=next_path, email=email, error="throttled",
                                      status_code=429, minutes=exc.minutes), exc)
    except AccountDisabled:
        return _login_form(request, next_path=next_path, email=email, error="disabled", status_code=403)
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


def _password_page(request: Request, viewer: Viewer, *, error: str | None = None, message: str | None = None,
                   minutes: int = 0, status_code: int = 200) -> Response:
    response = render(request, "password.html", {
        "viewer": viewer, "active": "password", "error": error, "message": message, "minutes": minutes,
        "min_length": MIN_PASSWORD_LENGTH,
    }, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/password")
def password_page(request: Request, viewer: PageViewer) -> Response:
    """The form to change one's own password."""
    return _password_page(request, viewer)


@router.post("/password")
def change_own_password(
    request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form(""),
    current_password: str = Form(""), new_password: str = Form(""), confirm_password: str = Form(""),
) -> Response:
    """Change the signed-in user's password (the current one confirms it); their other sessions end.

    A wrong current password returns the form (never raises), so that the failure is committed and counted
    like a failed sign-in.
    """
    check_csrf(viewer.web_session, csrf_token)
    if viewer.user is None or viewer.web_session is None:
        raise Forbidden.of("change your password from a signed-in browser")
    if not current_password or not new_password:
        return _password_page(request, viewer, error="missing", status_code=422)
    if new_password != confirm_password:
        return _password_page(request, viewer, error="mismatch", status_code=422)
    if len(new_password) < MIN_PASSWORD_LENGTH:
        return _password_page(request, viewer, error="short", status_code=422)
    try:
        change_password(session=session, user=viewer.user, current=current_password[:1000], new=new_password,
                        origin=client_origin(request), keep_session_id=viewer.web_session.id)
    except TooManyAttempts as exc:
        return _throttled(_password_page(request, viewer, error="throttled", minutes=exc.minutes,
                                         status_code=429), exc)
    except WrongPassword:
        return _password_page(request, viewer, error="wrong", status_code=403)
    except CountermarkError as exc:
        message = page_error(request, exc)
        return _password_page(request, viewer, error="other", message=message, status_code=exc.status)
    return RedirectResponse("/password?changed=1", status_code=303)


@router.post("/language")
def choose_language(
    request: Request, session: DbSession, lang: str = Form(""), csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """Save the signed-in user's language and show the page again in it."""
    web_session = current_web_session(request, session)
    check_csrf(web_session, csrf_token)
    if lang not in LOCALES:
        raise InvalidInput.of(
            "unknown language {lang!r}: choose one of {locales}", lang=lang[:20], locales=", ".join(LOCALES)
        )
    user = session.get(User, web_session.user_id) if web_session else None
    if user is not None and user.locale != lang:
        user.locale = lang
        record_audit(session=session, actor=user.email, org_id=user.org_id, action="update",
                     subject_type="user", subject_id=str(user.id), detail={"locale": lang})
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(LOCALE_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax",
                        secure=_is_https(request))
    return response
