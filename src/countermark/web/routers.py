"""Every router of the app, by module: each module defines `router`; adding a capability is one line."""

from __future__ import annotations

API_ROUTERS = (
    "countermark.orgs.api",
    "countermark.rights.api",
    "countermark.observe.api",
    "countermark.targeting.api",
    "countermark.web.search",
    "countermark.ingest.api",
    "countermark.fingerprint.api",
    "countermark.codes.api",
    "countermark.codes.epcis_api",
    "countermark.cases.api",
    "countermark.ledger.api",
    "countermark.monitor.api",
    "countermark.targeting.scoring_api",
    "countermark.share.taxii_api",
    "countermark.share.psi_api",
    "countermark.share.requests_api",
    "countermark.detect.api",
    "countermark.detect.alerts_api",
    "countermark.link.api",
)

PAGE_ROUTERS = (
    "countermark.orgs.pages",
    "countermark.web.dashboard",
    "countermark.web.queue_pages",
    "countermark.web.charts_pages",
    "countermark.web.watchlist_pages",
    "countermark.web.actions",
    "countermark.web.jobs",
    "countermark.web.evidence_pages",
    "countermark.rights.pages",
    "countermark.observe.pages",
    "countermark.targeting.shipment_pages",
    "countermark.orgs.admin_pages",
    "countermark.fingerprint.pages",
    "countermark.cases.pages",
    "countermark.monitor.pages",
    "countermark.codes.pages",
    "countermark.targeting.pages",
    "countermark.detect.alert_pages",
    "countermark.link.pages",
    "countermark.share.pages",
)
