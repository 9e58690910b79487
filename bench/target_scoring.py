"""Benchmark of shipment targeting: batch throughput (DuckDB executor) and single-declaration API latency.

Trains on the KCS 2020 split. Batch: the 2021 Q1 split replicated to --rows declarations, scored by the
DuckDB executor with LightGBM's own prediction and, when lleaves is installed, with the compiled trees.
API: both splits stored in a fresh database (SQLite by default, or --database-url), the model retrained
from the store through the engine, then --requests calls of POST /api/v1/targeting/score/{id} through the
real app (FastAPI TestClient: HTTP request, authentication, visibility, scoring, reasons, JSON).
Run: .venv/bin/python bench/target_scoring.py [--rows 400000] [--requests 2000] [--database-url URL]
The load average printed with the machine says how busy the two cores were with other work.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from countermark.cases.outcome_service import provide_case_outcomes
from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.eval.targeting import load_kcs
from countermark.orgs.auth_service import create_api_token
from countermark.orgs.service import create_organisation, create_user
from countermark.targeting.batch import ScoringJob, run_duckdb, write_declarations
from countermark.targeting.engine_service import retrain
from countermark.targeting.frames import KEY, History
from countermark.targeting.kcs import read_kcs
from countermark.targeting.models import InspectionResult, Shipment
from countermark.targeting.predictor import compiler_available
from countermark.targeting.rules import Rule
from countermark.targeting.schemas import ShipmentIn
from countermark.targeting.scorer_service import loaded_scorer
from countermark.targeting.scoring import train
from countermark.web.app import create_app

# The public data set sits beside the project checkout (../shared/datasets), as in the team's layout.
DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "kcs-customs"
RULES = [
    Rule(
        "cheap by weight", "value_per_kg < 100 and transport_mode == 'post'", "cheap for its weight", "weigh"
    ),
    Rule("apparel from CN", "startswith(hs6, '61', '62') and origin_country == 'CN'", "apparel risk", "open"),
]
_SHIPMENT_FIELDS = [
    c.name for c in Shipment.__table__.columns if c.name not in ("id", "created_at", "updated_at")
]


def batch_rate(job: ScoringJob, big: pd.DataFrame, tmp: Path) -> tuple[int, float]:
    """Rows scored and seconds taken by the DuckDB executor (model and index loaded beforehand)."""
    source = write_declarations(big, tmp / "declarations.parquet")
    job.score_batch(big.head(10))
    started = time.perf_counter()
    count = run_duckdb(job, source, tmp / "scores.parquet")
    return count, time.perf_counter() - started


def _store(tmp: Path, database_url: str | None) -> AppContext:
    settings = Settings(data_dir=tmp / "data", database_url=database_url or f"sqlite:///{tmp / 'bench.db'}")
    ctx = build_context(settings, blobs=LocalBlobStore(tmp / "blobs"))
    provide_case_outcomes(ctx)
    upgrade(ctx.engine)
    return ctx


def load_store(ctx: AppContext) -> tuple[int, str, list[int]]:
    """Store both KCS splits (bulk insert of validated records); the organisation, a token, 2021 ids."""
    with unit_of_work(ctx.sessions) as session:
        org = create_organisation(session=session, name="KCS bench", kind="customs", country="KR")
        user = create_user(
            session=session, org_id=org.id, email="bench@kcs.example", display_name="b", role="admin"
        )
        token, _ = create_api_token(session=session, user=user, name="bench", scopes=["read", "write"])
        org_id = org.id
    inspections: list[dict[str, Any]] = []
    for split in ("df_syn_train_eng.csv", "df_syn_valid_eng.csv"):
        rows = []
        for row in read_kcs(DATASET / split):
            record = ShipmentIn.model_validate(row.shipment)
            values = {name: getattr(record, name, None) for name in _SHIPMENT_FIELDS}
            digest = hashlib.sha256(record.model_dump_json().encode()).hexdigest()
            values.update(owner_org_id=org_id, tlp="AMBER", content_hash=digest, version=1)
            rows.append(values)
            if row.inspection is not None and split.startswith("df_syn_train"):
                inspections.append(row.inspection)
        with unit_of_work(ctx.sessions) as session:
            for start in range(0, len(rows), 5000):
                session.execute(insert(Shipment), rows[start : start + 5000])
    with unit_of_work(ctx.sessions) as session:
        ids = {external: key for external, key in session.execute(select(Shipment.external_id, Shipment.id))}
        results = [
            {
                "source": "kcs",
                "external_id": r["external_id"],
                "content_hash": hashlib.sha256(r["external_id"].encode()).hexdigest(),
                "owner_org_id": org_id,
                "tlp": "AMBER",
                "shipment_id": ids[r["shipment_external_id"]],
                "inspected_on": pd.Timestamp(r["inspected_on"]).date(),
                "lane": "red",
                "found": r["found"],
                "severity": r["severity"],
                "finding": r["finding"],
            }
            for r in inspections
        ]
        for start in range(0, len(results), 5000):
            session.execute(insert(InspectionResult), results[start : start + 5000])
    valid = [ids[row.shipment["external_id"]] for row in read_kcs(DATASET / "df_syn_valid_eng.csv")]
    return org_id, token, valid


def api_latency(ctx: AppContext, requests: int) -> dict[str, float]:
    """Retrain from the store, then time single-declaration scoring through the HTTP API."""
    figures: dict[str, float] = {}
    org_id, token, valid = load_store(ctx)
    started = time.perf_counter()
    with unit_of_work(ctx.sessions) as session:
        retrain(session=session, owner_org_id=org_id, actor="bench")
    figures["retrain_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with unit_of_work(ctx.sessions) as session:
        loaded_scorer(ctx=ctx, session=session, owner_org_id=org_id)
    figures["load_s"] = time.perf_counter() - started
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    with TestClient(create_app(context=ctx)) as client:
        for position in range(requests + 20):
            shipment_id = valid[(position * 7919) % len(valid)]
            started = time.perf_counter()
            response = client.post(f"/api/v1/targeting/score/{shipment_id}", headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"scoring failed: {response.status_code} {response.text[:300]}")
    ms = np.array(timings[20:])  # the first calls warm the app, the token cache and the scorer
    for q in (50, 95, 99):
        figures[f"p{q}"] = float(np.percentile(ms, q))
    figures["calls"] = float(len(ms))
    return figures


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    """Print throughput and latency figures with the machine they were measured on."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    train_frame, train_results = load_kcs(DATASET / "df_syn_train_eng.csv")
    valid_frame, _ = load_kcs(DATASET / "df_syn_valid_eng.csv")
    history = History(train_frame, train_results)
    started = time.perf_counter()
    model = train(history)
    trained = time.perf_counter() - started
    copies = -(-args.rows // len(valid_frame))
    big = pd.concat([valid_frame.assign(**{KEY: valid_frame[KEY] + f"#{i}"}) for i in range(copies)])
    big = big.iloc[: args.rows].reset_index(drop=True)
    lines = [("training on 37,385 declarations, with calibration (2 fits)", f"{trained:.1f} s")]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        count, elapsed = batch_rate(ScoringJob(model.to_json(), history, RULES), big, tmp)
        lines.append(
            (
                "batch, DuckDB executor, LightGBM predict, model + 2 rules",
                f"{count / elapsed:,.0f} /s ({count:,} in {elapsed:.2f} s)",
            )
        )
        if compiler_available():
            started = time.perf_counter()
            compiled = ScoringJob(model.to_json(), history, RULES, compiled_dir=tmp / "compiled")
            compiled.score_batch(big.head(10))
            lines.append(
                (
                    "compiling the 400 trees with lleaves (once per model, cached)",
                    f"{time.perf_counter() - started:.1f} s",
                )
            )
            count, elapsed = batch_rate(compiled, big, tmp)
            lines.append(
                (
                    "batch, DuckDB executor, compiled trees, model + 2 rules",
                    f"{count / elapsed:,.0f} /s ({count:,} in {elapsed:.2f} s)",
                )
            )
        else:
            lines.append(("batch with compiled trees", "lleaves not installed: not measured"))
        ctx = _store(tmp, args.database_url)
        try:
            api = api_latency(ctx, args.requests)
        finally:
            ctx.close()
    database = "PostgreSQL" if args.database_url else "SQLite"
    lines.append((f"retrain from the store ({database}, 45,519 declarations)", f"{api['retrain_s']:.1f} s"))
    lines.append(("loading the scorer (history index, model) after a change", f"{api['load_s']:.2f} s"))
    lines.append(
        (
            f"single declaration, POST /api/v1/targeting/score/{{id}} ({database}, reasons)",
            f"p50 {api['p50']:.1f} ms, p95 {api['p95']:.1f} ms, p99 {api['p99']:.1f} ms "
            f"({int(api['calls'])} calls)",
        )
    )
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores ({_cpu_name()}), "
        f"Python {platform.python_version()}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    width = max(len(name) for name, _ in lines)
    print(f"| {'what'.ljust(width)} | measured |")
    print(f"|{'-' * (width + 2)}|----------|")
    for name, value in lines:
        print(f"| {name.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
