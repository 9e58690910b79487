"""Who may change a case: its participants, each only in the role it plays in the procedure.

Seeing a case (`orgs.visibility`: owner, marking, sharing group) lets an organisation read it, not change
it. Every write on a case — decisions, evidence, notices and their statuses, links — on the API, the pages
and anywhere else goes through `writable_case` (or `participation` for a case already loaded):

- a case the principal may not see is absent: 404, the same answer as for an id that does not exist;
- a read-only principal (the viewer role, or a token without the 'write' scope) never writes: 403;
- a case it sees but does not take part in is refused: 403. The participants are the organisation that
  owns the case, the case's rights holder organisation (`cases.rights_holder_org_id`) and, on an online
  case, the platform organisation the takedown is asked of (`cases.platform_org_id`);
- each participant decides only in its role: the owner in the roles of its organisation's kind
  (customs → customs officer, police → investigator, rights holder → rights holder, platform → platform),
  the rights holder organisation as the rights holder, the platform organisation as the platform; the
  rule packs (`cases/rulepacks`, replayed by `cases/workflow.py`) then say which role takes which
  decision at which step.

The system (the command line, the scheduler, the demo) acts in any role.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from countermark.cases.models import Case, Notice
from countermark.cases.service import ROLES_BY_ORG_KIND, get_case, roles_of
from countermark.cases.wording import WORDS
from countermark.core.errors import Code, Codes, Forbidden, InvalidInput
from countermark.orgs.service import organisation_summary
from countermark.orgs.visibility import Principal, require_owner, visible

EVERY_ROLE: tuple[str, ...] = tuple(dict.fromkeys(r for roles in ROLES_BY_ORG_KIND.values() for r in roles))


@dataclass(frozen=True)
class Participation:
    """A case the principal may change, and the workflow roles it acts in on that case."""

    case: Case
    roles: tuple[str, ...]
    is_system: bool = False

    def role_for(self, requested: str | None) -> str:
        """The role a decision is taken in: the one named, if the principal plays it here, else its own."""
        if self.is_system:
            if not requested:
                raise InvalidInput.of("name the role the decision is taken in")
            if requested not in EVERY_ROLE:
                raise InvalidInput.of(
                    "unknown role {role!r}: use one of {roles}",
                    role=requested[:40],
                    roles=", ".join(EVERY_ROLE),
                )
            return requested
        if not self.roles:
            raise Forbidden.of("your organisation takes part in this case but takes none of its decisions")
        if requested and requested not in self.roles:
            raise Forbidden.of(
                "on this case your organisation acts as {acts}, not {requested}",
                acts=Codes(Code(role, WORDS.role(role)) for role in self.roles),
                requested=Code(requested, WORDS.role(requested)),
            )
        return requested or self.roles[0]


def case_roles(*, session: Session, principal: Principal, case: Case) -> tuple[str, ...] | None:
    """The roles the principal's organisation plays on the case; None when it does not take part."""
    if principal.org_id is None:
        return None
    owner = principal.org_id == case.owner_org_id
    holder = case.rights_holder_org_id is not None and principal.org_id == case.rights_holder_org_id
    platform = case.platform_org_id is not None and principal.org_id == case.platform_org_id
    if not owner and not holder and not platform:
        return None
    org = organisation_summary(session=session, org_id=principal.org_id)
    of_kind = roles_of(org.kind if org else None)
    if owner:
        return of_kind
    named = {"rights_holder"} if holder else set()
    named |= {"platform"} if platform else set()
    return tuple(role for role in of_kind if role in named)


def can_write(principal: Principal) -> bool:
    """Whether the principal may change anything at all: not the viewer role, and a 'write' scope."""
    return principal.is_system or ("write" in principal.scopes and principal.role != "viewer")


def participation(*, session: Session, principal: Principal, case: Case) -> Participation:
    """The principal's part in a case it may see; Forbidden when it may not change the case."""
    if principal.is_system:
        return Participation(case=case, roles=EVERY_ROLE, is_system=True)
    if not can_write(principal):
        raise Forbidden.of("a read-only user or token never changes a case")
    roles = case_roles(session=session, principal=principal, case=case)
    if roles is None:
        raise Forbidden.of(
            "only the case's participants (the organisation that owns it, its rights holder and its platform)"
            " may change it"
        )
    return Participation(case=case, roles=roles)


def writable_case(*, session: Session, principal: Principal, case_id: int) -> Participation:
    """The case to change and the principal's part in it: 404 unseen, 403 seen but not its to change."""
    case = get_case(session=session, principal=principal, case_id=case_id)
    return participation(session=session, principal=principal, case=case)


def require_notice_owner(*, session: Session, principal: Principal, case: Case, notice_id: int) -> Notice:
    """A notice of the case to change: 404 when unseen, 403 when another organisation issued it."""
    query = visible(Notice, principal).where(Notice.id == notice_id, Notice.case_id == case.id)
    notice: Notice | None = session.scalar(query)
    return require_owner(notice, principal, what=f"notice {notice_id} of this case")
