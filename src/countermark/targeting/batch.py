"""Batch scoring: a pure plan (SQL of the canonical columns plus a scoring function) and two executors.

The plan is the same for every engine; DuckDB runs it locally in Arrow batches, Spark runs it as a
pandas UDF over a cluster. Both call `ScoringJob.score_batch`, so scores agree to the last digit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from countermark.targeting.assess import FlaggedParty, assess
from countermark.targeting.frames import (
    COLUMNS,
    DATE,
    NUMBER_COLUMNS,
    History,
    arrow_columns,
    declaration_columns,
)
from countermark.targeting.history import Columns, HistoryIndex
from countermark.targeting.rules import Rule
from countermark.targeting.scoring import TargetingModel

OUTPUT_COLUMNS = ("shipment_key", "score", "model_score", "rule_score", "intel_score")
SPARK_SCHEMA = "shipment_key string, score double, model_score double, rule_score double, intel_score double"


def plan_sql(table: str) -> str:
    """The SELECT that reads canonical declarations from `table` (a view, a file reader) on any engine."""
    if not table.replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"not a table name: {table!r}")
    casts = []
    for column in COLUMNS:
        if column == DATE:
            casts.append(f"CAST({column} AS DATE) AS {column}")
        elif column in NUMBER_COLUMNS:
            casts.append(f"CAST({column} AS DOUBLE) AS {column}")
        else:
            casts.append(f"CAST({column} AS VARCHAR(1000)) AS {column}")
    return f"SELECT {', '.join(casts)} FROM {table}"


@dataclass
class ScoringJob:
    """Everything a worker needs to score: the model as JSON, the history, rules and flags."""

    model_json: str
    history: History
    rules: Sequence[Rule] = ()
    flagged: Sequence[FlaggedParty] = ()
    compiled_dir: Path | None = None  # where compiled trees are cached; None: LightGBM predicts
    _loaded: tuple[TargetingModel, HistoryIndex] | None = field(default=None, repr=False)

    def _model(self) -> tuple[TargetingModel, HistoryIndex]:
        if self._loaded is None:
            model = TargetingModel.from_json(self.model_json, n_jobs=2)
            if self.compiled_dir is not None:
                model.use_compiled(self.compiled_dir)
            self._loaded = (model, HistoryIndex.build(self.history))
        return self._loaded

    def score_batch(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Scores of one batch of canonical declarations (extra columns are ignored)."""
        return self.score_columns(declaration_columns(batch))

    def score_columns(self, columns: Columns) -> pd.DataFrame:
        """Scores of declarations given as numpy columns (what both executors end up calling)."""
        model, index = self._model()
        scored = assess(
            columns,
            model=model,
            index=index,
            rules=self.rules,
            flagged=self.flagged,
            explain=0,
            with_reasons=False,
        )
        return scored.loc[:, list(OUTPUT_COLUMNS)]

    def __getstate__(self) -> dict[str, Any]:
        # Workers rebuild the model from JSON; the loaded booster is not shipped.
        state = dict(self.__dict__)
        state["_loaded"] = None
        return state


def write_declarations(frame: pd.DataFrame, path: Path) -> Path:
    """Write canonical declarations as Parquet, the input both executors read."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    out = frame.loc[:, list(COLUMNS)].copy()
    out[DATE] = out[DATE].dt.date
    pq.write_table(pa.Table.from_pandas(out, preserve_index=False), path)
    return path


def run_duckdb(job: ScoringJob, source: Path, out: Path, *, batch_rows: int = 200_000) -> int:
    """Score a Parquet file of declarations with DuckDB, writing Parquet scores; the rows scored."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    connection = duckdb.connect(config={"threads": 2, "autoinstall_known_extensions": False})
    try:
        # A view cannot take a bound parameter; the path is quoted as an SQL literal instead.
        literal = "'" + str(source).replace("'", "''") + "'"
        connection.execute(f"CREATE VIEW declarations AS SELECT * FROM read_parquet({literal})")
        reader: Any = connection.sql(plan_sql("declarations")).to_arrow_reader(batch_rows)
        writer = None
        total = 0
        try:
            for batch in reader:
                scored = job.score_columns(arrow_columns(batch))
                table = pa.Table.from_pandas(scored, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(out, table.schema)
                writer.write_table(table)
                total += len(scored)
        finally:
            if writer is not None:
                writer.close()
        return total
    finally:
        connection.close()


def run_spark(job: ScoringJob, spark: Any, source: Path, out: Path) -> int:
    """Score a Parquet file of declarations on Spark through a pandas UDF; the rows scored."""
    from pyspark.sql import functions as spark_functions

    pandas_udf: Any = getattr(spark_functions, "pandas_udf")  # noqa: B009 - the stubs do not declare it

    shipped = spark.sparkContext.broadcast(job)

    @pandas_udf(SPARK_SCHEMA)  # type: ignore[untyped-decorator]
    def score(batch: pd.DataFrame) -> pd.DataFrame:
        return shipped.value.score_batch(batch)

    spark.read.parquet(str(source)).createOrReplaceTempView("declarations")
    declarations = spark.sql(plan_sql("declarations"))
    struct = spark_functions.struct(*[declarations[c] for c in COLUMNS])
    scored = declarations.select(score(struct).alias("r")).select("r.*")
    scored.write.mode("overwrite").parquet(str(out))
    count: int = spark.read.parquet(str(out)).count()
    return count
