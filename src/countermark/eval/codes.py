"""Clone detection and report matching measured against the synthetic truth (which detectors never read)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.codes.models import CloneAlert, CodeBatch, ConsumerReport, ProductCode, ReportMatch
from countermark.codes.service import code_uri
from countermark.observe.models import Listing
from countermark.sim.reports import TRUTH_FILE as REPORTS_TRUTH_FILE
from countermark.sim.reports import reporter_of
from countermark.sim.scans import TRUTH_FILE


def scan_truth(truth_path: Path) -> dict[str, Any]:
    """The truth of the code histories, beside the world's truth file (empty when the demo made none)."""
    path = truth_path.parent.parent / TRUTH_FILE
    if not path.is_file():
        return {}
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def evaluate_clones(session: Session, truth: dict[str, Any]) -> dict[str, float]:
    """Detection rate, false-alarm rate and precision of clone alerts, and the detection rate per kind."""
    labels: dict[str, dict[str, Any]] = truth.get("codes", {})
    if not labels:
        return {}
    flagged = set()
    for code, batch in session.execute(
        select(ProductCode, CodeBatch)
        .join(CloneAlert, CloneAlert.code_id == ProductCode.id)
        .join(CodeBatch, CodeBatch.id == ProductCode.batch_id)
        .where(CloneAlert.status != "dismissed")
    ):
        flagged.add(code_uri(code, batch))
    cloned = {uri for uri, label in labels.items() if label["cloned"]}
    genuine = set(labels) - cloned
    caught = flagged & cloned
    figures = {
        "codes": float(len(labels)),
        "cloned": float(len(cloned)),
        "detection_rate": len(caught) / len(cloned) if cloned else 1.0,
        "false_alarm_rate": len(flagged & genuine) / len(genuine) if genuine else 0.0,
        "precision": len(caught) / len(flagged & set(labels)) if flagged & set(labels) else 1.0,
    }
    kinds = Counter(label["kind"] for label in labels.values() if label["cloned"])
    for kind, total in sorted(kinds.items()):
        found = sum(1 for uri in caught if labels[uri]["kind"] == kind)
        figures[f"detection_rate_{kind}"] = found / total
    return figures


def report_truth(truth_path: Path) -> dict[str, Any]:
    """The truth of the synthetic consumer reports, beside the world's truth file (empty when none)."""
    path = truth_path.parent.parent / REPORTS_TRUTH_FILE
    if not path.is_file():
        return {}
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def evaluate_report_matching(
    session: Session, truth: dict[str, Any], reports: dict[str, Any]
) -> dict[str, float]:
    """How consumer-report matching finds the listing a report is about (the matcher never reads the truth).

    recall_at_matches: share of reports about a counterfeit listing whose listing matches include it;
    precision: share of listing matches (of those reports) that are the true listing or the same seller's;
    precision_same_network: the same, counting also the listings of other sellers of the true seller's
    network (a phone or shop the report quotes that the whole network uses ties them to the same operator);
    distractor figures: listing or account matches on reports about genuine purchases in unknown shops.
    """
    labels: dict[str, dict[str, Any]] = reports.get("reports", {})
    if not labels:
        return {}
    by_hash = {reporter_of(report_id): report_id for report_id in labels}
    stored = {
        by_hash[reporter]: report_id
        for report_id, reporter in session.execute(
            select(ConsumerReport.id, ConsumerReport.reporter_hash).where(
                ConsumerReport.reporter_hash.in_(list(by_hash))
            )
        )
        if reporter is not None
    }
    listing_keys = {
        row_id: f"{source}:{external_id}"
        for row_id, source, external_id in session.execute(
            select(Listing.id, Listing.source, Listing.external_id)
        )
    }
    found: dict[int, list[tuple[str, int | None]]] = {}
    for db_id, subject_type, subject_id in session.execute(
        select(ReportMatch.report_id, ReportMatch.subject_type, ReportMatch.subject_id).where(
            ReportMatch.report_id.in_(list(stored.values()))
        )
    ):
        found.setdefault(db_id, []).append((subject_type, subject_id))
    sellers = {key: label.get("seller") for key, label in truth.get("listings", {}).items()}
    networks = {key: label.get("network") for key, label in truth.get("listings", {}).items()}
    about = [r for r, label in labels.items() if label.get("listing")]
    distractors = [r for r, label in labels.items() if not label.get("listing")]
    hits = good = same_network = total = 0
    for report_id in about:
        label = labels[report_id]
        matched = [
            listing_keys.get(int(i or 0), "")
            for kind, i in found.get(stored.get(report_id, -1), [])
            if kind == "listing"
        ]
        distinct = set(matched)
        hits += label["listing"] in distinct
        total += len(distinct)
        right = {key for key in distinct if key == label["listing"] or sellers.get(key) == label["seller"]}
        good += len(right)
        network = networks.get(label["listing"])
        same_network += len(right) + sum(
            1 for key in distinct - right if network is not None and networks.get(key) == network
        )
    wrong = [
        sum(1 for kind, _ in found.get(stored.get(r, -1), []) if kind in ("listing", "account"))
        for r in distractors
    ]
    return {
        "reports": float(len(labels)),
        "reports_stored": float(len(stored)),
        "reports_about_counterfeit_listings": float(len(about)),
        "recall_at_matches": hits / len(about) if about else 1.0,
        "listing_matches": float(total),
        "listing_match_precision": good / total if total else 1.0,
        "listing_match_precision_same_network": same_network / total if total else 1.0,
        "distractor_reports": float(len(distractors)),
        "distractors_with_false_matches": (
            sum(1 for w in wrong if w) / len(distractors) if distractors else 0.0
        ),
        "false_matches_per_distractor": sum(wrong) / len(distractors) if distractors else 0.0,
    }
