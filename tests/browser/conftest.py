"""Fixtures every browser test module shares: one Chromium per module and a fresh tab per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.harness import chromium_browser, new_page


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    with new_page(chromium) as tab:
        yield tab
