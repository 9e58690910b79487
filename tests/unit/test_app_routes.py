"""The app lists every router's routes itself (`web.app._add_routes`) instead of nesting the routers: the
routes, their order and the OpenAPI document must be what `include_router` gives."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from countermark.core.settings import Settings
from countermark.web import app as app_module


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'countermark.db'}")


def test_listed_routes_give_the_same_openapi_document_as_nested_routers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flat = app_module.create_app(_settings(tmp_path))
    monkeypatch.setattr(app_module, "_add_routes", lambda app, router: app.include_router(router))
    nested = app_module.create_app(_settings(tmp_path))
    assert json.dumps(flat.openapi(), sort_keys=True) == json.dumps(nested.openapi(), sort_keys=True)
    api_paths = [
        re.sub(r":\w+}", "}", r.path)  # `{epc:path}` is documented as `{epc}`
        for r in flat.routes
        if isinstance(r, APIRoute) and r.path.startswith("/api/v1/")
    ]
    assert len(api_paths) > 100  # every API router's routes stand in the app's own list
    assert set(api_paths) <= set(flat.openapi()["paths"]) | {"/api/v1/openapi.json"}


def test_a_router_with_its_own_dependencies_is_still_included_as_a_branch() -> None:
    calls: list[str] = []

    def dependency() -> None:
        calls.append("router dependency")

    guarded = APIRouter(prefix="/guarded", dependencies=[Depends(dependency)])

    @guarded.get("/x")
    def x() -> dict[str, str]:
        return {"ok": "yes"}

    plain = APIRouter(prefix="/plain")

    @plain.get("/y")
    def y() -> dict[str, str]:
        return {"ok": "yes"}

    app = FastAPI()
    app_module._add_routes(app, guarded)
    app_module._add_routes(app, plain)
    client = TestClient(app)
    assert client.get("/guarded/x").json() == {"ok": "yes"} and calls == ["router dependency"]
    assert client.get("/plain/y").json() == {"ok": "yes"}
    assert any(isinstance(r, APIRoute) and r.path == "/plain/y" for r in app.routes)
    assert not any(isinstance(r, APIRoute) and r.path == "/guarded/x" for r in app.routes)
