"""One handler turns every error into JSON (API) or a page (browser), never a bare 500."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from countermark.core.errors import CountermarkError
from countermark.core.http.security import secure_headers

log = logging.getLogger("countermark.web")


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


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""

    @app.exception_handler(CountermarkError)
    async def countermark_error(request: Request, exc: CountermarkError) -> Response:
        return _render(request, exc.status, exc.code, exc.message, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in error.get("loc", ())), "problem": error.get("msg", "")}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{p['where']}: {p['problem']}" for p in problems[:5])
        return _render(request, 422, "invalid_input", f"the request is not valid: {summary}", problems)

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
