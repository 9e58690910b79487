"""Objects coming in (a partner's TAXII push, or our pull of its collection): validate, store, wait, resolve.

Each object is checked on its own, so one bad object is rejected with its reason and the others are kept.
An object that refers to objects not here yet (a relationship whose target comes in a later page or
bundle) is stored as `waiting` with what it lacks, and becomes readable once they arrive: bundles may come
in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.share.extensions import ALL_TYPES, PROJECT_IDENTITY_ID, extension_id
from countermark.share.models import StixObject
from countermark.share.objects_service import (
    TICK,
    Marking,
    _next_stamp,
    present_ids,
    store_versions,
    version_of,
)
from countermark.share.tlp import TLP1_MARKING_IDS, TLP2_MARKING_IDS
from countermark.share.validation import intake_errors

# References an object cannot be understood without; `created_by_ref` and markings are not among them.
REQUIRED_REFS = ("source_ref", "target_ref", "sighting_of_ref", "seller_ref", "right_ref")
REQUIRED_REF_LISTS = ("object_refs", "where_sighted_refs", "observed_data_refs")
ALWAYS_KNOWN = frozenset(
    {
        *TLP2_MARKING_IDS.values(),
        *TLP1_MARKING_IDS,
        PROJECT_IDENTITY_ID,
        *(extension_id(t) for t in ALL_TYPES),
    }
)
MAX_OBJECTS_PER_REQUEST = 5000


def references(obj: dict[str, Any]) -> set[str]:
    """The ids an object needs to be understood."""
    refs = {obj[key] for key in REQUIRED_REFS if isinstance(obj.get(key), str)}
    for key in REQUIRED_REF_LISTS:
        value = obj.get(key)
        if isinstance(value, list):
            refs |= {ref for ref in value if isinstance(ref, str)}
    return refs - ALWAYS_KNOWN


@dataclass
class IntakeResult:
    """What happened to each object of a batch."""

    stored: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    waiting: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    resolved: int = 0
    new_versions: list[str] = field(default_factory=list)


def receive(
    session: Session,
    *,
    scope: str,
    objects: Iterable[Any],
    marking_of: Callable[[dict[str, Any]], Marking],
    collection_id: int | None = None,
    partner_id: int | None = None,
) -> IntakeResult:
    """Validate and store a batch of objects in a scope; then release the waiting objects now complete."""
    result = IntakeResult()
    good: list[dict[str, Any]] = []
    versions: list[datetime] = []
    for index, obj in enumerate(objects):
        errors = intake_errors(obj)
        if errors:
            ident = obj.get("id") if isinstance(obj, dict) else None
            result.rejected.append(
                {"index": index, "id": ident if isinstance(ident, str) else None, "errors": errors}
            )
            continue
        try:
            version = version_of(obj)
        except Exception:  # an unparseable timestamp is the object's fault, not ours
            result.rejected.append(
                {"index": index, "id": obj["id"], "errors": ["'modified' is not a timestamp"]}
            )
            continue
        good.append(obj)
        versions.append(version)
    batch_ids = {obj["id"] for obj in good}
    refs = [references(obj) for obj in good]
    wanted = set().union(*refs) if good else set()
    previously = present_ids(session, scope, wanted | batch_ids)
    known = batch_ids | previously
    missing = {obj["id"]: sorted(needed - known) for obj, needed in zip(good, refs, strict=True)}
    items = [(obj, marking_of(obj), None) for obj in good]
    counts = store_versions(
        session,
        scope=scope,
        items=items,
        collection_id=collection_id,
        partner_id=partner_id,
        missing=missing,
        versions=versions,
    )
    for obj, version in zip(good, versions, strict=True):
        key = (obj["id"], str(obj.get("modified") or obj.get("created") or ""))
        if (obj["id"], version) not in counts.inserted:
            result.unchanged.append(key)
        elif missing[obj["id"]]:
            result.waiting.append(key)
        else:
            result.stored.append(key)
            if obj["id"] in previously:
                result.new_versions.append(obj["id"])
    result.resolved = resolve_waiting(session, scope)
    return result


def resolve_waiting(session: Session, scope: str) -> int:
    """Make readable the waiting objects whose references have all arrived; how many were released.

    Released objects get a new `date_added`, so a partner reading from its last place still sees them.
    """
    released = 0
    while True:
        waiting = list(
            session.scalars(
                select(StixObject).where(StixObject.scope == scope, StixObject.state == "waiting")
            )
        )
        if not waiting:
            return released
        wanted = {ref for row in waiting for ref in row.missing_refs}
        present = present_ids(session, scope, wanted)
        ready = [row for row in waiting if set(row.missing_refs) <= present]
        if not ready:
            for row in waiting:
                still = sorted(set(row.missing_refs) - present)
                if still != row.missing_refs:
                    row.missing_refs = still
            return released
        stamp = _next_stamp(session, scope)
        for row in ready:
            row.state, row.missing_refs, row.date_added = "stored", [], stamp
            stamp += TICK
        released += len(ready)
        session.flush()
