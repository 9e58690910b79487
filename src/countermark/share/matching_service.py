"""What each side puts into a private matching, and asking a partner instance for one."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.errors import Forbidden
from countermark.orgs.visibility import Principal
from countermark.share import psi
from countermark.share.models import SharePartner
from countermark.share.records_service import identifier_values


def offered_values(session: Session, principal: Principal) -> list[str]:
    """The identifiers we match against a partner: those in records of the sharing groups we share with
    its organisation (any level but RED: matching reveals only values the partner already holds)."""
    if principal.is_public:
        raise Forbidden.of("private matching is for partner organisations")
    partner = session.scalar(select(SharePartner).where(SharePartner.org_id == principal.org_id))
    if partner is None and not principal.is_system:
        raise Forbidden.of("private matching is open to partner instances under an agreement")
    values: set[str] = set()
    for group_id in sorted(principal.group_ids):
        for kind, found in identifier_values(
            session, kinds=psi.MATCHED_KINDS, sharing_group_id=group_id
        ).items():
            values |= {psi.item(kind, v) for v in found}
    return sorted(values)


def own_values(session: Session, *, owner_org_id: int) -> list[str]:
    """The identifiers of our organisation's records we ask a partner about, whatever their marking:
    asking tells the other side only how many values we asked."""
    found = identifier_values(
        session, kinds=psi.MATCHED_KINDS, sharing_group_id=None, owner_org_id=owner_org_id
    )
    return sorted({psi.item(kind, v) for kind, vs in found.items() for v in vs})


@dataclass(frozen=True)
class MatchResult:
    """What a private matching told us."""

    asked: int
    offered: int
    matched: list[str]


def match_with(
    partner_api_base: str, token: str | None, values: list[str], *, timeout: float = 600
) -> MatchResult:
    """Run a private matching of our values against a partner instance over HTTP."""
    asker = psi.Asker.start(values)
    response = requests.post(
        f"{partner_api_base.rstrip('/')}/api/v1/share/psi",
        json={"request": asker.request(), "count": max(1, len(asker.values))},
        headers={"Authorization": f"Bearer {token}"} if token else {},
        timeout=timeout,
    )
    response.raise_for_status()
    answer = response.json()
    matched = asker.intersection(answer["setup"], answer["response"]) if asker.values else []
    return MatchResult(asked=len(asker.values), offered=int(answer["offered"]), matched=matched)


def instance_base(api_root_url: str) -> str:
    """The base URL of a Countermark instance from its TAXII API root."""
    return api_root_url.split("/taxii2/")[0]
