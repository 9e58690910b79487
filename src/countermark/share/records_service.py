"""This instance's records that a collection shares, read generically and mapped to STIX.

Sharing is an export of marked records like the CSV export: the tables are found through
`core.marking.marked_models()` (loaded by the app factory and the CLI) and read only through the one
visibility rule, so this capability needs no other capability's tables. RED records are never read.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.marking import TLP_LEVELS, marked_models
from countermark.observe.identifier_service import sightings_on_records
from countermark.share.stix_mapping import DECLARED_FIELDS, IDENTIFIER_TYPES, LocalRecord

SHARED_KINDS = ("accounts", "listings", *DECLARED_FIELDS)
SUBJECT_TYPES = {"accounts": "account", "listings": "listing"}
PERMISSIVE_FIRST = tuple(reversed(TLP_LEVELS))


def _plain(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def local_records(
    session: Session,
    *,
    sharing_group_id: int | None,
    kinds: tuple[str, ...] = SHARED_KINDS,
    owner_org_id: int | None = None,
) -> list[LocalRecord]:
    """The records a collection shares: those marked for its sharing group (any level but RED), or for a
    community collection (no group) the GREEN and CLEAR ones; least restricted first.

    With `owner_org_id` instead: every record of that organisation, whatever its marking (for what we ask
    in a private matching, which tells the other side nothing).
    """
    models = marked_models()
    records: list[LocalRecord] = []
    for kind in kinds:
        model = models.get(kind)
        if model is None:
            continue
        if owner_org_id is not None:
            query = select(model).where(model.owner_org_id == owner_org_id)
        elif sharing_group_id is None:
            query = select(model).where(model.tlp.in_(["GREEN", "CLEAR"]))
        else:
            query = select(model).where(model.tlp != "RED", model.sharing_group_id == sharing_group_id)
        for row in session.scalars(query.order_by(model.id)):
            fields = _plain(row)
            records.append(
                LocalRecord(
                    kind=kind,
                    id=row.id,
                    fields=fields,
                    owner_org_id=row.owner_org_id,
                    tlp=row.tlp,
                    sharing_group_id=row.sharing_group_id,
                    created=fields.get("created_at") or fields.get("opened_at") or fields.get("observed_at"),
                    modified=fields.get("updated_at") or fields.get("created_at"),
                )
            )
    identifiers = _identifiers_of(session, records)
    records = [
        LocalRecord(**{**r.__dict__, "identifiers": tuple(identifiers.get((r.kind, r.id), ()))})
        for r in records
    ]
    return sorted(records, key=lambda r: PERMISSIVE_FIRST.index(r.tlp))


def _identifiers_of(
    session: Session, records: list[LocalRecord]
) -> dict[tuple[str, int], list[tuple[str, str]]]:
    subjects = [(SUBJECT_TYPES[r.kind], r.id) for r in records if r.kind in SUBJECT_TYPES]
    found: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    kind_of = {subject: kind for kind, subject in SUBJECT_TYPES.items()}
    for start in range(0, len(subjects), 500):
        for fact in sightings_on_records(
            session=session, subjects=subjects[start : start + 500], kinds=sorted(IDENTIFIER_TYPES)
        ):
            found[(kind_of[fact.subject_type], fact.subject_id)].append((fact.kind, fact.value))
    return found


def identifier_values(
    session: Session, *, kinds: tuple[str, ...], sharing_group_id: int | None, owner_org_id: int | None = None
) -> dict[str, set[str]]:
    """The identifier values of these kinds seen in records a partner may learn about, by kind.

    Used for private matching: what we offer to intersect is what we would be allowed to share.
    """
    records = local_records(
        session, sharing_group_id=sharing_group_id, kinds=("accounts", "listings"), owner_org_id=owner_org_id
    )
    subjects = [(SUBJECT_TYPES[r.kind], r.id) for r in records]
    values: dict[str, set[str]] = defaultdict(set)
    for start in range(0, len(subjects), 500):
        for fact in sightings_on_records(
            session=session, subjects=subjects[start : start + 500], kinds=kinds
        ):
            values[fact.kind].add(fact.value)
    return values


def records_with_identifiers(
    session: Session, *, values: set[tuple[str, str]], sharing_group_id: int | None
) -> list[LocalRecord]:
    """The records among a collection's whose identifiers include any of these (kind, value) pairs."""
    records = local_records(session, sharing_group_id=sharing_group_id, kinds=("accounts", "listings"))
    records += (
        local_records(session, sharing_group_id=None, kinds=("accounts", "listings"))
        if sharing_group_id is not None
        else []
    )
    return [r for r in records if set(r.identifiers) & values]
