"""The product's own networks, scored: the standing networks the store keeps after a linking run over
what was ingested, crawled and photo-hashed (`countermark link run`, the demo's linking step, the
server's jobs), against the world's truth, with the same figures as the run over the world's files.

The file run (`eval.link.evaluate_link_world`) measures the engine on parties read straight from the
world; this one measures what a user is shown: the parties as the store holds them (identifiers as
ingestion extracted them, photos as the fingerprint step hashed them, listings as the crawler found
them), linked for one organisation and only what it may see. Nothing here links: it reads the networks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.eval.link import score_membership
from countermark.link.models import LinkHub, LinkMember, LinkNetwork, LinkRun
from countermark.observe.models import Account
from countermark.targeting.models import Shipment


def _linked_organisation(session: Session) -> int | None:
    """The organisation whose latest run linked the most parties (the customs in the demo: it sees the
    police's GREEN accounts and listings beside its own consignments)."""
    latest = (
        select(LinkRun.owner_org_id, func.max(LinkRun.id).label("run_id")).group_by(LinkRun.owner_org_id)
    ).subquery()
    row = session.execute(
        select(LinkRun.owner_org_id)
        .join(latest, LinkRun.id == latest.c.run_id)
        .order_by(LinkRun.parties.desc(), LinkRun.owner_org_id)
        .limit(1)
    ).first()
    return int(row[0]) if row else None


def _keys(session: Session, model: Any, ids: set[int]) -> dict[int, str]:
    """Record id -> the truth's key (`source:external_id`) of the records among `ids`."""
    found: dict[int, str] = {}
    listed = sorted(ids)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        for row_id, source, external_id in session.execute(
            select(model.id, model.source, model.external_id).where(model.id.in_(chunk))
        ):
            found[row_id] = f"{source}:{external_id}"
    return found


def evaluate_link_store(session: Session, truth: dict[str, Any]) -> dict[str, float]:
    """Figures of the store's standing networks against the truth; {} when nothing was linked."""
    owner = _linked_organisation(session)
    if owner is None:
        return {}
    networks = {
        network_id: operator
        for network_id, operator in session.execute(
            select(LinkNetwork.id, LinkNetwork.operator).where(
                LinkNetwork.owner_org_id == owner, LinkNetwork.dissolved_at.is_(None)
            )
        )
    }
    members = session.execute(
        select(LinkMember.network_id, LinkMember.record_type, LinkMember.record_id).where(
            LinkMember.network_id.in_(list(networks)) if networks else LinkMember.id.is_(None)
        )
    ).all()
    wanted: dict[str, set[int]] = {"account": set(), "shipment": set()}
    for _, record_type, record_id in members:
        if record_type in wanted and record_id is not None:
            wanted[record_type].add(record_id)
    keys = {"account": _keys(session, Account, wanted["account"]),
            "shipment": _keys(session, Shipment, wanted["shipment"])}  # fmt: skip
    member_of = {
        keys[record_type][record_id]: f"network-{network_id}"
        for network_id, record_type, record_id in members
        if record_type in keys and record_id in keys[record_type]
    }
    truth_accounts = set(truth.get("accounts", {}))
    stored = {f"{s}:{e}" for s, e in session.execute(select(Account.source, Account.external_id))}
    # Pairs are counted over the accounts the store holds: an account no longer online when the world
    # was crawled cannot be linked by anyone (the crawl's coverage of what is served is `monitor`'s
    # figure). Every consignment of the truth counts: all of them are ingested.
    accounts = sorted(truth_accounts & stored)
    figures = score_membership(member_of, accounts, truth)
    figures["accounts_stored"] = float(len(accounts))
    figures["accounts_in_truth"] = float(len(truth_accounts))
    figures["networks_found"] = float(sum(1 for operator in networks.values() if not operator))
    figures["operator_groups_found"] = float(sum(1 for operator in networks.values() if operator))
    hubs = select(func.count()).select_from(LinkHub).where(LinkHub.owner_org_id == owner, LinkHub.hub)
    figures["hubs_detected"] = float(session.scalar(hubs) or 0)
    return figures
