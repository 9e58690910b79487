"""Benchmark of shipment targeting: batch throughput (DuckDB executor) and single-declaration latency.

Trains on the KCS 2020 split, then scores the 2021 Q1 split replicated to --rows declarations.
Run: .venv/bin/python bench/target_scoring.py [--rows 400000] [--single 2000]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from countermark.eval.targeting import load_kcs
from countermark.target.assess import assess
from countermark.target.batch import ScoringJob, run_duckdb, write_declarations
from countermark.target.features import HistoryIndex
from countermark.target.frames import KEY, History
from countermark.target.rules import Rule
from countermark.target.scoring import TargetingModel, train

# The public data set sits beside the project checkout (../shared/datasets), as in the team's layout.
DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "kcs-customs"
RULES = [
    Rule(
        "cheap by weight", "value_per_kg < 100 and transport_mode == 'post'", "cheap for its weight", "weigh"
    ),
    Rule("apparel from CN", "startswith(hs6, '61', '62') and origin_country == 'CN'", "apparel risk", "open"),
]


def main() -> None:
    """Print throughput and latency figures with the machine they were measured on."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--single", type=int, default=2000)
    args = parser.parse_args()
    train_frame, train_results = load_kcs(DATASET / "df_syn_train_eng.csv")
    valid_frame, _ = load_kcs(DATASET / "df_syn_valid_eng.csv")
    history = History(train_frame, train_results)
    started = time.perf_counter()
    model = train(history)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"training on {len(train_frame)} declarations: {time.perf_counter() - started:.1f} s")
    copies = -(-args.rows // len(valid_frame))
    big = pd.concat([valid_frame.assign(**{KEY: valid_frame[KEY] + f"#{i}"}) for i in range(copies)])
    big = big.iloc[: args.rows].reset_index(drop=True)
    job = ScoringJob(model.to_json(), history, RULES)
    with tempfile.TemporaryDirectory() as tmp:
        source = write_declarations(big, Path(tmp) / "declarations.parquet")
        job.score_batch(big.head(10))  # load the model and index outside the timing
        started = time.perf_counter()
        count = run_duckdb(job, source, Path(tmp) / "scores.parquet")
        elapsed = time.perf_counter() - started
    print(
        f"batch scoring (DuckDB executor, model + 2 rules): {count} declarations in {elapsed:.2f} s "
        f"= {count / elapsed:,.0f} per second"
    )
    loaded = TargetingModel.from_json(model.to_json(), n_jobs=1)
    index = HistoryIndex.build(history)
    timings = []
    for position in range(args.single):
        row = valid_frame.iloc[[position % len(valid_frame)]]
        started = time.perf_counter()
        assess(row, model=loaded, index=index, rules=RULES, explain=3)
        timings.append((time.perf_counter() - started) * 1000)
    ms = np.array(timings[10:])
    print(
        f"single declaration (model kept loaded, with reasons): p50 {np.percentile(ms, 50):.1f} ms, "
        f"p99 {np.percentile(ms, 99):.1f} ms over {len(ms)} calls"
    )


if __name__ == "__main__":
    main()
