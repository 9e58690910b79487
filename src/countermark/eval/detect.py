"""Listing detection measured on a synthetic world, with sellers held out.

The detector reads only the world's files (listings, accounts, the holders' rights, products, photos and
authorised sellers); the truth gives the labels. Sellers are split in three (fit, calibrate, test): no
seller is on two sides. Training labels stand for analysts' verdicts, so they also feed the bank of
known infringing offers (as verdicts would), computed across folds for the training rows.
Reported on the test sellers only: average precision, precision and recall at the operating threshold
(chosen on the calibration sellers), recall per infringing category, false-positive rate per kind of
honest listing, and the same for a logistic regression beside LightGBM.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

from countermark.detect.facts import ListingFacts, ProductRef, References, SellerFacts
from countermark.detect.offers import OfferBank, offer_signal
from countermark.detect.pipeline import threshold_for_precision
from countermark.detect.prior import world_name
from countermark.detect.seller_context import add_seller_context
from countermark.detect.signals import FEATURES, Detector, Evidence
from countermark.detect.training import (
    TARGET_PRECISION,
    Split,
    fit_model,
    matrix,
    precision_recall_at,
    split_by_seller,
)
from countermark.eval.world_files import WorldFiles, read_world
from countermark.rights.detection_reads import word_mark

# Products whose copies are piracy (digital content) rather than counterfeit goods.
DIGITAL_CATEGORIES = frozenset({"software", "video_game", "ebook", "course", "streaming"})


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _hash_file(path: str) -> tuple[str, ...] | None:
    from countermark.core.errors import InvalidInput
    from countermark.fingerprint.pdq import image_hashes

    try:
        found = image_hashes(Path(path).read_bytes())
    except (OSError, InvalidInput):
        return None
    return tuple(h.hex for h in found if h.usable) if found[0].usable else None


# A photo -> its PDQ hash, then the hash of the picture inside its flat frame when it has one.
PhotoHashes = dict[Path, tuple[str, ...]]


def hash_photos(paths: Iterable[Path], workers: int = 2) -> PhotoHashes:
    """PDQ hashes of each readable photo (unusable or unreadable ones left out)."""
    unique = sorted(set(paths))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        hashes = list(pool.map(_hash_file, [str(p) for p in unique], chunksize=32))
    return {p: h for p, h in zip(unique, hashes, strict=True) if h}


def world_references(world: WorldFiles, photo_hashes: PhotoHashes) -> References:
    """The holders' marks, products (with photo hashes) and authorised sellers, from the world's files."""
    marks: dict[str, list[str]] = {}
    authorised: set[tuple[str, str, str]] = set()
    categories: dict[str, str | None] = {}
    for holder in sorted((world.root / "holders").iterdir()):
        if (holder / "rights.jsonl").exists():
            for right in _jsonl(holder / "rights.jsonl"):
                if right.get("kind") == "trademark" and right.get("brand"):
                    name = word_mark(str(right.get("name") or ""))
                    marks.setdefault(right["brand"], [])
                    if name and name not in marks[right["brand"]]:
                        marks[right["brand"]].append(name)
        if (holder / "authorised_sellers.jsonl").exists():
            for seller in _jsonl(holder / "authorised_sellers.jsonl"):
                authorised.add(
                    (
                        str(seller["brand"]).casefold(),
                        str(seller["platform"]).casefold(),
                        str(seller["handle"]).casefold(),
                    )
                )
        if (holder / "products.jsonl").exists():
            for product in _jsonl(holder / "products.jsonl"):
                categories[f"{product.get('source', '')}:{product.get('external_id', '')}"] = product.get(
                    "category"
                )
    products = tuple(
        ProductRef(
            key=p.key,
            brand=p.brand,
            name=p.name,
            gtin=p.gtin,
            price_min=p.price_mid,
            price_max=p.price_mid,
            currency=p.currency,
            category=categories.get(p.key),
            photo_hashes=tuple(h for path in p.images for h in photo_hashes.get(path, ())),
        )
        for p in world.products
    )
    return References(
        marks={brand: tuple(names) for brand, names in marks.items()},
        products=products,
        authorised=frozenset(authorised),
        fx_to_eur=dict(world.fx_to_eur) or {"EUR": 1.0},
    )


def world_listings(
    world: WorldFiles, photo_hashes: PhotoHashes, networks: dict[str, tuple[int, int]] | None = None
) -> list[tuple[ListingFacts, SellerFacts | None]]:
    """Every listing of the world as detection reads it, with its seller's account."""
    rows = []
    for listing in world.listings:
        account = world.accounts.get(listing.seller or "")
        record = listing.record
        rows.append(
            (
                ListingFacts(
                    key=listing.key,
                    platform=str(record.get("platform") or ""),
                    title=listing.title,
                    description=listing.description,
                    url=str(record.get("url") or ""),
                    language=record.get("language"),
                    price=listing.price,
                    currency=listing.currency,
                    seller=record.get("seller"),
                    ships_from=listing.ships_from,
                    observed_at=listing.observed_at,
                    photo_hashes=tuple(h for p in listing.images for h in photo_hashes.get(p, ())),
                ),
                SellerFacts(
                    account.platform,
                    account.handle,
                    account.country,
                    account.joined_at,
                    network_size=(networks or {}).get(account.key, (0, 0))[1],
                )
                if account
                else None,
            )
        )
    return rows


def _offer_similarities(
    texts: Sequence[str], labels: np.ndarray, groups: np.ndarray, train: np.ndarray, test: np.ndarray
) -> np.ndarray:
    """Similarity to known infringing offers: test rows against all training positives, training rows
    against the positives of the other training folds (never their own seller's)."""
    result = np.zeros(len(texts))

    def bank(rows: Iterable[int]) -> OfferBank:
        return OfferBank([s for i in rows if labels[i] and (s := offer_signal(texts[i]))])

    full = bank(train)
    for i in test:
        result[i] = full.similarity(texts[i])
    for inner_train, inner_test in GroupKFold(n_splits=3).split(train, labels[train], groups[train]):
        folded = bank(train[inner_train])
        for i in train[inner_test]:
            result[i] = folded.similarity(texts[i])
    return result


def cached_photo_hashes(paths: Sequence[Path], cache: Path | None, workers: int = 2) -> PhotoHashes:
    """PDQ hashes of the photos, read from and saved to a JSON cache file when one is given (a photo
    -> its list of hashes; a cache of single hashes from before frames were hashed is read again)."""
    known: PhotoHashes = {}
    if cache is not None and cache.exists():
        saved = json.loads(cache.read_text(encoding="utf-8"))
        known = {Path(k): tuple(v) for k, v in saved.items() if isinstance(v, list) and v}
    missing = [p for p in paths if p not in known]
    if missing:
        known.update(hash_photos(missing, workers=workers))
        if cache is not None:
            cache.write_text(json.dumps({str(k): v for k, v in known.items()}), encoding="utf-8")
    return known


def world_networks(world: WorldFiles, photo_hashes: PhotoHashes) -> dict[str, tuple[int, int]]:
    """Accounts in a network the linker finds on the world's files (not a brand's own stores): account
    key -> (the network's number, how many accounts it holds). Linking reads no truth; {} when it is not
    installed."""
    try:
        from countermark.eval.link import world_parties
        from countermark.eval.link_photos import (
            PhotoPrint,
            PhotoPrints,
            photo_insides,
            reference_hashes,
            world_photos,
        )
        from countermark.link.engine import run_linking
    except ImportError:
        return {}
    prints: PhotoPrints = {path: PhotoPrint(*hashes[:2]) for path, hashes in photo_hashes.items()}
    parties = world_parties(world, world_photos(world, prints))
    run = run_linking(
        parties,
        marks=sorted({p.brand for p in world.products}),
        references=reference_hashes(world),
        photo_insides=photo_insides(prints),
    )
    networks: dict[str, tuple[int, int]] = {}
    for number, network in enumerate(run.networks):
        if network.operator:
            continue
        accounts = [member for member in network.members if member in world.accounts]
        for member in accounts:
            networks[member] = (number, len(accounts))
    return networks


def network_confirmed(
    rows: Sequence[tuple[ListingFacts, SellerFacts | None]],
    accounts: Sequence[str | None],
    networks: dict[str, tuple[int, int]],
    labels: np.ndarray,
    known: np.ndarray,
) -> list[int]:
    """For each row, the infringing listings of the other sellers of its seller's network whose verdict
    is known (the `known` rows: the training sellers', as an organisation's confirmed alerts)."""
    confirmed: Counter[tuple[int, str]] = Counter()
    for i in known:
        account = accounts[i]
        if labels[i] and account in networks:
            confirmed[(networks[account][0], account)] += 1
    by_network: Counter[int] = Counter()
    for (number, _), count in confirmed.items():
        by_network[number] += count
    out = []
    for (_, seller), account in zip(rows, accounts, strict=True):
        if seller is None or account not in networks:
            out.append(0)
            continue
        number = networks[account][0]
        out.append(by_network[number] - confirmed[(number, account)])
    return out


@dataclass
class TrainingSet:
    """A world's listings as evidence, their labels and sellers, the seller split and the references."""

    evidences: list[Evidence]
    texts: list[str]
    labels: np.ndarray
    groups: np.ndarray
    split: Split
    references: References
    seconds_photo_hashing: float
    seconds_signals: float
    seconds_linking: float = 0.0
    network_accounts: int = 0


def world_training_set(
    root: Path, *, seed: int = 0, workers: int = 2, photo_cache: Path | None = None, networks: bool = True
) -> TrainingSet:
    """Evidence of every labelled listing of a world, with its truth as the analysts' verdicts.

    The similarity to known infringing offers is computed as verdicts would give it: held-out rows
    against every training positive, training rows against the other folds' positives; the references
    keep every training positive as the bank of known offers.
    """
    started = time.perf_counter()
    root = Path(root)
    world = read_world(root)
    truth = json.loads((root / "truth" / "truth.json").read_text(encoding="utf-8"))
    listings_truth: dict[str, dict[str, Any]] = truth.get("listings", {})
    photos = [p for listing in world.listings for p in listing.images] + [
        p for product in world.products for p in product.images
    ]
    photo_hashes = cached_photo_hashes(photos, photo_cache, workers=workers)
    hashed = time.perf_counter()
    references = world_references(world, photo_hashes)
    detector = Detector(references)
    found = world_networks(world, photo_hashes) if networks else {}
    linked = time.perf_counter()
    rows = [
        (facts, seller)
        for facts, seller in world_listings(world, photo_hashes, found)
        if facts.key in listings_truth
    ]
    labels = np.array([bool(listings_truth[facts.key]["infringing"]) for facts, _ in rows])
    groups = np.array([facts.seller or f"unknown:{facts.key}" for facts, _ in rows])
    split = split_by_seller(labels, groups, seed)
    # The network's other sellers' infringements known as verdicts are the training sellers' labels.
    owners = {listing.key: listing.seller for listing in world.listings}
    confirmed = network_confirmed(rows, [owners.get(f.key) for f, _ in rows], found, labels, split.train)
    rows = [
        (facts, replace(seller, network_confirmed=count) if seller else None)
        for (facts, seller), count in zip(rows, confirmed, strict=True)
    ]
    evidences = [detector.evidence(facts, seller) for facts, seller in rows]
    add_seller_context(evidences)
    scored = time.perf_counter()
    texts = [f.text for f, _ in rows]
    similarity = _offer_similarities(texts, labels, groups, split.train, split.held_out)
    for evidence, value in zip(evidences, similarity, strict=True):
        evidence.features["known_offer_similarity"] = float(value)
    bank = tuple(s for i in split.train if labels[i] and (s := offer_signal(texts[i])))
    return TrainingSet(
        evidences=evidences,
        texts=texts,
        labels=labels,
        groups=groups,
        split=split,
        references=replace(references, known_offer_signals=bank),
        seconds_photo_hashing=round(hashed - started, 1),
        seconds_signals=round(scored - linked, 1),
        seconds_linking=round(linked - hashed, 1),
        network_accounts=len(found),
    )


def world_of(root: Path) -> str | None:
    """The prior's name of the world in this directory (`medium:102`), None without a readable manifest."""
    try:
        manifest = json.loads((Path(root) / "world.json").read_text(encoding="utf-8"))
        return world_name(str(manifest["scale"]), int(manifest["seed"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prior_exclusions(root: Path | None) -> tuple[str, ...]:
    """The prior's worlds to leave out when fitting on the world in `root`: itself, when it is one."""
    name = world_of(root) if root is not None else None
    return (name,) if name else ()


def evaluate_detection(
    root: Path, *, seed: int = 0, workers: int = 2, photo_cache: Path | None = None, prior: bool = True
) -> dict[str, float | None]:
    """The detect section of `countermark eval` on one world directory (flat figures).

    With `prior` the model is also fitted on the shipped prior (`detect.prior`) less this world's own
    rows, and the model fitted on this world's training sellers alone is measured beside it (`alone_…`).
    """
    started = time.perf_counter()
    training = world_training_set(root, seed=seed, workers=workers, photo_cache=photo_cache)
    evidences, labels, groups, split, references = (
        training.evidences,
        training.labels,
        training.groups,
        training.split,
        training.references,
    )
    listings_truth = json.loads((Path(root) / "truth" / "truth.json").read_text(encoding="utf-8"))["listings"]
    features = matrix(evidences)
    model = fit_model(
        features, labels, groups, split, references, target_precision=TARGET_PRECISION, seed=seed,
        prior=prior, prior_exclude=prior_exclusions(root),
    )  # fmt: skip
    test = split.held_out
    figures: dict[str, float | None] = {
        "listings": float(len(evidences)),
        "test_listings": float(len(test)),
        "test_sellers": float(len(set(groups[test]))),
        "train_sellers": float(len(set(groups[split.train]))),
        "sellers_on_both_sides": float(len(set(groups[test]) & set(groups[split.train]))),
        "features": float(len(FEATURES)),
        "lightgbm_ap": _finite(model.figures["lightgbm_ap"]),
        "logistic_ap": _finite(model.figures["logistic_ap"]),
        "lightgbm_training_ap": _finite(model.figures["lightgbm_training_ap"]),
        "logistic_training_ap": _finite(model.figures["logistic_training_ap"]),
        "model_lightgbm": model.figures["lightgbm_chosen"],
        "ap": _finite(model.figures["ap"]),
        "threshold": model.threshold,
        "parody_threshold": model.parody_threshold,
        "target_precision": TARGET_PRECISION,
        "precision_at_threshold": model.figures["precision"],
        "recall_at_threshold": model.figures["recall"],
        "calibration_error": model.figures["calibration_error"],
        "prior_rows": model.figures["prior_rows"],
    }
    probabilities = model.scorer.predict_proba(features[test])[:, 1]
    best_precision, best_recall = precision_recall_at(
        threshold_for_precision(probabilities, labels[test], TARGET_PRECISION), probabilities, labels[test]
    )
    # Diagnostic only (the threshold is chosen on the test sellers themselves): the best recall any
    # threshold could reach at the target precision.
    figures["oracle_recall_at_target_precision"] = best_recall if best_precision >= TARGET_PRECISION else 0.0
    figures.update(
        _per_category(
            evidences, test, probabilities >= model.row_thresholds(features[test]), listings_truth, references
        )
    )
    if model.figures["prior_rows"]:
        figures.update(_alone(training, features, listings_truth, seed))
    figures["seconds_photo_hashing"] = training.seconds_photo_hashing
    figures["seconds_signals"] = training.seconds_signals
    figures["seconds_linking"] = training.seconds_linking
    figures["accounts_in_linked_networks"] = float(training.network_accounts)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


def _alone(
    training: TrainingSet, features: np.ndarray, truth: dict[str, dict[str, Any]], seed: int
) -> dict[str, float | None]:
    """The control: the same figures of a model fitted on the world's training sellers alone."""
    model = fit_model(
        features, training.labels, training.groups, training.split, training.references,
        target_precision=TARGET_PRECISION, seed=seed,
    )  # fmt: skip
    test = training.split.held_out
    probabilities = model.scorer.predict_proba(features[test])[:, 1]
    flagged = probabilities >= model.row_thresholds(features[test])
    worst = _per_category(training.evidences, test, flagged, truth, training.references)
    return {
        "alone_ap": _finite(model.figures["ap"]),
        "alone_threshold": model.threshold,
        "alone_precision_at_threshold": model.figures["precision"],
        "alone_recall_at_threshold": model.figures["recall"],
        "alone_worst_hard_negative_false_positive_rate": worst["worst_hard_negative_false_positive_rate"],
    }


def _per_category(
    evidences: Sequence[Evidence],
    test: np.ndarray,
    flagged: np.ndarray,
    truth: dict[str, dict[str, Any]],
    references: References,
) -> dict[str, float | None]:
    """Recall per infringing category (counterfeit goods, piracy of digital goods, parody) and the
    false-positive rate of each kind of honest listing, on the test sellers."""
    digital = {
        p.key.split(":", 1)[-1]
        for p in references.products
        if p.category in ("software", "video_game", "ebook")
    }
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for index, is_flagged in zip(test, flagged, strict=True):
        item = truth[evidences[index].key]
        if item["infringing"]:
            category = "piracy" if item.get("product") in digital else str(item.get("category"))
            name = f"recall_{category}"
        else:
            name = f"false_positive_rate_{item.get('category')}"
        totals[name] += 1
        hits[name] += bool(is_flagged)
    figures: dict[str, float | None] = {}
    for name in sorted(totals):
        figures[name] = hits[name] / totals[name]
        # Parody is both an infringing category and a kind of honest listing: the counts are kept apart.
        count = name.replace("recall_", "count_infringing_").replace("false_positive_rate_", "count_")
        figures[count] = float(totals[name])
    fp_rates = [v for k, v in figures.items() if k.startswith("false_positive_rate_") and v is not None]
    figures["worst_hard_negative_false_positive_rate"] = max(fp_rates, default=None)
    return figures


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


def detect_section(root: Path) -> dict[str, float]:
    """`evaluate_detection` for `countermark eval` (figures that could not be measured left out); a
    world too small to hold sellers out reports `skipped`."""
    try:
        figures = evaluate_detection(root)
    except (ValueError, OSError, KeyError):
        return {"skipped": 1.0}
    return {name: value for name, value in figures.items() if value is not None}
