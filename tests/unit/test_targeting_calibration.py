"""Calibrated probabilities match observed rates on later data; lane cut-offs follow the configured shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from countermark.core.errors import InvalidInput
from countermark.targeting.calibration import (
    Calibration,
    cutoffs_from_hit_rates,
    cutoffs_from_shares,
    fit_platt,
    sigmoid,
)
from countermark.targeting.features import HistoryIndex
from countermark.targeting.frames import (
    DATE,
    KEY,
    History,
    declaration_frame,
    declaration_row,
    labels_for,
    result_frame,
)
from countermark.targeting.scoring import TargetingModel, fit_model, train
from tests.unit.test_targeting_features import _world

# A small model of the production shape (fewer trees, so the tests stay quick).
PARAMS = {"n_estimators": 100, "learning_rate": 0.05, "min_child_samples": 20, "n_jobs": 1}


def _graded_world(n: int, seed: int = 11) -> History:
    """Declarations over 60 days from 40 importers whose true hit rates run evenly from 2 % to 80 %."""
    rng = np.random.default_rng(seed)
    rates = np.linspace(0.02, 0.80, 40)
    rows, results = [], []
    for i in range(n):
        importer = int(rng.integers(0, 40))
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=i * 60 // n)
        record = {
            "declared_on": day.date().isoformat(),
            "transport_mode": "post" if rng.random() < 0.5 else "express",
            "consignee_name": f"importer {importer}",
            "hs_code": str(rng.choice(["610910", "392690", "851830"])),
            "origin_country": "CN",
            "quantity": int(rng.integers(1, 4)),
            "gross_mass_kg": float(rng.uniform(0.1, 2.0)),
            "declared_value": float(rng.uniform(5, 90)),
            "currency": "EUR",
        }
        rows.append(declaration_row(record, key=f"g:{i}"))
        found = int(rng.random() < rates[importer])
        results.append(
            {KEY: f"g:{i}", "inspected_on": record["declared_on"], "found": found, "severity": found}
        )
    return History(declaration_frame(rows), result_frame(results))


def _split(n: int = 5000, learned: int = 3500) -> tuple[History, History, pd.DataFrame]:
    """The whole world, the part learned from (its first declarations) and the later declarations."""
    world = _graded_world(n)
    cut = world.declarations[DATE].iloc[learned]
    later = world.declarations[world.declarations[DATE] >= cut].reset_index(drop=True)
    return world, world.before(cut), later


def test_fit_platt_recovers_a_known_logistic_map() -> None:
    rng = np.random.default_rng(0)
    margin = rng.normal(0.0, 2.0, 40_000)
    outcome = rng.random(40_000) < sigmoid(0.5 * margin - 1.0)
    slope, intercept = fit_platt(margin, outcome.astype(float))
    assert slope == pytest.approx(0.5, abs=0.04)
    assert intercept == pytest.approx(-1.0, abs=0.06)


def test_calibrated_probabilities_match_observed_rates_on_later_data() -> None:
    world, learned, later = _split()
    model = train(learned, params=PARAMS)
    assert model.calibration is not None and model.calibration.rows >= 100
    index = HistoryIndex.build(world)  # later declarations see results dated before their own day only
    outcome = labels_for(later, world.results).to_numpy()
    matrix = model.matrix(later, index)
    calibrated = model.probability(matrix)
    raw = sigmoid(model.classifier.margin(matrix))
    brier_calibrated = float(np.mean((calibrated - outcome) ** 2))
    brier_raw = float(np.mean((raw - outcome) ** 2))
    assert brier_calibrated < brier_raw
    # Reliability: within each fifth of the calibrated scores, the mean probability is the observed rate.
    order = np.argsort(calibrated)
    for part in np.array_split(order, 5):
        assert abs(calibrated[part].mean() - outcome[part].mean()) < 0.08
    assert abs(calibrated.mean() - outcome.mean()) < 0.03


def test_calibration_keeps_the_ranking_and_survives_the_json_round_trip() -> None:
    _, learned, later = _split()
    model = train(learned, params=PARAMS)
    index = HistoryIndex.build(learned)
    matrix = model.matrix(later, index)
    raw = model.classifier.margin(matrix)
    calibrated = model.probability(matrix)
    assert (np.diff(calibrated[np.argsort(raw, kind="stable")]) >= 0).all()
    loaded = TargetingModel.from_json(model.to_json())
    assert loaded.calibration == model.calibration
    np.testing.assert_allclose(loaded.probability(matrix), calibrated)


def test_too_few_held_out_results_leave_the_model_uncalibrated() -> None:
    small = _world(n=200)
    model = train(small, params={"n_estimators": 10, "min_child_samples": 5, "n_jobs": 1})
    assert model.calibration is None
    uncalibrated = fit_model(small, params={"n_estimators": 10, "min_child_samples": 5, "n_jobs": 1})
    matrix = uncalibrated.matrix(small.declarations, HistoryIndex.build(small))
    np.testing.assert_allclose(model.probability(matrix), uncalibrated.probability(matrix))


@pytest.mark.parametrize(("red", "yellow"), [(0.05, 0.05), (0.02, 0.10), (0.20, 0.30)])
def test_cutoffs_send_the_configured_shares_of_held_out_declarations_to_each_lane(
    red: float, yellow: float
) -> None:
    _, learned, _ = _split()
    model = train(learned, params=PARAMS)
    assert model.calibration is not None
    cutoffs = cutoffs_from_shares(model.calibration, red, yellow, "test")
    # The reference distribution is the held-out declarations' calibrated scores: rescore them.
    held = learned.declarations[learned.declarations[DATE] >= pd.Timestamp(model.calibration.holdout_from)]
    earlier = fit_model(learned.before(pd.Timestamp(model.calibration.holdout_from)), params=PARAMS)
    earlier.calibration = model.calibration
    scores = earlier.probability(earlier.matrix(held.reset_index(drop=True), HistoryIndex.build(learned)))
    lanes = np.array([cutoffs.lane(float(s), None) for s in scores])
    # Tied scores (several declarations alike) may move a share by a few of them, not more.
    tolerance = 0.02 + 5 / len(scores)
    assert (lanes == "red").mean() == pytest.approx(red, abs=tolerance)
    assert (lanes == "yellow").mean() == pytest.approx(yellow, abs=tolerance)
    assert cutoffs.red >= cutoffs.yellow
    assert "red 5.0%" in cutoffs_from_shares(model.calibration, 0.05, 0.0, "x").basis


def test_cutoffs_follow_a_known_score_distribution_and_rules_still_force_their_lane() -> None:
    uniform = Calibration(1.0, 0.0, tuple(np.linspace(0.0, 1.0, 1001)), "2024-01-01", 500, 100, 0.1)
    cutoffs = cutoffs_from_shares(uniform, 0.05, 0.15, "test")
    assert cutoffs.red == pytest.approx(0.95)
    assert cutoffs.yellow == pytest.approx(0.80)
    assert cutoffs.lane(0.96, None) == "red"
    assert cutoffs.lane(0.85, None) == "yellow"
    assert cutoffs.lane(0.10, None) == "green"
    assert cutoffs.lane(0.10, "red") == "red"


def test_hit_rate_cutoffs_and_impossible_shares() -> None:
    cutoffs = cutoffs_from_hit_rates(0.6, 0.3)
    assert (cutoffs.lane(0.61, None), cutoffs.lane(0.45, None), cutoffs.lane(0.1, None)) == (
        "red",
        "yellow",
        "green",
    )
    uniform = Calibration(1.0, 0.0, tuple(np.linspace(0.0, 1.0, 11)), "2024-01-01", 500, 100, 0.1)
    with pytest.raises(InvalidInput):
        cutoffs_from_shares(uniform, 0.7, 0.5, "test")
    with pytest.raises(InvalidInput):
        cutoffs_from_hit_rates(0.2, 0.5)
    assert KEY == "shipment_key"
