"""Pure clone detection: from one code's scans and supply-chain events, a score with reasons in words.

A valid signature proves who issued a code, not that the item is unique: a photocopied code verifies.
Copies show in the history: the same serial in places too far apart for the time between, more devices
than one item meets, scans after the item was sold, destroyed or decommissioned, or scans of a code
that never entered the supply chain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from countermark.codes.reason_codes import part, reason

MAX_SPEED_KMH = 900.0  # an airliner; a genuine item cannot move faster between two scans
MIN_JUMP_KM = 100.0  # coarse (~1 km) places and phone positioning make shorter jumps meaningless
PLAUSIBLE_SCANNERS = 4
PLAUSIBLE_SCANNERS_AFTER_SALE = 2
ALERT_THRESHOLD = 0.5
WEIGHTS = {
    "impossible_travel": 0.75,
    "many_scanners": 0.6,
    "after_end_of_life": 0.9,
    "many_owners_after_sale": 0.35,
    "never_commissioned": 0.5,
}


@dataclass(frozen=True)
class ScanPoint:
    """One scan: when, roughly where, and by which (hashed) device."""

    at: datetime
    lat: float | None
    lon: float | None
    scanner: str | None


@dataclass(frozen=True)
class LifeEvent:
    """One supply-chain event reduced to what clone detection needs."""

    at: datetime
    biz_step: str | None
    disposition: str | None


@dataclass(frozen=True)
class CloneFinding:
    """The score (0–1), whether it raises an alert, each signal's count and the reasons in words."""

    score: float
    signals: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    # The same reasons as codes with parameters (codes/reason_codes.py), for pages in other languages.
    reason_codes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def suspected(self) -> bool:
        """Whether the score reaches the alert threshold."""
        return self.score >= ALERT_THRESHOLD


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def impossible_jumps(scans: Sequence[ScanPoint]) -> list[tuple[ScanPoint, ScanPoint, float, float]]:
    """Pairs of consecutive located scans too far apart for the time between: (a, b, km, km/h)."""
    located = sorted((s for s in scans if s.lat is not None and s.lon is not None), key=lambda s: s.at)
    jumps = []
    for first, second in pairwise(located):
        assert (
            first.lat is not None
            and first.lon is not None
            and second.lat is not None
            and second.lon is not None
        )
        km = distance_km(first.lat, first.lon, second.lat, second.lon)
        if km < MIN_JUMP_KM:
            continue
        hours = max((second.at - first.at) / timedelta(hours=1), 1 / 60)
        if km / hours > MAX_SPEED_KMH:
            jumps.append((first, second, km, km / hours))
    return jumps


def _moment(
    events: Sequence[LifeEvent], *, steps: frozenset[str], dispositions: frozenset[str]
) -> datetime | None:
    times = [e.at for e in events if e.biz_step in steps or e.disposition in dispositions]
    return min(times) if times else None


def assess_code(
    scans: Sequence[ScanPoint],
    events: Sequence[LifeEvent],
    *,
    issued: bool = True,
    ended_at: datetime | None = None,
) -> CloneFinding:
    """How likely the code has been copied, with one reason per signal found."""
    signals: dict[str, int] = {}
    coded: list[dict[str, Any]] = []
    jumps = impossible_jumps(scans)
    if jumps:
        first, second, km, speed = max(jumps, key=lambda j: j[3])
        signals["impossible_travel"] = len(jumps)
        coded.append(
            reason(
                "codes.clone.jump",
                km=round(km),
                duration=_duration(second.at - first.at),
                speed=round(speed),
                count=len(jumps),
            )
        )
    devices = {s.scanner for s in scans if s.scanner}
    if len(devices) > PLAUSIBLE_SCANNERS:
        signals["many_scanners"] = len(devices)
        coded.append(reason("codes.clone.devices", count=len(devices), limit=PLAUSIBLE_SCANNERS))
    ended = _moment(
        events,
        steps=frozenset({"decommissioning", "destroying"}),
        dispositions=frozenset({"destroyed", "disposed"}),
    )
    if ended_at is not None:
        ended = min(ended, ended_at) if ended is not None else ended_at
    late = [s for s in scans if ended is not None and s.at > ended]
    if late:
        signals["after_end_of_life"] = len(late)
        coded.append(reason("codes.clone.after_end", count=len(late)))
    sold = _moment(events, steps=frozenset({"retail_selling"}), dispositions=frozenset({"retail_sold"}))
    owners = {s.scanner for s in scans if sold is not None and s.at > sold and s.scanner}
    if len(owners) > PLAUSIBLE_SCANNERS_AFTER_SALE and "many_scanners" not in signals:
        signals["many_owners_after_sale"] = len(owners)
        coded.append(reason("codes.clone.owners", count=len(owners)))
    commissioned = any(e.biz_step == "commissioning" for e in events)
    if scans and (not issued or not commissioned):
        signals["never_commissioned"] = len(scans)
        coded.append(reason("codes.clone.never_issued" if not issued else "codes.clone.never_commissioned"))
    remaining = 1.0
    for name in signals:
        remaining *= 1.0 - WEIGHTS[name]
    return CloneFinding(
        score=round(1.0 - remaining, 4),
        signals=signals,
        reasons=[r["text"] for r in coded],
        reason_codes=coded,
    )


def _duration(delta: timedelta) -> dict[str, Any]:
    hours = delta / timedelta(hours=1)
    if hours < 1:
        return part("codes.duration.minutes", minutes=round(hours * 60))
    return part("codes.duration.hours", hours=round(hours, 1))
