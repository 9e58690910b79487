"""The app factory: `create_app(settings)` builds the engine, the routers, the error handlers and the
security headers."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

import countermark
from countermark.cases.outcome_service import provide_case_outcomes
from countermark.core.context import AppContext, build_context
from countermark.core.http.errors import document_error_responses, install_error_handlers
from countermark.core.http.security import install_security_headers
from countermark.core.settings import Settings
from countermark.link.case_networks import provide_case_networks
from countermark.tables import metadata as _all_tables  # noqa: F401  (every table, for marked_models())
from countermark.web.reasons import install_reason_filter
from countermark.web.routers import API_ROUTERS, PAGE_ROUTERS
from countermark.web.scheduler import scheduler_lifespan

STATIC_DIR = Path(__file__).resolve().parent.parent / "core" / "http" / "static"
# Stored images and saved pages (web/search.py, web/evidence_pages.py): the listing page shows a saved page
# in a sandboxed frame.
SAME_ORIGIN_FRAMES = ("/api/v1/blobs/", "/snapshots/")


def create_app(settings: Settings | None = None, *, context: AppContext | None = None) -> FastAPI:
    """A FastAPI app on the given settings (or an existing context); nothing connects before a request."""
    ctx = context or build_context(settings)
    provide_case_outcomes(ctx)  # targeting's intelligence reads the confirmed cases (targeting/outcomes.py)
    provide_case_networks(ctx)  # and the other records of their stored networks (link/case_networks.py)
    app = FastAPI(
        title="Countermark API",
        version=countermark.__version__,
        description="Rights, products, online observations, identifiers and shipments, shared under TLP 2.0 "
        "markings. Authenticate with 'Authorization: Bearer <token>' (create tokens on the API tokens page).",
        docs_url=None,  # Swagger UI loads from a CDN; offline networks get the OpenAPI JSON instead
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=scheduler_lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    install_reason_filter()
    install_security_headers(app, same_origin_frames=SAME_ORIGIN_FRAMES)
    for module_name in (*API_ROUTERS, *PAGE_ROUTERS):
        _add_routes(app, importlib.import_module(module_name).router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _describe_errors_in_openapi(app)
    return app


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """Put the router's routes in the app's own list, in order.

    `include_router` keeps each router as a nested branch that FastAPI matches route by route twice per
    request (once to find the branch, once inside it): with some forty routers, most of a small request's
    routing CPU. Our routers carry their prefix and tags on each route when it is declared and add no
    dependency, callback or response class of their own, so their routes can stand in the app's list as
    they are (the OpenAPI document is the same: `tests/api/test_routes.py`).
    """
    if router.dependencies or router.callbacks or router.responses:
        app.include_router(router)
        return
    app.router.routes.extend(router.routes)


def _describe_errors_in_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` document the error body the handlers really send (`core.http.errors`)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_error_responses(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
