"""Signed-in product-code pages: issue a batch by form, watch it finish, download sheets, decide alerts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work
from countermark.core.settings import Settings
from countermark.orgs.service import get_organisation_by_name_or_raise
from countermark.web.app import create_app
from tests.browser.seed import Seeded, seed_store
from tests.service.codes_fixtures import add_product, issue_codes
from tests.service.test_pages import csrf_of, signed_in


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, AppContext, Seeded, int]]:
    """The app on a seeded SQLite store where Maison Aurel has a product and a signing key."""
    tmp: Path = tmp_path_factory.mktemp("codes-pages")
    settings = Settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'countermark.db'}")
    ctx = build_context(settings, blobs=LocalBlobStore(tmp / "blobs"))
    seeded = seed_store(ctx, tmp)
    with unit_of_work(ctx.sessions) as session:
        org_id = get_organisation_by_name_or_raise(session=session, name="Maison Aurel").id
    product_id = add_product(ctx, org_id, gtin="4006381333931", name="Aurel belt")
    issue_codes(ctx, org_id, product_id, quantity=2)
    yield create_app(context=ctx), ctx, seeded, product_id
    ctx.close()


def test_a_brand_admin_issues_a_batch_by_form_and_downloads_its_sheets(
    site: tuple[FastAPI, AppContext, Seeded, int],
) -> None:
    app, _, seeded, product_id = site
    client = signed_in(app, seeded.brand_admin, seeded.password)
    page = client.get("/codes")
    assert page.status_code == 200 and "Aurel belt" in page.text and "Issue a batch" in page.text
    refused = client.post(
        "/codes/batches", data={"product_id": product_id, "quantity": 30, "csrf_token": "x"}
    )
    assert refused.status_code == 403
    issued = client.post(
        "/codes/batches",
        data={"product_id": product_id, "quantity": 30, "label": "spring", "csrf_token": csrf_of(page.text)},
    )
    assert issued.status_code == 303
    batch_path = issued.headers["location"]
    batch = client.get(batch_path)
    assert 'data-status="done"' in batch.text and "<svg" in batch.text
    assert client.get(batch_path + "/sheet.pdf").content.startswith(b"%PDF")
    assert client.get(batch_path + "/sheet.png").content.startswith(b"\x89PNG")
    assert client.get(batch_path + "/sheet.svg").text.startswith("<svg")
    assert client.get(batch_path + "/sheet.exe").status_code == 422
    for path in ("/codes/scans", "/codes/alerts", "/codes/reports"):
        assert client.get(path).status_code == 200, path
    outsider = signed_in(app, seeded.outsider, seeded.password)
    assert outsider.get(batch_path).status_code == 404
    assert outsider.get(batch_path + "/sheet.pdf").status_code == 404
    assert "Aurel belt" not in outsider.get("/codes").text


def test_signed_out_visitors_are_sent_to_sign_in_but_may_scan(
    site: tuple[FastAPI, AppContext, Seeded, int],
) -> None:
    from fastapi.testclient import TestClient

    app = site[0]
    with TestClient(app, follow_redirects=False, headers={"accept": "text/html"}) as client:
        assert client.get("/codes").status_code in (303, 401)
        assert client.get("/codes/report").status_code == 200
        assert client.get("/01/04006381333931/21/NOPE").status_code == 200


def test_the_holder_sees_a_reports_matches_and_opens_a_clusters_case_by_form(
    site: tuple[FastAPI, AppContext, Seeded, int],
) -> None:
    from datetime import UTC, datetime, timedelta

    from countermark.codes import history_service, matching_service, report_service, service

    app, ctx, seeded, product_id = site
    with unit_of_work(ctx.sessions) as session:
        org_id = get_organisation_by_name_or_raise(session=session, name="Maison Aurel").id
    _, uris = issue_codes(ctx, org_id, product_id, quantity=2)
    start = datetime(2025, 5, 1, 9, tzinfo=UTC)
    with unit_of_work(ctx.sessions) as session:
        for n, uri in enumerate(uris):
            for hours, (lat, lon) in ((0, (48.85, 2.35)), (3, (6.52, 3.38))):
                service.verify_and_record(
                    session=session,
                    uri=uri,
                    keys=service.public_keys(session=session),
                    salt=b"s" * 32,
                    lat=lat,
                    lon=lon,
                    device=f"page-{n}-{hours}",
                    at=start + timedelta(hours=hours, minutes=n),
                )
        history_service.detect_clones(session=session, owner_org_id=org_id)
        report = report_service.submit_report(
            session=session,
            blobs=ctx.blobs,
            report=report_service.ReportInput(
                code_uri=uris[0],
                gtin=None,
                bought_at_kind="market",
                shop=None,
                url=None,
                description="an Aurel belt with a smudged logo",
                lat=None,
                lon=None,
                contact=None,
            ),
            reporter=None,
        )
        matching_service.match_report(ctx=ctx, session=session, report=report, actor="test")
        report_id = report.id
        for n in range(3):  # three located reports within a few km: a hot spot on the map
            report_service.submit_report(
                session=session,
                blobs=ctx.blobs,
                report=report_service.ReportInput(
                    code_uri=None,
                    gtin="4006381333931",
                    bought_at_kind="market",
                    shop=None,
                    url=None,
                    description=None,
                    lat=48.85 + n / 100,
                    lon=2.35,
                    contact=None,
                ),
                reporter=None,
            )
    client = signed_in(app, seeded.brand_admin, seeded.password)
    page = client.get(f"/codes/reports/{report_id}")
    assert page.status_code == 200 and "Aurel belt" in page.text and 'class="report-match"' in page.text
    assert (
        client.post(f"/codes/reports/{report_id}/match", data={"csrf_token": csrf_of(page.text)}).status_code
        == 303
    )
    alerts = client.get("/codes/alerts")
    key = alerts.text.split('href="/codes/clusters/', 1)[1].split('"', 1)[0]
    cluster = client.get(f"/codes/clusters/{key}")
    assert cluster.status_code == 200 and "Open a case" in cluster.text
    opened = client.post(f"/codes/clusters/{key}/case", data={"csrf_token": csrf_of(cluster.text)})
    assert opened.status_code == 303
    shown = client.get(f"/codes/clusters/{key}")
    assert 'href="/cases/' in shown.text and "Open a case" not in shown.text
    assert "/cases/" in client.get("/codes/alerts").text
    outsider = signed_in(app, seeded.outsider, seeded.password)
    assert outsider.get(f"/codes/reports/{report_id}").status_code == 404
    assert outsider.get(f"/codes/clusters/{key}").status_code == 404
