"""Fake clusters into cases: one case per cluster, opened through the cases service with its evidence.

A cluster is *confirmed* when a person has confirmed at least `CONFIRMED_MIN` of its clone alerts; a
confirmed cluster opens its case by itself (after a decision, or in the pipeline's pass), and a person may
open one from the cluster page at any time. The case follows the online rule pack's test purchase when
the cluster's reports point at a listing (buy one under a recorded identity), otherwise the investigation
pack (copies of a serialised product in circulation are a criminal organisation's work).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from countermark.cases.evidence_service import add_evidence
from countermark.cases.service import CaseSummary, case_summary, open_case
from countermark.codes.clusters import FakeCluster
from countermark.codes.history_service import clusters_of_fakes
from countermark.codes.models import (
    CloneAlert,
    ClusterCase,
    CodeBatch,
    CodeScan,
    ConsumerReport,
    ProductCode,
    ReportMatch,
)
from countermark.core.blobs import BlobStore
from countermark.core.clock import utcnow
from countermark.core.errors import Forbidden, NotFound
from countermark.core.models import Blob
from countermark.orgs.service import group_ids_of, organisation_summary, record_audit
from countermark.orgs.visibility import Principal, require_owner, visible
from countermark.rights.service import product_summaries, rights_of_product

CONFIRMED_MIN = 2
MAX_EVIDENCE_PHOTOS = 20


def cluster_key(cluster: FakeCluster) -> str:
    """A stable name for a cluster: batch, region, seller and first flagged code (later codes may join)."""
    first = cluster.code_ids[0] if cluster.code_ids else 0
    text = f"{cluster.batch_id}\x1f{cluster.region}\x1f{cluster.seller or ''}\x1f{first}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass
class ClusterView:
    """A cluster with what a person needs to judge it: codes, alerts, scans, reports, and its case."""

    key: str
    cluster: FakeCluster
    codes: list[ProductCode] = field(default_factory=list)
    alerts: dict[int, CloneAlert] = field(default_factory=dict)
    scans: list[CodeScan] = field(default_factory=list)
    reports: list[ConsumerReport] = field(default_factory=list)
    listing_ids: list[int] = field(default_factory=list)
    account_ids: list[int] = field(default_factory=list)
    case: ClusterCase | None = None

    @property
    def confirmed(self) -> int:
        """How many of its alerts a person confirmed."""
        return sum(1 for a in self.alerts.values() if a.status == "confirmed")


def find_cluster_case(*, session: Session, principal: Principal, cluster: FakeCluster) -> ClusterCase | None:
    """The case already opened for this cluster: by key, or for an earlier cut of it sharing serials."""
    key = cluster_key(cluster)
    rows = session.scalars(
        visible(ClusterCase, principal).where(
            ClusterCase.batch_id == cluster.batch_id, ClusterCase.region == cluster.region
        )
    )
    overlapping: ClusterCase | None = None
    for row in rows:
        if row.cluster_key == key:
            found: ClusterCase = row
            return found
        if row.seller == cluster.seller and set(row.code_ids) & set(cluster.code_ids):
            overlapping = row
    return overlapping


def view_cluster(*, session: Session, principal: Principal, key: str) -> ClusterView:
    """One cluster the principal may see, with its codes, alerts, scans, reports and case."""
    for cluster in clusters_of_fakes(session=session, principal=principal):
        if cluster_key(cluster) == key:
            break
    else:
        raise NotFound.of("no such fake cluster")
    view = ClusterView(key=key, cluster=cluster)
    ids = list(cluster.code_ids)
    view.codes = list(session.scalars(visible(ProductCode, principal).where(ProductCode.id.in_(ids))))
    view.alerts = {
        a.code_id: a
        for a in session.scalars(visible(CloneAlert, principal).where(CloneAlert.code_id.in_(ids)))
    }
    view.scans = list(
        session.scalars(
            visible(CodeScan, principal).where(CodeScan.code_id.in_(ids)).order_by(CodeScan.scanned_at)
        )
    )
    view.reports = list(
        session.scalars(
            visible(ConsumerReport, principal)
            .where(ConsumerReport.code_id.in_(ids))
            .order_by(ConsumerReport.id)
        )
    )
    matches = session.scalars(
        visible(ReportMatch, principal).where(
            ReportMatch.report_id.in_([r.id for r in view.reports]),
            ReportMatch.subject_type.in_(("listing", "account")),
            ReportMatch.strength >= 0.5,
        )
    )
    for match in matches:
        target = view.listing_ids if match.subject_type == "listing" else view.account_ids
        if match.subject_id is not None and match.subject_id not in target:
            target.append(match.subject_id)
    view.case = find_cluster_case(session=session, principal=principal, cluster=cluster)
    return view


def _evidence_document(view: ClusterView) -> dict[str, Any]:
    alerts = view.alerts
    return {
        "cluster": view.key,
        "batch_id": view.cluster.batch_id,
        "region": view.cluster.region,
        "seller": view.cluster.seller,
        "codes": [
            {
                "gtin": c.gtin,
                "serial": c.serial,
                "state": c.state,
                "alert_score": alerts[c.id].score if c.id in alerts else None,
                "alert_status": alerts[c.id].status if c.id in alerts else None,
                "reasons": alerts[c.id].reasons if c.id in alerts else [],
            }
            for c in sorted(view.codes, key=lambda c: c.serial)
        ],
        "scans": [
            {
                "serial": s.serial,
                "at": s.scanned_at.isoformat(),
                "lat": s.lat,
                "lon": s.lon,
                "device": s.scanner_hash,
                "verdict": s.verdict,
            }
            for s in view.scans
        ],
        "reports": [
            {"id": r.id, "serial": r.serial, "bought_at": r.bought_at_kind, "shop": r.shop, "url": r.url}
            for r in view.reports
        ],
    }


def _country(session: Session, org_id: int) -> str:
    org = organisation_summary(session=session, org_id=org_id)
    return org.country if org is not None and org.country else "FR"


def open_cluster_case(
    *, session: Session, blobs: BlobStore, principal: Principal, key: str, actor: str, trigger: str = "person"
) -> tuple[ClusterCase, bool]:
    """The cluster's case, opened now with its serials, scans and photos as evidence; (row, newly opened)."""
    view = view_cluster(session=session, principal=principal, key=key)
    batch = require_owner(session.get(CodeBatch, view.cluster.batch_id), principal, what="code batch")
    if view.case is not None:
        return view.case, False
    owner, at = batch.owner_org_id, utcnow()
    product = product_summaries(session=session, ids=[batch.product_id]).get(batch.product_id)
    name = product.full_name if product else f"GTIN {batch.gtin}"
    links = [("listing", i) for i in view.listing_ids] + [("account", i) for i in view.account_ids]
    links += [
        ("right", right.id)
        for right in rights_of_product(session=session, principal=principal, product_id=batch.product_id)
    ]
    procedure = "test_purchase" if view.listing_ids else "investigation"
    case = open_case(
        session=session,
        owner_org_id=owner,
        procedure=procedure,
        title=f"Fake cluster: {len(view.codes)} copied codes of {name} (region {view.cluster.region})"[:300],
        at=at,
        actor=actor,
        country=_country(session, owner),
        rights_holder_org_id=owner,
        tlp=batch.tlp,
        sharing_group_id=batch.sharing_group_id,
        links=links,
    )
    document = json.dumps(_evidence_document(view), sort_keys=True, indent=1).encode("utf-8")
    source = f"countermark product codes, fake cluster {key}"
    add_evidence(
        session=session,
        blobs=blobs,
        case=case,
        data=document,
        media_type="application/json",
        description=f"Serials, clone alerts, scans and reports of fake cluster {key}",
        source=source,
        actor=actor,
        org_id=owner,
        at=at,
    )
    photos = [(r.id, digest) for r in view.reports for digest in r.photos][:MAX_EVIDENCE_PHOTOS]
    for report_id, digest in photos:
        stored = session.get(Blob, digest)
        add_evidence(
            session=session,
            blobs=blobs,
            case=case,
            data=blobs.get(digest),
            media_type=stored.media_type if stored else "application/octet-stream",
            description=f"Photo sent with consumer report {report_id}",
            source=source,
            actor=actor,
            org_id=owner,
            at=at,
            derived_from=digest,
        )
    row = ClusterCase(
        cluster_key=key,
        batch_id=batch.id,
        region=view.cluster.region,
        seller=view.cluster.seller,
        code_ids=list(view.cluster.code_ids),
        case_id=case.id,
        trigger=trigger,
        opened_by=actor,
        owner_org_id=owner,
        tlp=batch.tlp,
        sharing_group_id=batch.sharing_group_id,
    )
    session.add(row)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="codes.cluster.case",
        subject_type="cluster_case",
        subject_id=str(row.id),
        org_id=owner,
        detail={"case_id": case.id, "procedure": procedure, "codes": len(view.codes), "trigger": trigger},
    )
    return row, True


def open_cases_for_confirmed_clusters(
    *, session: Session, blobs: BlobStore, org_id: int, actor: str
) -> list[ClusterCase]:
    """Open the case of every confirmed cluster of the organisation that has none yet."""
    principal = Principal(
        org_id=org_id, scopes=frozenset({"read", "write"}), group_ids=group_ids_of(session, org_id)
    )
    opened = []
    for cluster in clusters_of_fakes(session=session, principal=principal):
        confirmed = session.scalar(
            visible(CloneAlert, principal)
            .where(CloneAlert.code_id.in_(cluster.code_ids), CloneAlert.status == "confirmed")
            .with_only_columns(CloneAlert.id)
            .limit(CONFIRMED_MIN)
            .offset(CONFIRMED_MIN - 1)
        )
        if confirmed is None or find_cluster_case(session=session, principal=principal, cluster=cluster):
            continue
        try:
            row, new = open_cluster_case(
                session=session,
                blobs=blobs,
                principal=principal,
                key=cluster_key(cluster),
                actor=actor,
                trigger="confirmed",
            )
        except (NotFound, Forbidden):  # a cluster of a batch the organisation can see but does not own
            continue
        if new:
            opened.append(row)
    return opened


def case_of(*, session: Session, principal: Principal, row: ClusterCase) -> CaseSummary | None:
    """The cluster's case, if the principal may see it."""
    return case_summary(session=session, principal=principal, case_id=row.case_id)
