"""Request dependencies every router needs: the application context, one transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work

SESSION_COOKIE = "cm_session"
LOGIN_CSRF_COOKIE = "cm_login_csrf"
LOCALE_COOKIE = "cm_locale"


def app_context(request: Request) -> AppContext:
    """The application context the app factory built."""
    ctx: AppContext = request.app.state.ctx
    return ctx


def db_session(request: Request) -> Iterator[Session]:
    """A session whose transaction commits when the request succeeds and rolls back when it fails."""
    with unit_of_work(app_context(request).sessions) as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


def client_origin(request: Request) -> str | None:
    """The client address, for the audit trail and throttling."""
    return request.client.host if request.client else None
