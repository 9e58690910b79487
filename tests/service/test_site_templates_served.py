"""The served world's web shops are drawn in their themes: every page of a shop, served over HTTP, has
its saved page's template (`observe.templates`); shops on one theme share it, other themes do not."""

from __future__ import annotations

import http.client
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from countermark.observe.templates import page_template
from countermark.sim.sites import ServedWorld, serve_world
from countermark.sim.themes import read_themes
from tests.worlds import shared_world


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_world(tmp_path_factory, 7)


@pytest.fixture
def served(world_dir: Path) -> Iterator[ServedWorld]:
    with serve_world(world_dir, hostile=False, write_truth=False) as world:
        yield world


def _get(served: ServedWorld, url: str) -> str:
    conn = http.client.HTTPConnection(*served.http_address, timeout=10)
    try:
        conn.request("GET", url)  # absolute form: the front port is an HTTP proxy
        response = conn.getresponse()
        body = response.read().decode("utf-8")
        assert response.status == 200, (url, response.status, body[:200])
        return body
    finally:
        conn.close()


def _shops(world_dir: Path) -> dict[str, list[dict[str, object]]]:
    listings: dict[str, list[dict[str, object]]] = defaultdict(list)
    for line in (world_dir / "online" / "listings.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["platform"] == "web":
            listings[str(record["seller"])].append(record)
    return listings


def test_every_page_of_a_served_shop_has_its_saved_pages_template(
    world_dir: Path, served: ServedWorld
) -> None:
    themes = read_themes(world_dir)
    shops = _shops(world_dir)
    assert themes and set(shops) <= set(themes)
    by_theme: dict[str, set[str | None]] = defaultdict(set)
    checked = 0
    for handle, listings in sorted(shops.items())[:12]:
        saved = {
            page_template((world_dir / "online" / str(x["snapshot"])).read_text(encoding="utf-8"))
            for x in listings
        }
        assert len(saved) == 1 and None not in saved, handle
        front = _get(served, f"http://{handle}/")
        products = re.findall(r'href="(/products/[^"?]+)', front)
        assert products, handle
        served_templates = {page_template(front), page_template(_get(served, f"http://{handle}{products[0]}"))}
        assert served_templates == saved, handle
        by_theme[themes[handle].name] |= saved
        checked += 1
    assert checked >= 5
    # One theme, one template; two themes, two templates.
    assert all(len(found) == 1 for found in by_theme.values())
    distinct = [next(iter(found)) for found in by_theme.values()]
    assert len(set(distinct)) == len(distinct) >= 2
