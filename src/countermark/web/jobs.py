"""The jobs page: the long work of the server and the demo, with its progress and what it did (issue 18).

Nothing new is recorded for it: each kind of job is read from the table its capability already keeps —
crawl runs (monitor), partner syncs (share), code issuance (codes), EPCIS captures (codes), linking runs
(link), risk-model retraining (targeting), fingerprint enrolment (fingerprint banks), batch scoring of
listings (detect's scores) and of declarations, and bulk ingestion (the audit log's `select` and `ingest`
entries). Every query is limited to what the viewer's organisation may see
(`visible` for marked tables; the owning source, partner or organisation otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from countermark.codes.models import CodeBatch, EpcisCapture
from countermark.core.errors import InvalidInput
from countermark.core.http.deps import DbSession
from countermark.core.http.templating import render
from countermark.detect.models import ListingScore
from countermark.fingerprint.models import FingerprintBank, FingerprintEntry
from countermark.link.models import LinkRun
from countermark.monitor.models import CrawlRun, MonitorSource
from countermark.orgs.deps import PageViewer
from countermark.orgs.models import AuditEntry
from countermark.orgs.visibility import Principal, visible
from countermark.share.models import SharePartner, ShareSyncRun
from countermark.targeting.models import TargetingModelVersion

router = APIRouter(include_in_schema=False)
PER_KIND = 20


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a message translated later
    """Mark a message id for the catalogue without translating it here."""
    return message


@dataclass(frozen=True)
class Job:
    """One long piece of work: what, when, how far, and what it did (catalogue message ids with counts)."""

    kind: str
    label: str
    started_at: datetime | None
    finished_at: datetime | None
    status: str
    did: list[tuple[str, int]] = field(default_factory=list)
    progress: float | None = None
    href: str | None = None
    errors: int = 0


def _crawls(session: Session, principal: Principal) -> list[Job]:
    sources = visible(MonitorSource, principal).subquery()
    rows = session.execute(
        select(CrawlRun, sources.c.name)
        .join(sources, sources.c.id == CrawlRun.source_id)
        .order_by(CrawlRun.id.desc())
        .limit(PER_KIND)
    )
    return [
        Job(
            "crawl",
            name,
            run.started_at,
            run.finished_at,
            run.status,
            [
                (N_("pages fetched"), run.pages),
                (N_("new listings"), run.listings_new),
                (N_("changed listings"), run.listings_changed),
                (N_("listings gone"), run.listings_gone),
                (N_("rows rejected"), run.rejected),
            ],
            progress=run.pages / (run.pages + run.pending)
            if run.status == "running" and run.pages + run.pending
            else None,
            href=f"/monitor/runs/{run.id}",
            errors=len(run.errors or []),
        )
        for run, name in rows
    ]


def _syncs(session: Session, principal: Principal) -> list[Job]:
    if principal.org_id is None:
        return []
    mine = or_(SharePartner.org_id == principal.org_id, SharePartner.acting_org_id == principal.org_id)
    rows = session.execute(
        select(ShareSyncRun, SharePartner.name)
        .join(SharePartner, SharePartner.id == ShareSyncRun.partner_id)
        .where(mine)
        .order_by(ShareSyncRun.id.desc())
        .limit(PER_KIND)
    )
    return [
        Job(
            "sync",
            f"{name} ({run.direction})",
            run.started_at,
            run.finished_at,
            run.status,
            [
                (N_("pages"), run.pages),
                (N_("objects received"), run.received),
                (N_("stored"), run.stored),
                (N_("unchanged"), run.unchanged),
                (N_("rows rejected"), run.rejected),
            ],
            errors=len(run.errors or []),
        )
        for run, name in rows
    ]


def _issuance(session: Session, principal: Principal) -> list[Job]:
    rows = session.scalars(visible(CodeBatch, principal).order_by(CodeBatch.id.desc()).limit(PER_KIND))
    return [
        Job(
            "codes",
            batch.label or batch.gtin,
            batch.created_at,
            batch.finished_at,
            batch.status,
            [(N_("codes issued"), batch.issued_count), (N_("codes asked for"), batch.quantity)],
            progress=batch.issued_count / batch.quantity
            if batch.quantity and batch.status != "done"
            else None,
            href=f"/codes/batches/{batch.id}",
            errors=1 if batch.error else 0,
        )
        for batch in rows
    ]


def _captures(session: Session, principal: Principal) -> list[Job]:
    rows = session.scalars(visible(EpcisCapture, principal).order_by(EpcisCapture.id.desc()).limit(PER_KIND))
    return [
        Job(
            "epcis",
            capture.capture_id,
            capture.created_at,
            capture.finished_at,
            "running" if capture.finished_at is None else ("done" if capture.success else "failed"),
            [(N_("events stored"), capture.stored), (N_("unchanged"), capture.unchanged)],
            errors=len(capture.errors or []),
        )
        for capture in rows
    ]


def _linking(session: Session, principal: Principal) -> list[Job]:
    rows = session.scalars(visible(LinkRun, principal).order_by(LinkRun.id.desc()).limit(PER_KIND))
    return [
        Job(
            "link",
            run.actor,
            run.started_at,
            None,
            "done",
            [(N_("parties"), run.parties), (N_("networks"), run.networks), (N_("hubs"), run.hubs)],
        )
        for run in rows
    ]


def _retraining(session: Session, principal: Principal) -> list[Job]:
    rows = session.scalars(
        visible(TargetingModelVersion, principal).order_by(TargetingModelVersion.id.desc()).limit(PER_KIND)
    )
    return [
        Job(
            "retrain",
            str(model.trained_through or model.id),
            model.created_at,
            model.created_at,
            "active" if model.active else "retired",
            [(N_("declarations learnt from"), model.training_rows), (N_("past finds"), model.positives)],
        )
        for model in rows
    ]


def _enrolment(session: Session, principal: Principal) -> list[Job]:
    banks = visible(FingerprintBank, principal).subquery()
    rows = session.execute(
        select(
            banks.c.id,
            banks.c.name,
            func.count(FingerprintEntry.id),
            func.min(FingerprintEntry.created_at),
            func.max(FingerprintEntry.created_at),
        )
        .join(FingerprintEntry, FingerprintEntry.bank_id == banks.c.id)
        .group_by(banks.c.id, banks.c.name)
        .order_by(func.max(FingerprintEntry.created_at).desc())
        .limit(PER_KIND)
    )
    return [
        Job(
            "enrol",
            name,
            first,
            last,
            "done",
            [(N_("references enrolled"), count)],
            href=f"/fingerprint/banks/{bank_id}",
        )
        for bank_id, name, count, first, last in rows
    ]


def _ingestion(session: Session, principal: Principal) -> list[Job]:
    if principal.org_id is None:
        return []
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.org_id == principal.org_id, AuditEntry.action == "ingest")
        .order_by(AuditEntry.id.desc())
        .limit(PER_KIND)
    )
    jobs = []
    for entry in rows:
        detail: dict[str, Any] = entry.detail if isinstance(entry.detail, dict) else {}
        counts = [
            (N_(name), int(detail[name]))
            for name in ("read", "stored", "updated", "unchanged", "rejected")
            if isinstance(detail.get(name), int)
        ]
        jobs.append(
            Job(
                "ingest",
                f"{entry.subject_type}: {entry.subject_id or ''}",
                entry.at,
                entry.at,
                "done",
                counts,
            )
        )
    return jobs


def _selection(session: Session, principal: Principal) -> list[Job]:
    """Targeting's batch scoring of a day's declarations (the audit log's `select` entries)."""
    if principal.org_id is None:
        return []
    rows = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.org_id == principal.org_id,
            AuditEntry.action == "select",
            AuditEntry.subject_type == "targeting_day",
        )
        .order_by(AuditEntry.id.desc())
        .limit(PER_KIND)
    )
    jobs = []
    for entry in rows:
        detail: dict[str, Any] = entry.detail if isinstance(entry.detail, dict) else {}
        counts = [
            (N_("declarations scored"), detail.get("declarations")),
            (N_("red lane places"), detail.get("red")),
            (N_("yellow lane places"), detail.get("yellow")),
        ]
        did = [(name, int(n)) for name, n in counts if isinstance(n, int)]
        jobs.append(Job("scoring", str(entry.subject_id or ""), entry.at, entry.at, "done", did))
    return jobs


def _detection(session: Session, principal: Principal) -> list[Job]:
    """The detector's batch scoring of listings: one line per model version that scored the organisation's."""
    if principal.org_id is None:
        return []
    rows = session.execute(
        select(
            ListingScore.model_version,
            func.count(ListingScore.id),
            func.sum(case((ListingScore.alert, 1), else_=0)),
            func.min(ListingScore.scored_at),
            func.max(ListingScore.scored_at),
        )
        .where(ListingScore.owner_org_id == principal.org_id)
        .group_by(ListingScore.model_version)
        .order_by(func.max(ListingScore.scored_at).desc())
        .limit(PER_KIND)
    )
    return [
        Job(
            "detect",
            version,
            first,
            last,
            "done",
            [(N_("listings scored"), int(count)), (N_("above the threshold"), int(alerts or 0))],
        )
        for version, count, alerts, first, last in rows
    ]


KINDS: dict[str, tuple[str, Callable[[Session, Principal], list[Job]]]] = {
    "crawl": (N_("Crawls"), _crawls),
    "sync": (N_("Partner syncs"), _syncs),
    "ingest": (N_("Bulk ingestion"), _ingestion),
    "codes": (N_("Code issuance"), _issuance),
    "epcis": (N_("EPCIS captures"), _captures),
    "enrol": (N_("Fingerprint enrolment"), _enrolment),
    "link": (N_("Linking runs"), _linking),
    "retrain": (N_("Risk model retraining"), _retraining),
    "scoring": (N_("Declaration scoring"), _selection),
    "detect": (N_("Listing scoring"), _detection),
}


def jobs_of(session: Session, principal: Principal, kind: str | None = None) -> list[Job]:
    """The recent jobs the principal may see (of one kind, or all), running first, then newest first."""
    if kind and kind not in KINDS:
        raise InvalidInput.of("a job is one of {kinds}, not {kind!r}", kinds=", ".join(KINDS), kind=kind)
    found = [
        job for key, (_, load) in KINDS.items() if not kind or key == kind for job in load(session, principal)
    ]
    return sorted(
        found, key=lambda j: (j.status != "running", -(j.started_at.timestamp() if j.started_at else 0.0))
    )


@router.get("/jobs")
def jobs_page(request: Request, session: DbSession, viewer: PageViewer, kind: str = "") -> Response:
    """Long jobs with their progress and what they did: crawls, syncs, ingestion, issuance, enrolment…"""
    chosen = kind.strip() or None
    jobs = jobs_of(session, viewer.principal, chosen)
    return render(
        request,
        "workbench_jobs.html",
        {
            "viewer": viewer,
            "jobs": jobs,
            "kinds": {k: v[0] for k, v in KINDS.items()},
            "kind": chosen,
            "active": "jobs",
        },
    )
