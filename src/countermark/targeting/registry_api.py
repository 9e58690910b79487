"""REST routes of the targeting registry: rule profiles, trained models and decisions, owned and marked.

Lists, details and CSV exports start from `visible(...)` (orgs/resources.py): an organisation sees its own
records and those another shares with it by marking; a record it may not see is a 404. Training, switching
a rule and activating a model act only on the caller's organisation's records (403 on a visible record of
another, 404 on an unseen one). The routes are mounted under /api/v1/targeting by scoring_api.
"""

from __future__ import annotations

from fastapi import Depends, Request

from countermark.core.http.deps import DbSession, client_origin
from countermark.core.http.params import RecordId
from countermark.orgs.deps import require_scope
from countermark.orgs.resources import ResourceSpec, resource_router
from countermark.orgs.visibility import Principal
from countermark.targeting.engine_service import retrain
from countermark.targeting.models import RuleProfile, TargetingDecision, TargetingModelVersion
from countermark.targeting.registry_service import activate_model, org_of, set_rule_active
from countermark.targeting.schemas import DecisionRecordOut, ModelOut, ProfileOut

PROFILES = ResourceSpec(
    "profiles",
    RuleProfile,
    ProfileOut,
    filters={"name": "name", "lane": "lane", "active": "active", "owner_org_id": "owner_org_id"},
    text_fields=("name", "reason"),
    sort_fields=("id", "name", "updated_at"),
    default_sort="name",
)
MODELS = ResourceSpec(
    "models",
    TargetingModelVersion,
    ModelOut,
    filters={"active": "active", "owner_org_id": "owner_org_id"},
    sort_fields=("id", "created_at"),
    default_sort="-id",
)
DECISIONS = ResourceSpec(
    "decisions",
    TargetingDecision,
    DecisionRecordOut,
    filters={"selected_on": "selected_on", "lane": "lane", "shipment_id": "shipment_id"},
    sort_fields=("id", "selected_on", "score"),
    default_sort="-id",
)

router = resource_router("", "targeting", (PROFILES, MODELS, DECISIONS))
writer = Depends(require_scope("write"))


@router.post("/profiles/{record_id}/activate", summary="Switch a rule profile on")
def activate_profile_route(
    record_id: RecordId, request: Request, session: DbSession, principal: Principal = writer
) -> ProfileOut:
    """Make one of your organisation's rule profiles score again."""
    profile = set_rule_active(
        session=session, principal=principal, rule_id=record_id, active=True, origin=client_origin(request)
    )
    return ProfileOut.model_validate(profile)


@router.post("/profiles/{record_id}/deactivate", summary="Switch a rule profile off")
def deactivate_profile_route(
    record_id: RecordId, request: Request, session: DbSession, principal: Principal = writer
) -> ProfileOut:
    """Stop one of your organisation's rule profiles from scoring (it stays in the registry)."""
    profile = set_rule_active(
        session=session, principal=principal, rule_id=record_id, active=False, origin=client_origin(request)
    )
    return ProfileOut.model_validate(profile)


@router.post("/models", summary="Train a model on your inspection results", status_code=201)
def train_model_route(session: DbSession, principal: Principal = writer) -> ModelOut:
    """Train on your organisation's declarations and inspection results; the new model scores from now on.

    Too few results (or results of one kind only) → 422 with the reason.
    """
    version = retrain(session=session, owner_org_id=org_of(principal), actor=principal.email)
    return ModelOut.model_validate(version)


@router.post("/models/{record_id}/activate", summary="Make a trained model the one that scores")
def activate_model_route(
    record_id: RecordId, request: Request, session: DbSession, principal: Principal = writer
) -> ModelOut:
    """Activate one of your organisation's models (its other models stop scoring)."""
    version = activate_model(
        session=session, principal=principal, model_id=record_id, origin=client_origin(request)
    )
    return ModelOut.model_validate(version)
