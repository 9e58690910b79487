"""Every router of the app, by module: each module defines `router`; adding a capability is one line."""

from __future__ import annotations

API_ROUTERS = (
    "countermark.orgs.api",
    "countermark.rights.api",
    "countermark.observe.api",
    "countermark.target.api",
    "countermark.web.search",
    "countermark.ingest.api",
    "countermark.fingerprint.api",
    "countermark.authenticate.api",
    "countermark.cases.api",
    "countermark.ledger.api",
    "countermark.target.scoring_api",
)

PAGE_ROUTERS = (
    "countermark.web.pages.auth",
    "countermark.web.pages.main",
    "countermark.web.pages.records",
    "countermark.web.pages.admin",
    "countermark.fingerprint.pages",
    "countermark.cases.pages",
    "countermark.authenticate.pages",
    "countermark.target.pages",
)
