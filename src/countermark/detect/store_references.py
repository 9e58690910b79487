"""The references a stored listing is scored against, read from the store: the marks, genuine products (with
their enrolled reference photos) and authorised sellers that the listing's owner may see.

A model carries the references it was trained with (a world's holders, or the previous model's); scoring the
store with those alone would compare real listings with the training world's brands and miss every product
registered since. So the store's own registry is read for each owner at scoring time (`countermark ingest
rights|products|authorised_sellers`, the products' photos enrolled by `countermark fingerprint products`),
as that owner may see it: its own records, those shared with it, GREEN and CLEAR ones; a restricted record
of another organisation never shapes its scores or reasons. The model's logo photos and bank of known
offers are kept. An owner who may see no registered mark is scored with the model's own marks and products,
as before. Prices are turned into euros at the store's own rates in force on the scoring day
(`core/rates.py`, `countermark rates import`), the model's fixed table standing in for a currency the store
has no rate for.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from countermark.core.rates import euros_per_unit
from countermark.detect.engine import DetectionModel
from countermark.detect.facts import ProductRef, References, band_middle
from countermark.fingerprint.hash_reads import product_photo_hashes
from countermark.orgs.service import group_ids_of
from countermark.orgs.visibility import Principal
from countermark.rights.detection_reads import registry_for_detection

_LOCK = threading.Lock()
# (model version, references digest) -> the model with those references, its detector compiled once.
_VIEWS: dict[tuple[str, str], DetectionModel] = {}
_MOST_VIEWS = 16


def store_references(
    *, session: Session, owner_org_id: int, base: References, today: date
) -> References | None:
    """The references of the owner's listings, or None when it may see no registered mark (the model's
    own then stand)."""
    principal = Principal(org_id=owner_org_id, group_ids=group_ids_of(session, owner_org_id))
    registry = registry_for_detection(session=session, principal=principal, today=today)
    if not registry.marks:
        return None
    marks: dict[str, list[str]] = {}
    for row in registry.marks:
        marks.setdefault(row.brand, []).append(row.mark)
    photos = product_photo_hashes(
        session=session, principal=principal, product_ids=[p.id for p in registry.products]
    )
    products = []
    for p in registry.products:
        # The model's price features were fitted against the middle of each genuine band as both its ends
        # (`eval.detect.world_references`): read the store's bands the same way.
        mid = band_middle(p.price_min, p.price_max)
        products.append(
            ProductRef(
                key=p.key, brand=p.brand, name=p.name, gtin=p.gtin, price_min=mid, price_max=mid,
                currency=p.currency or "", category=p.category, photo_hashes=photos.get(p.id, ()),
            )
        )  # fmt: skip
    authorised = frozenset(
        (row.brand.casefold(), row.platform.casefold(), row.handle.casefold()) for row in registry.authorised
    )
    return replace(
        base,
        marks={brand: tuple(names) for brand, names in marks.items()},
        products=tuple(products),
        authorised=authorised,
    )


def references_digest(references: References, *, rate_values: bool = True) -> str:
    """A digest of what a score depends on in the references besides the model itself: the marks,
    products (with their photos), authorised sellers and exchange rates, read in any order. Without
    `rate_values`, only which currencies have a rate counts: a day's move of the rates does not make
    every stored score stale, a currency that had none does."""
    rates = sorted(references.fx_to_eur.items()) if rate_values else sorted(references.fx_to_eur)
    read = (
        sorted((brand, sorted(names)) for brand, names in references.marks.items()),
        sorted(repr(replace(p, photo_hashes=tuple(sorted(p.photo_hashes)))) for p in references.products),
        sorted(references.authorised),
        rates,
    )
    return hashlib.sha256(repr(read).encode("utf-8")).hexdigest()


def model_for_owner(
    *, session: Session, model: DetectionModel, owner_org_id: int, today: date, version: str | None = None
) -> DetectionModel:
    """The model scoring the owner's listings: with the store's references the owner may see and the
    store's exchange rates (the same object, its detector compiled once, while they do not change), or
    the model itself. `version` names a registered model; a model file is named by when it was trained."""
    references = store_references(
        session=session, owner_org_id=owner_org_id, base=model.references, today=today
    )
    rates = euros_per_unit(session, today)
    if references is None and not rates:
        return model
    references = references or model.references
    if rates:
        references = replace(references, fx_to_eur={**references.fx_to_eur, **rates})
    named = version or f"file:{model.trained_at.isoformat()}"
    key = (named, references_digest(references))
    with _LOCK:
        view = _VIEWS.get(key)
        if view is None:
            if len(_VIEWS) >= _MOST_VIEWS:
                _VIEWS.pop(next(iter(_VIEWS)))
            view = _VIEWS[key] = replace(model, references=references, _detector=None)
        return view
