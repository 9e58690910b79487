"""The demo's authentication step: issue codes, load synthetic histories through ingestion, detect clones."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.authenticate import cluster_cases, history, matching, service
from countermark.authenticate.codes import CodeError, normalise_gtin
from countermark.authenticate.models import CodeBatch, SigningKey
from countermark.core.context import AppContext
from countermark.orgs.visibility import Principal
from countermark.rights.models import Product
from countermark.sim.scans import EPCIS_FILE, SCANS_FILE, generate_histories, write_histories

DEMO_LABEL = "demo"
DEMO_RESOLVER = "id.countermark.example"
PRODUCTS = 4
CODES_PER_PRODUCT = 150


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


def run_authentication(ctx: AppContext, session: Session, progress: Callable[[int, int], None]) -> str:
    """Issue demo batches, write and ingest synthetic code histories, and run clone detection."""
    products = _demo_products(session)
    if not products:
        return "no product with a valid GTIN: nothing to authenticate"
    org_id = products[0].owner_org_id
    directory = service.key_dir(ctx.settings)
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
    world_dir = ctx.settings.data_dir / "world"
    manifest = world_dir / "world.json"
    seed = int(json.loads(manifest.read_text(encoding="utf-8")).get("seed", 0)) if manifest.is_file() else 0
    write_histories(world_dir, generate_histories(seed, uris), seed=seed)
    events = history.ingest_epcis(
        session=session,
        document=json.loads((world_dir / EPCIS_FILE).read_text("utf-8")),
        owner_org_id=org_id,
        actor="demo",
    )
    progress(2, 4)
    scans = history.ingest_scan_rows(
        session=session,
        rows=history.read_jsonl((world_dir / SCANS_FILE).read_text("utf-8")),
        keys=service.public_keys(session=session),
        salt=service.scanner_salt(directory),
        source="world-scans",
        actor="demo",
    )
    progress(3, 4)
    counts = history.detect_clones(session=session, owner_org_id=org_id)
    matched = matching.match_pending_reports(ctx=ctx, session=session)
    cases = cluster_cases.open_cases_for_confirmed_clusters(
        session=session, blobs=ctx.blobs, org_id=org_id, actor="demo"
    )
    progress(4, 4)
    return (
        f"{len(uris)} codes; {events.stored} events and {scans.stored} scans stored "
        f"({len(events.rejected) + len(scans.rejected)} rejected); {counts['assessed']} codes assessed, "
        f"{counts['opened']} clone alerts opened; {matched} consumer reports matched; "
        f"{len(cases)} cases opened for confirmed fake clusters"
    )
