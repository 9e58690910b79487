"""Identifiers are not marked themselves: they are visible through the records they were seen in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.observe.models import Account, IdentifierSighting, Listing
from countermark.orgs.visibility import Principal, visible_clause

OWN_SUBJECTS: dict[str, Any] = {"account": Account, "listing": Listing}


def visible_sightings(
    session: Session, identifier_id: int, principal: Principal, subjects: Mapping[str, Any] = OWN_SUBJECTS
) -> list[dict[str, Any]]:
    """The sightings of an identifier in records the principal may see.

    `subjects` maps each subject type to its marked table; other capabilities' records (shipments) are
    added by the caller that composes them.
    """
    result = []
    for subject_type, model in subjects.items():
        rows = session.execute(
            select(IdentifierSighting.subject_id, IdentifierSighting.field, IdentifierSighting.raw)
            .join(model, model.id == IdentifierSighting.subject_id)
            .where(
                IdentifierSighting.identifier_id == identifier_id,
                IdentifierSighting.subject_type == subject_type,
                visible_clause(model, principal),
            )
            .order_by(IdentifierSighting.subject_id)
        )
        result += [
            {"subject_type": subject_type, "subject_id": sid, "field": f, "raw": r} for sid, f, r in rows
        ]
    return result
