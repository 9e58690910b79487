"""A report's stored matches as a reader may see them now.

Matches are found with the report owner's visibility and stored with a marking of their own; the records
they name keep theirs, which can change after the match (the customs re-mark a consignment RED), and the
owner may share a match further by re-marking it. So each match is read again against the reader: a
listing, account, shipment or other report the reader may not see, a right it may not see, or a photo
bank it may not match against (`fingerprint.access.can_match_bank`) drops the match, label and all. A
genuine product stays: verification names it to anyone.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from countermark.codes.matching_service import SUBJECT_TYPE, visible_labels
from countermark.codes.models import ReportMatch
from countermark.fingerprint.service import matchable_bank_ids
from countermark.observe.service import visible_listing_summaries
from countermark.orgs.visibility import Principal, visible
from countermark.rights.service import visible_rights

# Matched records with markings of their own, which can change after the match.
RECORD_TYPES = frozenset({"listing", "account", "shipment", SUBJECT_TYPE})
CHECKED_TYPES = RECORD_TYPES | {"right"}
BANK_TYPES = frozenset({"fingerprint_entry", "fingerprint_bank"})


def matches_of(*, session: Session, principal: Principal, report_id: int) -> list[ReportMatch]:
    """The stored matches of a report the principal may see, strongest first, less those whose record,
    right or bank the principal may not see (or match against) now."""
    rows = list(
        session.scalars(
            visible(ReportMatch, principal)
            .where(ReportMatch.report_id == report_id)
            .order_by(ReportMatch.strength.desc(), ReportMatch.id)
        )
    )
    if principal.is_system:
        return rows
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row.subject_id is not None and row.subject_type in CHECKED_TYPES:
            wanted[row.subject_type].add(row.subject_id)
    seen: dict[str, set[int]] = {}
    for kind, ids in wanted.items():
        if kind == "listing":
            seen[kind] = set(visible_listing_summaries(session=session, principal=principal, ids=ids))
        elif kind == "right":
            seen[kind] = set(visible_rights(session=session, principal=principal, ids=ids))
        else:
            seen[kind] = set(visible_labels(session, principal, kind, ids))
    banks = matchable_bank_ids(
        session=session,
        principal_org_id=principal.org_id,
        bank_ids={b for r in rows if r.subject_type in BANK_TYPES and (b := _bank_of(r)) is not None},
    )
    return [r for r in rows if _shown(r, seen, banks)]


def _bank_of(row: ReportMatch) -> int | None:
    value = row.detail.get("bank_id") if isinstance(row.detail, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _shown(row: ReportMatch, seen: dict[str, set[int]], banks: set[int]) -> bool:
    if row.subject_type in BANK_TYPES:
        return _bank_of(row) in banks
    if row.subject_id is None or row.subject_type not in CHECKED_TYPES:
        return True  # no record to see again (a product, a match named by its text only)
    return row.subject_id in seen.get(row.subject_type, set())
