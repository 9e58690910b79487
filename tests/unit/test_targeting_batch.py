"""Batch scoring gives the same scores on DuckDB and on Spark (pandas UDF) as scoring in memory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countermark.targeting.assess import assess
from countermark.targeting.batch import ScoringJob, plan_sql, run_duckdb, run_spark, write_declarations
from countermark.targeting.features import HistoryIndex
from countermark.targeting.rules import Rule
from countermark.targeting.scoring import train
from tests.unit.test_targeting_features import _world

RULES = [Rule("cheap", "value_per_kg < 10", "cheap for its weight", "weigh and open", weight=0.3)]


def _job(tmp_path: Path) -> tuple[ScoringJob, Path, pd.DataFrame]:
    history = _world(n=300)
    model = train(history, params={"n_estimators": 15, "min_child_samples": 5, "n_jobs": 1})
    source = write_declarations(history.declarations, tmp_path / "declarations.parquet")
    expected = assess(
        history.declarations, model=model, index=HistoryIndex.build(history), rules=RULES, explain=0
    )
    return ScoringJob(model.to_json(), history, RULES), source, expected


def test_plan_refuses_anything_but_a_table_name() -> None:
    assert "FROM declarations" in plan_sql("declarations")
    with pytest.raises(ValueError, match="not a table name"):
        plan_sql("x; DROP TABLE shipments")


def test_duckdb_batches_score_like_the_in_memory_engine(tmp_path: Path) -> None:
    job, source, expected = _job(tmp_path)
    count = run_duckdb(job, source, tmp_path / "scores.parquet", batch_rows=64)
    scores = pd.read_parquet(tmp_path / "scores.parquet").set_index("shipment_key")
    assert count == len(expected)
    np.testing.assert_allclose(scores.loc[expected["shipment_key"], "score"].to_numpy(), expected["score"])


def _java_missing() -> str | None:
    java = shutil.which("java")
    if java is None:
        return "Spark needs a Java runtime (apt package openjdk-17-jre-headless); none on PATH"
    if subprocess.run([java, "-version"], capture_output=True).returncode != 0:
        return "java is on PATH but does not run"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed"
    return None


def _check_spark(folder: str) -> None:
    """Score on Spark in local mode and compare with the in-memory engine (run in a process of its own)."""
    from pyspark.sql import SparkSession

    scratch = Path(folder)
    job, source, expected = _job(scratch)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("countermark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.pyspark.python", sys.executable)  # workers must see the same packages
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        # Should a worker die, its Python traceback is in the error rather than "crashed" alone.
        .config("spark.python.worker.faulthandler.enabled", "true")
        .config("spark.sql.execution.pyspark.udf.faulthandler.enabled", "true")
        .getOrCreate()
    )
    try:
        count = run_spark(job, spark, source, scratch / "spark-scores")
    finally:
        spark.stop()
    scores = pd.read_parquet(scratch / "spark-scores").set_index("shipment_key")
    assert count == len(expected)
    np.testing.assert_allclose(scores.loc[expected["shipment_key"], "score"].to_numpy(), expected["score"])


@pytest.mark.slow
def test_spark_pandas_udf_scores_like_the_in_memory_engine(tmp_path: Path) -> None:
    reason = _java_missing()
    if reason:
        pytest.skip(reason)
    # In a process of its own, as the Splink test does: a JVM and its Python workers started from a
    # pytest worker inherit whatever earlier tests left in that process (threads, handlers, a gateway),
    # and twice in CI a worker started that way crashed. Workers start this virtualenv's interpreter.
    repo = Path(__file__).resolve().parents[2]
    code = "import sys; from tests.unit.test_targeting_batch import _check_spark; _check_spark(sys.argv[1])"
    env = {**os.environ, "PYTHONPATH": str(repo), "PYSPARK_PYTHON": sys.executable, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
