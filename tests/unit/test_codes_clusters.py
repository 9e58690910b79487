"""Fake clusters of flagged serials and hot spots of consumer reports."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from countermark.codes.clusters import FlaggedCode, ReportPoint, fake_clusters, hot_spots, region_of

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def test_flagged_codes_of_one_batch_market_and_seller_form_one_cluster() -> None:
    flagged = [FlaggedCode(i, 1, 6.5 + i * 0.01, 3.4, "stall-9", T0 + timedelta(days=i)) for i in range(5)]
    flagged += [FlaggedCode(10, 1, 13.7, 100.5, "stall-9", T0), FlaggedCode(11, 2, 6.5, 3.4, "stall-9", T0)]
    flagged += [
        FlaggedCode(12, 1, 6.5, 3.4, "stall-9", T0 + timedelta(days=200)),
        FlaggedCode(13, 1, 6.5, 3.4, "stall-9", T0 + timedelta(days=201)),
    ]
    clusters = fake_clusters(flagged)
    assert [c.code_ids for c in clusters] == [[0, 1, 2, 3, 4], [12, 13]]
    assert clusters[0].region == region_of(6.5, 3.4) == "+6,+3"


def test_reports_around_two_markets_make_two_hot_spots_and_scattered_ones_none() -> None:
    rng = random.Random(3)
    points = [ReportPoint(i, 6.52 + rng.uniform(-0.1, 0.1), 3.38 + rng.uniform(-0.1, 0.1)) for i in range(12)]
    points += [
        ReportPoint(100 + i, 13.75 + rng.uniform(-0.1, 0.1), 100.5 + rng.uniform(-0.1, 0.1)) for i in range(5)
    ]
    points += [ReportPoint(200 + i, rng.uniform(-50, 50), rng.uniform(-170, 170)) for i in range(10)]
    spots = hot_spots(points, eps_km=25, min_points=3)
    assert [s.report_ids for s in spots] == [list(range(12)), list(range(100, 105))]
    assert abs(spots[0].lat - 6.52) < 0.1 and spots[0].radius_km < 25


def test_hot_spots_of_nothing_is_nothing() -> None:
    assert hot_spots([]) == []
    assert hot_spots([ReportPoint(1, 0.0, 0.0)]) == []
