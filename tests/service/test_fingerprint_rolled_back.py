"""A rolled-back enrolment leaves nothing behind in another process either (issue 12, item 11).

SQLite gives the id of a rolled-back insert to the next row committed, whichever process commits it; the
matcher of the process that enrolled and rolled back kept the rolled-back picture under that id, and the
picture committed under it elsewhere was never found there. Two application contexts on one database stand
for two server processes (each with its own matcher and index directory).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work
from countermark.core.settings import Settings
from countermark.fingerprint import lookup_service, service
from countermark.fingerprint.matcher_service import live_matcher
from tests.service.test_fingerprint_service import _orgs, _photo


def _process(store: AppContext, tmp_path: Path, name: str) -> AppContext:
    """Another server process on the same database and blob store, with a data directory of its own."""
    settings = Settings(data_dir=tmp_path / name, database_url=store.settings.database_url)
    return build_context(settings, blobs=LocalBlobStore(tmp_path / "blobs"))


@pytest.fixture
def two(store: AppContext, tmp_path: Path) -> Iterator[tuple[AppContext, AppContext]]:
    first, second = _process(store, tmp_path, "first"), _process(store, tmp_path, "second")
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _enrol_and_roll_back(ctx: AppContext, bank_id: int, seed: int, *, save: bool = False) -> int:
    session = ctx.sessions()
    try:
        bank = session.get(service.FingerprintBank, bank_id)
        assert bank is not None
        entry = service.add_image(ctx=ctx, session=session, bank=bank, data=_photo(seed), label="rolled back")
        if save:  # the indexes are written while the enrolment is still uncommitted
            live_matcher(ctx, session).save()
        session.rollback()
        return entry.id
    finally:
        session.close()


def _commit(ctx: AppContext, bank_id: int, seed: int) -> int:
    with unit_of_work(ctx.sessions) as session:
        bank = session.get(service.FingerprintBank, bank_id)
        assert bank is not None
        return service.add_image(ctx=ctx, session=session, bank=bank, data=_photo(seed), label="kept").id


def _found(ctx: AppContext, org: int, seed: int) -> list[int]:
    with unit_of_work(ctx.sessions) as session:
        hits = lookup_service.lookup_image(ctx=ctx, session=session, principal_org_id=org, data=_photo(seed))
    return [m.entry_id for m in hits if m.stage == "pdq"]


def _bank(ctx: AppContext) -> tuple[int, int]:
    holder, _, _ = _orgs(ctx)
    with unit_of_work(ctx.sessions) as session:
        bank = service.create_bank(session=session, owner_org_id=holder, name="g", purpose="genuine")
        return holder, bank.id


def test_a_picture_committed_elsewhere_under_a_rolled_back_id_is_found(
    two: tuple[AppContext, AppContext],
) -> None:
    first, second = two
    holder, bank_id = _bank(first)
    _commit(first, bank_id, 30)  # both processes have a matcher in step with the database
    assert _found(second, holder, 30)
    ghost = _enrol_and_roll_back(first, bank_id, 31)
    kept = _commit(second, bank_id, 32)
    if second.engine.dialect.name == "sqlite":
        assert kept == ghost  # the reuse this guards against (PostgreSQL's sequences never go back)
    for process in (first, second):
        assert _found(process, holder, 31) == []
        assert _found(process, holder, 32) == [kept]


def test_saved_indexes_holding_an_uncommitted_picture_are_corrected_on_load(
    two: tuple[AppContext, AppContext], store: AppContext, tmp_path: Path
) -> None:
    first, second = two
    holder, bank_id = _bank(first)
    _commit(first, bank_id, 40)
    _enrol_and_roll_back(first, bank_id, 41, save=True)  # then the process stops
    kept = _commit(second, bank_id, 42)
    restarted = _process(store, tmp_path, "first")  # reads the indexes `first` saved
    try:
        assert (restarted.settings.index_dir / "pdq-whole.mih").exists()
        assert _found(restarted, holder, 41) == []
        assert _found(restarted, holder, 42) == [kept]
        assert len(_found(restarted, holder, 40)) == 1
    finally:
        restarted.close()
