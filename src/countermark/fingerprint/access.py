"""Who may read a bank, and who may only match against it (a yes/no and the right concerned)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from countermark.orgs.visibility import Principal, can_see


class MarkedBank(Protocol):
    """The fields of a bank that the visibility rule reads."""

    @property
    def owner_org_id(self) -> int: ...
    @property
    def tlp(self) -> str: ...
    @property
    def sharing_group_id(self) -> int | None: ...
    @property
    def match_scope(self) -> str: ...


def can_read_bank(principal_org_id: int, bank: MarkedBank, memberships: Collection[int]) -> bool:
    """Whether the organisation may read the bank's entries (hashes, images, details).

    This is the instance's one visibility rule (`countermark.orgs.visibility.can_see`) applied to the
    bank; `memberships` holds the ids of the sharing groups the organisation belongs to.
    """
    principal = Principal(org_id=principal_org_id, group_ids=frozenset(memberships))
    return can_see(
        principal, owner_org_id=bank.owner_org_id, tlp=bank.tlp, sharing_group_id=bank.sharing_group_id
    )


def can_match_bank(principal_org_id: int, bank: MarkedBank, memberships: Collection[int]) -> bool:
    """Whether the organisation may learn that its content matches the bank (and which right or product)."""
    if can_read_bank(principal_org_id, bank, memberships):
        return True
    if bank.match_scope == "everyone":
        return True
    if bank.match_scope == "sharing_group":
        return bank.sharing_group_id is not None and bank.sharing_group_id in memberships
    return False
