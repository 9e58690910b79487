"""Scoring rows of listings in the ingestion schema without storing them: bad rows rejected with reasons.

Shared by `countermark detect score FILE` and `POST /api/v1/detect/score`. Each row is validated with
the ingestion schema (`observe.schemas.ListingIn`); rows that fail are returned with every reason and
the rest are scored together (so a seller's listings in one batch inform each other).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from countermark.detect.engine import DetectionModel, ScoredListing, facts_from_record, score
from countermark.detect.facts import ListingFacts, SellerFacts
from countermark.observe.schemas import ListingIn

PhotoHasher = Callable[[ListingIn], Sequence[str]]


@dataclass
class BatchResult:
    """Scores of the good rows (with their line) and the rejected rows with their reasons."""

    scored: list[tuple[int, ScoredListing]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def reasons_of(exc: ValidationError) -> list[str]:
    """One reason per schema error: the field's path and what is wrong with it."""
    return [
        f"{'.'.join(str(part) for part in error['loc']) or 'row'}: {error['msg']}" for error in exc.errors()
    ]


def score_rows(
    model: DetectionModel,
    rows: Iterable[tuple[int, dict[str, Any] | None, str | None]],
    *,
    language: str = "en",
    photos: PhotoHasher | None = None,
) -> BatchResult:
    """Validate (line, data, read error) rows, score the valid ones, reject the others with reasons."""
    result = BatchResult()
    good: list[tuple[int, tuple[ListingFacts, SellerFacts | None]]] = []
    seen: set[str] = set()
    for line, data, error in rows:
        if data is None:
            result.rejected.append({"line": line, "errors": [error or "unreadable row"]})
            continue
        try:
            record = ListingIn.model_validate(data)
        except ValidationError as exc:
            result.rejected.append({"line": line, "errors": reasons_of(exc)})
            continue
        key = f"{record.source}:{record.external_id}"
        if key in seen:
            result.rejected.append(
                {"line": line, "errors": [f"external_id: {key} appears twice in the batch"]}
            )
            continue
        seen.add(key)
        hashes = photos(record) if photos is not None else ()
        good.append((line, (facts_from_record(record, hashes), None)))
    scored = score(model, [facts for _, facts in good], language=language)
    result.scored = [(line, item) for (line, _), item in zip(good, scored, strict=True)]
    return result


def scored_json(line: int, item: ScoredListing) -> dict[str, Any]:
    """One scored row as JSON."""
    return {
        "line": line,
        "key": item.key,
        "probability": item.probability,
        "alert": item.alert,
        "threshold": item.threshold,
        "brand": item.brand,
        "product": item.product,
        "rule": item.rule,
        "reasons": item.reasons,
        "signals": item.signals,
    }
