"""Who is asking: the principal of a request (token, session cookie or the public), scope checks, CSRF,
and the signed-in viewer of a page.

A session cookie is sent by the browser whoever made the page that triggers the request, so a cookie
becomes a principal for an API write only with the session's CSRF token in the `X-CSRF-Token` header
(`core.http.security`); forms post it as their `csrf_token` field, checked by `check_csrf`. Bearer tokens
are never sent by a browser on its own, so they need no CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from countermark.core.errors import Forbidden
from countermark.core.http.deps import SESSION_COOKIE, DbSession
from countermark.core.http.security import require_csrf_header, tokens_match
from countermark.orgs.auth_service import (
    NotAuthenticated,
    principal_for_user,
    principal_from_api_token,
    web_session_of,
)
from countermark.orgs.models import Organisation, User, WebSession
from countermark.orgs.visibility import PUBLIC, Principal


def current_web_session(request: Request, session: DbSession) -> WebSession | None:
    """The browser session of the request's cookie, if live."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    found = web_session_of(session=session, raw=raw)
    return found[0] if found else None


def current_principal(request: Request, session: DbSession) -> Principal:
    """Who is asking: a bearer token, a session cookie (with the CSRF header on API writes), or the public."""
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
            require_csrf_header(request, found[0].csrf_token)
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
    if web_session is None or not tokens_match(web_session.csrf_token, submitted):
        raise Forbidden("the form expired or did not come from this site: reload the page and try again")


@dataclass(frozen=True)
class Viewer:
    """The signed-in person looking at a page: principal, user, organisation and browser session."""

    principal: Principal
    user: User | None
    organisation: Organisation | None
    web_session: WebSession | None

    @property
    def is_admin(self) -> bool:
        """Whether the viewer may administer their organisation."""
        return "admin" in self.principal.scopes


def signed_in_viewer(request: Request, session: DbSession, principal: CurrentPrincipal) -> Viewer:
    """The viewer of a page; signed-out browsers are sent to the sign-in page by the error handler."""
    if principal.is_public:
        raise NotAuthenticated("sign in to see this page")
    web_session = current_web_session(request, session)
    if web_session is not None:
        request.state.csrf_token = web_session.csrf_token
    user = session.get(User, principal.user_id) if principal.user_id else None
    organisation = session.get(Organisation, principal.org_id) if principal.org_id else None
    return Viewer(principal=principal, user=user, organisation=organisation, web_session=web_session)


PageViewer = Annotated[Viewer, Depends(signed_in_viewer)]
