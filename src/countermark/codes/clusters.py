"""Pure clustering: flagged serials into fake clusters, consumer reports into hot spots (DBSCAN on a grid)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from countermark.codes.clones import distance_km

REGION_DEGREES = 1.0  # about 100 km: copies sold in one market share a region


@dataclass(frozen=True)
class FlaggedCode:
    """A serial with a clone alert: its batch, where it was mostly scanned, who sold it, and when."""

    code_id: int
    batch_id: int
    lat: float | None
    lon: float | None
    seller: str | None
    at: datetime


@dataclass
class FakeCluster:
    """Flagged codes of one batch, region and seller, close in time."""

    batch_id: int
    region: str
    seller: str | None
    code_ids: list[int] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None


def region_of(lat: float | None, lon: float | None) -> str:
    """A coarse region label (1° grid cell) or 'unknown'."""
    if lat is None or lon is None:
        return "unknown"
    row, col = math.floor(lat / REGION_DEGREES), math.floor(lon / REGION_DEGREES)
    return f"{row * REGION_DEGREES:+.0f},{col * REGION_DEGREES:+.0f}"


def fake_clusters(
    flagged: Sequence[FlaggedCode], *, max_gap: timedelta = timedelta(days=30), min_size: int = 2
) -> list[FakeCluster]:
    """Flagged codes grouped by batch, region and seller, split where the time gap exceeds `max_gap`."""
    groups: dict[tuple[int, str, str | None], list[FlaggedCode]] = defaultdict(list)
    for item in flagged:
        groups[(item.batch_id, region_of(item.lat, item.lon), item.seller)].append(item)
    clusters: list[FakeCluster] = []
    for (batch_id, region, seller), items in groups.items():
        current: FakeCluster | None = None
        for item in sorted(items, key=lambda i: i.at):
            if current is None or current.last is None or item.at - current.last > max_gap:
                if current is not None and len(current.code_ids) >= min_size:
                    clusters.append(current)
                current = FakeCluster(batch_id, region, seller, first=item.at)
            current.code_ids.append(item.code_id)
            current.last = item.at
        if current is not None and len(current.code_ids) >= min_size:
            clusters.append(current)
    return sorted(clusters, key=lambda c: (-len(c.code_ids), c.batch_id, c.region))


@dataclass(frozen=True)
class ReportPoint:
    """A consumer report reduced to its id and coarse place."""

    report_id: int
    lat: float
    lon: float


@dataclass
class HotSpot:
    """A dense group of reports: its centre, radius and members."""

    lat: float
    lon: float
    radius_km: float
    report_ids: list[int]


def hot_spots(points: Sequence[ReportPoint], *, eps_km: float = 25.0, min_points: int = 3) -> list[HotSpot]:
    """DBSCAN over great-circle distance; neighbours are looked up in grid cells of `eps_km`."""
    cell_deg = eps_km / 111.0
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, point in enumerate(points):
        grid[(math.floor(point.lat / cell_deg), math.floor(point.lon / cell_deg))].append(index)

    def neighbours(index: int) -> list[int]:
        point = points[index]
        row, col = math.floor(point.lat / cell_deg), math.floor(point.lon / cell_deg)
        # Longitude degrees shrink towards the poles, so widen the column search accordingly.
        spread = max(1, math.ceil(1 / max(math.cos(math.radians(point.lat)), 0.05)))
        found = []
        for r in (row - 1, row, row + 1):
            for c in range(col - spread, col + spread + 1):
                for other in grid.get((r, c), ()):
                    if distance_km(point.lat, point.lon, points[other].lat, points[other].lon) <= eps_km:
                        found.append(other)
        return found

    labels: dict[int, int] = {}
    cluster_count = 0
    for index in range(len(points)):
        if index in labels:
            continue
        seeds = neighbours(index)
        if len(seeds) < min_points:
            labels[index] = -1
            continue
        labels[index] = cluster_count
        queue = [s for s in seeds if s != index]
        while queue:
            other = queue.pop()
            if labels.get(other, -1) != -1:
                continue
            labels[other] = cluster_count
            more = neighbours(other)
            if len(more) >= min_points:
                queue.extend(m for m in more if m not in labels or labels[m] == -1)
        cluster_count += 1
    spots = []
    for cluster in range(cluster_count):
        members = [points[i] for i, label in labels.items() if label == cluster]
        lat = sum(p.lat for p in members) / len(members)
        lon = sum(p.lon for p in members) / len(members)
        radius = max(distance_km(lat, lon, p.lat, p.lon) for p in members)
        spots.append(
            HotSpot(round(lat, 3), round(lon, 3), round(radius, 1), sorted(p.report_id for p in members))
        )
    return sorted(spots, key=lambda s: -len(s.report_ids))
