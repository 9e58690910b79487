"""Online to border (issue 16): a declaration whose consignor is in the stored network of a confirmed
infringer is flagged, naming the network, though it shares no identifier with the confirmed records."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from countermark.cases.intake_service import open_from_listing
from countermark.cases.models import Case
from countermark.cases.outcome_service import StoredCaseOutcomes, provide_case_outcomes
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.link.case_networks import NetworkedCaseOutcomes, provide_case_networks
from countermark.link.models import LinkNetwork
from countermark.observe.models import Listing
from countermark.orgs.visibility import Principal
from countermark.targeting.intelligence_service import confirmed_infringer_flags
from countermark.targeting.outcomes import CASE_OUTCOMES
from tests.service.helpers import make_org
from tests.service.test_link_store import RING, _load, _run


def _flags(store: AppContext, org: int, outcomes: object) -> dict[str, list[str]]:
    """Flagged value -> the English reasons."""
    with unit_of_work(store.sessions) as session:
        flags = confirmed_infringer_flags(session=session, owner_org_id=org, outcomes=outcomes)  # type: ignore[arg-type]
    found: dict[str, list[str]] = {}
    for flag in flags:
        found.setdefault(flag.value, []).append(flag.reason)
    return found


def _confirm_listing(store: AppContext, org: int, external_id: str, outcome: str) -> None:
    with unit_of_work(store.sessions) as session:
        listing_id = session.scalar(select(Listing.id).where(Listing.external_id == external_id))
        assert listing_id is not None
        case = open_from_listing(
            session=session,
            principal=Principal(org_id=org, role="analyst", scopes=frozenset({"read", "write"})),
            listing_id=listing_id,
            at=datetime(2025, 3, 5, tzinfo=UTC),
            actor="test",
        )
        case.outcome, case.status = outcome, "closed"


def test_a_consignor_in_a_confirmed_sellers_network_is_flagged_with_the_network(
    store: AppContext, tmp_path: Path
) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    _run(store, org)
    _confirm_listing(store, org, "L1", "takedown")  # kicks-one's listing, confirmed
    direct = _flags(store, org, StoredCaseOutcomes())
    # S1 shares the ring's e-mail with the confirmed seller; S2 is tied to the ring only by the seller id
    # its declaration carries, which no identifier thread follows.
    assert "Li Wei Trading" in direct and "Someone Else" not in direct
    widened = _flags(store, org, NetworkedCaseOutcomes(StoredCaseOutcomes()))
    with unit_of_work(store.sessions) as session:
        ring = session.scalar(select(LinkNetwork.key).where(LinkNetwork.operator.is_(False)))
    assert ring is not None
    assert widened["Li Wei Trading"] == direct["Li Wei Trading"]  # a case's own thread keeps its reason
    assert any(f"in network {ring}" in reason and "takedown" in reason for reason in widened["Someone Else"])
    assert not any("official" in value for value in widened)  # the brand's own stores: one operator

    # Wired as the app and the command line do it, once however often it is called.
    provide_case_outcomes(store)
    provide_case_networks(store)
    provide_case_networks(store)
    outcomes = store.provided(CASE_OUTCOMES)
    assert isinstance(outcomes, NetworkedCaseOutcomes) and isinstance(outcomes.inner, StoredCaseOutcomes)
    with unit_of_work(store.sessions) as session:
        before = outcomes.stamp(session=session)
    _run(store, org)  # a new link run changes the stamp: the cached scorers reload their flags
    with unit_of_work(store.sessions) as session:
        assert outcomes.stamp(session=session) != before


def test_a_network_does_not_count_without_a_confirmed_outcome_or_for_another_organisation(
    store: AppContext, tmp_path: Path
) -> None:
    org = make_org(store)
    other = make_org(store, "Zoll", "customs", "DE")
    _load(store, tmp_path, org, RING)
    _run(store, org)
    _confirm_listing(store, org, "L1", "release")  # goods released: nothing confirmed
    assert _flags(store, org, NetworkedCaseOutcomes(StoredCaseOutcomes())) == {}
    with unit_of_work(store.sessions) as session:
        for case in session.scalars(select(Case)):
            case.outcome = "destruction"
    assert "Someone Else" in _flags(store, org, NetworkedCaseOutcomes(StoredCaseOutcomes()))
    assert _flags(store, other, NetworkedCaseOutcomes(StoredCaseOutcomes())) == {}
