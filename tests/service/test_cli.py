"""The command line on the embedded store: db upgrade/check, org create, ingest, settings, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from countermark.cli import common
from countermark.cli.main import app
from tests.service.helpers import RIGHT, write_jsonl

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COUNTERMARK_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    # The CLI's consoles took their width when first imported (80 columns in a test worker): widen them.
    monkeypatch.setattr(common.console, "width", 200)
    monkeypatch.setattr(common.err_console, "width", 200)
    return tmp_path / "data"


def test_commands_refuse_to_run_before_the_schema_exists(data_dir: Path) -> None:
    result = runner.invoke(app, ["org", "list"])
    assert result.exit_code == 2
    assert "countermark db upgrade" in result.output


def test_upgrade_then_check_passes(data_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["db", "check"])
    assert result.exit_code == 0, result.output
    assert "matching the models" in result.output
    assert (data_dir / "countermark.db").exists()


def test_ingest_from_the_command_line_reports_and_is_idempotent(data_dir: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    assert (
        runner.invoke(
            app, ["org", "create", "Maison Aurel", "--kind", "rights_holder", "--country", "FR"]
        ).exit_code
        == 0
    )
    path = write_jsonl(
        tmp_path / "rights.jsonl", [RIGHT, {**RIGHT, "external_id": "R-2", "kind": "nonsense"}]
    )

    first = runner.invoke(app, ["ingest", "rights", str(path), "--org", "Maison Aurel"])
    second = runner.invoke(app, ["ingest", "rights", str(path), "--org", "Maison Aurel", "--strict"])

    assert first.exit_code == 0, first.output
    assert "stored 1" in first.output and "rejected 1" in first.output
    assert "unchanged 1" in second.output
    assert second.exit_code == 1, "--strict fails when rows are rejected"
    reject = json.loads((tmp_path / "rights.jsonl.rejects.jsonl").read_text().splitlines()[0])
    assert reject["line"] == 2 and "kind" in reject["errors"][0]


def test_unknown_organisation_is_a_clear_error(data_dir: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    path = write_jsonl(tmp_path / "rights.jsonl", [RIGHT])
    result = runner.invoke(app, ["ingest", "rights", str(path), "--org", "Nobody"])
    assert result.exit_code == 2
    assert "no organisation named 'Nobody'" in result.output


def test_unknown_kind_is_a_clear_error(data_dir: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["org", "create", "X", "--kind", "other", "--country", "FR"])
    result = runner.invoke(
        app, ["ingest", "spaceships", str(write_jsonl(tmp_path / "a.jsonl", [{}])), "--org", "X"]
    )
    assert result.exit_code == 2
    assert "unknown kind 'spaceships'" in result.output


def test_settings_lists_every_variable_with_help(data_dir: Path) -> None:
    result = runner.invoke(app, ["settings"])
    assert result.exit_code == 0
    for variable in ("COUNTERMARK_DATA_DIR", "COUNTERMARK_DATABASE_URL", "COUNTERMARK_BLOB_DIR"):
        assert variable in result.output


def test_the_default_marking_of_new_organisations_comes_from_the_settings(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["db", "upgrade"])
    monkeypatch.setenv("COUNTERMARK_DEFAULT_TLP", "GREEN")
    create = ["org", "create", "--kind", "rights_holder", "--country", "FR"]
    assert runner.invoke(app, [*create, "Open Brand"]).exit_code == 0
    assert runner.invoke(app, [*create, "Closed Brand", "--default-tlp", "RED"]).exit_code == 0
    listed = runner.invoke(app, ["org", "list"]).output
    assert "Open Brand" in listed and "GREEN" in listed
    assert "Closed Brand" in listed and "RED" in listed
    monkeypatch.setenv("COUNTERMARK_DEFAULT_TLP", "PURPLE")
    refused = runner.invoke(app, ["org", "list"])
    assert refused.exit_code == 2
    assert "COUNTERMARK_DEFAULT_TLP" in refused.output


def test_settings_lists_every_folder_under_the_data_directory(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # long temporary paths stay on one line
    result = runner.invoke(app, ["settings"])
    assert result.exit_code == 0, result.output
    for folder in ("blobs", "keys", "ledger", "indexes", "evidence", "world", "kcs"):
        assert str(data_dir / folder) in result.output
    assert "COUNTERMARK_TICK_SECONDS" in result.output and "COUNTERMARK_DEFAULT_TLP" in result.output
