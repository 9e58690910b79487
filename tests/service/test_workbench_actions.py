"""Actions where the analyst stands, the watchlist, CSV buttons and the jobs page (issue #18).

They share the seeded site of `test_workbench_reasons` (one store for the session).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.cases.models import Case, CaseLink
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.detect.models import ListingScore
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.link.models import LinkRun
from countermark.monitor.models import CrawlRun, MonitorSource
from countermark.observe.models import Listing
from countermark.orgs.models import AuditEntry, Organisation
from countermark.orgs.service import record_audit
from countermark.share.models import SharePartner, ShareSyncRun
from countermark.targeting.models import Shipment
from countermark.web.evidence_pages import inline_pictures
from tests.browser.seed import Seeded
from tests.service.test_pages import csrf_of, signed_in
from tests.service.test_workbench_reasons import visible_text, workbench_site  # noqa: F401 - the fixture

Site = tuple[FastAPI, Seeded, dict[str, Any]]
WATCH_LINE = re.compile(r'id="queue-watchlist".*?<td class="num">\s*(\d+)', re.S)


def _ids(ctx: AppContext, model: Any, **where: Any) -> list[int]:
    with ctx.sessions() as session:
        query = select(model.id)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(session.scalars(query.order_by(model.id)))


def _org(ctx: AppContext, name: str) -> int:
    return _ids(ctx, Organisation, name=name)[0]


def _watch_count(page: str) -> int:
    found = WATCH_LINE.search(page)
    assert found, "no watchlist line on the work queue"
    return int(found.group(1))


def test_a_watched_seller_seen_again_shows_in_the_queue_only_for_its_organisation(
    workbench_site: Site,  # noqa: F811
) -> None:
    app, seeded, made = workbench_site
    ctx: AppContext = made["ctx"]
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    page = brand.get("/watchlist")
    added = brand.post(
        "/watchlist", data={"csrf_token": csrf_of(page.text), "kind": "seller", "value": "@Luxe_Outlet_88"}
    )
    assert added.status_code == 303
    entry_id = int(re.search(r'href="/watchlist/(\d+)"', brand.get("/watchlist").text).group(1))  # type: ignore[union-attr]
    assert _watch_count(brand.get("/").text) == 0  # the seeded listings were stored before
    with unit_of_work(ctx.sessions) as session:
        ingest_rows(
            session=session,
            blobs=ctx.blobs,
            kind="listings",
            owner_org_id=_org(ctx, "Maison Aurel"),
            rows=[
                RawRow(
                    line=1,
                    data={
                        "external_id": "L-AGAIN",
                        "platform": "shopmarket",
                        "url": "https://shopmarket.example/again",
                        "title": "Aurel tote",
                        "seller": "luxe_outlet_88",
                        "observed_at": "2025-04-01T10:00:00+00:00",
                    },
                )
            ],
            actor="test",
            label="again",
            tlp="AMBER",
            source="test",
        )
    home = brand.get("/")
    assert _watch_count(home.text) == 1
    assert brand.get("/queue/watchlist/next").headers["location"] == f"/watchlist/{entry_id}"
    hits = brand.get(f"/watchlist/{entry_id}")
    assert "Aurel tote" in hits.text
    # Another organisation neither sees the entry nor is told of the hit.
    outsider = signed_in(app, seeded.outsider, seeded.password)
    assert outsider.get(f"/watchlist/{entry_id}").status_code == 404
    assert _watch_count(outsider.get("/").text) == 0
    token = csrf_of(outsider.get("/watchlist").text)
    assert outsider.post(f"/watchlist/{entry_id}/delete", data={"csrf_token": token}).status_code == 404
    # Seen: the hit is no longer new.
    assert (
        brand.post(f"/watchlist/{entry_id}/seen", data={"csrf_token": csrf_of(hits.text)}).status_code == 303
    )
    assert _watch_count(brand.get("/").text) == 0


def test_watchlist_input_is_checked_and_read_only_users_cannot_change_it(workbench_site: Site) -> None:  # noqa: F811
    app, seeded, _ = workbench_site
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    token = csrf_of(brand.get("/watchlist").text)
    bad = brand.post(
        "/watchlist?lang=fr", data={"csrf_token": token, "kind": "domain", "value": "not a domain"}
    )
    assert bad.status_code == 422 and "not a domain" in html_text(bad.text)
    assert 'value="not a domain"' in bad.text  # what was typed is kept
    assert (
        brand.post("/watchlist", data={"csrf_token": token, "kind": "planet", "value": "x"}).status_code
        == 422
    )
    assert (
        brand.post("/watchlist", data={"csrf_token": "forged", "kind": "brand", "value": "Aurel"}).status_code
        == 403
    )
    viewer = signed_in(app, seeded.brand_viewer, seeded.password)
    token = csrf_of(viewer.get("/tokens").text)
    assert (
        viewer.post("/watchlist", data={"csrf_token": token, "kind": "brand", "value": "Aurel"}).status_code
        == 403
    )


def html_text(page: str) -> str:
    return visible_text(page)


def test_a_case_is_opened_and_joined_from_a_listing_and_a_notice_starts_there(workbench_site: Site) -> None:  # noqa: F811
    app, seeded, made = workbench_site
    ctx: AppContext = made["ctx"]
    aurel = _org(ctx, "Maison Aurel")
    listing_a, listing_b = _ids(ctx, Listing, owner_org_id=aurel)[:2]
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    act = brand.get(f"/act/listing/{listing_a}")
    assert act.status_code == 200 and "/act/listing/" in act.text
    token = csrf_of(act.text)
    opened = brand.post(
        f"/act/listing/{listing_a}/case", data={"csrf_token": token, "procedure": "notice_and_takedown"}
    )
    assert opened.status_code == 303
    case_id = int(opened.headers["location"].rsplit("/", 1)[1])
    joined = brand.post(f"/act/listing/{listing_b}/join", data={"csrf_token": token, "case_id": case_id})
    assert joined.headers["location"] == f"/cases/{case_id}"
    with ctx.sessions() as session:
        linked = set(
            session.scalars(
                select(CaseLink.subject_id).where(
                    CaseLink.case_id == case_id, CaseLink.subject_type == "listing"
                )
            )
        )
        assert {listing_a, listing_b} <= linked
        assert session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "link", AuditEntry.subject_id == str(case_id))
        )
    # The notice goes to the listing's open takedown case rather than opening another.
    notice = brand.post(f"/act/listing/{listing_a}/notice", data={"csrf_token": token})
    assert notice.headers["location"] == f"/cases/{case_id}#notices"
    # Another organisation: the same 404 for the listing, and no joining a case it takes no part in.
    outsider = signed_in(app, seeded.outsider, seeded.password)
    assert outsider.get(f"/act/listing/{listing_a}").status_code == 404
    other_token = csrf_of(outsider.get("/watchlist").text)
    own = _ids(ctx, Listing, owner_org_id=_org(ctx, "Other Brand"))[0]
    refused = outsider.post(f"/act/listing/{own}/join", data={"csrf_token": other_token, "case_id": case_id})
    assert refused.status_code == 404
    assert brand.get("/act/planet/1").status_code == 404


def test_customs_open_a_case_from_a_shipment_and_a_report_page_offers_the_actions(
    workbench_site: Site,  # noqa: F811
) -> None:
    app, seeded, made = workbench_site
    ctx: AppContext = made["ctx"]
    shipment = _ids(ctx, Shipment, owner_org_id=_org(ctx, "Douane Roissy"))[-1]
    customs = signed_in(app, seeded.customs_analyst, seeded.password)
    page = customs.get(f"/shipments/{shipment}")
    assert f'href="/act/shipment/{shipment}#cases"' in page.text
    opened = customs.post(f"/act/shipment/{shipment}/case", data={"csrf_token": csrf_of(page.text)})
    assert opened.status_code == 303
    with ctx.sessions() as session:
        case = session.get(Case, int(opened.headers["location"].rsplit("/", 1)[1]))
        assert case is not None and case.owner_org_id == _org(ctx, "Douane Roissy")
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    report = brand.get(f"/codes/reports/{made['report']}")
    assert f'href="/act/report/{made["report"]}#cases"' in report.text
    act = brand.get(f"/act/report/{made['report']}")
    assert act.status_code == 200
    opened = brand.post(f"/act/report/{made['report']}/case", data={"csrf_token": csrf_of(act.text)})
    assert opened.status_code == 303
    with ctx.sessions() as session:
        case = session.get(Case, int(opened.headers["location"].rsplit("/", 1)[1]))
        assert case is not None and case.title.startswith(f"Consumer report #{made['report']}")
    # Its matches name no stored listing: there is nothing to add to a case, and the page says so.
    join = brand.post(
        f"/act/report/{made['report']}/join", data={"csrf_token": csrf_of(act.text), "case_id": case.id}
    )
    assert join.status_code == 422 and "nothing to add" in join.text


def test_list_pages_export_their_filtered_rows_as_csv_and_the_export_is_audited(workbench_site: Site) -> None:  # noqa: F811
    app, seeded, made = workbench_site
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    page = brand.get("/listings?platform=leboncoin")
    link = re.search(r'href="(/api/v1/listings/export\.csv\?[^"]*)"', page.text)
    assert link, "no CSV button keeping the filters"
    href = link.group(1).replace("&amp;", "&")
    assert "platform=leboncoin" in href
    exported = brand.get(href)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and {r["platform"] for r in rows} == {"leboncoin"}
    with made["ctx"].sessions() as session:
        assert session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "export", AuditEntry.subject_type == "listings")
        )
    for path in ("/accounts", "/shipments", "/rights", "/recordals", "/products"):
        assert f'href="/api/v1{path}/export.csv' in brand.get(path).text, path


def test_the_jobs_page_shows_what_long_jobs_did(workbench_site: Site) -> None:  # noqa: F811
    app, seeded, _ = workbench_site
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    page = brand.get("/jobs?lang=fr")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Ingestion en masse" in text and "listings: seed:listings" in text
    assert "stockés: 9" in text
    assert brand.get("/jobs?kind=ingest").status_code == 200
    assert brand.get("/jobs?kind=planet").status_code == 422
    # Another organisation's ingestion is not shown.
    outsider = signed_in(app, seeded.outsider, seeded.password)
    assert "shipments: seed:shipments" not in visible_text(outsider.get("/jobs").text)
    assert "shipments: seed:shipments" in visible_text(
        signed_in(app, seeded.customs_analyst, seeded.password).get("/jobs").text
    )


def test_a_saved_page_shows_the_listings_pictures_in_place_of_its_relative_ones() -> None:
    page = (
        '<p><img alt="a" src="../images/a.jpg"><img src=\'b.png\' alt="b">'
        '<img src="https://cdn.example/x.jpg"><img src="/abs.png"><img src="c.jpg" alt="c"></p>'
    )
    shown = inline_pictures(page, [("image/png", b"\x89PNG1"), ("image/jpeg", b"\xff\xd8two")])
    assert 'src="data:image/png;base64,iVBORzE="' in shown
    assert "src='data:image/jpeg;base64," in shown
    assert 'src="https://cdn.example/x.jpg"' in shown  # another site's picture: blocked by the policy
    assert 'src="/abs.png"' not in shown  # a site-relative one is the page's own (here beyond those stored)
    assert 'src="" alt="c"' in shown  # more relative pictures than stored ones: the alt text shows


def test_saved_pages_and_report_photos_are_served_only_to_who_may_see_them(workbench_site: Site) -> None:  # noqa: F811
    app, seeded, made = workbench_site
    ctx: AppContext = made["ctx"]
    listing = _ids(ctx, Listing, external_id="L-1")[0]
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    snapshot = brand.get(f"/snapshots/listing/{listing}")
    assert snapshot.status_code == 200 and "90% off" in snapshot.text
    policy = snapshot.headers["content-security-policy"]
    assert "sandbox" in policy and "script-src" not in policy and "img-src data:" in policy
    assert snapshot.headers["x-frame-options"] == "SAMEORIGIN"
    photo = brand.get(f"/codes/reports/{made['report']}/photos/1")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    assert (
        f'src="/codes/reports/{made["report"]}/photos/1"'
        in brand.get(f"/codes/reports/{made['report']}").text
    )
    assert brand.get(f"/codes/reports/{made['report']}/photos/2").status_code == 404
    outsider = signed_in(app, seeded.outsider, seeded.password)
    assert outsider.get(f"/snapshots/listing/{listing}").status_code == 404
    assert outsider.get(f"/codes/reports/{made['report']}/photos/1").status_code == 404


def test_the_public_report_form_answers_an_error_on_itself_keeping_what_was_typed(
    workbench_site: Site,  # noqa: F811
) -> None:
    app, _, _ = workbench_site
    client = TestClient(app, headers={"accept": "text/html"})
    form = client.get("/codes/report?gtin=03760000000017&lang=fr")
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    sent = client.post(
        "/codes/report?lang=fr",
        data={
            "token": token,
            "gtin": "03760000000017",
            "bought_at": "market",
            "shop": "Stall 12, rue du Faux",
            "description": "Logo à l'envers",
            "contact": "me@example.org",
        },
    )  # at once: faster than a person fills the form
    assert sent.status_code == 422
    # The reason is in the reader's language (issue #18), never the service's English.
    assert "envoyé trop vite" in sent.text and "too quickly" not in sent.text
    assert "Back to the dashboard" not in sent.text
    assert 'value="Stall 12, rue du Faux"' in sent.text and "Logo à l&#39;envers" in sent.text
    assert 'value="market" selected' in sent.text and "au marché" in visible_text(sent.text).lower()
    assert 'value="me@example.org"' in sent.text and 'name="token"' in sent.text


def test_jobs_read_crawls_syncs_and_runs_of_the_viewers_organisation_only(workbench_site: Site) -> None:  # noqa: F811
    app, seeded, made = workbench_site
    ctx: AppContext = made["ctx"]
    with unit_of_work(ctx.sessions) as session:
        org = _org(ctx, "Maison Aurel")
        source = MonitorSource(
            name="shop crawl", platform="shopmarket", created_by="t", owner_org_id=org, tlp="AMBER"
        )
        partner = SharePartner(name="GACC", org_id=org, acting_org_id=org, api_root_url="http://x.example/")
        session.add_all([source, partner])
        session.flush()
        session.add(CrawlRun(source_id=source.id, work_dir="/nowhere", pages=30, pending=10, listings_new=3))
        session.add(
            ShareSyncRun(
                partner_id=partner.id,
                collection_uuid="c",
                direction="pull",
                status="done",
                received=5,
                stored=4,
            )
        )
        session.add(
            LinkRun(actor="linker@aurel.example", parties=10, networks=2, owner_org_id=org, tlp="AMBER")
        )
        record_audit(
            session=session,
            actor="t",
            org_id=org,
            action="select",
            subject_type="targeting_day",
            subject_id="2025-03-11",
            detail={"declarations": 40, "red": 4, "yellow": 6},
        )
        listing = _ids(ctx, Listing, external_id="L-2")[0]
        session.add(
            ListingScore(
                listing_id=listing,
                listing_version=1,
                owner_org_id=org,
                model_version="m-7",
                score=0.9,
                threshold=0.5,
                alert=True,
                platform="shopmarket",
            )
        )
    brand = visible_text(signed_in(app, seeded.brand_admin, seeded.password).get("/jobs?lang=en").text)
    assert "shop crawl" in brand and "75 %" in brand and "new listings: 3" in brand
    assert "GACC (pull)" in brand and "objects received: 5" in brand and "networks: 2" in brand
    assert "declarations scored: 40" in brand and "red lane places: 4" in brand
    assert "m-7" in brand and "listings scored: 1" in brand and "above the threshold: 1" in brand
    outsider = visible_text(signed_in(app, seeded.outsider, seeded.password).get("/jobs").text)
    assert "shop crawl" not in outsider and "GACC" not in outsider and "networks: 2" not in outsider
