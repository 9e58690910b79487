"""Who is asking: the principal of a request (token, session cookie or the public), scope checks, CSRF,
and the signed-in viewer of a page.

A session cookie is sent by the browser whoever made the page that triggers the request, so a cookie
becomes a principal for an API write only with the session's CSRF token in the `X-CSRF-Token` header
(`core.http.security`); forms post it as their `csrf_token` field, checked by `check_csrf`. Bearer tokens
are never sent by a browser on its own, so they need no CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from countermark.core.errors import Forbidden
from countermark.core.http.deps import SESSION_COOKIE, DbSession, app_context
from countermark.core.http.security import require_csrf_header, tokens_match
from countermark.orgs.auth_service import (
    NotAuthenticated,
    TokenCache,
    principal_for_user,
    verified_token_principal,
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


def token_cache(request: Request) -> TokenCache:
    """The app's cache of verified bearer tokens (per process), emptied by credential changes."""
    ctx = app_context(request)
    return ctx.cached("orgs.token_cache", lambda: TokenCache().watch(ctx.sessions))


def _cookie_principal(request: Request, session: Session) -> Principal:
    raw_cookie = request.cookies.get(SESSION_COOKIE)
    found = web_session_of(session=session, raw=raw_cookie) if raw_cookie else None
    if found is None:
        return PUBLIC
    require_csrf_header(request, found[0].csrf_token)
    return principal_for_user(session=session, user=found[1])


async def current_principal(request: Request, session: DbSession) -> Principal:
    """Who is asking: a bearer token, a session cookie (with the CSRF header on API writes), or the public.

    Async so that a token verified a moment ago costs no thread hop and no query (`TokenCache`); the
    database is read in the thread pool otherwise.
    """
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    principal = PUBLIC
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, raw = authorization.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise NotAuthenticated.of("use 'Authorization: Bearer <token>'")
        cache = token_cache(request)
        found = cache.get(raw.strip())
        if found is None:
            found = await run_in_threadpool(
                verified_token_principal, session=session, raw=raw.strip(), cache=cache
            )
        principal = found
    elif request.cookies.get(SESSION_COOKIE):
        principal = await run_in_threadpool(_cookie_principal, request, session)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def signed_in(principal: CurrentPrincipal) -> Principal:  # async: no I/O, no thread hop
    """The principal, who must be signed in."""
    if principal.is_public:
        raise NotAuthenticated.of("sign in, or send an API token as 'Authorization: Bearer <token>'")
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


def require_scope(scope: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that demands a scope (read, write, admin) of the signed-in principal."""

    async def check(principal: SignedIn) -> Principal:  # async: no I/O, no thread hop
        if scope not in principal.scopes:
            raise Forbidden.of("this needs the '{scope}' scope", scope=scope)
        return principal

    return check


def check_csrf(web_session: WebSession | None, submitted: str | None) -> None:
    """Refuse a form post whose CSRF token does not match the session's."""
    if web_session is None or not tokens_match(web_session.csrf_token, submitted):
        raise Forbidden.of("the form expired or did not come from this site: reload the page and try again")


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
        raise NotAuthenticated.of("sign in to see this page")
    web_session = current_web_session(request, session)
    if web_session is not None:
        request.state.csrf_token = web_session.csrf_token
    user = session.get(User, principal.user_id) if principal.user_id else None
    organisation = session.get(Organisation, principal.org_id) if principal.org_id else None
    return Viewer(principal=principal, user=user, organisation=organisation, web_session=web_session)


PageViewer = Annotated[Viewer, Depends(signed_in_viewer)]
