"""Tables of the link capability: runs, networks with their members and edges, and the hub list.

A network is owned and marked like every shareable record; its members and edges are read through it
(a query starts from the visible networks and joins them). Each organisation links its own records, so
a network never names another organisation's record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from countermark.core.clock import utcnow
from countermark.core.db import Base
from countermark.core.marking import MarkedMixin

MEMBER_KINDS = ("account", "shop", "domain", "listing", "consignor")


class LinkRun(MarkedMixin, Base):
    """One linking run over an organisation's stored records: what it found and how long it took."""

    __tablename__ = "link_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    parties: Mapped[int] = mapped_column(default=0)
    networks: Mapped[int] = mapped_column(default=0)
    operator_groups: Mapped[int] = mapped_column(default=0)
    hubs: Mapped[int] = mapped_column(default=0)
    next_number: Mapped[int] = mapped_column(default=1)
    seconds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(254))


class LinkNetwork(MarkedMixin, Base):
    """A group of accounts, shops, domains, listings and consignors of one operator.

    `key` (N-000001) is stable across runs: a rerun gives each new group the key of the former network
    it shares most members with. `operator` marks an honest same-owner group (a rights holder's own
    authorised stores): one operator, never a counterfeit network. `dissolved_at` is set when a run no
    longer finds the network (its members and edges are then removed).
    """

    __tablename__ = "link_networks"
    __table_args__ = (UniqueConstraint("owner_org_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(default=0.0)
    operator: Mapped[bool] = mapped_column(default=False)
    size: Mapped[int] = mapped_column(default=0)
    kinds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_seen: Mapped[datetime | None]
    last_seen: Mapped[datetime | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("link_runs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    dissolved_at: Mapped[datetime | None]


class LinkMember(Base):
    """A member of a network: its kind, the stored record it is (when there is one) and its place in the
    chain of evidence (`depth` hops from the network's root, `via` the edge that ties it in)."""

    __tablename__ = "link_members"
    __table_args__ = (
        UniqueConstraint("network_id", "key"),
        Index("ix_link_members_record", "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("link_networks.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(300))
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[int | None]
    depth: Mapped[int] = mapped_column(default=0)
    via_edge_id: Mapped[int | None]
    seen_at: Mapped[datetime | None]
    # A domain that imitates a registered mark (`link.lookalikes`): the mark's domain and the permutation.
    lookalike_of: Mapped[str | None] = mapped_column(String(120), default=None)
    lookalike_kind: Mapped[str | None] = mapped_column(String(32), default=None)
    # An account or shop on a rights holder's authorised-seller list: the brands that authorise it (in a
    # network, a member to look at: a dishonest reseller, or a false tie).
    authorised_for: Mapped[list[Any] | None] = mapped_column(default=None)


class LinkEdge(Base):
    """Evidence that two members belong to one operator: which identifier or comparison, its detail,
    whether it links on its own, the match probability and each comparison's contribution (log2 Bayes
    factor) when a model decided."""

    __tablename__ = "link_edges"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("link_networks.id", ondelete="CASCADE"), index=True)
    a: Mapped[str] = mapped_column(String(300))
    b: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(1000))
    strong: Mapped[bool] = mapped_column(default=True)
    probability: Mapped[float] = mapped_column(default=1.0)
    contributions: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LinkHub(MarkedMixin, Base):
    """A value on the organisation's hub list: kept off the links (`hub`) or kept on them (not `hub`).

    `source` says who put it there: "detected" rows are rewritten by each run from the data; "analyst"
    rows are the analyst's word, which the next run obeys and never overwrites.
    """

    __tablename__ = "link_hubs"
    __table_args__ = (UniqueConstraint("owner_org_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(1000))
    hub: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(16), default="detected")
    holders: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


JOB_MODES = ("full", "incremental")
JOB_STATUSES = ("queued", "running", "done", "failed")
ACTIVE_CLAUSE = "status IN ('queued', 'running')"


class LinkJob(Base):
    """A linking run an analyst asked for through the API or the web, and what became of it.

    The server's runner (`link.runner`) claims a queued job and starts `countermark link run --job ID`
    in a process of its own, which records the run it made (`run_id`, `summary`) or why it failed. A job
    is its organisation's own business: it is never shared, and only its members see it.
    """

    __tablename__ = "link_jobs"
    __table_args__ = (
        Index("ix_link_jobs_status", "status", "id"),
        # One queued or running job per organisation, however many requests come at once.
        Index(
            "uq_link_jobs_active",
            "owner_org_id",
            unique=True,
            sqlite_where=text(ACTIVE_CLAUSE),
            postgresql_where=text(ACTIVE_CLAUSE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16), default="full")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    requested_by: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    host: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int | None] = mapped_column(default=None)
    run_id: Mapped[int | None] = mapped_column(default=None)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message: Mapped[str] = mapped_column(String(1000), default="")
