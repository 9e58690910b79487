"""Changing an organisation's rule profiles and trained models: only their owner may (orgs.visibility).

A profile or model another organisation may not see is answered as absent (404), one it may see but does
not own is refused (403): the same rule as every marked record. Nothing here commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.errors import Forbidden
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, require_owner
from countermark.targeting.models import RuleProfile, TargetingModelVersion


def org_of(principal: Principal) -> int:
    """The principal's organisation, whose model and rules score and which owns what it creates."""
    if principal.org_id is None:
        raise Forbidden.of("targeting acts for an organisation: use a user's session or token")
    return principal.org_id


def set_rule_active(
    *, session: Session, principal: Principal, rule_id: int, active: bool, origin: str | None = None
) -> RuleProfile:
    """Switch one of the principal's organisation's rule profiles on or off, audited."""
    profile = require_owner(session.get(RuleProfile, rule_id), principal, what="rule profile")
    profile.active = active
    session.flush()
    record_audit(
        session=session,
        actor=principal.email,
        org_id=profile.owner_org_id,
        action="activate_rule" if active else "deactivate_rule",
        subject_type="rule_profile",
        subject_id=str(profile.id),
        origin=origin,
        detail={"name": profile.name},
    )
    return profile


def activate_model(
    *, session: Session, principal: Principal, model_id: int, origin: str | None = None
) -> TargetingModelVersion:
    """Make one of the organisation's trained models the one that scores (its other models stop), audited."""
    version = require_owner(session.get(TargetingModelVersion, model_id), principal, what="targeting model")
    for other in session.scalars(
        select(TargetingModelVersion).where(
            TargetingModelVersion.owner_org_id == version.owner_org_id,
            TargetingModelVersion.active.is_(True),
            TargetingModelVersion.id != version.id,
        )
    ):
        other.active = False
    version.active = True
    session.flush()
    record_audit(
        session=session,
        actor=principal.email,
        org_id=version.owner_org_id,
        action="activate_model",
        subject_type="targeting_model",
        subject_id=str(version.id),
        origin=origin,
    )
    return version
