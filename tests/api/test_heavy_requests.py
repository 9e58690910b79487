"""Heavy uploads: never on the event loop, bounded in number and pixels; media recognised before tools."""

from __future__ import annotations

import io
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from countermark.codes import pages
from countermark.core.context import AppContext
from countermark.core.http import heavy
from countermark.fingerprint import imaging, mediatools
from countermark.web.app import create_app
from tests.api.conftest import Actors
from tests.service.codes_fixtures import add_product, issue_codes

API = "/api/v1/fingerprint"
# The start of an MP4 file: a real container, so only the missing tool can stop it.
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00\x00\x00\x08free" * 8


def big_png(side: int, seed: int = 0) -> bytes:
    """A bilevel PNG of side x side pixels: a few hundred KB that decode to side² RGB pixels."""
    rng = np.random.default_rng(seed)
    small = Image.fromarray(rng.integers(0, 2, (64, 64), dtype=np.uint8) * 255).convert("1")
    buffer = io.BytesIO()
    small.resize((side, side), Image.Resampling.NEAREST).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def attack_png() -> bytes:
    """The attacker's picture: 8900 x 8900, under the per-picture cap of 80 megapixels."""
    return big_png(8900)


def _no_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mediatools.shutil, "which", lambda name: None)


@pytest.mark.parametrize("kind", ["video", "audio"])
def test_a_text_posted_as_media_is_refused_as_such_even_without_the_tools(
    client: TestClient, actors: Actors, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    _no_tools(monkeypatch)
    text = {"file": ("a.txt", b"plain words, not a video")}
    response = client.post(f"{API}/hash", files=text, data={"kind": kind}, headers=actors.headers("customs"))
    assert response.status_code == 422 and f"not a {kind}" in response.json()["message"]
    bank = client.post(
        f"{API}/banks", json={"name": "clips", "purpose": "genuine"}, headers=actors.headers("brand")
    ).json()
    enrol = client.post(
        f"{API}/banks/{bank['id']}/entries", files=text, data={"kind": kind}, headers=actors.headers("brand")
    )
    assert enrol.status_code == 422, enrol.text
    mp4 = {"file": ("a.mp4", MP4_HEAD)}
    real = client.post(f"{API}/hash", files=mp4, data={"kind": kind}, headers=actors.headers("customs"))
    assert real.status_code == 503 and real.json()["code"] == "tool_missing", real.text
    assert "apt install" in real.json()["message"]


def test_media_containers_are_recognised_by_their_first_bytes() -> None:
    assert mediatools.container_of(MP4_HEAD) == "MP4/MOV"
    assert mediatools.container_of(b"\x1a\x45\xdf\xa3" + b"\x00" * 40) == "Matroska/WebM"
    assert mediatools.container_of(b"RIFF\x00\x00\x00\x00WAVEfmt ") == "WAV"
    assert mediatools.container_of(b"ID3\x04" + b"\x00" * 40) == "MP3"
    assert mediatools.container_of(bytes([0x47] + [0] * 187) * 3) == "MPEG-TS"
    assert mediatools.container_of(b"plain words, not a video") is None
    with pytest.raises(mediatools.InvalidInput, match="audio"):
        mediatools.check_container(b"fLaC" + b"\x00" * 40, "video")


def test_pictures_beyond_the_pixel_budget_are_refused_before_decoding(
    client: TestClient, actors: Actors, attack_png: bytes
) -> None:
    assert imaging.decoded_pixels(attack_png) == 8900 * 8900 > imaging.MAX_REQUEST_PIXELS
    started = time.perf_counter()
    files = {"file": ("a.png", attack_png)}
    one = client.post(f"{API}/lookup", files=files, headers=actors.headers("customs"))
    assert one.status_code == 413 and one.json()["code"] == "too_many_pixels", one.text
    half = big_png(5000)  # 25 megapixels: one passes the budget, two do not
    both = client.post(
        f"{API}/compare", files={"a": ("a.png", half), "b": ("b.png", half)}, headers=actors.headers("police")
    )
    assert both.status_code == 413, both.text
    assert time.perf_counter() - started < 2.0  # nothing was decoded
    # A JPEG counts at the scale libjpeg decodes it at for hashing, not its full size.
    buffer = io.BytesIO()
    Image.new("RGB", (8000, 8000), (200, 30, 30)).save(buffer, "JPEG", quality=50)
    assert imaging.decoded_pixels(buffer.getvalue()) == 1000 * 1000


def test_the_report_form_refuses_three_huge_photos_without_decoding_them(
    client: TestClient, actors: Actors, store: AppContext, attack_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "MIN_FILL_SECONDS", 0.0)
    add_product(store, actors.org_ids["brand"])
    form = _report_form(client)
    photos = [("photos", (f"{i}.png", attack_png, "image/png")) for i in range(3)]
    started = time.perf_counter()
    response = client.post("/codes/report", data=form, files=photos, headers={"accept": "text/html"})
    assert response.status_code == 413, response.text[:300]
    assert time.perf_counter() - started < 3.0
    assert client.get("/api/v1/codes/reports", headers=actors.headers("brand")).json() == []


MALFORMED = [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x00\x00\x00\x01\x00\x00\x08\x02\x00\x00\x00garbage",
    b"GIF89a\xff\xff\xff\xff\x00\x00",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50,
    b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x01" * 30,
    b"PK\x03\x04" + b"\x00" * 60,
    MP4_HEAD,
]


@pytest.mark.parametrize("payload", MALFORMED, ids=["png", "gif", "jpeg", "webp", "zip", "mp4"])
def test_malformed_uploads_get_a_client_error_on_every_route(
    client: TestClient, actors: Actors, payload: bytes
) -> None:
    brand, customs = actors.headers("brand"), actors.headers("customs")
    bank = client.post(f"{API}/banks", json={"name": "any", "purpose": "genuine"}, headers=brand).json()
    calls = [
        ("hash", {"file": ("x", payload)}, customs),
        ("lookup", {"file": ("x", payload)}, customs),
        ("compare", {"a": ("x", payload), "b": ("y", payload)}, customs),
        (f"banks/{bank['id']}/entries", {"file": ("x", payload)}, brand),
        (f"banks/{bank['id']}/entries/zip", {"file": ("x.zip", payload)}, brand),
    ]
    for kind in ("auto", "image", "video", "audio", "file"):
        for route, files, headers in calls:
            response = client.post(f"{API}/{route}", files=files, data={"kind": kind}, headers=headers)
            refused = response.status_code < 500 or response.json()["code"] == "tool_missing"
            assert refused, (route, kind, response.text)


def test_heavy_jobs_are_bounded_and_excess_ones_wait_then_are_told_to_come_back() -> None:
    request: Any = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(heavy_workers=2)))
    running, most = 0, 0
    lock = threading.Lock()

    def job() -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return threading.get_ident()

    async def many() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(heavy.run_heavy, request, job)

    anyio.run(many)
    assert most == 2
    request.app.state = SimpleNamespace(heavy_workers=1, heavy_wait_seconds=0.1)
    outcomes: list[str] = []

    async def one(seconds: float) -> None:
        try:
            await heavy.run_heavy(request, time.sleep, seconds)
            outcomes.append("done")
        except heavy.Busy as exc:
            outcomes.append(f"busy {exc.status} {exc.detail}")

    async def crowd() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(one, 0.5)
            await anyio.sleep(0.05)
            group.start_soon(one, 0.0)

    anyio.run(crowd)
    assert sorted(outcomes) == [f"busy 503 {{'retry_after': {heavy.RETRY_AFTER_SECONDS}}}", "done"]


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port in a thread; its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _report_form(client: TestClient | httpx.Client) -> dict[str, str]:
    page = client.get("/codes/report", params={"gtin": "09506000134352"})
    token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    return {"token": token, "gtin": "09506000134352", "bought_at": "market", "description": "odd"}


def measure_login_while_heavy(base: str, bearer: dict[str, str]) -> tuple[list[float], list[int]]:
    """GET /login latencies (seconds) while two reports of 3 x 16 MP photos and two lookups run at once."""
    photo = big_png(4000, seed=1)  # 16 megapixels: three fill the budget of one request
    with httpx.Client(base_url=base, timeout=120) as web:
        form = _report_form(web)
    statuses: list[int] = []

    def report() -> None:
        files = [("photos", (f"{i}.png", photo, "image/png")) for i in range(3)]
        with httpx.Client(base_url=base, timeout=120) as web:
            statuses.append(web.post("/codes/report", data=form, files=files).status_code)

    def lookup() -> None:
        with httpx.Client(base_url=base, timeout=120, headers=bearer) as api:
            statuses.append(api.post(f"{API}/lookup", files={"file": ("a.png", photo)}).status_code)

    workers = [threading.Thread(target=target) for target in (report, lookup, report, lookup)]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as probe:
        while any(w.is_alive() for w in workers) and len(latencies) < 400:
            started = time.perf_counter()
            assert probe.get("/login").status_code == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(0.05)
    for worker in workers:
        worker.join()
    return latencies, statuses


def test_the_sign_in_page_stays_fast_while_heavy_uploads_run(
    store: AppContext, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not store.settings.resolved_database_url().startswith("sqlite"):
        pytest.skip("measured once, on SQLite: the event loop does not depend on the database")
    monkeypatch.setattr(pages, "MIN_FILL_SECONDS", 0.0)
    product_id = add_product(store, actors.org_ids["brand"])
    issue_codes(store, actors.org_ids["brand"], product_id, quantity=1)
    with live_server(create_app(context=store)) as base:
        latencies, statuses = measure_login_while_heavy(base, actors.headers("customs"))
    assert set(statuses) <= {200, 503} and statuses.count(200) >= 2, statuses
    assert len(latencies) >= 5, "the heavy requests ended too soon to measure anything"
    p95 = statistics.quantiles(latencies, n=20)[-1]
    p50, most = statistics.median(latencies), max(latencies)
    print(f"GET /login during heavy uploads: {len(latencies)} probes, p50 {p50 * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {most * 1000:.0f} ms")  # fmt: skip
    assert p95 < 0.5, f"p95 {p95:.3f} s"
