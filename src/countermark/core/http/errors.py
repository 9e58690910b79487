"""One handler turns every error into JSON (API) or a page (browser), never a bare 500; and the OpenAPI
document says so: every API operation lists the error statuses with the body the handler sends."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from countermark.core.errors import Conflict, CountermarkError
from countermark.core.http.heavy import RETRY_AFTER_SECONDS, Busy
from countermark.core.http.security import secure_headers

log = logging.getLogger("countermark.web")

# The body of every API error, as `_render` writes it (and `CountermarkError.to_dict`).
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "An error: its HTTP status, a stable code and a message a user can act on.",
    "required": ["status", "code", "message"],
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
        "code": {"type": "string", "description": "Stable code: invalid_input, not_found, forbidden..."},
        "message": {"type": "string", "description": "What went wrong and what to do about it."},
        "detail": {
            "description": "More about the error when there is more: for invalid_input, a list of "
            "{where, problem}."
        },
    },
}
# The statuses an API operation may answer besides its own: the generic set every route can give.
ERROR_STATUSES = {
    "400": "The request cannot be read (malformed body or form).",
    "401": "No valid bearer token or session.",
    "403": "The token's scope, the user's role or the record's owner does not allow it.",
    "404": "No such record, or none you may see.",
    "409": "It conflicts with the current state (a duplicate, a record in another state).",
    "413": "The body or an upload is too large.",
    "422": "The input is not valid; `detail` lists where and why.",
    "429": "Too many requests: wait and try again.",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")


def _render(request: Request, status: int, code: str, message: str, detail: object = None) -> Response:
    if _wants_json(request):
        body: dict[str, object] = {"status": status, "code": code, "message": message}
        if detail is not None:
            body["detail"] = detail
        return JSONResponse(body, status_code=status)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    from countermark.core.http.templating import render

    return render(
        request, "error.html", {"status": status, "code": code, "message": message}, status_code=status
    )


def document_error_responses(document: dict[str, Any], *, prefix: str = "/api/") -> dict[str, Any]:
    """The OpenAPI document with the `Error` schema as the body of every error status of every operation
    under `prefix` (replacing FastAPI's default 422 body, which this app never sends)."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in ERROR_STATUSES.items():
                given = responses.get(status, {}).get("description")
                own = given if given and given != "Validation Error" else description  # FastAPI's default
                responses[status] = {"description": own, "content": body}
    return document


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""

    @app.exception_handler(CountermarkError)
    async def countermark_error(request: Request, exc: CountermarkError) -> Response:
        # A page says the message in the reader's language; the API keeps the English one.
        if _wants_json(request):
            message = exc.message
        else:
            from countermark.core.http.error_text import page_error

            message = page_error(request, exc)
        response = _render(request, exc.status, exc.code, message, exc.detail)
        # An error that says when to try again (busy, throttled) says it in the standard header too.
        if isinstance(exc.detail, dict) and isinstance(exc.detail.get("retry_after"), int | float):
            response.headers["retry-after"] = str(max(1, round(exc.detail["retry_after"])))
        return response

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        # The checks a service makes before writing (a duplicate, a record that must exist) were overtaken
        # by another request at the same moment: the database's constraint refused the write, now or at
        # the commit, and nothing of the request was kept.
        log.warning("write refused by a constraint on %s: %s", request.url.path, exc.orig)
        return await countermark_error(
            request, Conflict.of("it conflicts with a change made at the same moment: reload and try again")
        )

    @app.exception_handler(OperationalError)
    async def store_unavailable(request: Request, exc: OperationalError) -> Response:
        # A lock held too long (SQLite's one writer), a deadlock or serialisation failure, a lost
        # connection: the request was rolled back and may be sent again.
        log.warning("database unavailable on %s: %s", request.url.path, exc.orig)
        return await countermark_error(
            request,
            Busy.of(
                "the database is busy or out of reach: try again in {seconds} seconds",
                seconds=RETRY_AFTER_SECONDS,
                detail={"retry_after": RETRY_AFTER_SECONDS},
            ),
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in error.get("loc", ())), "problem": error.get("msg", "")}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{p['where']}: {p['problem']}" for p in problems[:5])
        message = f"the request is not valid: {summary}"
        if not _wants_json(request):  # a page names the field and the problem in the reader's language
            from countermark.core.http.error_text import page_error
            from countermark.core.http.form_errors import request_error

            message = page_error(request, request_error(exc.errors()))
        return _render(request, 422, "invalid_input", message, problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        return _render(request, exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        message = "something went wrong on our side; it has been logged"
        response = _render(request, 500, "internal_error", message)
        # This handler answers outside the app's middleware (Starlette's outermost layer): secure it here.
        secure_headers(response.headers)
        return response
