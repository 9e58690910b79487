"""A trained detection model with the references it was trained on, and scoring listings with it.

`DetectionModel` keeps together what must change together: the calibrated scorer, the operating
threshold, the references (marks, products, authorised sellers, rates, known offers), the brands' rules
and the held-out figures of its training. `score` turns listings into calibrated, explained results.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from countermark.detect.facts import ListingFacts, References, SellerFacts
from countermark.detect.reasons import reason_codes, reasons
from countermark.detect.rules import BrandRules, decide
from countermark.detect.scorer import ListingScorer
from countermark.detect.seller_context import add_seller_context
from countermark.detect.signals import (
    FEATURES,
    Detector,
    Evidence,
    is_parody_shop,
    note_known_offer,
    parody_shop_rows,
)
from countermark.observe.schemas import ListingIn

FORMAT = 1


@dataclass
class DetectionModel:
    """Everything needed to score: scorer, threshold, references, rules and how it did when trained."""

    scorer: ListingScorer
    threshold: float
    references: References
    rules: dict[str, BrandRules] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    trained_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    features: tuple[str, ...] = FEATURES
    format: int = FORMAT
    _detector: Detector | None = field(default=None, repr=False, compare=False)
    # The operating threshold of parody shops' offers (`signals.is_parody_shop`), chosen on their own
    # out-of-fold scores; None (models saved before it): the one threshold for every listing.
    parody_threshold: float | None = None

    def threshold_for(self, features: Mapping[str, float]) -> float:
        """The operating threshold of a listing with these feature values."""
        if self.parody_threshold is not None and is_parody_shop(features):
            return self.parody_threshold
        return self.threshold

    def row_thresholds(self, rows: NDArray[np.float64]) -> NDArray[np.float64]:
        """The operating threshold of each feature row (in the model's feature order)."""
        thresholds = np.full(len(rows), self.threshold, dtype=float)
        if self.parody_threshold is None:
            return thresholds
        return np.where(parody_shop_rows(rows, self.features), self.parody_threshold, thresholds)

    def detector(self) -> Detector:
        """The compiled references (built once per loaded model)."""
        if self._detector is None:
            self._detector = Detector(self.references)
        return self._detector

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_detector"] = None
        return state


@dataclass(frozen=True)
class ScoredListing:
    """One listing's calibrated probability, alert decision and reasons."""

    key: str
    probability: float
    alert: bool
    threshold: float
    brand: str | None
    product: str | None
    signals: list[dict[str, Any]]
    reasons: list[str]
    rule: str | None = None
    # The same reasons as codes and values (`reasons.reason_codes`), to render later in any language.
    reason_codes: list[dict[str, Any]] = field(default_factory=list)
    # The feature row the scorer read, in the model's feature order (NaN as None).
    features: tuple[float | None, ...] = ()


def facts_from_record(record: ListingIn, photo_hashes: Sequence[str] = ()) -> ListingFacts:
    """A validated ingestion record as detection reads it."""
    return ListingFacts(
        key=f"{record.source}:{record.external_id}",
        platform=record.platform,
        title=record.title,
        description=record.description or "",
        url=record.url,
        language=record.language,
        price=float(record.price) if isinstance(record.price, Decimal) else None,
        currency=record.currency,
        seller=record.seller,
        ships_from=record.ships_from,
        observed_at=record.observed_at,
        photo_hashes=tuple(photo_hashes),
    )


def evidence_of(
    model: DetectionModel,
    listings: Sequence[tuple[ListingFacts, SellerFacts | None]],
    seller_history: Mapping[str, Sequence[Evidence]] | None = None,
) -> list[Evidence]:
    """Signals of each listing, the seller context taken over the batch (and the seller's history)."""
    detector = model.detector()
    evidences = [detector.evidence(facts, seller) for facts, seller in listings]
    add_seller_context(evidences, seller_history)
    return evidences


def score(
    model: DetectionModel,
    listings: Sequence[tuple[ListingFacts, SellerFacts | None]],
    *,
    language: str = "en",
    seller_history: Mapping[str, Sequence[Evidence]] | None = None,
    confirmed_offer_similarity: Sequence[float] | None = None,
) -> list[ScoredListing]:
    """Calibrated probability, decision and reasons for each listing, in the order given.

    `confirmed_offer_similarity` gives, per listing, its similarity to offers confirmed since the model
    was fitted (other sellers' verdicts); the higher of it and the model's own bank counts.
    """
    if not listings:
        return []
    evidences = evidence_of(model, listings, seller_history)
    for evidence, similarity in zip(evidences, confirmed_offer_similarity or (), strict=False):
        note_known_offer(evidence, similarity)
    rows = np.array(
        [[e.features.get(name, math.nan) for name in model.features] for e in evidences], dtype=float
    )
    probabilities = model.scorer.predict_proba(rows)[:, 1]
    results = []
    for (facts, _), evidence, probability, row in zip(listings, evidences, probabilities, rows, strict=True):
        decision = decide(
            float(probability),
            brand=evidence.brand,
            platform=facts.platform,
            seller=facts.seller,
            url=facts.url,
            text=facts.text,
            rules=model.rules,
            default_threshold=model.threshold_for(evidence.features),
        )
        if (
            decision.rule is None
            and model.parody_threshold is not None
            and decision.threshold == model.parody_threshold > model.threshold
        ):
            # A parody shop's offer needs the higher threshold of its kind: say so first.
            decision = replace(
                decision, rule="parody_shop", detail={"threshold": f"{decision.threshold:.4g}"}
            )
        results.append(
            ScoredListing(
                key=facts.key,
                probability=round(float(probability), 4),
                alert=decision.alert,
                threshold=decision.threshold,
                brand=evidence.brand,
                product=evidence.product,
                signals=[{"name": s.name, "strength": s.strength, **s.evidence} for s in evidence.signals],
                reasons=reasons(evidence.signals, decision, float(probability), language),
                rule=decision.rule,
                reason_codes=reason_codes(evidence.signals, decision, float(probability)),
                features=tuple(None if math.isnan(v) else float(v) for v in row),
            )
        )
    return results
