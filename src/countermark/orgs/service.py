"""Organisations, users and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from countermark.core.errors import Conflict, InvalidInput, NotFound
from countermark.core.marking import DEFAULT_TLP, TLP_LEVELS
from countermark.orgs.models import (
    ORG_KINDS,
    ROLES,
    AuditEntry,
    Organisation,
    SharingGroup,
    SharingGroupMember,
    User,
)


def get_organisation_by_name(*, session: Session, name: str) -> Organisation | None:
    """The organisation with this name, if any."""
    return session.scalar(select(Organisation).where(Organisation.name == name))


def get_organisation_by_name_or_raise(*, session: Session, name: str) -> Organisation:
    """The organisation with this name; NotFound naming the known ones otherwise."""
    org = get_organisation_by_name(session=session, name=name)
    if org is None:
        known = ", ".join(session.scalars(select(Organisation.name).order_by(Organisation.name)).all()[:20])
        raise NotFound(f"no organisation named {name!r}" + (f"; known: {known}" if known else ""))
    return org


def create_organisation(
    *,
    session: Session,
    name: str,
    kind: str,
    country: str,
    default_tlp: str = DEFAULT_TLP,
    actor: str = "system",
) -> Organisation:
    """Create an organisation; Conflict when the name is taken."""
    if kind not in ORG_KINDS:
        raise InvalidInput.of(
            "unknown organisation kind {kind!r}: use one of {kinds}", kind=kind, kinds=", ".join(ORG_KINDS)
        )
    if default_tlp not in TLP_LEVELS:
        raise InvalidInput.of(
            "unknown TLP marking {tlp!r}: use one of {levels}", tlp=default_tlp, levels=", ".join(TLP_LEVELS)
        )
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput.of("country {country!r} must be an ISO 3166-1 alpha-2 code", country=country)
    if get_organisation_by_name(session=session, name=name) is not None:
        raise Conflict.of("an organisation named {name!r} already exists", name=name)
    org = Organisation(name=name, kind=kind, country=country.upper(), default_tlp=default_tlp)
    try:
        with session.begin_nested():  # another request may take the name between the check and here
            session.add(org)
            session.flush()
    except IntegrityError:
        raise Conflict.of("an organisation named {name!r} already exists", name=name) from None
    record_audit(
        session=session,
        actor=actor,
        org_id=org.id,
        action="create",
        subject_type="organisation",
        subject_id=str(org.id),
        detail={"name": name, "kind": kind},
    )
    return org


def ensure_organisation(
    *, session: Session, name: str, kind: str, country: str, actor: str = "system"
) -> Organisation:
    """The organisation with this name, created if missing."""
    existing = get_organisation_by_name(session=session, name=name)
    if existing is not None:
        return existing
    return create_organisation(session=session, name=name, kind=kind, country=country, actor=actor)


def create_user(
    *,
    session: Session,
    org_id: int,
    email: str,
    display_name: str,
    role: str = "viewer",
    actor: str = "system",
) -> User:
    """Create a user in an organisation (the caller sets the password); Conflict when the e-mail is taken.

    An e-mail address signs one person in, so it is unique on the instance. The refusal is the same
    whoever holds the address, the creator's organisation or another, and names neither: an
    administrator learns only that the address cannot be used, never that another organisation has it or
    which one (as GitHub answers "invalid or already taken"). Accepting and notifying the holder instead
    would need mail, which the instance does not send, and a user belongs to one organisation only.
    """
    if role not in ROLES:
        raise InvalidInput.of("unknown role {role!r}: use one of {roles}", role=role, roles=", ".join(ROLES))
    email = email.strip().lower()
    if not email or len(email) > 254 or "@" not in email or any(ord(ch) <= 32 for ch in email):
        raise InvalidInput.of("give an e-mail address of at most 254 characters")
    display_name = display_name.strip()
    if not display_name or len(display_name) > 200 or any(ord(ch) < 32 for ch in display_name):
        raise InvalidInput.of("give a name of 1 to 200 characters, without control characters")
    taken = Conflict.of("this e-mail address cannot be used for a new user: choose another")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise taken
    user = User(org_id=org_id, email=email, display_name=display_name, role=role)
    try:
        with session.begin_nested():  # another request may take the address between the check and here
            session.add(user)
            session.flush()
    except IntegrityError:
        raise taken from None
    record_audit(
        session=session,
        actor=actor,
        org_id=org_id,
        action="create",
        subject_type="user",
        subject_id=str(user.id),
        detail={"email": user.email, "role": role},
    )
    return user


def record_audit(
    *,
    session: Session,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str | None = None,
    org_id: int | None = None,
    origin: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail."""
    entry = AuditEntry(
        actor=actor,
        org_id=org_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        origin=origin,
        detail=detail or {},
    )
    session.add(entry)
    session.flush()
    return entry


def list_audit(*, session: Session, limit: int = 100) -> list[AuditEntry]:
    """The most recent audit entries, newest first."""
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


@dataclass(frozen=True)
class OrganisationSummary:
    """What other capabilities may know of an organisation."""

    id: int
    name: str
    kind: str
    country: str
    default_tlp: str


def organisation_summary(*, session: Session, org_id: int | None) -> OrganisationSummary | None:
    """The organisation's name, kind, country and default marking; None if there is none."""
    org = session.get(Organisation, org_id) if org_id else None
    if org is None:
        return None
    return OrganisationSummary(org.id, org.name, org.kind, org.country, org.default_tlp)


def organisations_of_kind(*, session: Session, kind: str) -> list[OrganisationSummary]:
    """Every organisation of one kind (customs, police, rights_holder, platform), by name."""
    rows = session.scalars(select(Organisation).where(Organisation.kind == kind).order_by(Organisation.name))
    return [OrganisationSummary(o.id, o.name, o.kind, o.country, o.default_tlp) for o in rows]


def organisation_names(*, session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The names of these organisations, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted)))
    return {org_id: name for org_id, name in rows}


def group_names(*, session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The names of these sharing groups, by id (for pages that show the groups their viewer is in)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(SharingGroup.id, SharingGroup.name).where(SharingGroup.id.in_(wanted)))
    return {group_id: name for group_id, name in rows}


def group_ids_of(session: Session, org_id: int) -> frozenset[int]:
    """The sharing groups an organisation belongs to."""
    rows = session.scalars(select(SharingGroupMember.group_id).where(SharingGroupMember.org_id == org_id))
    return frozenset(rows)
