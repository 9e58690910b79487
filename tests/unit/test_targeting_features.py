"""Features are leakage-safe: a declaration's own outcome and every later outcome never reach its features."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countermark.targeting.features import DeclarationFeatures, HistoryIndex
from countermark.targeting.frames import (
    DATE,
    KEY,
    History,
    declaration_columns,
    declaration_frame,
    declaration_row,
    result_frame,
    row_columns,
)
from countermark.targeting.predictor import compiler_available
from countermark.targeting.scoring import TargetingModel, train


def _world(n: int = 240, seed: int = 3) -> History:
    rng = random.Random(seed)
    rows, results = [], []
    for i in range(n):
        importer = f"imp{rng.randint(0, 9)}"
        risky = importer in ("imp0", "imp1")
        day = f"2024-01-{1 + i * 28 // n:02d}"
        rows.append(
            declaration_row(
                {
                    "declared_on": day,
                    "transport_mode": rng.choice(["post", "express"]),
                    "consignee_name": importer,
                    "consignor_name": f"shipper {rng.randint(0, 5)}",
                    "hs_code": rng.choice(["610910", "392690", "851830"]),
                    "origin_country": "CN",
                    "departure_country": rng.choice(["CN", "HK"]),
                    "quantity": rng.randint(1, 3),
                    "gross_mass_kg": rng.uniform(0.1, 2),
                    "declared_value": rng.uniform(1, 40) if risky else rng.uniform(20, 90),
                    "currency": "EUR",
                },
                key=f"s:{i}",
            )
        )
        found = int(rng.random() < (0.7 if risky else 0.1))
        results.append({KEY: f"s:{i}", "inspected_on": day, "found": found, "severity": found})
    return History(declaration_frame(rows), result_frame(results))


def _features(history: History, frame: pd.DataFrame) -> pd.DataFrame:
    builder = DeclarationFeatures().fit(history.declarations, history.results.iloc[:0])
    return builder.transform(frame, HistoryIndex.build(history))


def test_features_do_not_change_when_own_and_future_outcomes_are_flipped() -> None:
    history = _world()
    target = history.declarations[history.declarations[DATE] == pd.Timestamp("2024-01-15")]
    before = _features(history, target)
    flipped = history.results.copy()
    later = flipped["inspected_on"] >= pd.Timestamp("2024-01-15")
    flipped.loc[later, "found"] = 1 - flipped.loc[later, "found"]
    after = _features(History(history.declarations, flipped), target)
    pd.testing.assert_frame_equal(before, after)


def test_features_change_when_past_outcomes_are_flipped() -> None:
    history = _world()
    target = history.declarations[history.declarations[DATE] == pd.Timestamp("2024-01-15")]
    before = _features(history, target)
    flipped = history.results.copy()
    earlier = flipped["inspected_on"] < pd.Timestamp("2024-01-15")
    flipped.loc[earlier, "found"] = 1 - flipped.loc[earlier, "found"]
    after = _features(History(history.declarations, flipped), target)
    assert not before.filter(like="hist_importer_rate").equals(after.filter(like="hist_importer_rate"))


def test_party_history_counts_only_results_dated_strictly_before() -> None:
    history = _world()
    features = _features(history, history.declarations)
    first_day = history.declarations[DATE] == history.declarations[DATE].min()
    assert (features.loc[first_day, "hist_importer_n"] == 0).all()
    assert (features.loc[~first_day, "hist_importer_n"] > 0).any()


def test_unseen_party_has_no_activity_and_known_party_has() -> None:
    history = _world()
    features = _features(history, history.declarations)
    assert features["seen_importer"].iloc[0] == 0
    assert features["seen_importer"].iloc[-1] > 0


def test_model_learns_risky_importers_and_round_trips_through_json() -> None:
    history = _world(n=400)
    model = train(history, params={"n_estimators": 30, "min_child_samples": 5, "n_jobs": 1})
    index = HistoryIndex.build(history)
    late = history.declarations[history.declarations[DATE] >= pd.Timestamp("2024-01-20")]
    scores = model.score(late, index)["model_score"].to_numpy()
    risky = late["importer"].isin(["imp0", "imp1"]).to_numpy()
    assert scores[risky].mean() > scores[~risky].mean() + 0.1
    loaded = TargetingModel.from_json(model.to_json())
    np.testing.assert_allclose(loaded.score(late, index)["model_score"].to_numpy(), scores)


def test_training_without_both_outcomes_is_refused() -> None:
    history = _world(n=50)
    none_found = history.results.assign(found=0)
    with pytest.raises(ValueError, match="both outcomes"):
        train(History(history.declarations, none_found))


def test_single_declaration_lookup_agrees_with_the_batch_merge() -> None:
    history = _world()
    builder = DeclarationFeatures().fit(history.declarations, history.results)
    index = HistoryIndex.build(history)
    batch = builder.transform(history.declarations, index)
    for position in (0, 57, 150, 239):
        single = builder.transform(history.declarations.iloc[[position]], index)
        pd.testing.assert_frame_equal(single, batch.iloc[[position]])


def test_numpy_single_row_path_gives_exactly_the_batch_features() -> None:
    history = _world()
    builder = DeclarationFeatures().fit(history.declarations, history.results)
    index = HistoryIndex.build(history)
    batch = builder.matrix(declaration_columns(history.declarations), index)
    records = history.declarations.to_dict("records")
    for position in (0, 1, 57, 150, 239):
        row = {k: (v.date() if isinstance(v, pd.Timestamp) else v) for k, v in records[position].items()}
        single = builder.matrix(row_columns([row]), index)
        np.testing.assert_array_equal(single[0], batch[position])
    unseen = dict(row, consignee=None, importer="never seen before", hs6="999999", value=float("nan"))
    features = builder.transform(declaration_frame([unseen]), index).iloc[0]
    assert features["hist_importer_n"] == 0 and np.isnan(features["log_value"])


def test_compiled_trees_give_the_log_odds_of_lightgbm(tmp_path: Path) -> None:
    if not compiler_available():
        pytest.skip("lleaves is not installed: batches predict with LightGBM itself")
    history = _world(n=400)
    model = train(history, params={"n_estimators": 25, "min_child_samples": 5, "n_jobs": 1})
    matrix = model.matrix(history.declarations, HistoryIndex.build(history))
    expected = model.probability(matrix)
    assert model.use_compiled(tmp_path / "compiled")
    np.testing.assert_allclose(model.probability(matrix), expected, rtol=1e-12, atol=1e-12)
    assert list((tmp_path / "compiled").glob("*.bin"))  # the compiled code is cached for the next load
