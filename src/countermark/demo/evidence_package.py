"""Demo step: give the first border case its declaration as evidence, export the case's evidence
package, verify it offline, and show that a copy with one changed byte fails and names the item."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.evidence_service import add_evidence
from countermark.cases.models import Case, CaseLink, EvidenceItem
from countermark.core.context import AppContext
from countermark.ledger import service as ledger
from countermark.ledger.keys import load_or_create_signer, load_verifier
from countermark.ledger.package import verify_package
from countermark.ledger.package_service import export_package
from countermark.targeting.models import Shipment
from countermark.targeting.schemas import ShipmentOut


def tamper_one_byte(source: Path, target: Path) -> str:
    """Copy a package changing one byte of its first evidence file; the name of the changed member."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        changed = ""
        for member in original.infolist():
            data = original.read(member.filename)
            if not changed and member.filename.startswith("files/") and data:
                data = bytes([data[0] ^ 0x01]) + data[1:]
                changed = member.filename
            copy.writestr(member, data)
    return changed


def _declaration_evidence(session: Session, ctx: AppContext, case: Case) -> None:
    """Attach the linked declaration, as received, to a case that has no evidence yet."""
    if session.scalar(select(EvidenceItem.id).where(EvidenceItem.case_id == case.id)) is not None:
        return
    shipment_id = session.scalar(
        select(CaseLink.subject_id).where(CaseLink.case_id == case.id, CaseLink.subject_type == "shipment")
    )
    shipment = session.get(Shipment, shipment_id) if shipment_id is not None else None
    if shipment is None:
        return
    document = json.dumps(
        ShipmentOut.model_validate(shipment).model_dump(mode="json"), indent=2, sort_keys=True
    )
    add_evidence(
        session=session, blobs=ctx.blobs, case=case, data=document.encode("utf-8"),
        media_type="application/json", description="Declaration as received by the customs system",
        source="customs declaration system", actor="demo", org_id=case.owner_org_id,
        at=datetime.combine(shipment.declared_on, time(11), tzinfo=UTC),
    )  # fmt: skip


def export_demo_package(ctx: AppContext, session: Session, progress: Callable[[int, int], None]) -> str:
    """Export and verify the evidence package of the first case; then verify a tampered copy."""
    case = session.scalar(select(Case).order_by(Case.id))
    if case is None:
        return "no case to package"
    _declaration_evidence(session, ctx, case)
    progress(1, 4)
    ledger.sign_checkpoint(session=session, signer=load_or_create_signer(key_dir=ctx.settings.ledger_dir))
    evidence_ids = session.scalars(select(EvidenceItem.id).where(EvidenceItem.case_id == case.id)).all()
    entries = ledger.entries_for_subject(session=session, subject_type="case", subject_id=case.id)
    for evidence_id in evidence_ids:
        entries += ledger.entries_for_subject(
            session=session, subject_type="case_evidence", subject_id=evidence_id
        )
    out_dir = ctx.settings.evidence_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    package = out_dir / f"case-{case.id}.zip"
    export_package(
        session=session, blobs=ctx.blobs, entry_ids=sorted(e.id for e in entries), destination=package,
        verifier=load_verifier(key_dir=ctx.settings.ledger_dir), title=f"Case {case.id}: {case.title}",
    )  # fmt: skip
    progress(2, 4)
    report = verify_package(package)
    tampered = out_dir / f"case-{case.id}-one-byte-changed.zip"
    member = tamper_one_byte(package, tampered)
    progress(3, 4)
    bad = verify_package(tampered)
    progress(4, 4)
    failed = [item.name for item in bad.items if not item.ok]
    return (
        f"{package} ({len(entries)} ledger entries) verifies offline: {'OK' if report.ok else 'FAILED'}; "
        f"a copy with one byte of {member or 'no file'} changed: "
        f"{'fails on ' + ', '.join(failed) if failed and not bad.ok else 'NOT detected'} "
        f"(check with: countermark ledger verify --package {package})"
    )
