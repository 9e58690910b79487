"""`countermark detect score FILE`: good rows scored with reasons, bad rows rejected with theirs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from countermark.cli.main import app
from countermark.detect.model_store import load_model, save_model
from tests.unit.test_detect_engine import tiny_model

GOOD = {
    "source": "feed",
    "external_id": "1",
    "platform": "ShopMarket",
    "url": "https://shopmarket.example/1",
    "title": "Kel0ndo Ondine replica",
    "price": 20,
    "currency": "EUR",
    "seller": "fakes",
    "observed_at": "2026-05-01T10:00:00Z",
}


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.pkl"
    save_model(tiny_model(), path)
    return path


def test_a_file_with_bad_rows_scores_the_good_ones_and_rejects_the_bad_with_reasons(
    model_file: Path, tmp_path: Path
) -> None:
    lines = [
        json.dumps(GOOD),
        "{not json",
        json.dumps({**GOOD, "external_id": "2", "price": -3}),
        json.dumps({**GOOD, "external_id": "3", "title": ""}),
        json.dumps(
            {
                **GOOD,
                "external_id": "4",
                "title": "Kelondo Ondine EDP 30ml",
                "price": 180,
                "seller": "kelondo_official",
            }
        ),
        json.dumps({**GOOD, "external_id": "5", "unknown_field": 1}),
    ]
    source = tmp_path / "listings.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(
        app,
        ["detect", "score", str(source), "--model", str(model_file), "--out", str(out), "--language", "zh"],
    )
    assert result.exit_code == 0, result.output
    scores = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [s["key"] for s in scores] == ["feed:1", "feed:4"]
    assert scores[0]["probability"] > scores[1]["probability"]
    assert any("商标 Kelondo" in reason for reason in scores[0]["reasons"])
    assert "line 2 rejected: not valid JSON" in result.output
    assert "line 3 rejected: price" in result.output
    assert "line 4 rejected: title" in result.output
    assert "line 6 rejected: unknown_field" in result.output
    assert "2 listings scored" in result.output and "4 rows rejected" in result.output


def test_a_csv_file_is_scored_too(model_file: Path, tmp_path: Path) -> None:
    source = tmp_path / "listings.csv"
    header = ",".join(GOOD)
    source.write_text(header + "\n" + ",".join(str(v) for v in GOOD.values()) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["detect", "score", str(source), "--model", str(model_file)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["key"] == "feed:1"


def test_without_a_model_the_command_says_what_to_run(tmp_path: Path) -> None:
    source = tmp_path / "listings.jsonl"
    source.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["detect", "score", str(source), "--model", str(tmp_path / "none.pkl")])
    assert result.exit_code == 2
    assert "countermark detect retrain" in result.output


def test_a_saved_model_loads_back_whole(model_file: Path) -> None:
    model = load_model(model_file)
    assert 0.0 <= model.threshold <= 1.0 and model.references.marks["Kelondo"] == ("Kelondo",)
