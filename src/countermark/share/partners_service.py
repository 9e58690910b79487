"""Partner instances: who they are here (an organisation with a token to pull and push), and how we reach
them (their API root and the token they gave us)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.errors import Conflict, InvalidInput, NotFound
from countermark.orgs.auth_service import create_api_token
from countermark.orgs.service import create_organisation, create_user, group_ids_of
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
        raise InvalidInput(f"matching must be one of {', '.join(MATCHING_MODES)}")
    if not api_root_url.startswith(("http://", "https://")):
        raise InvalidInput("the partner's API root must be an http(s) URL")
    if session.scalar(select(SharePartner.id).where(SharePartner.name == name)) is not None:
        raise Conflict(f"a partner is already called {name!r}")
    org = create_organisation(session=session, name=name, kind=kind, country=country)
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:40] or "partner"
    user = create_user(
        session=session,
        org_id=org.id,
        email=f"taxii@{slug}.partner.invalid",
        display_name=f"{name} (partner instance)",
        role="analyst",
    )
    raw, _ = create_api_token(session=session, user=user, name="partner instance", scopes=list(scopes))
    partner = SharePartner(
        name=name,
        org_id=org.id,
        acting_org_id=acting_org_id,
        api_root_url=api_root_url.rstrip("/") + "/",
        token=token,
        matching=matching,
    )
    session.add(partner)
    session.flush()
    return NewPartner(partner, raw)


def get_partner(session: Session, *, name_or_id: str | int) -> SharePartner:
    """A partner by name or id, or a 404."""
    query = select(SharePartner)
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        query = query.where(SharePartner.id == int(name_or_id))
    else:
        query = query.where(SharePartner.name == str(name_or_id))
    partner = session.scalar(query)
    if partner is None:
        raise NotFound(f"no partner {name_or_id!r}")
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
