"""Timestamps the batched path wrote in SQLite's adapter form are rewritten in the ORM's (migration 0022),
and the batched path now writes the ORM's form itself (a list page's cursor then never repeats rows)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from countermark.core.db import make_engine
from countermark.core.migrate import upgrade


def test_adapter_form_timestamps_are_rewritten_in_the_orm_form(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine, "0021")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisations (name, kind, country, default_tlp, created_at) VALUES "
                "('a', 'customs', 'FR', 'AMBER', '2026-05-01 10:00:00+00:00'), "
                "('b', 'customs', 'FR', 'AMBER', '2026-05-01 10:00:00.250000+00:00'), "
                "('c', 'customs', 'FR', 'AMBER', '2026-05-01 10:00:00.000000')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT name, created_at FROM organisations")).all())
    assert stored == {
        "a": "2026-05-01 10:00:00.000000",
        "b": "2026-05-01 10:00:00.250000",
        "c": "2026-05-01 10:00:00.000000",
    }
    engine.dispose()
