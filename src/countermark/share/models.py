"""Tables of the share capability: partners, collections and who may use them, STIX objects served and
received, sync subscriptions and runs, TAXII status resources, requests for assistance and alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from countermark.core.clock import utcnow
from countermark.core.db import Base
from countermark.core.marking import MarkedMixin
from countermark.share.token_vault import hint_of, vault_for


class SharePartner(Base):
    """Another Countermark (or TAXII) instance this one exchanges with.

    `org_id` is the organisation that stands for the partner on this instance: its users' API tokens are
    what the partner presents when it pulls from or pushes to us, so every inbound read follows the one
    visibility rule for that organisation. `acting_org_id` is our organisation on whose behalf we pull:
    what we import is owned by it. `token` is the credential the partner issued us: kept sealed
    (`token_sealed`, Fernet with the data dir's key; `token_hint` is what may be shown of it), opened
    only to be sent. What we issued the partner is an API token kept as a hash (`issued_token_id`).
    """

    __tablename__ = "share_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    acting_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    api_root_url: Mapped[str] = mapped_column(String(1000))
    token_sealed: Mapped[str | None] = mapped_column(Text)
    token_hint: Mapped[str | None] = mapped_column(String(60))
    issued_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="SET NULL"))
    matching: Mapped[str] = mapped_column(String(16), default="psi")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def token(self) -> str | None:
        """The secret the partner issued us, opened with this store's key (`share.token_vault`)."""
        if self.token_sealed is None:
            return None
        return vault_for(self._session()).open(self.token_sealed)

    @token.setter
    def token(self, raw: str | None) -> None:
        if not raw:
            self.token_sealed, self.token_hint = None, None
            return
        self.token_sealed, self.token_hint = vault_for(self._session()).seal(raw), hint_of(raw)

    def _session(self) -> Session:
        session = object_session(self)
        if session is None:
            raise RuntimeError("a partner's token is sealed with its store's key: add the partner first")
        return session


class ShareCollection(Base):
    """A TAXII collection we serve: the objects of one sharing group (or the community), per agreement."""

    __tablename__ = "share_collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    sharing_group_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_groups.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareCollectionAccess(Base):
    """Whether an organisation may read and/or write one collection (the agreement, per partner)."""

    __tablename__ = "share_collection_access"
    __table_args__ = (UniqueConstraint("collection_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("share_collections.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    can_read: Mapped[bool] = mapped_column(default=True)
    can_write: Mapped[bool] = mapped_column(default=False)


class StixObject(MarkedMixin, Base):
    """One version of a STIX object: served in a collection (`c:<id>`) or received from a partner (`p:<id>`).

    The marking columns are the record's own: an object leaves only where the visibility rule and the
    leaving rule (`share.leaving`) allow. `state` is `waiting` while objects it refers to are missing.
    """

    __tablename__ = "stix_objects"
    __table_args__ = (
        UniqueConstraint("scope", "stix_id", "version"),
        Index("ix_stix_objects_scope_date_added", "scope", "date_added"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(24))
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("share_collections.id", ondelete="CASCADE"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("share_partners.id", ondelete="CASCADE"))
    stix_id: Mapped[str] = mapped_column(String(120), index=True)
    stix_type: Mapped[str] = mapped_column(String(64))
    version: Mapped[datetime]
    date_added: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(16), default="stored")
    missing_refs: Mapped[list[Any]] = mapped_column(default=list)
    source_record: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ShareSubscription(Base):
    """A partner's collection we pull from (and push to where it lets us), with our place in it."""

    __tablename__ = "share_subscriptions"
    __table_args__ = (UniqueConstraint("partner_id", "collection_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("share_partners.id", ondelete="CASCADE"))
    collection_uuid: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    can_read: Mapped[bool] = mapped_column(default=True)
    can_write: Mapped[bool] = mapped_column(default=False)
    added_after: Mapped[str | None] = mapped_column(String(40))
    pushed_until: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]


class ShareSyncRun(Base):
    """One pull or push against a partner collection: counts, progress and the errors met."""

    __tablename__ = "share_sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("share_partners.id", ondelete="CASCADE"), index=True)
    collection_uuid: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    pages: Mapped[int] = mapped_column(default=0)
    received: Mapped[int] = mapped_column(default=0)
    stored: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    waiting: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    cursor: Mapped[str | None] = mapped_column(String(40))
    errors: Mapped[list[Any]] = mapped_column(default=list)


class TaxiiStatus(Base):
    """The status resource of one TAXII add-objects request."""

    __tablename__ = "taxii_statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("share_collections.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="complete")
    request_timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    total_count: Mapped[int] = mapped_column(default=0)
    success_count: Mapped[int] = mapped_column(default=0)
    failure_count: Mapped[int] = mapped_column(default=0)
    pending_count: Mapped[int] = mapped_column(default=0)
    successes: Mapped[list[Any]] = mapped_column(default=list)
    failures: Mapped[list[Any]] = mapped_column(default=list)
    pendings: Mapped[list[Any]] = mapped_column(default=list)


class AssistanceRequest(Base):
    """A request for assistance between agencies, kept by both sides under the same `uuid`.

    `direction` is `outgoing` on the asking instance and `incoming` on the asked one; `org_id` is the local
    organisation concerned (the asker, or the one asked), `partner_id` the other instance.
    """

    __tablename__ = "share_requests"
    __table_args__ = (UniqueConstraint("uuid", "direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    direction: Mapped[str] = mapped_column(String(8))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("share_partners.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    asked: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(300))
    deadline: Mapped[date | None]
    attachment_refs: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="received")
    answer: Mapped[str | None] = mapped_column(Text)
    history: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareAlert(Base):
    """Something a partner told us that needs a person: a shared network seen again, a request's answer."""

    __tablename__ = "share_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("share_partners.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    stix_ref: Mapped[str | None] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
