"""Image matching against the truth: counterfeit listings found with the right product, false matches."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.fingerprint.models import FingerprintEntry, ListingImageMatch
from countermark.observe.models import Listing
from countermark.rights.models import Product


def evaluate_fingerprint(session: Session, truth: dict[str, Any]) -> dict[str, float]:
    """Share of counterfeit listings matched to their product (overall, per alteration) and false matches."""
    product_of = {pid: ext for pid, ext in session.execute(select(Product.id, Product.external_id))}
    listing_key = {
        lid: f"{s}:{e}"
        for lid, s, e in session.execute(select(Listing.id, Listing.source, Listing.external_id))
    }
    matched: dict[str, set[str | None]] = defaultdict(set)
    stages: dict[str, set[str]] = defaultdict(set)
    for listing_id, product_id, stage in session.execute(
        select(ListingImageMatch.listing_id, FingerprintEntry.product_id, ListingImageMatch.stage).join(
            FingerprintEntry, FingerprintEntry.id == ListingImageMatch.entry_id
        )
    ):
        key = listing_key.get(listing_id)
        if key is not None:
            matched[key].add(product_of.get(product_id) if product_id is not None else None)
            stages[key].add(stage)
    stored = set(listing_key.values())
    labels = {k: v for k, v in truth.get("listings", {}).items() if k in stored}
    counterfeit = {
        k: v
        for k, v in labels.items()
        if v.get("infringing") and v.get("product") and v.get("image_ops") is not None
    }
    reused = {k: v for k, v in counterfeit.items() if v.get("image_ops")}
    unrelated = {k: v for k, v in labels.items() if not v.get("infringing")}
    figures: dict[str, float] = {}

    def found(key: str, label: dict[str, Any]) -> bool:
        return label["product"] in matched.get(key, set())

    figures["counterfeit_listings"] = float(len(counterfeit))
    figures["counterfeit_with_altered_photos_found"] = (
        sum(found(k, v) for k, v in reused.items()) / len(reused) if reused else 0.0
    )
    figures["counterfeit_found_with_right_product"] = (
        sum(found(k, v) for k, v in counterfeit.items()) / len(counterfeit) if counterfeit else 0.0
    )
    figures["counterfeit_matched_wrong_product_only"] = (
        sum(bool(matched.get(k)) and not found(k, v) for k, v in counterfeit.items()) / len(counterfeit)
        if counterfeit else 0.0
    )  # fmt: skip
    figures["found_by_geometric_stage_only"] = (
        sum(stages.get(k) == {"geometric"} and found(k, v) for k, v in counterfeit.items()) / len(counterfeit)
        if counterfeit else 0.0
    )  # fmt: skip
    figures["non_infringing_listings_with_a_match"] = (
        sum(bool(matched.get(k)) for k in unrelated) / len(unrelated) if unrelated else 0.0
    )
    by_op: dict[str, list[bool]] = defaultdict(list)
    for k, v in reused.items():
        for op in v["image_ops"]:
            by_op[op].append(found(k, v))
    for op, hits in sorted(by_op.items()):
        figures[f"found_with_{op}"] = sum(hits) / len(hits)
    return figures
