"""Words for the codes records carry, so that a page shows "rights holder" (or "titulaire du droit"), not
`rights_holder`.

Statuses, kinds, lanes and audit actions are stored and returned by the API as codes. Templates show them
through the `label` filter (`{{ org.kind|label }}`), which looks the code up here and passes the English
label through the page's catalogue; `tests/unit/test_code_labels.py` checks that every label is in the
French and Chinese catalogues. A code without a label is shown humanised ("record_inspection" →
"Record inspection") rather than raw, and the list grows as codes reach pages.
"""

from __future__ import annotations

LABELS: dict[str, str] = {
    # Organisation kinds and workflow roles.
    "customs": "customs",
    "police": "police",
    "rights_holder": "rights holder",
    "platform": "platform",
    "other": "other",
    # Kinds of rights.
    "trademark": "trade mark",
    "copyright": "copyright",
    "design": "design",
    "patent": "patent",
    "registered": "registered",
    "pending": "pending",
    "expired": "expired",
    # Targeting lanes.
    "red": "red",
    "yellow": "yellow",
    "green": "green",
    "blue": "blue",  # an inspection chosen after clearance (post-release control)
    # Statuses.
    "active": "active",
    "retired": "retired",
    "revoked": "revoked",
    "queued": "queued",
    "running": "running",
    "done": "done",
    "failed": "failed",
    "open": "open",
    "closed": "closed",
    "new": "new",
    "confirmed": "confirmed",
    "dismissed": "dismissed",
    "eligible": "eligible",
    "paid": "paid",
    "none": "none",
    # Identifier kinds.
    "email": "e-mail",
    "phone": "phone",
    "url": "URL",
    "domain": "domain",
    "payment_account": "payment account",
    "iban": "IBAN",
    "crypto_wallet": "crypto wallet",
    "postal_address": "postal address",
    "name": "name",
    "analytics_id": "analytics ID",
    "messaging_handle": "messaging handle",
    # What a record is (search hits, audit subjects).
    "listing": "listing",
    "account": "account",
    "shipment": "shipment",
    "case": "case",
    "product": "product",
    "right": "right",
    "recordal": "recordal",
    "organisation": "organisation",
    "user": "user",
    "api_token": "API token",
    "sharing_group": "sharing group",
    "consumer_report": "consumer report",
    "clone_alert": "clone alert",
    "code_batch": "code batch",
    "signing_key": "signing key",
    "rule_profile": "risk profile",
    "targeting_model": "risk model",
    "inspection_result": "inspection result",
    "fingerprint_entry": "fingerprint entry",
    # Media kinds.
    "image": "image",
    "video": "video",
    "audio": "audio",
    "file": "file",
    # Transport modes and declaration kinds.
    "post": "post",
    "express": "express courier",
    "air": "air",
    "sea": "sea",
    "road": "road",
    "rail": "rail",
    # Audit actions.
    "sign_in": "signed in",
    "sign_out": "signed out",
    "create": "created",
    "update": "updated",
    "export": "exported",
    "ingest": "ingested",
    "revoke": "revoked",
    "disable": "disabled",
    "enable": "enabled",
    "change_password": "changed password",
    "reset_password": "reset password",
    "decide": "decided",
    "mark": "marking changed",
    "select": "selected",
    "record_inspection": "recorded an inspection",
    "save_rule": "saved a risk profile",
    "activate_rule": "activated a risk profile",
    "activate_model": "activated a risk model",
    "retrain": "retrained",
    # States of a product code (GS1 business steps).
    "issued": "issued",
    "commissioned": "commissioned",
    "shipped": "shipped",
    "sold": "sold",
    "destroyed": "destroyed",
    "decommissioned": "decommissioned",
    # Verdicts on detection alerts.
    "confirm": "confirmed",
    "dismiss": "dismissed",
    # Kinds of shipment records.
    "declaration": "declaration",
    "consignment": "consignment",
    # Detection alerts.
    "cleared": "cleared",
    # The fields identifiers are found in (identifier tables of listing, account and shipment pages).
    "title": "title",
    "description": "description",
    "bio": "bio",
    "contacts": "contacts",
    "profile_url": "profile address",
    "shop": "shop",
    "snapshot": "saved page",
    "consignor_name": "consignor's name",
    "consignor_address": "consignor's address",
    "consignor_contact": "consignor's contact",
    "consignee_name": "consignee's name",
    "consignee_address": "consignee's address",
    "consignee_contact": "consignee's contact",
    # Audit actions and what they were done to (the home page's recent activity), and custody actions.
    "added": "added",
    "resubmitted": "submitted again",
    "case_platform_named": "named the platform",
    "tick": "scheduler run",
    "codes.batch.create": "created a code batch",
    "codes.cluster.case": "opened a case for a fake cluster",
    "codes.epcis.capture": "captured EPCIS events",
    "codes.epcis.ingest": "imported supply-chain events",
    "codes.key.create": "created a signing key",
    "codes.key.revoke": "revoked a signing key",
    "codes.report.create": "received a consumer report",
    "codes.report.match": "matched a consumer report",
    "codes.report.reward": "rewarded a consumer report",
    "codes.reward.create": "created a reward scheme",
    "codes.scans.ingest": "imported scans",
    "codes.alert.confirmed": "confirmed a clone alert",
    "codes.alert.dismissed": "dismissed a clone alert",
    "codes.alert.open": "reopened a clone alert",
    "link.run": "linked networks",
    "link.hub.set": "set a hub",
    "link.hub.remove": "removed a hub",
    "monitor.source.create": "added a crawl source",
    "monitor.source.update": "changed a crawl source",
    "share.collection.add": "added a collection",
    "share.collection.edit": "changed a collection",
    "share.collection.grant": "granted a collection",
    "share.partner.add": "added a partner",
    "share.partner.edit": "changed a partner",
    "share.partner.reissue": "reissued a partner's token",
    "share.partner.sync": "synced with a partner",
    "share.partner.token": "stored a partner's token",
    "share.request.send": "sent a request for assistance",
    "share.request.accepted": "accepted a request for assistance",
    "share.request.answered": "answered a request for assistance",
    "share.request.refused": "refused a request for assistance",
    "verdict": "gave a verdict",
    "authorised_sellers": "authorised sellers",
    "monitor_source": "crawl source",
    "targeting_day": "targeting day",
    "supply_events": "supply-chain events",
    "code_scans": "code scans",
    "cluster_case": "fake cluster's case",
    "link_run": "linking run",
    "link_hub": "hub",
    "detect_alert": "detection alert",
    "watchlist_entry": "watched value",
    "share_request": "request for assistance",
    "share_partner": "partner",
    "share_collection": "collection",
    "epcis_capture": "EPCIS capture",
    "reward_scheme": "reward scheme",
    "case_evidence": "evidence",
    "case_notice": "notice",
    # Statuses of requests for assistance and of notices (shown in translated error messages).
    "received": "received",
    "accepted": "accepted",
    "answered": "answered",
    "refused": "refused",
    "sent": "sent",
    "draft": "draft",
    "acknowledged": "acknowledged",
    "actioned": "actioned",
    "counter_notice": "counter-notice",
    "relisted": "relisted",
    # The evidence on a network's edges (`link.wording` gives the value beside it); "exact:<kind>" is shown
    # as "same <kind>", the identifier kinds' labels above.
    "exact:photo": "same photo, or a near copy",
    "seller_id": "seller id on the declaration",
    "fuzzy:email_local": "one e-mail name on several domains",
    "fuzzy:email_typo": "e-mail addresses one letter apart",
    "fuzzy:handle": "one handle stem",
    "domain:family": "shop domains of one family",
    "text:bio_line": "a reused line of text",
    "splink:consignor": "probably the same sender",
    "listed_by": "listed by",
    "hosted_on": "shop hosted on",
    # The fields Splink compares to match senders (each one's weight explains a match).
    "compared:name": "name",
    "compared:address": "postal address",
    "compared:country": "country",
    "compared:contact": "contact",
    # Fields named in error messages (a request for assistance, a consumer report).
    "subject": "subject",
    "asked": "what is asked",
    "legal basis": "legal basis",
    "address": "web address",
}


def humanised(code: str) -> str:
    """A code as words: 'record_inspection' → 'Record inspection'."""
    return code.replace("_", " ").strip().capitalize()


def label_of(code: object) -> str:
    """The English label of a code ('' for none); the template filter translates it."""
    if code is None or code == "":
        return ""
    text = str(code)
    return LABELS.get(text) or humanised(text)
