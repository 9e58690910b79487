"""The metrics behind the world-difficulty controls, on small hand-made inputs."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from PIL import Image
from sklearn.metrics import average_precision_score  # type: ignore[import-untyped]

from countermark.eval.controls_links import UnionFind, hub_cut_scan, linkable_upper_bound
from countermark.eval.controls_listings import category_rule
from countermark.eval.controls_photos import jpeg_quality
from countermark.eval.metrics import average_precision, pairwise_scores, precision_at_recall
from countermark.eval.world_difficulty import mean_figures, targets_met
from countermark.eval.world_files import WorldAccount, WorldFiles


def test_average_precision_steps_over_each_positive() -> None:
    scores = [0.9, 0.8, 0.7, 0.6]
    labels = [True, False, True, False]
    # Positives at ranks 1 and 3: (1/1 + 2/3) / 2.
    assert average_precision(scores, labels) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision(scores, labels) == pytest.approx(average_precision_score(labels, scores))


def test_average_precision_flags_ties_together_and_is_nan_without_positives() -> None:
    assert average_precision([1.0, 1.0], [True, False]) == pytest.approx(0.5)
    assert average_precision([0.3, 0.3, 0.9, 0.1], [False, True, True, False]) == pytest.approx(
        average_precision_score([False, True, True, False], [0.3, 0.3, 0.9, 0.1])
    )
    assert math.isnan(average_precision([0.2, 0.1], [False, False]))
    with pytest.raises(ValueError, match="differ in length"):
        average_precision([0.1], [True, False])


def test_precision_at_recall_takes_the_best_threshold_reaching_it() -> None:
    scores = [0.9, 0.8, 0.7, 0.6, 0.5]
    labels = [True, False, False, True, True]
    assert precision_at_recall(scores, labels, 0.3) == pytest.approx(1.0)
    # Recall 2/3 at rank 4 has precision 2/4, but rank 5 reaches recall 1 at 3/5: the better one counts.
    assert precision_at_recall(scores, labels, 0.5) == pytest.approx(3 / 5)
    assert precision_at_recall([0.9, 0.8, 0.7], [False, True, False], 0.5) == pytest.approx(1 / 2)
    assert precision_at_recall(scores, labels, 1.0) == pytest.approx(3 / 5)


def test_pairwise_scores_count_pairs_within_clusters_and_groups() -> None:
    clusters = {"a": "1", "b": "1", "c": "1", "d": "2"}
    groups: dict[str, str | None] = {"a": "N1", "b": "N1", "c": None, "d": "N1"}
    scores = pairwise_scores(clusters, groups)
    # Predicted ab, ac, bc; true ab, ad, bd; one hit.
    assert scores["predicted_pairs"] == 3
    assert scores["true_pairs"] == 3
    assert scores["precision"] == pytest.approx(1 / 3)
    assert scores["recall"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx(1 / 3)


def test_pairwise_scores_ignore_same_operator_pairs_but_not_their_links_to_networks() -> None:
    groups: dict[str, str | None] = {"a": "N1", "b": "N1", "e": None, "f": None}
    operators: dict[str, str | None] = {"e": "op-1", "f": "op-1"}
    apart = pairwise_scores({"a": "1", "b": "1", "e": "2", "f": "2"}, groups, operators)
    assert apart["precision"] == 1.0
    assert apart["f1"] == 1.0
    merged = pairwise_scores({"a": "1", "b": "1", "e": "1", "f": "1"}, groups, operators)
    # Six pairs, ef ignored: ab right, ae af be bf wrong.
    assert merged["predicted_pairs"] == 5
    assert merged["precision"] == pytest.approx(1 / 5)
    assert pairwise_scores({"a": "1", "b": "2"}, groups)["recall"] == 0.0


def test_union_find_joins_transitively() -> None:
    sets = UnionFind(["a", "b", "c", "d"])
    sets.union("a", "b")
    sets.union("c", "b")
    clusters = sets.clusters(["a", "b", "c", "d"])
    assert clusters["a"] == clusters["b"] == clusters["c"]
    assert clusters["d"] != clusters["a"]


def _truth(networks: dict[str, str | None]) -> dict[str, object]:
    return {"accounts": {k: {"network": v, "operator": None} for k, v in networks.items()}}


def test_hub_cut_scan_finds_the_degree_that_drops_the_hub() -> None:
    truth = _truth({"a": "N1", "b": "N1", "c": "N2", "d": "N2", "e": None})
    values = {
        "a": {("email", "x@n1.example")},
        "b": {("email", "x@n1.example"), ("phone", "+33100000000")},
        "c": {("phone", "+33100000000"), ("email", "y@n2.example")},
        "d": {("email", "y@n2.example")},
        "e": {("phone", "+33100000000")},
    }
    result = hub_cut_scan(values, ["a", "b", "c", "d", "e"], truth)
    assert result["degree"] == 2.0
    assert result["f1"] == pytest.approx(1.0)
    by_degree = {row["degree"]: row for row in result["scan"]}
    assert by_degree[1.0]["f1"] == 0.0  # nothing linked
    assert by_degree[3.0]["precision"] < 1.0  # the hub merges everyone


def test_linkable_upper_bound_is_the_closure_of_the_truth_pairs() -> None:
    accounts = {k: WorldAccount(k, "web", k, None, None, {}) for k in "abcd"}
    world = WorldFiles(Path("."), accounts, [], [], [], {})
    truth: dict[str, object] = {
        **_truth({"a": "N1", "b": "N1", "c": "N1", "d": None}),
        "linkability": {
            "pairs": [
                {"a": "a", "b": "b", "evidence": ["exact:email"]},
                {"a": "b", "b": "c", "evidence": ["fuzzy:handle"]},
            ]
        },
    }
    bound = linkable_upper_bound(world, truth)
    assert bound is not None
    assert bound["f1"] == pytest.approx(1.0)
    assert bound["pairs_by_evidence"] == {"exact": 1, "fuzzy": 1}
    assert linkable_upper_bound(world, _truth({"a": "N1"})) is None


def test_category_rule_learns_only_from_other_sellers() -> None:
    sellers = [f"s{i}" for i in range(6) for _ in range(2)]
    infringing = [i < 3 for i in range(6) for _ in range(2)]
    shared = ["CN" if i < 3 else "FR" for i in range(6) for _ in range(2)]
    assert category_rule(shared, infringing, sellers, folds=3) == pytest.approx(1.0)
    # A country only its own seller has says nothing once that seller is held out: every score is tied.
    own = [f"C{i}" for i in range(6) for _ in range(2)]
    assert category_rule(own, infringing, sellers, folds=3) < 0.8


def test_jpeg_quality_is_read_from_the_quantisation_tables(tmp_path: Path) -> None:
    for quality in (55, 73, 90):
        path = tmp_path / f"q{quality}.jpg"
        Image.new("RGB", (32, 32), (200, 10, 10)).save(path, "JPEG", quality=quality)
        assert jpeg_quality(path) == quality
    png = tmp_path / "x.png"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    png.write_bytes(buffer.getvalue())
    assert jpeg_quality(png) is None
    assert jpeg_quality(tmp_path / "missing.jpg") is None


def test_mean_and_targets_skip_missing_figures() -> None:
    mean = mean_figures(
        [{"text_classifier_ap": 0.7, "linkable_upper_bound_f1": None}, {"text_classifier_ap": 0.9}]
    )
    assert mean["text_classifier_ap"] == pytest.approx(0.8)
    assert mean["linkable_upper_bound_f1"] is None
    met = targets_met({**mean, "file_hash_f1": 0.51})
    assert met["text_classifier_ap"] is True
    assert met["file_hash_f1"] is False
    assert met["linkable_upper_bound_f1"] is None
