"""Targeting on a world as its customs office alone would see it, for the world-difficulty report.

The world's declarations and inspection results go through the ordinary ingestion path into a scratch
SQLite store; a model is trained on the recorded inspections and the uninspected last fortnight is
ranked and scored against the truth (eval.targeting.evaluate_targeting). No online records and no
cases are loaded, so the risk engine's intelligence from confirmed cases is empty here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.errors import InvalidInput
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.eval.targeting import evaluate_targeting
from countermark.ingest.service import ingest_file
from countermark.orgs.service import ensure_organisation
from countermark.targeting.engine_service import retrain

CUSTOMS_KINDS = ("shipments", "inspections")


def targeting_on_world(root: Path, scratch: Path, truth: dict[str, Any]) -> dict[str, float]:
    """precision@k, recall@k and revenue@k of a model trained on the world's own inspections."""
    manifest = json.loads((root / "world.json").read_text(encoding="utf-8"))
    organisations = {org["name"]: org for org in manifest.get("organisations", [])}
    steps = [step for step in manifest.get("ingest", []) if step.get("kind") in CUSTOMS_KINDS]
    if not steps:
        return {"evaluated": 0.0}
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    settings = Settings(data_dir=scratch / "data", database_url=f"sqlite:///{scratch / 'store.db'}")
    ctx = build_context(settings, blobs=LocalBlobStore(scratch / "blobs"))
    try:
        upgrade(ctx.engine)
        with unit_of_work(ctx.sessions) as session:
            for step in steps:
                org = organisations.get(step["org"], {"kind": "customs", "country": "FR"})
                owner = ensure_organisation(
                    session=session, name=step["org"], kind=org["kind"], country=org["country"], actor="eval"
                )
                # The rejected rows' file goes beside the input: copy the input into the scratch folder.
                source = scratch / "input" / step["file"]
                source.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / step["file"], source)
                ingest_file(
                    session=session,
                    blobs=ctx.blobs,
                    kind=step["kind"],
                    path=source,
                    owner_org_id=owner.id,
                    actor="eval",
                    tlp=step.get("tlp") or "AMBER",
                    source=step.get("source"),
                    mapping_path=root / step["map"] if step.get("map") else None,
                )
            try:
                retrain(session=session, owner_org_id=owner.id, actor="eval")
            except InvalidInput:
                return {"evaluated": 0.0}
            return evaluate_targeting(session, truth)
    finally:
        ctx.close()
