"""A listing confirmed infringing joins the bank of known offers at once: other sellers' reposts of its
text scored afterwards carry the signal, the same seller's own listings and unrelated texts do not."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.detect.models import DetectionAlert, ListingScore
from countermark.detect.offers import OfferBank, offer_signal
from countermark.detect.stored_service import register_model, score_stored_listings
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.observe.models import Listing
from countermark.orgs.service import create_organisation
from tests.unit.test_detect_engine import tiny_model

TEMPLATE = "Season pass bundle all editions unlocked instant delivery worldwide message us on the app for"


def _row(i: int, seller: str, description: str) -> dict[str, Any]:
    return {"source": "feed", "external_id": str(i), "platform": "ShopMarket",
            "url": f"https://shopmarket.example/{i}", "title": "Game bundle", "description": description,
            "price": 15, "currency": "EUR", "seller": seller,
            "observed_at": "2026-05-01T10:00:00Z"}  # fmt: skip


def test_a_bank_leaves_out_the_sellers_own_offers() -> None:
    bank = OfferBank([offer_signal(TEMPLATE) or ""], sellers=["seller_a"])
    assert bank.similarity(TEMPLATE) == 1.0
    assert bank.similarity(TEMPLATE, not_from="seller_a") == 0.0
    assert bank.similarity(TEMPLATE, not_from="seller_b") == 1.0


def test_a_confirmed_listing_is_a_known_offer_for_listings_scored_after_it(store: AppContext) -> None:
    rows = [
        _row(0, "seller_a", TEMPLATE + " details"),
        _row(1, "seller_b", TEMPLATE + " price"),  # another seller reposts the confirmed text
        _row(2, "seller_a", TEMPLATE + " codes"),  # the confirmed seller's own other listing
        _row(3, "seller_c", "Oak dining chair, solid wood, collection only, a few marks on the legs"),
    ]
    with unit_of_work(store.sessions) as session:
        org = create_organisation(session=session, name="Nimbulus Ltd", kind="rights_holder", country="GB")
        ingest_rows(session=session, blobs=store.blobs, kind="listings",
                    rows=[RawRow(i, row) for i, row in enumerate(rows)], owner_org_id=org.id,
                    actor="t", label="t")  # fmt: skip
        ids = list(session.scalars(select(Listing.id).order_by(Listing.id)))
        session.add(DetectionAlert(listing_id=ids[0], owner_org_id=org.id, status="confirmed"))
        session.flush()
        model = tiny_model()
        register_model(session=session, blobs=store.blobs, model=model)
        assert score_stored_listings(session=session, blobs=store.blobs).scored == 4
        column = model.features.index("known_offer_similarity")
        scored = {r.listing_id: r for r in session.scalars(select(ListingScore))}
        similarity = [scored[i].features[column] for i in ids]
        assert similarity[1] is not None and similarity[1] >= 0.5
        assert similarity[2] == similarity[3] == 0.0
        assert any(s["name"] == "known_offer" for s in scored[ids[1]].signals)
        assert not any(s["name"] == "known_offer" for s in scored[ids[2]].signals)
