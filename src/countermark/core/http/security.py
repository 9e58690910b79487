"""Browser-facing defences that hold for every route: the CSRF rule of cookie-authenticated API writes and
the security headers of every response (content policy, framing, sniffing, referrer, opener, features).

The headers are added once, by `SecurityHeadersMiddleware` (installed by the app factory); the CSRF rule is
applied where a session cookie becomes a principal (`countermark.orgs.deps.current_principal`).
"""

from __future__ import annotations

import secrets

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from countermark.core.errors import Forbidden

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Machine interfaces a browser session may also call: the REST API and TAXII for partner instances.
API_PREFIXES = ("/api/", "/taxii2/")

# Pages: everything from this origin only, pictures also inline (data:), no plugins, no <base> tricks,
# forms post here only. `secure_headers` adds frame-ancestors: 'none', or 'self' for same-origin frames.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'"
)
# Anything else (JSON, CSV, pictures, stylesheet) is data, not a document: opened alone, it loads nothing.
DATA_POLICY = "default-src 'none'"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": PERMISSIONS_POLICY,
}
DOCUMENT_TYPES = ("text/html", "application/xhtml+xml")


class CsrfRejected(Forbidden):
    """A cookie-authenticated write without the session's CSRF token."""

    code = "csrf_token_invalid"


def tokens_match(expected: str, submitted: str | None) -> bool:
    """Whether a submitted CSRF token equals the expected one (constant time, any characters)."""
    if not expected or not submitted:
        return False
    return secrets.compare_digest(expected.encode("utf-8", "replace"), submitted.encode("utf-8", "replace"))


def needs_csrf_header(request: Request) -> bool:
    """Whether a cookie-authenticated request must carry the CSRF header: an unsafe method on the API or
    on TAXII (whose content type already forces a preflight: the header is defence in depth)."""
    return request.method.upper() not in SAFE_METHODS and request.url.path.startswith(API_PREFIXES)


def require_csrf_header(request: Request, expected: str) -> None:
    """Refuse (403) a cookie-authenticated API write whose CSRF header is missing or wrong."""
    if needs_csrf_header(request) and not tokens_match(expected, request.headers.get(CSRF_HEADER)):
        raise CsrfRejected.of(
            "this request is signed in by the browser's session cookie, so a write needs the session's "
            "CSRF token in the '{header}' header (it is the csrf_token of the signed-in pages); "
            "scripts and other machines send 'Authorization: Bearer <token>' instead",
            header=CSRF_HEADER,
        )


def secure_headers(headers: MutableHeaders, *, framable: bool = False) -> None:
    """Add the security headers to a response's headers; a policy the route set itself is kept.

    `framable` responses may be framed by this origin's pages (the saved-page viewer), never by others.
    """
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    ancestors = "'self'" if framable else "'none'"
    headers["x-frame-options"] = "SAMEORIGIN" if framable else "DENY"
    policy = headers.get("content-security-policy", "").strip().rstrip(";")
    if not policy:
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        policy = PAGE_POLICY if media_type in DOCUMENT_TYPES else DATA_POLICY
    if "frame-ancestors" not in policy:
        policy = f"{policy}; frame-ancestors {ancestors}"
    headers["content-security-policy"] = policy


class SecurityHeadersMiddleware:
    """ASGI middleware that gives every HTTP response the security headers (see `secure_headers`)."""

    def __init__(self, app: ASGIApp, same_origin_frames: tuple[str, ...] = ()) -> None:
        self.app = app
        self.same_origin_frames = same_origin_frames

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        framable = str(scope.get("path", "")).startswith(self.same_origin_frames)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                secure_headers(MutableHeaders(scope=message), framable=framable)
            await send(message)

        await self.app(scope, receive, send_secured)


def install_security_headers(app: FastAPI, *, same_origin_frames: tuple[str, ...] = ()) -> None:
    """Add the middleware; paths starting with one of `same_origin_frames` may be framed by this origin."""
    app.add_middleware(SecurityHeadersMiddleware, same_origin_frames=same_origin_frames)
