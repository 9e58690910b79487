"""Demo step: score the stored listings with the detection model and report the alerts.

The model is the one saved in the data directory (`countermark detect retrain`), else one trained here on
the demo world (its truth standing for analysts' verdicts, as `detect retrain --world` does) and on the
prior shipped with the package (`detect.prior`), its photos' PDQ hashes taken from the store where the
earlier steps computed them.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.detect.engine import DetectionModel
from countermark.detect.model_store import load_model, model_path, save_model
from countermark.detect.models import ListingScore
from countermark.detect.stored_service import register_model, score_stored_listings
from countermark.eval.world_files import read_world
from countermark.fingerprint.hash_reads import pdq_of_blobs

Progress = Callable[[int, int], None]
# The small demo world has too few sellers for 0.98 to be reachable on out-of-fold scores; the demo says
# which target it used.
DEMO_TARGET_PRECISION = 0.9


def _prefill_photo_cache(session: Session, world_dir: Path, cache: Path) -> int:
    """Write the PDQ hashes the store already has for the world's photos into the training's cache file."""
    world = read_world(world_dir)
    paths = sorted(
        {p for listing in world.listings for p in listing.images}
        | {p for product in world.products for p in product.images}
    )
    known: dict[str, list[str]] = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    digests: dict[str, Path] = {}
    for path in paths:
        if str(path) not in known and path.is_file():
            digests[hashlib.sha256(path.read_bytes()).hexdigest()] = path
    found = pdq_of_blobs(session=session, digests=list(digests))
    known.update({str(digests[digest]): list(hashes) for digest, hashes in found.items()})
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(known), encoding="utf-8")
    return len(found)


def _train_on_world(session: Session, world_dir: Path, data_dir: Path) -> DetectionModel:
    from countermark.detect.training import fit_model, matrix
    from countermark.eval.detect import prior_exclusions, world_training_set

    cache = data_dir / "detect" / "photo_cache.json"
    _prefill_photo_cache(session, world_dir, cache)
    training = world_training_set(world_dir, networks=False, photo_cache=cache)
    return fit_model(
        matrix(training.evidences),
        training.labels,
        training.groups,
        training.split,
        training.references,
        target_precision=DEMO_TARGET_PRECISION,
        prior=True,
        prior_exclude=prior_exclusions(world_dir),
    )


def run_detection(ctx: AppContext, session: Session, progress: Progress) -> str:
    """Score every stored listing and report the alerts per brand."""
    path = model_path(ctx.settings.data_dir)
    trained = ""
    if path.exists():
        model = load_model(path)
    else:
        world_dir = ctx.settings.world_dir
        if not (world_dir / "truth" / "truth.json").exists():
            return "no detection model and no world to train one on: run `countermark detect retrain`"
        model = _train_on_world(session, world_dir, ctx.settings.data_dir)
        save_model(model, path)
        f = model.figures
        trained = (
            f"model trained on the world (held-out sellers: AP {f['ap']:.2f}, "
            f"precision {f['precision']:.2f}, recall {f['recall']:.2f} at threshold {model.threshold:.4f}, "
            f"target precision {DEMO_TARGET_PRECISION}); "
        )
    record = register_model(session=session, blobs=ctx.blobs, model=model)
    report = score_stored_listings(session=session, blobs=ctx.blobs, progress=progress)
    brands = Counter(
        brand or "?"
        for brand in session.scalars(select(ListingScore.brand).where(ListingScore.alert.is_(True)))
    )
    top = ", ".join(f"{b} {n}" for b, n in brands.most_common(3))
    return (
        f"{trained}{report.scored} stored listings scored with model {record.version[:12]}: "
        f"{report.alerts_opened} new alerts{f' ({top})' if top else ''}; review them at /alerts"
    )
