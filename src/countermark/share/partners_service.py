"""Partner instances: who they are here (an organisation with a token to pull and push), and how we reach
them (their API root and the token they gave us)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.errors import Conflict, InvalidInput, NotFound
from countermark.orgs.auth_service import create_api_token, list_api_tokens, revoke_api_token
from countermark.orgs.service import create_organisation, create_user, group_ids_of
from countermark.orgs.users_service import user_by_email
from countermark.orgs.visibility import Principal
from countermark.share.models import SharePartner, ShareSubscription

MATCHING_MODES = ("psi", "keyed_hash")


@dataclass(frozen=True)
class NewPartner:
    """A partner just registered, and the token to hand to it (shown once, stored only as a hash)."""

    partner: SharePartner
    token_for_partner: str


def register_partner(
    session: Session,
    *,
    name: str,
    kind: str,
    country: str,
    acting_org_id: int,
    api_root_url: str,
    token: str | None = None,
    scopes: tuple[str, ...] = ("read", "write"),
    matching: str = "psi",
) -> NewPartner:
    """Register a partner instance: its organisation here, a user and a token for it, and where it is."""
    if matching not in MATCHING_MODES:
        raise InvalidInput.of("matching must be one of {modes}", modes=", ".join(MATCHING_MODES))
    if not api_root_url.startswith(("http://", "https://")) or len(api_root_url) > 1000:
        raise InvalidInput.of("the partner's API root must be an http(s) URL")
    if not name.strip() or len(name) > 200:
        raise InvalidInput.of("a partner needs a name of 1 to 200 characters")
    if session.scalar(select(SharePartner.id).where(SharePartner.name == name)) is not None:
        raise Conflict.of("a partner is already called {name!r}", name=name)
    org = create_organisation(session=session, name=name, kind=kind, country=country)
    user = create_user(
        session=session,
        org_id=org.id,
        email=_partner_user_email(name),
        display_name=f"{name} (partner instance)",
        role="analyst",
    )
    raw, issued = create_api_token(session=session, user=user, name="partner instance", scopes=list(scopes))
    partner = SharePartner(
        name=name,
        org_id=org.id,
        acting_org_id=acting_org_id,
        api_root_url=api_root_url.rstrip("/") + "/",
        matching=matching,
        issued_token_id=issued.id,
    )
    session.add(partner)
    partner.token = token
    session.flush()
    return NewPartner(partner, raw)


@dataclass(frozen=True)
class IssuedToken:
    """What may be shown of the API token we issued a partner (the token itself is kept as a hash)."""

    id: int
    prefix: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


def _partner_user_email(name: str) -> str:
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:40] or "partner"
    return f"taxii@{slug}.partner.invalid"


def issued_token(session: Session, partner: SharePartner) -> IssuedToken | None:
    """The API token we issued the partner: its public prefix and dates, never its secret."""
    if partner.issued_token_id is None:
        return None
    try:
        user = user_by_email(session=session, email=_partner_user_email(partner.name))
    except NotFound:
        return None
    for token in list_api_tokens(session=session, user_id=user.id):
        if token.id == partner.issued_token_id:
            return IssuedToken(token.id, token.prefix, token.expires_at, token.revoked_at, token.last_used_at)
    return None


def reissue_token(session: Session, *, partner: SharePartner, expires_in_days: int = 90) -> str:
    """A new token for the partner, the one we issued before revoked; the raw value (shown once)."""
    user = user_by_email(session=session, email=_partner_user_email(partner.name))
    if partner.issued_token_id is not None:
        with contextlib.suppress(NotFound):  # the token is gone already
            revoke_api_token(session=session, user=user, token_id=partner.issued_token_id)
    raw, token = create_api_token(
        session=session,
        user=user,
        name="partner instance",
        scopes=["read", "write"],
        expires_in_days=expires_in_days,
    )
    partner.issued_token_id = token.id
    session.flush()
    return raw


def set_partner_token(session: Session, *, partner: SharePartner, raw: str | None) -> None:
    """Keep (sealed) the secret the partner issued us; empty forgets it."""
    if raw is not None and (len(raw) > 500 or any(ord(ch) < 32 for ch in raw)):
        raise InvalidInput.of("a partner token is at most 500 characters, without control characters")
    partner.token = raw.strip() if raw else None
    session.flush()


def update_partner(
    session: Session,
    *,
    partner: SharePartner,
    api_root_url: str | None = None,
    matching: str | None = None,
    enabled: bool | None = None,
) -> SharePartner:
    """Change where a partner is, how we match with it, or whether the schedule syncs it."""
    if matching is not None:
        if matching not in MATCHING_MODES:
            raise InvalidInput.of("matching must be one of {modes}", modes=", ".join(MATCHING_MODES))
        partner.matching = matching
    if api_root_url is not None:
        if not api_root_url.startswith(("http://", "https://")) or len(api_root_url) > 1000:
            raise InvalidInput.of("the partner's API root must be an http(s) URL")
        partner.api_root_url = api_root_url.rstrip("/") + "/"
    if enabled is not None:
        partner.enabled = enabled
    session.flush()
    return partner


def get_partner(session: Session, *, name_or_id: str | int) -> SharePartner:
    """A partner by name or id, or a 404."""
    query = select(SharePartner)
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        query = query.where(SharePartner.id == int(name_or_id))
    else:
        query = query.where(SharePartner.name == str(name_or_id))
    partner = session.scalar(query)
    if partner is None:
        raise NotFound.of("no partner {partner!r}", partner=name_or_id)
    return partner


def list_partners(session: Session) -> list[SharePartner]:
    """Every partner, by name."""
    return list(session.scalars(select(SharePartner).order_by(SharePartner.name)))


def partner_principal(session: Session, partner: SharePartner) -> Principal:
    """The partner as a reader of this instance: what its token would see."""
    return Principal(
        org_id=partner.org_id,
        scopes=frozenset({"read"}),
        group_ids=group_ids_of(session, partner.org_id),
        email=f"partner:{partner.name}",
    )


def subscribe(
    session: Session,
    *,
    partner: SharePartner,
    collection_uuid: str,
    title: str = "",
    can_read: bool = True,
    can_write: bool = False,
) -> ShareSubscription:
    """Follow a partner's collection (idempotent)."""
    sub = session.scalar(
        select(ShareSubscription).where(
            ShareSubscription.partner_id == partner.id, ShareSubscription.collection_uuid == collection_uuid
        )
    )
    if sub is None:
        sub = ShareSubscription(partner_id=partner.id, collection_uuid=collection_uuid)
        session.add(sub)
    sub.title, sub.can_read, sub.can_write = title or sub.title or collection_uuid, can_read, can_write
    session.flush()
    return sub


def subscriptions_of(session: Session, partner: SharePartner) -> list[ShareSubscription]:
    """The partner's collections we follow."""
    return list(
        session.scalars(
            select(ShareSubscription)
            .where(ShareSubscription.partner_id == partner.id)
            .order_by(ShareSubscription.id)
        )
    )
