"""Who may see a marked record and who may change it: the two rules every read and every write goes through.

The rule, for a principal acting for organisation O:
- the owning organisation always sees its records;
- CLEAR records are visible to everyone, signed in or not;
- GREEN records are visible to every organisation of the instance (the community);
- AMBER, AMBER+STRICT and RED records are visible beyond the owner only to the organisations of the
  record's sharing group (the named recipients); without a group they stay with the owner.
A system principal (the command line, batch jobs) sees everything.

Changing a record is narrower than seeing it: only its owning organisation (or the system) may, and
`require_owner` says so for every record but a case. A case is changed by its participants (owner, rights
holder and platform organisations, each in its workflow role), which `cases.access_service` decides on top
of this module's visibility. A record one may not see is answered as absent, so a write never tells
another organisation that a record exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select, true

from countermark.core.errors import Code, Forbidden, NotFound

COMMUNITY_LEVELS = frozenset({"GREEN", "CLEAR"})
T = TypeVar("T")


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user of an organisation, a token with scopes, the public, or the system."""

    org_id: int | None
    user_id: int | None = None
    role: str = "viewer"
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({"read"}))
    group_ids: frozenset[int] = frozenset()
    is_system: bool = False
    email: str = "anonymous"
    locale: str = "en"

    @property
    def is_public(self) -> bool:
        """Not signed in."""
        return self.org_id is None and not self.is_system


SYSTEM = Principal(
    org_id=None, role="admin", scopes=frozenset({"read", "write", "admin"}), is_system=True, email="system"
)
PUBLIC = Principal(org_id=None, scopes=frozenset())


def can_see(principal: Principal, *, owner_org_id: int, tlp: str, sharing_group_id: int | None) -> bool:
    """Whether the principal may see a record with this owner, marking and sharing group."""
    if principal.is_system or tlp == "CLEAR":
        return True
    if principal.org_id is None:
        return False
    if principal.org_id == owner_org_id or tlp in COMMUNITY_LEVELS:
        return True
    return sharing_group_id is not None and sharing_group_id in principal.group_ids


def visible_clause(model: Any, principal: Principal) -> ColumnElement[bool]:
    """The SQL condition equivalent to `can_see` for rows of a marked table."""
    if principal.is_system:
        return true()
    if principal.org_id is None:
        return model.tlp == "CLEAR"  # type: ignore[no-any-return]
    conditions = [model.owner_org_id == principal.org_id, model.tlp.in_(sorted(COMMUNITY_LEVELS))]
    if principal.group_ids:
        conditions.append(model.sharing_group_id.in_(sorted(principal.group_ids)))
    return or_(*conditions) if conditions else false()


def visible(model: Any, principal: Principal) -> Select[Any]:
    """A SELECT of the model restricted to what the principal may see: the start of every marked query."""
    return select(model).where(visible_clause(model, principal))


def owns(principal: Principal, owner_org_id: int) -> bool:
    """Whether the principal acts for the record's owner (or is the system)."""
    return principal.is_system or (principal.org_id is not None and principal.org_id == owner_org_id)


def require_owner(row: T | None, principal: Principal, *, what: str) -> T:
    """The marked row, if the principal's organisation owns it: the rule writes follow (cases add theirs).

    A missing row or one the principal may not see is a 404 (the same answer, so nothing leaks); a row it
    may see but does not own is a 403 with the reason.
    """
    if row is None or not can_see(
        principal,
        owner_org_id=row.owner_org_id,  # type: ignore[attr-defined]
        tlp=row.tlp,  # type: ignore[attr-defined]
        sharing_group_id=row.sharing_group_id,  # type: ignore[attr-defined]
    ):
        raise NotFound.of("no {what} that you may see", what=Code(what, what))
    if not owns(principal, row.owner_org_id):  # type: ignore[attr-defined]
        raise Forbidden.of("only the organisation that owns the {what} may change it", what=Code(what, what))
    return row
