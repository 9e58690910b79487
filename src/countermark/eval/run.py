"""Evaluate every pipeline that exists against the truth file; one dict of figures per pipeline."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.errors import InvalidInput
from countermark.detect.baseline import ListingText, naive_flags
from countermark.eval.codes import evaluate_clones, evaluate_report_matching, report_truth, scan_truth
from countermark.eval.detect import detect_section
from countermark.eval.fingerprint import evaluate_fingerprint
from countermark.eval.link import evaluate_link
from countermark.eval.link_store import evaluate_link_store
from countermark.eval.metrics import binary_scores, precision_recall_f1
from countermark.eval.monitor import evaluate_monitor
from countermark.eval.share import evaluate_share
from countermark.eval.targeting import evaluate_targeting
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing
from countermark.rights.models import Product
from countermark.targeting.models import Shipment

# Kinds the world plants deliberately; other kinds (URLs, domains) also come from page furniture.
PLANTED_KINDS = frozenset(
    {"email", "phone", "iban", "crypto_wallet", "messaging_handle", "payment_account", "analytics_id"}
)


def load_truth(path: Path) -> dict[str, Any]:
    """The ground truth of a synthetic world."""
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read the truth file {path}: {exc}") from exc
    if not isinstance(truth, dict):
        raise InvalidInput(f"{path} is not a truth file")
    return truth


def _key(source: str, external_id: str) -> str:
    return f"{source}:{external_id}"


def evaluate_ingest(session: Session, truth: dict[str, Any]) -> dict[str, float]:
    """Share of the truth's records that the store holds (everything the world wrote must arrive)."""
    figures: dict[str, float] = {}
    for name, model in (("listings", Listing), ("accounts", Account), ("shipments", Shipment)):
        stored = {_key(s, e) for s, e in session.execute(select(model.source, model.external_id))}
        expected = set(truth.get(name, {}))
        figures[f"{name}_coverage"] = len(expected & stored) / len(expected) if expected else 1.0
    return figures


def evaluate_identifiers(session: Session, truth: dict[str, Any]) -> dict[str, float]:
    """Recall and precision of identifier extraction against the identifiers the world planted."""
    planted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for section in ("planted_identifiers", "snapshot_identifiers"):
        for key, items in truth.get(section, {}).items():
            planted[key] |= {(item["kind"], item["value"]) for item in items}
    ids: dict[tuple[str, int], str] = {}
    for subject_type, model in (("account", Account), ("listing", Listing)):
        for row_id, source, external_id in session.execute(select(model.id, model.source, model.external_id)):
            ids[(subject_type, row_id)] = f"{subject_type}s:{_key(source, external_id)}"
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for subject_type, subject_id, kind, value in session.execute(
        select(
            IdentifierSighting.subject_type, IdentifierSighting.subject_id, Identifier.kind, Identifier.value
        )
        .join(Identifier, Identifier.id == IdentifierSighting.identifier_id)
        .where(IdentifierSighting.subject_type.in_(("account", "listing")))
    ):
        key = ids.get((subject_type, subject_id))
        if key is not None and kind in PLANTED_KINDS:
            found[key].add((kind, value))
    predicted = {(key, item) for key in planted for item in found.get(key, set())}
    actual = {(key, item) for key, items in planted.items() for item in items}
    figures = precision_recall_f1(predicted, actual)
    for kind in sorted({kind for _, (kind, _) in actual}):
        kind_scores = precision_recall_f1(
            {p for p in predicted if p[1][0] == kind}, {a for a in actual if a[1][0] == kind}
        )
        figures[f"recall_{kind}"] = kind_scores["recall"]
    figures["planted"] = float(len(actual))
    return figures


def evaluate_naive_detector(session: Session, truth: dict[str, Any]) -> dict[str, float]:
    """How the naive keyword-and-price baseline does on the listings (low figures mean a hard world)."""
    floors = {
        brand: Decimal(lowest)
        for brand, lowest in session.execute(
            select(Product.brand, func.min(Product.price_min)).group_by(Product.brand)
        )
        if lowest is not None
    }
    listings = [
        ListingText(_key(source, external_id), title, description, price)
        for source, external_id, title, description, price in session.execute(
            select(Listing.source, Listing.external_id, Listing.title, Listing.description, Listing.price)
        )
    ]
    flags = {str(key): flagged for key, flagged in naive_flags(listings, floors).items()}
    labels = {key: bool(item["infringing"]) for key, item in truth.get("listings", {}).items()}
    return binary_scores(flags, labels)


def evaluate(session: Session, truth_path: Path, *, heavy: bool = True) -> dict[str, dict[str, float]]:
    """Figures of every pipeline: {"pipeline": {"metric": value}}.

    `heavy=False` leaves out the sections that train or build their own stores (detection, linking,
    sharing between two instances: minutes on two cores); the demo prints those apart, `countermark
    eval` includes them.
    """
    truth = load_truth(truth_path)
    figures: dict[str, dict[str, float]] = {
        "ingest": evaluate_ingest(session, truth),
        "identifier_extraction": evaluate_identifiers(session, truth),
        "baseline_keyword_price_detector": evaluate_naive_detector(session, truth),
        "targeting_synthetic": evaluate_targeting(session, truth),
        "image_matching": evaluate_fingerprint(session, truth),
        "clone_detection_synthetic": evaluate_clones(session, scan_truth(truth_path)),
        "report_matching_synthetic": evaluate_report_matching(session, truth, report_truth(truth_path)),
        "monitor": evaluate_monitor(session, truth_path),
    }
    if stored_networks := evaluate_link_store(session, truth):
        figures["link_store"] = stored_networks
    if heavy:
        figures["link"] = evaluate_link(truth_path, truth)
        figures["detect"] = detect_section(truth_path.parent.parent)
        figures["share"] = evaluate_share()
    return figures
