"""Who is asking: the principal of a request (token, session cookie or the public), scope checks, CSRF."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from countermark.core.errors import Forbidden
from countermark.core.http.deps import SESSION_COOKIE, DbSession
from countermark.orgs.auth import (
    NotAuthenticated,
    principal_for_user,
    principal_from_api_token,
    web_session_of,
)
from countermark.orgs.models import WebSession
from countermark.orgs.visibility import PUBLIC, Principal


def current_web_session(request: Request, session: DbSession) -> WebSession | None:
    """The browser session of the request's cookie, if live."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    found = web_session_of(session=session, raw=raw)
    return found[0] if found else None


def current_principal(request: Request, session: DbSession) -> Principal:
    """Who is asking: a bearer token, a session cookie, or the public."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    principal = PUBLIC
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, raw = authorization.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise NotAuthenticated("use 'Authorization: Bearer <token>'")
        principal = principal_from_api_token(session=session, raw=raw.strip())
    else:
        raw_cookie = request.cookies.get(SESSION_COOKIE)
        found = web_session_of(session=session, raw=raw_cookie) if raw_cookie else None
        if found is not None:
            principal = principal_for_user(session=session, user=found[1])
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def signed_in(principal: CurrentPrincipal) -> Principal:
    """The principal, who must be signed in."""
    if principal.is_public:
        raise NotAuthenticated("sign in, or send an API token as 'Authorization: Bearer <token>'")
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


def require_scope(scope: str) -> Callable[[Principal], Principal]:
    """A dependency that demands a scope (read, write, admin) of the signed-in principal."""

    def check(principal: SignedIn) -> Principal:
        if scope not in principal.scopes:
            raise Forbidden(f"this needs the '{scope}' scope")
        return principal

    return check


def check_csrf(web_session: WebSession | None, submitted: str | None) -> None:
    """Refuse a form post whose CSRF token does not match the session's."""
    if web_session is None or not submitted or not secrets.compare_digest(web_session.csrf_token, submitted):
        raise Forbidden("the form expired or did not come from this site: reload the page and try again")
