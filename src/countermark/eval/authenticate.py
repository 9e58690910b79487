"""Clone detection measured against the synthetic histories' truth (which the detector never reads)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.authenticate.models import CloneAlert, CodeBatch, ProductCode
from countermark.authenticate.service import code_uri
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
