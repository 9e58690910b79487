"""Request dependencies every router needs: the application context, one transaction per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from countermark.core.context import AppContext

SESSION_COOKIE = "cm_session"
LOGIN_CSRF_COOKIE = "cm_login_csrf"
LOCALE_COOKIE = "cm_locale"


def app_context(request: Request) -> AppContext:
    """The application context the app factory built."""
    ctx: AppContext = request.app.state.ctx
    return ctx


async def db_session(request: Request) -> AsyncIterator[Session]:
    """A session whose transaction commits when the request succeeds and rolls back when it fails.

    Async, so that opening it costs no trip to the thread pool: making a session touches no connection
    (it connects at its first query, in the route's thread). Only the end, which talks to the database
    (COMMIT or ROLLBACK, returning the connection), runs in the pool, and not at all when the request
    never queried. The same contract as `core.db.unit_of_work`, which sync code uses.

    It ends before the answer is sent (`DbSession` declares it with `scope="function"`; FastAPI's default
    ends it after): a browser following a redirect, or a client reading what it just wrote, must find the
    write committed, and a commit that fails must become the error the client gets, not follow a success.
    """
    session = app_context(request).sessions()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a client that went away still gets its rollback
            await _finish(session, commit=False)
        raise
    await _finish(session, commit=True)


async def _finish(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close the session, in the thread pool when it holds a transaction."""
    if session.get_transaction() is None:
        session.close()  # never queried: no connection, nothing to end
        return
    await run_in_threadpool(_end, session, commit)


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(db_session, scope="function")]


def client_origin(request: Request) -> str | None:
    """The client address, for the audit trail and throttling."""
    return request.client.host if request.client else None
