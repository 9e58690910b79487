"""`countermark link run|show|why` on the store: networks stored, shown, and a member's chain explained."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from countermark.cli import common
from countermark.cli.main import app
from countermark.core.blobs import LocalBlobStore
from countermark.core.context import build_context
from countermark.core.settings import Settings
from tests.conftest import _sqlite_template_file
from tests.service.helpers import ingest, make_org, write_jsonl
from tests.service.test_link_store import LISTINGS, RING, SHIPMENTS

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COUNTERMARK_DATABASE_URL", raising=False)
    monkeypatch.setattr(common.console, "width", 200)
    monkeypatch.setattr(common.err_console, "width", 200)
    return tmp_path / "data"


def test_link_run_show_and_why_on_the_store(
    data_dir: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data_dir.mkdir(parents=True)
    shutil.copyfile(_sqlite_template_file(tmp_path_factory), data_dir / "countermark.db")  # migrated once
    ctx = build_context(Settings(data_dir=data_dir), blobs=LocalBlobStore(tmp_path / "blobs"))
    try:
        org = make_org(ctx)
        for kind, rows in (("accounts", RING), ("listings", LISTINGS), ("shipments", SHIPMENTS)):
            ingest(ctx, kind, write_jsonl(tmp_path / f"{kind}.jsonl", rows), org)
    finally:
        ctx.close()
    run = runner.invoke(app, ["link", "run"])
    assert run.exit_code == 0, run.output
    # Without the authorised-seller lists, the two official stores are a network of their own.
    assert f"organisation {org}: 8 parties, 2 networks" in run.output
    again = runner.invoke(app, ["link", "run"])
    assert "2 networks kept their id" in again.output, again.output
    increment = runner.invoke(app, ["link", "run", "--incremental"])
    assert f"organisation {org}: 0 new parties, 0 joined a network" in increment.output, increment.output
    why = runner.invoke(app, ["link", "why", "listing:2"])
    assert why.exit_code == 0 and "listed_by: listed by aurel-outlet.example" in why.output
    key = re.search(r"is in (N-\d{6})", why.output)
    assert key, why.output
    shown = runner.invoke(app, ["link", "show"])
    assert shown.exit_code == 0 and key.group(1) in shown.output
    one = runner.invoke(app, ["link", "show", key.group(1)])
    assert one.exit_code == 0 and "listed_by" in one.output and "(root)" in one.output
    assert runner.invoke(app, ["link", "why", "account:999"]).exit_code == 1
