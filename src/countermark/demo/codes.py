"""The demo's authentication step: issue codes, load synthetic histories through ingestion, detect clones.

Then submit the world's synthetic consumer reports through the public path, let the demo analyst confirm
the strongest clone alerts, match the reports and open the cases of confirmed fake clusters.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.codes import cluster_case_service, history_service, matching_service, service
from countermark.codes.models import CloneAlert, CodeBatch, ConsumerReport, SigningKey
from countermark.codes.report_service import ReportInput, submit_report
from countermark.codes.signed import CodeError, normalise_gtin
from countermark.core.context import AppContext
from countermark.core.errors import CountermarkError
from countermark.orgs.visibility import Principal
from countermark.rights.models import Product
from countermark.sim.reports import PHOTOS_DIR, REPORTS_FILE, generate_reports, reporter_of, write_reports
from countermark.sim.scans import EPCIS_FILE, SCANS_FILE, generate_histories, write_histories

log = logging.getLogger(__name__)
DEMO_LABEL = "demo"
DEMO_RESOLVER = "id.countermark.example"
PRODUCTS = 4
CODES_PER_PRODUCT = 150
# The demo stands in for the analyst who reviews clone alerts: it confirms only alerts scoring at least
# this much (several strong, independent signs of copying), so the cluster → case path runs in the demo.
# Detectors never confirm anything themselves; in production a person decides every alert.
DEMO_ANALYST = "demo analyst"
DEMO_CONFIRM_SCORE = 0.9


def _demo_products(session: Session) -> list[Product]:
    owner = session.execute(
        select(Product.owner_org_id, func.count())
        .where(Product.gtin.is_not(None))
        .group_by(Product.owner_org_id)
        .order_by(func.count().desc(), Product.owner_org_id)
    ).first()
    if owner is None:
        return []
    chosen = []
    for product in session.scalars(
        select(Product).where(Product.owner_org_id == owner[0]).order_by(Product.id)
    ):
        try:
            normalise_gtin(product.gtin or "")
        except CodeError:
            continue
        chosen.append(product)
        if len(chosen) == PRODUCTS:
            break
    return chosen


def submit_world_reports(ctx: AppContext, session: Session, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Submit the world's reports through the public path (its validation); skip those already stored."""
    photo_dir = ctx.settings.world_dir / PHOTOS_DIR
    stored = rejected = 0
    for row in rows:
        reporter = reporter_of(str(row.get("external_id", "")))
        if session.scalar(select(ConsumerReport.id).where(ConsumerReport.reporter_hash == reporter)):
            continue
        try:
            names = [Path(str(name)).name for name in row.get("photos") or []]
            photos = tuple((photo_dir / name).read_bytes() for name in names)
            report = ReportInput(
                code_uri=row.get("code_uri"),
                gtin=row.get("gtin"),
                bought_at_kind=str(row.get("bought_at_kind", "")),
                shop=row.get("shop"),
                url=row.get("url"),
                description=row.get("description"),
                lat=row.get("lat"),
                lon=row.get("lon"),
                contact=None,
                photos=photos,
            )
            with session.begin_nested():
                submit_report(session=session, blobs=ctx.blobs, report=report, reporter=reporter)
        except (CountermarkError, OSError, TypeError, ValueError) as exc:
            log.warning("report %s rejected: %s", row.get("external_id"), exc)
            rejected += 1
            continue
        stored += 1
    return stored, rejected


def confirm_strong_alerts(session: Session, principal: Principal) -> int:
    """The demo analyst confirms the open, undecided alerts scoring at least DEMO_CONFIRM_SCORE."""
    alerts = session.scalars(
        select(CloneAlert).where(
            CloneAlert.owner_org_id == principal.org_id,
            CloneAlert.status == "open",
            CloneAlert.decided_by.is_(None),
            CloneAlert.score >= DEMO_CONFIRM_SCORE,
        )
    ).all()
    for alert in alerts:
        history_service.decide_alert(
            session=session,
            principal=principal,
            alert_id=alert.id,
            decision="confirmed",
            actor=DEMO_ANALYST,
            note=f"demo: confirmed because the score is at least {DEMO_CONFIRM_SCORE}",
        )
    return len(alerts)


def run_authentication(ctx: AppContext, session: Session, progress: Callable[[int, int], None]) -> str:
    """Issue demo batches, write and ingest synthetic code histories, and run clone detection."""
    products = _demo_products(session)
    if not products:
        return "no product with a valid GTIN: nothing to authenticate"
    org_id = products[0].owner_org_id
    directory = ctx.settings.keys_dir
    if (
        session.scalar(
            select(SigningKey.id).where(SigningKey.owner_org_id == org_id, SigningKey.status == "active")
        )
        is None
    ):
        service.create_signing_key(session=session, directory=directory, org_id=org_id, actor="demo")
    principal = Principal(org_id=org_id, scopes=frozenset({"read", "write"}))
    uris: list[str] = []
    for product in products:
        batch = session.scalar(
            select(CodeBatch).where(CodeBatch.product_id == product.id, CodeBatch.label == DEMO_LABEL)
        )
        if batch is None:
            batch = service.create_batch(
                session=session,
                principal=principal,
                product_id=product.id,
                quantity=CODES_PER_PRODUCT,
                resolver=DEMO_RESOLVER,
                actor="demo",
                label=DEMO_LABEL,
            )
        service.issue_batch(session=session, directory=directory, batch=batch)
        uris += [uri for _, uri in service.batch_codes(session=session, batch=batch)]
    progress(1, 4)
    world_dir = ctx.settings.world_dir
    manifest = world_dir / "world.json"
    seed = int(json.loads(manifest.read_text(encoding="utf-8")).get("seed", 0)) if manifest.is_file() else 0
    histories = generate_histories(seed, uris)
    write_histories(world_dir, histories, seed=seed)
    events = history_service.ingest_epcis(
        session=session,
        document=json.loads((world_dir / EPCIS_FILE).read_text("utf-8")),
        owner_org_id=org_id,
        actor="demo",
    )
    progress(2, 4)
    scans = history_service.ingest_scan_rows(
        session=session,
        rows=history_service.read_jsonl((world_dir / SCANS_FILE).read_text("utf-8")),
        keys=service.public_keys(session=session),
        salt=service.scanner_salt(directory),
        source="world-scans",
        actor="demo",
    )
    progress(3, 4)
    counts = history_service.detect_clones(session=session, owner_org_id=org_id)
    gtins = {p.external_id: normalise_gtin(p.gtin or "") for p in products}
    write_reports(world_dir, generate_reports(world_dir, seed, gtins, histories), seed=seed)
    submitted, refused = submit_world_reports(
        ctx, session, history_service.read_jsonl((world_dir / REPORTS_FILE).read_text("utf-8"))
    )
    confirmed = confirm_strong_alerts(session, principal)
    matched = matching_service.match_pending_reports(ctx=ctx, session=session)
    cases = cluster_case_service.open_cases_for_confirmed_clusters(
        session=session, blobs=ctx.blobs, org_id=org_id, actor="demo"
    )
    progress(4, 4)
    return (
        f"{len(uris)} codes; {events.stored} events and {scans.stored} scans stored "
        f"({len(events.rejected) + len(scans.rejected)} rejected); {counts['assessed']} codes assessed, "
        f"{counts['opened']} clone alerts opened; {submitted} consumer reports submitted "
        f"({refused} refused), {matched} matched; the demo analyst confirmed {confirmed} alerts scoring "
        f"≥ {DEMO_CONFIRM_SCORE}; {len(cases)} cases opened for confirmed fake clusters"
    )
