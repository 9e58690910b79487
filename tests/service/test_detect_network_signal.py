"""Stored listings are scored with their seller's network as the owner's linking stored it: a standing
network of the owner counts once the owner confirmed an infringing listing of another of its sellers; a
rights holder's own stores (operator), a dissolved network or another organisation's network do not."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.detect.models import DetectionAlert, DetectionVerdict, ListingScore
from countermark.detect.stored_service import register_model, score_stored_listings
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.link.models import LinkMember, LinkNetwork
from countermark.link.service import networks_of_listings
from countermark.observe.models import Listing
from countermark.orgs.service import create_organisation
from tests.service.test_detect_alerts_retrain import _listing
from tests.unit.test_detect_engine import tiny_model


def _network(session: Session, owner: int, key: str, *listing_ids: int, **kinds: int) -> LinkNetwork:
    network = LinkNetwork(owner_org_id=owner, key=key, size=sum(kinds.values()), kinds=kinds)
    session.add(network)
    session.flush()
    for listing_id in listing_ids:
        session.add(LinkMember(network_id=network.id, key=f"listing:{listing_id}", kind="listing",
                               label="offer", record_type="listing", record_id=listing_id))  # fmt: skip
    return network


def _verdict(session: Session, owner: int, listing: int, seller: str, verdict: str, times: int = 1) -> None:
    status = "confirmed" if verdict == "confirm" else "dismissed"
    alert = DetectionAlert(listing_id=listing, owner_org_id=owner, status=status)
    session.add(alert)
    session.flush()
    for _ in range(times):
        session.add(
            DetectionVerdict(
                alert_id=alert.id, listing_id=listing, owner_org_id=owner, verdict=verdict,
                actor="analyst", seller=seller, model_version="m",
            )
        )  # fmt: skip


def test_stored_listings_are_scored_with_their_owners_standing_networks(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        org = create_organisation(session=session, name="Kelondo SA", kind="rights_holder", country="FR")
        other = create_organisation(session=session, name="Other SA", kind="rights_holder", country="FR")
        ingest_rows(session=session, blobs=store.blobs, kind="listings",
                    rows=[RawRow(i, _listing(i)) for i in range(8)], owner_org_id=org.id,
                    actor="t", label="t")  # fmt: skip
        ids = list(session.scalars(select(Listing.id).order_by(Listing.id)))
        # Sellers: seller0 lists 0 and 1, seller1 lists 2 and 3, seller2 4 and 5, seller3 6 and 7.
        ring = _network(session, org.id, "N-000001", ids[0], ids[2], ids[4], account=2, shop=1, listing=4)
        _network(session, org.id, "N-000002", ids[0], account=1, listing=2)  # the largest one counts
        _network(session, org.id, "N-000003", ids[1], ids[3], account=5).operator = True
        _network(session, org.id, "N-000004", ids[5], ids[3], account=4).dissolved_at = utcnow()
        _network(session, other.id, "N-000001", ids[6], ids[2], account=6)
        honest = _network(session, org.id, "N-000005", ids[7], account=4, listing=1)
        session.flush()
        pairs = [(i, org.id) for i in ids]
        assert networks_of_listings(session=session, listings=pairs) == {
            ids[0]: (ring.id, 3), ids[2]: (ring.id, 3), ids[4]: (ring.id, 3), ids[7]: (honest.id, 4)
        }  # fmt: skip
        assert networks_of_listings(session=session, listings=[]) == {}
        # seller1's listing 2 confirmed (twice: one listing), its listing 3 too (outside the ring); seller2's
        # listing 4 dismissed; another organisation's verdict on the ring's listing 0 counts for nobody.
        _verdict(session, org.id, ids[2], "seller1", "confirm", times=2)
        _verdict(session, org.id, ids[3], "seller1", "confirm")
        _verdict(session, org.id, ids[4], "seller2", "dismiss")
        _verdict(session, other.id, ids[0], "seller0", "confirm")
        session.flush()
        model = tiny_model()
        register_model(session=session, blobs=store.blobs, model=model)
        report = score_stored_listings(session=session, blobs=store.blobs)
        assert report.scored == 8
        size, known = (model.features.index(f) for f in ("seller_network_size", "seller_network_confirmed"))
        rows = {r.listing_id: r for r in session.scalars(select(ListingScore))}
        # The ring counts for seller0 and seller2 (seller1's confirmed listing), not for seller1 itself;
        # the honest operator's network of four, with nothing confirmed, does not count.
        assert [(rows[i].features[size], rows[i].features[known]) for i in ids] == [
            (3.0, 1.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (3.0, 1.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0)
        ]  # fmt: skip
        network = next(s for s in rows[ids[0]].signals if s["name"] == "seller_network")
        assert (network["size"], network["confirmed"]) == ("3", "1")
        assert not any(s["name"] == "seller_network" for s in rows[ids[2]].signals)
        assert not any(s["name"] == "seller_network" for s in rows[ids[7]].signals)
