"""Fuzzy entity resolution with Splink: blocking rules, trained match weights, a probability per pair.

Why Splink: a Fellegi–Sunter model learns, from the data itself, how much a near-match of each field is
worth (u from random sampling, m by expectation maximisation), so a shared rare surname outweighs a
shared common one without a hand-tuned threshold, and each pair keeps the Bayes factor of every
comparison — the explanation shown as "why is this here".

The DuckDB backend runs in process and never installs or loads an extension from the network; the same
model runs on Spark (`backend="spark"`, local mode) where pyspark and Java are present.

This module is pure in the house's sense: it takes rows and returns pairs; no session, no files.
"""

from __future__ import annotations

import atexit
import logging
import math
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd  # type: ignore[import-untyped]

Backend = Literal["duckdb", "spark"]


@dataclass(frozen=True)
class Comparison:
    """One field compared between two records.

    `how`: "exact", "jaro_winkler" (names, handles: thresholds 0.95/0.88), "levenshtein" (codes,
    numbers: distances 1/2), "date" (yyyymmdd strings: exact, one character off).
    """

    column: str
    how: Literal["exact", "jaro_winkler", "levenshtein", "date"]
    term_frequency: bool = False


@dataclass(frozen=True)
class ResolutionModel:
    """What to compare and how to block; the weights are trained on the data each run."""

    comparisons: tuple[Comparison, ...]
    blocking: tuple[tuple[str, ...], ...]  # each rule: columns equal on both records
    training_blocks: tuple[tuple[str, ...], ...]  # EM sessions, each fixing these columns
    threshold: float = 0.5  # pairs kept at or above this match probability
    prior: float | None = None  # probability two random records match; estimated when None
    max_pairs_for_u: float = 2e6
    link_type: Literal["dedupe_only", "link_only"] = "dedupe_only"


@dataclass(frozen=True)
class ResolvedPair:
    """Two records, how likely they are the same entity, and each comparison's share of the evidence."""

    left: str
    right: str
    probability: float
    match_weight: float
    contributions: Mapping[str, float] = field(default_factory=dict)  # column -> log2 Bayes factor


def _comparison(item: Comparison) -> Any:
    import splink.comparison_library as cl

    made: Any
    if item.how == "exact":
        made = cl.ExactMatch(item.column)
    elif item.how == "jaro_winkler":
        made = cl.JaroWinklerAtThresholds(item.column, [0.95, 0.88])
    elif item.how == "levenshtein":
        made = cl.LevenshteinAtThresholds(item.column, [1, 2])
    else:
        made = cl.LevenshteinAtThresholds(item.column, [1])
    if item.term_frequency:
        made = made.configure(term_frequency_adjustments=True)
    return made


def _settings(model: ResolutionModel, unique_id: str) -> Any:
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=model.link_type,
        unique_id_column_name=unique_id,
        comparisons=[_comparison(c) for c in model.comparisons],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in model.blocking],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        **({} if model.prior is None else {"probability_two_random_records_match": model.prior}),  # type: ignore[arg-type]
    )


def _db_api(backend: Backend) -> Any:
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI()
    from pyspark.sql import SparkSession
    from splink.backends.spark import SparkAPI, similarity_jar_location

    # The string-similarity functions (Jaro-Winkler…) come from the jar inside Splink's own wheel.

    warehouse, checkpoints = _scratch("countermark-spark-warehouse-"), _scratch("countermark-splink-")
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("countermark-link")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        # Not a `spark-warehouse` folder in whatever directory the command was started from.
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    # Splink checkpoints intermediate tables on Spark; local mode keeps them in a scratch folder.
    spark.sparkContext.setCheckpointDir(checkpoints)
    # Local mode has one core: one shuffle partition, and intermediate tables persisted in memory rather
    # than written out as parquet (a small test list took ~80 s with parquet and 4 partitions, ~40-55 s so).
    return SparkAPI(  # type: ignore[no-untyped-call]
        spark_session=spark, break_lineage_method="persist", num_partitions_on_repartition=1
    )


def _scratch(prefix: str) -> str:
    """A temporary folder for Spark, removed when this process ends (Spark's session outlives a run)."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


def _register(db_api: Any, frame: pd.DataFrame, backend: Backend, name: str) -> Any:
    if backend == "spark":
        spark = db_api.spark
        return db_api.register(spark.createDataFrame(frame), table_name=name)
    return db_api.register(frame, table_name=name)


def resolve(
    frames: Sequence[pd.DataFrame],
    model: ResolutionModel,
    *,
    unique_id: str = "unique_id",
    backend: Backend = "duckdb",
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> list[ResolvedPair]:
    """Train the model on these records and return every blocked pair at or above its threshold.

    One frame deduplicates; two frames with `link_type="link_only"` link across them. Every column is a
    string (None for missing); the ids in `unique_id` are strings unique per frame.
    """
    from splink import Linker, block_on

    for name in ("splink", "py4j"):
        logging.getLogger(name).setLevel(logging.WARNING)
    db_api = _db_api(backend)
    registered = [_register(db_api, frame, backend, f"records_{i}") for i, frame in enumerate(frames)]
    tables = registered if len(registered) > 1 else registered[0]
    linker = Linker(tables, _settings(model, unique_id), log_level=None)
    if model.prior is None:
        linker.training.estimate_probability_two_random_records_match(
            [block_on(*rule) for rule in model.blocking], recall=0.9
        )
    if progress:
        progress("estimating u by random sampling")
    linker.training.estimate_u_using_random_sampling(max_pairs=model.max_pairs_for_u, seed=seed)
    trained = 0
    for rule in model.training_blocks:
        if progress:
            progress(f"estimating m by expectation maximisation, blocking on {', '.join(rule)}")
        before = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), estimate_without_term_frequencies=True
            )
        except ValueError as exc:
            # A level no match ever reaches in this block drives its m to zero: Splink refuses it. The
            # other sessions still train that comparison; the session is skipped, not the run. Splink
            # takes the comparisons on the blocked columns out of the model for the session and puts
            # them back only when it succeeds, so the model is taken up again as it was before it.
            linker = Linker(tables, before, log_level=None)
            if progress:
                progress(f"skipped the session blocking on {', '.join(rule)}: {exc}")
            continue
        trained += 1
    if model.training_blocks and not trained:
        raise ValueError("no expectation-maximisation session could be trained on these records")
    if progress:
        progress("scoring the blocked pairs")
    predicted = linker.inference.predict(threshold_match_probability=model.threshold)
    table = predicted.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return list(_pairs(table, unique_id, [c.column for c in model.comparisons]))


def _weight_columns(table: pd.DataFrame, column: str) -> tuple[list[str], bool]:
    """The output columns that hold one comparison's evidence, and whether they are in bits already.

    Splink 4 and later write match weights (`mw_<column>`, log2 Bayes factors) and, with term-frequency
    adjustment, `mw_tf_adj_<column>`; earlier versions wrote Bayes factors (`bf_…`).
    """
    weights = [c for c in (f"mw_{column}", f"mw_tf_adj_{column}") if c in table.columns]
    if weights:
        return weights, True
    return [c for c in (f"bf_{column}", f"bf_tf_adj_{column}") if c in table.columns], False


def _pairs(table: pd.DataFrame, unique_id: str, columns: Iterable[str]) -> Iterable[ResolvedPair]:
    sources = {column: _weight_columns(table, column) for column in columns}
    left, right = table[f"{unique_id}_l"].astype(str), table[f"{unique_id}_r"].astype(str)
    for index in range(len(table)):
        row = table.iloc[index]
        contributions = {}
        for column, (names, in_bits) in sources.items():
            if not names:
                continue
            values = [float(row[name]) for name in names]
            bits = sum(values) if in_bits else sum(math.log2(v) if v > 0 else -math.inf for v in values)
            if math.isfinite(bits):
                contributions[column] = round(bits, 3)
        yield ResolvedPair(
            left=left.iat[index],
            right=right.iat[index],
            probability=float(row["match_probability"]),
            match_weight=float(row["match_weight"]),
            contributions=contributions,
        )
