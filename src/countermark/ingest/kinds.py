"""The kinds of record that can be ingested: their schema and the service that stores them."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from countermark.core.ingestion import IngestContext, Outcome, Prepared
from countermark.observe.schemas import AccountIn, ListingIn
from countermark.observe.service import ingest_account, ingest_listing, prepare_account, prepare_listing
from countermark.rights.schemas import AuthorisedSellerIn, ProductIn, RecordalIn, RightIn
from countermark.rights.service import ingest_authorised_seller, ingest_product, ingest_recordal, ingest_right
from countermark.targeting.schemas import InspectionIn, ShipmentIn
from countermark.targeting.service import ingest_inspection, ingest_shipment, prepare_shipment


@dataclass(frozen=True)
class KindSpec:
    """One ingestible kind: its name, schema and the function that stores a validated record."""

    name: str
    schema: type[BaseModel]
    store: Callable[[IngestContext, Any], Outcome]
    summary: str
    # Stored in batches (ingest/bulk.py): the handler writes only through `upsert_versioned`,
    # `record_sightings`, the blob helpers of core/ingestion.py and `Batch.defer`, and refuses a row
    # (RowRejected) only before queuing a row or a sighting for it.
    bulk: bool = False
    # What the handler computes without the database (a pure function of the validated record and the
    # input's folder), computed with the validation in worker processes for large batches
    # (ingest/parallel.py).
    prepare: Callable[[Any, Path | None], Prepared] | None = None

    @property
    def fields(self) -> frozenset[str]:
        """Names of the schema's fields."""
        return frozenset(self.schema.model_fields)

    def fields_of_type(self, origin: type) -> frozenset[str]:
        """Fields whose type is (optionally) a list or a dict, for splitting CSV cells."""
        names = set()
        for name, info in self.schema.model_fields.items():
            annotation = info.annotation
            candidates = (
                typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
            )
            if any(typing.get_origin(c) is origin for c in candidates):
                names.add(name)
        return frozenset(names)


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec("rights", RightIn, ingest_right, "trademarks, copyrights, designs and patents"),
        KindSpec("recordals", RecordalIn, ingest_recordal, "customs applications for action"),
        KindSpec("products", ProductIn, ingest_product, "genuine products with reference images"),
        KindSpec("authorised_sellers", AuthorisedSellerIn, ingest_authorised_seller, "authorised resellers"),
        KindSpec("accounts", AccountIn, ingest_account, "seller accounts, pages and shops", bulk=True,
                 prepare=prepare_account),
        KindSpec("listings", ListingIn, ingest_listing, "offers observed online", bulk=True,
                 prepare=prepare_listing),
        KindSpec("shipments", ShipmentIn, ingest_shipment, "declarations and consignments", bulk=True,
                 prepare=prepare_shipment),
        KindSpec("inspections", InspectionIn, ingest_inspection, "customs inspection results"),
    )
}
