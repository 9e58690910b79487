"""The synthetic world goes through the ordinary ingestion path whole, once, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.demo.world import load_world
from countermark.eval.run import evaluate
from countermark.observe.models import Listing
from tests.worlds import shared_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_world(tmp_path_factory, seed=11)


def test_world_loads_without_rejects_and_reloads_without_change(store: AppContext, world: Path) -> None:
    with unit_of_work(store.sessions) as session:
        first = load_world(session=session, blobs=store.blobs, world_dir=world)
    with unit_of_work(store.sessions) as session:
        second = load_world(session=session, blobs=store.blobs, world_dir=world)
        listings = session.scalar(select(func.count()).select_from(Listing))

    assert all(r.rejected == 0 for r in first), [r.rejects[:3] for r in first if r.rejected]
    assert sum(r.stored for r in first) == sum(r.read for r in first)
    assert all(r.stored == r.updated == 0 and r.unchanged == r.read for r in second)
    assert listings == sum(r.read for r in first if r.kind == "listings")

    # The heavy sections (linking, detection, two instances sharing) build their own stores from the
    # world's files, so they run once, on SQLite: on PostgreSQL they would measure the same thing again.
    heavy = store.engine.dialect.name == "sqlite"
    with unit_of_work(store.sessions) as session:
        figures = evaluate(session, world / "truth" / "truth.json", heavy=heavy)
    heavy_sections = {"link", "detect", "share"}
    assert heavy_sections <= figures.keys() if heavy else not heavy_sections & figures.keys()
    assert set(figures["ingest"].values()) == {1.0}
    assert figures["identifier_extraction"]["recall"] >= 0.95
    assert figures["identifier_extraction"]["precision"] >= 0.9
