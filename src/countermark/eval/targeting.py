"""Targeting figures: on the synthetic world against its truth, and on the public Korean customs data set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.cases.outcome_service import StoredCaseOutcomes
from countermark.link.case_networks import NetworkedCaseOutcomes
from countermark.targeting.backtest import precision_at, recall_at, value_at
from countermark.targeting.features import HistoryIndex
from countermark.targeting.frames import DATE, KEY, History, declaration_frame, declaration_row, result_frame
from countermark.targeting.kcs import read_kcs
from countermark.targeting.models import Shipment
from countermark.targeting.scorer_service import load_scorer
from countermark.targeting.scoring import train
from countermark.targeting.service import load_history

SHARES = (0.01, 0.02, 0.05, 0.10)
# The synthetic world leaves its last fortnight uninspected (sim/inspections.py): that is what is ranked.
WINDOW_DAYS = 14


def ranking_figures(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """precision@k, recall@k and revenue@k (share of the weight of positives) for k = 1, 2, 5, 10%."""
    figures: dict[str, float] = {}
    positive_weights = np.where(labels > 0, weights, 0.0)
    for share in SHARES:
        name = f"{round(share * 100)}%"
        figures[f"precision@{name}"] = precision_at(scores, labels, share)
        figures[f"recall@{name}"] = recall_at(scores, labels, share)
        figures[f"revenue@{name}"] = value_at(scores, positive_weights, share)
    figures["evaluated"] = float(len(scores))
    figures["base_rate"] = float(labels.mean()) if len(labels) else float("nan")
    return figures


def evaluate_targeting(session: Session, truth: dict[str, Any]) -> dict[str, float]:
    """Rank the world's uninspected last fortnight with the active model; measure against the truth.

    revenue@k here is the share of counterfeit units (declared quantity) in the top k.
    """
    owner = session.execute(
        select(Shipment.owner_org_id, func.count())
        .group_by(Shipment.owner_org_id)
        .order_by(func.count().desc())
    ).first()
    labels_by_key = {k: bool(v.get("infringing")) for k, v in truth.get("shipments", {}).items()}
    if owner is None or not labels_by_key:
        return {"evaluated": 0.0}
    history = load_history(session=session, owner_org_id=int(owner[0]))
    last = history.declarations[DATE].max()
    recent = history.declarations[history.declarations[DATE] > last - pd.Timedelta(days=WINDOW_DAYS)]
    recent = recent[recent[KEY].isin(list(labels_by_key))].reset_index(drop=True)
    if recent.empty:
        return {"evaluated": 0.0}
    # Built here, with the confirmed cases' intelligence: the evaluation runs without an application context.
    outcomes = NetworkedCaseOutcomes(StoredCaseOutcomes())  # as the app and the command line wire them
    scorer = load_scorer(session=session, owner_org_id=int(owner[0]), outcomes=outcomes)
    if scorer.model is None:
        return {"evaluated": 0.0}
    scored = scorer.assess(recent, explain=0)
    labels = recent[KEY].map(labels_by_key).astype(float).to_numpy()
    units = recent["quantity"].fillna(1.0).to_numpy()
    return ranking_figures(scored["score"].to_numpy(), labels, units)


def load_kcs(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A KCS split as canonical declarations and inspection results (Fraud, Critical Fraud)."""
    rows = list(read_kcs(path))
    declarations = declaration_frame(
        declaration_row(r.shipment, key=f"kcs:{r.shipment['external_id']}") for r in rows
    )
    results = result_frame(
        {
            KEY: f"kcs:{r.shipment['external_id']}",
            "inspected_on": r.inspection["inspected_on"],
            "found": int(r.inspection["found"]),
            "severity": r.inspection["severity"],
        }
        for r in rows
        if r.inspection is not None
    )
    return declarations, results


def _measure(model: Any, frame: pd.DataFrame, results: pd.DataFrame, history: History) -> dict[str, float]:
    scores = model.score(frame, HistoryIndex.build(history))["model_score"].to_numpy()
    outcome = results.set_index(KEY).loc[frame[KEY]]
    # Revenue weight: the declared value of a fraudulent declaration, doubled when the fraud is critical.
    weights = frame["value"].fillna(0.0).to_numpy() * outcome["severity"].to_numpy()
    labels = outcome["found"].to_numpy(dtype=float)
    return {**ranking_figures(scores, labels, weights), **calibration_figures(scores, labels)}


def calibration_figures(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> dict[str, float]:
    """Brier score, mean probability against the observed rate, and the widest gap over score deciles."""
    if not len(probabilities):
        return {}
    order = np.argsort(probabilities, kind="stable")
    gaps = [abs(probabilities[part].mean() - labels[part].mean()) for part in np.array_split(order, bins)]
    return {
        "brier": float(np.mean((probabilities - labels) ** 2)),
        "mean_probability": float(probabilities.mean()),
        "decile_gap_max": float(max(gaps)),
    }


def evaluate_kcs(dataset_dir: Path, *, params: dict[str, Any] | None = None) -> dict[str, dict[str, float]]:
    """Train on the 2020 split, measure on 2021 Q1; plus the train-only check (Jan-Sep vs Oct-Dec 2020).

    "static": the history is frozen at the end of 2020 (as the published reference).
    "online": results of 2021 Q1 enter the party histories as they are recorded (strictly before each
    declaration's date), without refitting: what a running deployment does.
    """
    train_frame, train_results = load_kcs(dataset_dir / "df_syn_train_eng.csv")
    valid_frame, valid_results = load_kcs(dataset_dir / "df_syn_valid_eng.csv")
    figures: dict[str, dict[str, float]] = {}
    october = pd.Timestamp("2020-10-01")
    inner = History(train_frame, train_results).before(october)
    inner_model = train(inner, params=params)
    autumn = train_frame[train_frame[DATE] >= october].reset_index(drop=True)
    figures["kcs_2020_q4_trained_jan_sep"] = _measure(
        inner_model, autumn, train_results, History(train_frame, train_results)
    )
    model = train(History(train_frame, train_results), params=params)
    figures["kcs_2021q1_static"] = _measure(
        model, valid_frame, valid_results, History(train_frame, train_results)
    )
    online = History(pd.concat([train_frame, valid_frame]), pd.concat([train_results, valid_results]))
    figures["kcs_2021q1_online"] = _measure(model, valid_frame, valid_results, online)
    return figures
