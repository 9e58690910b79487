"""Stored listings are scored with their seller's network as the owner's linking stored it: a standing
network of the owner counts, a rights holder's own stores (operator), a dissolved network or another
organisation's network do not."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.detect.models import ListingScore
from countermark.detect.stored_service import register_model, score_stored_listings
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.link.models import LinkMember, LinkNetwork
from countermark.link.service import network_accounts_of_listings
from countermark.observe.models import Listing
from countermark.orgs.service import create_organisation
from tests.service.test_detect_alerts_retrain import _listing
from tests.unit.test_detect_engine import tiny_model


def _network(session: Session, owner: int, key: str, listing_id: int, **kinds: int) -> LinkNetwork:
    network = LinkNetwork(owner_org_id=owner, key=key, size=sum(kinds.values()), kinds=kinds)
    session.add(network)
    session.flush()
    member = LinkMember(network_id=network.id, key=f"listing:{listing_id}", kind="listing", label="offer",
                        record_type="listing", record_id=listing_id)  # fmt: skip
    session.add(member)
    return network


def test_stored_listings_are_scored_with_their_owners_standing_networks(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        org = create_organisation(session=session, name="Kelondo SA", kind="rights_holder", country="FR")
        other = create_organisation(session=session, name="Other SA", kind="rights_holder", country="FR")
        ingest_rows(session=session, blobs=store.blobs, kind="listings",
                    rows=[RawRow(i, _listing(i)) for i in range(5)], owner_org_id=org.id,
                    actor="t", label="t")  # fmt: skip
        ids = list(session.scalars(select(Listing.id).order_by(Listing.id)))
        _network(session, org.id, "N-000001", ids[0], account=2, shop=1, listing=4)
        _network(session, org.id, "N-000002", ids[0], account=1, listing=2)  # the largest one counts
        _network(session, org.id, "N-000003", ids[1], account=5).operator = True
        _network(session, org.id, "N-000004", ids[2], account=4).dissolved_at = utcnow()
        _network(session, other.id, "N-000001", ids[3], account=6)
        session.flush()
        pairs = [(i, org.id) for i in ids]
        assert network_accounts_of_listings(session=session, listings=pairs) == {ids[0]: 3}
        assert network_accounts_of_listings(session=session, listings=[]) == {}
        model = tiny_model()
        register_model(session=session, blobs=store.blobs, model=model)
        report = score_stored_listings(session=session, blobs=store.blobs)
        assert report.scored == 5
        column = model.features.index("seller_network_size")
        rows = {r.listing_id: r for r in session.scalars(select(ListingScore))}
        assert [rows[i].features[column] for i in ids] == [3.0, 0.0, 0.0, 0.0, 0.0]
        assert any(s["name"] == "seller_network" for s in rows[ids[0]].signals)
        assert not any(s["name"] == "seller_network" for s in rows[ids[1]].signals)
