"""Listing controls: trivial detectors that a hard world must defeat.

Each takes its features from the world's files (world_files.read_world) and the labels only to score:
one feature alone (price against the rights holder's price, account age, seller country, dispatch
country) and a character n-gram classifier over the listing's text, cross-validated by seller.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

from countermark.eval.metrics import average_precision
from countermark.eval.world_files import WorldFiles, WorldListing, WorldProduct

FOLDS = 5
# A listing names a product when its title is this close (cosine of character 3-grams) to one product's
# brand and name; below it, the listing has no reference price (unbranded goods, accessories of others).
MATCH_SIMILARITY = 0.35
GTIN_RE = re.compile(r"(?<!\d)(\d{8}|\d{12,14})(?!\d)")


def _oriented(scores: Sequence[float], labels: Sequence[bool]) -> tuple[float, str]:
    """AP of the feature in whichever direction ranks infringing listings higher, and that direction."""
    high = average_precision(scores, labels)
    low = average_precision([-s for s in scores], labels)
    return (high, "higher") if high >= low else (low, "lower")


def _groups(listings: Sequence[WorldListing]) -> list[str]:
    return [listing.seller or f"unknown:{listing.key}" for listing in listings]


def match_products(listings: Sequence[WorldListing], products: Sequence[WorldProduct]) -> list[int | None]:
    """The index of the product each listing offers: its GTIN if the text quotes one, else the closest
    brand-and-name by character 3-grams when close enough, else None."""
    if not products:
        return [None] * len(listings)
    by_gtin = {p.gtin: index for index, p in enumerate(products) if p.gtin}
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), lowercase=True, sublinear_tf=True)
    reference = vectoriser.fit_transform([f"{p.brand} {p.name}" for p in products])
    titles = vectoriser.transform([listing.title for listing in listings])
    similarity = (titles @ reference.T).toarray()
    matched: list[int | None] = []
    for row, listing in enumerate(listings):
        quoted = [
            by_gtin[g] for g in GTIN_RE.findall(f"{listing.title} {listing.description}") if g in by_gtin
        ]
        if quoted:
            matched.append(quoted[0])
            continue
        best = int(np.argmax(similarity[row]))
        matched.append(best if similarity[row, best] >= MATCH_SIMILARITY else None)
    return matched


def price_ratio_rule(
    world: WorldFiles, labels: dict[str, bool], known: dict[str, str | None] | None = None
) -> dict[str, float | str | None]:
    """Price in EUR over the offered product's mid price, on listings that name a product with a price.

    The product is the one the listing's text names (match_products), or, given `known` (listing key ->
    the product's external id), that one: a diagnostic of how far price alone could go were the product
    always known.
    """
    if known is None:
        matched = match_products(world.listings, world.products)
    else:
        by_id = {product.key.split(":", 1)[-1]: i for i, product in enumerate(world.products)}
        matched = [by_id.get(known.get(listing.key) or "") for listing in world.listings]
    scores: list[float] = []
    truth: list[bool] = []
    for listing, index in zip(world.listings, matched, strict=True):
        if index is None or listing.key not in labels or listing.price is None:
            continue
        reference = world.products[index].price_mid
        rate = world.fx_to_eur.get(listing.currency or "EUR")
        if not reference or rate is None:
            continue
        scores.append(listing.price * rate / reference)
        truth.append(labels[listing.key])
    return _rule(scores, truth, covered=len(scores), total=len(world.listings))


def account_age_rule(world: WorldFiles, labels: dict[str, bool]) -> dict[str, float | str | None]:
    """Days between the seller's joining and the listing's observation."""
    scores: list[float] = []
    truth: list[bool] = []
    for listing in world.listings:
        account = world.accounts.get(listing.seller or "")
        if listing.key not in labels or account is None or not account.joined_at or not listing.observed_at:
            continue
        scores.append((listing.observed_at - account.joined_at).total_seconds() / 86400)
        truth.append(labels[listing.key])
    return _rule(scores, truth, covered=len(scores), total=len(world.listings))


def _rule(
    scores: Sequence[float], truth: Sequence[bool], *, covered: int, total: int
) -> dict[str, float | str | None]:
    if not any(truth):
        return {
            "ap": None,
            "direction": None,
            "base_rate": None,
            "coverage": covered / total if total else 0.0,
        }
    ap, direction = _oriented(scores, truth)
    return {
        "ap": ap,
        "direction": direction,
        "base_rate": sum(truth) / len(truth),
        "coverage": covered / total if total else 0.0,
    }


def category_rule(
    values: Sequence[str], labels: Sequence[bool], groups: Sequence[str], folds: int = FOLDS
) -> float:
    """AP of a categorical feature scored by its infringing rate learned on other sellers (grouped folds).

    Each listing's category is scored with the smoothed share of infringing listings of that category
    among the training folds' listings, so no listing (nor its seller) scores itself.
    """
    labels_array = np.asarray(labels, dtype=bool)
    scores = np.zeros(len(values))
    splits = min(folds, len(set(groups)))
    if splits < 2 or not labels_array.any():
        return float("nan")
    for train, test in GroupKFold(n_splits=splits).split(np.zeros(len(values)), labels_array, groups):
        prior = float(labels_array[train].mean())
        seen: Counter[str] = Counter(values[i] for i in train)
        hits: Counter[str] = Counter(values[i] for i in train if labels_array[i])
        for i in test:
            scores[i] = (hits[values[i]] + prior) / (seen[values[i]] + 1)
    return average_precision(scores.tolist(), labels_array.tolist())


def country_rules(world: WorldFiles, labels: dict[str, bool]) -> dict[str, dict[str, float | str | None]]:
    """The seller's country and the listing's dispatch country, each alone (missing is its own value)."""
    listings = [x for x in world.listings if x.key in labels]
    truth = [labels[x.key] for x in listings]
    groups = _groups(listings)
    seller = [
        (world.accounts[x.seller].country if x.seller in world.accounts else None) or "?" for x in listings
    ]
    dispatch = [x.ships_from or "?" for x in listings]
    base = sum(truth) / len(truth) if truth else None
    return {
        "seller_country": {
            "ap": _finite(category_rule(seller, truth, groups)),
            "base_rate": base,
            "coverage": 1.0,
        },
        "ships_from": {
            "ap": _finite(category_rule(dispatch, truth, groups)),
            "base_rate": base,
            "coverage": 1.0,
        },
    }


def text_classifier(
    world: WorldFiles, labels: dict[str, bool], folds: int = FOLDS
) -> dict[str, float | None]:
    """Character 2-5-gram TF-IDF and logistic regression on title and description, folds grouped by seller.

    The vocabulary and the model are fitted on the training folds only; AP over the out-of-fold scores.
    """
    listings = [x for x in world.listings if x.key in labels]
    texts = [f"{x.title}\n{x.description}" for x in listings]
    truth = np.asarray([labels[x.key] for x in listings], dtype=bool)
    groups = _groups(listings)
    splits = min(folds, len(set(groups)))
    if splits < 2 or truth.all() or not truth.any():
        return {"ap": None, "base_rate": None}
    scores = np.zeros(len(texts))
    for train, test in GroupKFold(n_splits=splits).split(texts, truth, groups):
        if truth[train].all() or not truth[train].any():
            scores[test] = float(truth[train].mean())
            continue
        vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        model = LogisticRegression(solver="liblinear", max_iter=2000)
        model.fit(vectoriser.fit_transform([texts[i] for i in train]), truth[train])
        scores[test] = model.predict_proba(vectoriser.transform([texts[i] for i in test]))[:, 1]
    return {"ap": average_precision(scores.tolist(), truth.tolist()), "base_rate": float(truth.mean())}


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value
