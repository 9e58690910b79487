"""What every page needs: the signed-in viewer, list parameters from the query string, safe redirects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Path, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.errors import InvalidInput
from countermark.orgs.auth import NotAuthenticated
from countermark.orgs.models import Organisation, User, WebSession
from countermark.orgs.visibility import Principal, visible, visible_clause
from countermark.web.deps import CurrentPrincipal, DbSession, current_web_session
from countermark.web.resources import MAX_LIMIT, ResourceSpec, list_query, paginate

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200
# Primary keys are 32-bit integers on PostgreSQL; larger ids cannot exist and must not reach the driver.
RecordId = Annotated[int, Path(ge=1, le=2_147_483_647)]


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


def local_path(target: str | None, default: str = "/") -> str:
    """The target if it is a path on this site (never another host), else the default."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\r\n\\") or any(ord(ch) < 32 for ch in target):
        return default
    return target


def clean_text(raw: str | None, *, what: str = "search text") -> str:
    """Query text stripped and checked (length, no control characters)."""
    text = (raw or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"the {what} is too long: at most {MAX_QUERY_LENGTH} characters")
    if any(ord(ch) < 32 for ch in text):
        raise InvalidInput(f"the {what} contains control characters")
    return text


@dataclass(frozen=True)
class ListPage:
    """One page of a list: the rows, the filters in force and the link to the next page."""

    rows: list[Any]
    params: dict[str, str]
    next_url: str | None
    limit: int


def list_page(request: Request, session: Session, spec: ResourceSpec, principal: Principal) -> ListPage:
    """The visible rows of a list page, filtered by the query string; bad values give 422, never 500."""
    query_params = request.query_params
    params: dict[str, str] = {}
    for key in (*spec.filters, "q", "sort"):
        value = clean_text(query_params.get(key), what=key)
        if value:
            params[key] = value
    raw_limit = query_params.get("limit") or str(PAGE_SIZE)
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a number between 1 and {MAX_LIMIT}")
    limit = int(raw_limit)
    cursor = clean_text(query_params.get("cursor"), what="cursor") or None
    query, sort = list_query(spec, principal, params)
    rows, next_cursor = paginate(session, spec, query, sort, limit=limit, cursor=cursor)
    next_url = None
    if next_cursor:
        next_url = f"{request.url.path}?{urlencode({**params, 'limit': limit, 'cursor': next_cursor})}"
    return ListPage(rows=rows, params=params, next_url=next_url, limit=limit)


def choices(session: Session, model: Any, column_name: str, principal: Principal, *,
            limit: int = 100) -> list[str]:
    """The distinct non-empty values of a column among the visible rows, for a filter's drop-down."""
    column = getattr(model, column_name)
    query = (
        select(column).distinct().where(visible_clause(model, principal), column.is_not(None))
        .order_by(column).limit(limit)
    )
    return [str(value) for value in session.scalars(query) if value not in (None, "")]


def count_visible(session: Session, model: Any, principal: Principal) -> int:
    """How many rows of a marked table the principal may see."""
    return session.scalar(select(func.count()).select_from(visible(model, principal).subquery())) or 0
