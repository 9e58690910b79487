"""Product codes on both databases: keys, issuing jobs, verification and scans, EPCIS, clones, reports."""

from __future__ import annotations

import io
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from countermark.codes import history_service, report_service, service
from countermark.codes.issuing_service import run_issue_job
from countermark.codes.models import CloneAlert, CodeScan, ProductCode
from countermark.codes.verify import Verdict
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import Conflict, InvalidInput, NotFound
from countermark.orgs.visibility import Principal
from tests.service.codes_fixtures import RESOLVER, add_product, batch_of, issue_codes, key_files
from tests.service.helpers import make_org

T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)


def _event(
    uri: str, step: str, disposition: str, at: datetime, geo: str = "geo:48.85,2.35"
) -> dict[str, object]:
    return {
        "type": "ObjectEvent",
        "eventTime": at.isoformat(),
        "eventTimeZoneOffset": "+01:00",
        "action": "OBSERVE",
        "epcList": [uri],
        "bizStep": step,
        "disposition": disposition,
        "readPoint": {"id": geo},
    }


def _verify(ctx: AppContext, uri: str, **kwargs: object) -> tuple[Verdict, CodeScan | None]:
    with unit_of_work(ctx.sessions) as session:
        keys = service.public_keys(session=session)
        salt = service.scanner_salt(ctx.settings.keys_dir)
        result, scan = service.verify_and_record(session=session, uri=uri, keys=keys, salt=salt, **kwargs)  # type: ignore[arg-type]
        return result.verdict, scan


def test_issued_codes_verify_and_scans_are_stored_coarse_and_hashed(store: AppContext) -> None:
    org = make_org(store)
    batch_id, uris = issue_codes(store, org, add_product(store, org), quantity=7)
    assert len(uris) == len(set(uris)) == 7 and all(u.startswith(f"https://{RESOLVER}/01/") for u in uris)
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in key_files(store))
    verdict, scan = _verify(store, uris[0], lat=48.856613, lon=2.352222, device="phone-of-alice", at=T0)
    assert verdict is Verdict.GENUINE and scan is not None
    assert (scan.lat, scan.lon) == (48.86, 2.35)
    assert scan.scanner_hash and "alice" not in scan.scanner_hash and scan.owner_org_id == org
    assert batch_of(store, batch_id).status == "done"


def test_issuing_job_runs_in_chunks_and_records_progress(store: AppContext) -> None:
    org = make_org(store)
    product_id = add_product(store, org)
    _, _ = issue_codes(store, org, product_id, quantity=1)
    with unit_of_work(store.sessions) as session:
        batch = service.create_batch(
            session=session,
            principal=Principal(org_id=org, scopes=frozenset({"write"})),
            product_id=product_id,
            quantity=23,
            resolver=RESOLVER,
            actor="t",
        )
        batch_id = batch.id
    run_issue_job(store.sessions, store.settings.keys_dir, batch_id, chunk=10)
    batch = batch_of(store, batch_id)
    assert service.batch_progress(batch) == {
        "id": batch_id,
        "status": "done",
        "issued": 23,
        "quantity": 23,
        "percent": 100,
        "error": None,
    }


def test_a_lost_private_key_fails_the_job_with_a_reason(store: AppContext) -> None:
    org = make_org(store)
    product_id = add_product(store, org)
    issue_codes(store, org, product_id, quantity=1)
    for path in key_files(store):
        path.unlink()
    with unit_of_work(store.sessions) as session:
        batch_id = service.create_batch(
            session=session,
            principal=Principal(org_id=org),
            product_id=product_id,
            quantity=3,
            resolver=RESOLVER,
            actor="t",
        ).id
    run_issue_job(store.sessions, store.settings.keys_dir, batch_id)
    batch = batch_of(store, batch_id)
    assert batch.status == "failed" and batch.error and "private key" in batch.error


def test_codes_are_only_issued_for_own_products_with_an_active_key(store: AppContext) -> None:
    org, other = make_org(store), make_org(store, "Other Brand")
    product_id = add_product(store, org)
    with unit_of_work(store.sessions) as session, pytest.raises(Conflict):
        service.create_batch(
            session=session,
            principal=Principal(org_id=org),
            product_id=product_id,
            quantity=1,
            resolver=RESOLVER,
            actor="t",
        )
    issue_codes(store, org, product_id, quantity=1)
    with unit_of_work(store.sessions) as session, pytest.raises(NotFound):
        service.create_batch(
            session=session,
            principal=Principal(org_id=other),
            product_id=product_id,
            quantity=1,
            resolver=RESOLVER,
            actor="t",
        )
    with unit_of_work(store.sessions) as session, pytest.raises(InvalidInput):
        service.create_batch(
            session=session,
            principal=Principal(org_id=org),
            product_id=product_id,
            quantity=0,
            resolver=RESOLVER,
            actor="t",
        )


def test_rotation_keeps_old_codes_valid_and_revocation_stops_them(store: AppContext) -> None:
    org = make_org(store)
    _, uris = issue_codes(store, org, add_product(store, org), quantity=1)
    with unit_of_work(store.sessions) as session:
        old = service.list_signing_keys(session=session, org_id=org)[0].key_id
        service.create_signing_key(
            session=session, directory=store.settings.keys_dir, org_id=org, actor="t"
        )
    assert _verify(store, uris[0])[0] is Verdict.GENUINE
    with unit_of_work(store.sessions) as session:
        service.revoke_signing_key(session=session, org_id=org, key_id=old, reason="leaked", actor="t")
        statuses = sorted(k.status for k in service.list_signing_keys(session=session, org_id=org))
        exported = service.export_keys(session=session)
    assert statuses == ["active", "revoked"] and old in exported
    assert _verify(store, uris[0])[0] is Verdict.REVOKED_KEY


def test_epcis_moves_code_states_and_is_idempotent(store: AppContext) -> None:
    org, other = make_org(store), make_org(store, "Other Brand")
    _, uris = issue_codes(store, org, add_product(store, org), quantity=2)
    document = {
        "type": "EPCISDocument",
        "epcisBody": {
            "eventList": [
                _event(uris[0], "commissioning", "active", T0),
                _event(uris[0], "retail_selling", "retail_sold", T0 + timedelta(days=3)),
                _event(uris[1], "decommissioning", "destroyed", T0),
                {"type": "ObjectEvent"},
            ]
        },
    }
    with unit_of_work(store.sessions) as session:
        report = history_service.ingest_epcis(
            session=session, document=document, owner_org_id=org, actor="t"
        )
        again = history_service.ingest_epcis(
            session=session, document=document, owner_org_id=org, actor="t"
        )
        foreign = history_service.ingest_epcis(
            session=session, document=document, owner_org_id=other, actor="t"
        )
    assert (report.stored, len(report.rejected)) == (3, 1)
    assert (again.stored, again.unchanged) == (0, 3)
    assert foreign.stored == 0 and "not a code you issued" in foreign.rejected[-1]["reason"]
    assert _verify(store, uris[0])[0] is Verdict.ALREADY_SOLD
    assert _verify(store, uris[1])[0] is Verdict.DESTROYED


def test_a_copied_code_raises_an_alert_that_a_person_confirms(store: AppContext) -> None:
    org = make_org(store)
    _, uris = issue_codes(store, org, add_product(store, org), quantity=2)
    document = [_event(u, "commissioning", "active", T0) for u in uris]
    with unit_of_work(store.sessions) as session:
        history_service.ingest_epcis(
            session=session, document=document, owner_org_id=org, actor="t"
        )
    _verify(store, uris[0], at=T0 + timedelta(days=5), lat=48.85, lon=2.35, device="a")
    _verify(store, uris[0], at=T0 + timedelta(days=5, hours=2), lat=6.52, lon=3.38, device="b")
    _verify(store, uris[1], at=T0 + timedelta(days=5), lat=48.85, lon=2.35, device="c")
    with unit_of_work(store.sessions) as session:
        counts = history_service.detect_clones(session=session)
        alerts = session.scalars(select(CloneAlert)).all()
        assert counts == {"assessed": 2, "opened": 1, "updated": 0} and len(alerts) == 1
        assert "km/h" in alerts[0].reasons[0]
        alert_id = alerts[0].id
    assert _verify(store, uris[0])[0] is Verdict.SUSPECTED_CLONE
    with unit_of_work(store.sessions) as session:
        with pytest.raises(NotFound):
            history_service.decide_alert(
                session=session,
                principal=Principal(org_id=org + 99),
                alert_id=alert_id,
                decision="dismissed",
                actor="x",
            )
        history_service.decide_alert(
            session=session,
            principal=Principal(org_id=org),
            alert_id=alert_id,
            decision="dismissed",
            actor="claire",
            note="the buyer's phone clock was wrong",
        )
        assert history_service.detect_clones(session=session)["opened"] == 0
    assert _verify(store, uris[0])[0] is Verdict.GENUINE


def test_unknown_serials_of_a_known_product_are_recorded_and_strangers_are_not(store: AppContext) -> None:
    org = make_org(store)
    _, uris = issue_codes(store, org, add_product(store, org), quantity=1)
    forged = uris[0].replace("/21/", "/21/X")
    assert _verify(store, forged)[0] is Verdict.BAD_SIGNATURE
    assert _verify(store, "https://x.example/01/05012345678900/21/ABC")[1] is None
    with unit_of_work(store.sessions) as session:
        assert session.scalar(select(func.count()).select_from(CodeScan)) == 1
        assert session.scalar(select(func.count()).select_from(ProductCode)) == 1


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_reports_reach_the_holder_with_photos_rewards_and_hot_spots(store: AppContext) -> None:
    org = make_org(store)
    _, uris = issue_codes(store, org, add_product(store, org), quantity=1)
    principal = Principal(org_id=org, scopes=frozenset({"read", "write"}))
    with unit_of_work(store.sessions) as session:
        report_service.create_reward_scheme(
            session=session, principal=principal, name="Fake finder", amount=20, currency="eur", actor="t"
        )
        for i in range(4):
            row = report_service.submit_report(
                session=session,
                blobs=store.blobs,
                reporter="h",
                report=report_service.ReportInput(
                    code_uri=uris[0] if i == 0 else None,
                    gtin=None if i == 0 else "9506000134352",
                    bought_at_kind="market",
                    shop="Stall 9",
                    url=None,
                    description="bad stitching",
                    lat=6.52 + i * 0.01,
                    lon=3.38,
                    contact=None,
                    photos=(_png(),) if i == 0 else (),
                ),
            )
            assert row.owner_org_id == org and row.reward_status == "eligible"
        spots = report_service.report_hot_spots(session=session, principal=principal)
        assert len(spots) == 1 and len(spots[0].report_ids) == 4
        assert report_service.report_hot_spots(session=session, principal=Principal(org_id=org + 99)) == []
        paid = report_service.set_reward_status(
            session=session, principal=principal, report_id=row.id, status="paid", actor="t"
        )
        assert paid.reward_status == "paid"
        with pytest.raises(InvalidInput, match="image"):
            report_service.submit_report(
                session=session,
                blobs=store.blobs,
                reporter=None,
                report=report_service.ReportInput(
                    code_uri=None,
                    gtin="9506000134352",
                    bought_at_kind="shop",
                    shop=None,
                    url=None,
                    description=None,
                    lat=None,
                    lon=None,
                    contact=None,
                    photos=(b"<script>alert(1)</script>",),
                ),
            )
        with pytest.raises(InvalidInput, match="not recorded"):
            report_service.submit_report(
                session=session,
                blobs=store.blobs,
                reporter=None,
                report=report_service.ReportInput(
                    code_uri=None,
                    gtin="05012345678900",
                    bought_at_kind="shop",
                    shop=None,
                    url=None,
                    description=None,
                    lat=None,
                    lon=None,
                    contact=None,
                ),
            )


def test_the_demo_pipeline_detects_synthetic_clones_without_reading_the_truth(store: AppContext) -> None:
    from countermark.demo.codes import run_authentication
    from countermark.eval.codes import evaluate_clones, scan_truth

    org = make_org(store)
    add_product(store, org)
    add_product(store, org, gtin="4006381333931", name="Aurel wallet")
    with unit_of_work(store.sessions) as session:
        summary = run_authentication(store, session, lambda done, total: None)
    assert "300 codes" in summary and "0 rejected" in summary
    with unit_of_work(store.sessions) as session:
        again = run_authentication(store, session, lambda done, total: None)
        assert "0 events and 0 scans stored" in again
        figures = evaluate_clones(
            session, scan_truth(store.settings.data_dir / "world" / "truth" / "truth.json")
        )
    assert figures["codes"] == 300 and figures["cloned"] > 30
    assert figures["detection_rate"] > 0.7 and figures["false_alarm_rate"] < 0.03


def test_the_command_line_issues_exports_and_verifies_offline(
    store: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from countermark.cli.main import app

    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(store.settings.data_dir))
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", store.settings.resolved_database_url())
    org = make_org(store)
    product_id = add_product(store, org)
    runner = CliRunner()
    assert runner.invoke(app, ["codes", "keys", "create", "--org", "Maison Aurel"]).exit_code == 0
    issued = runner.invoke(
        app,
        [
            "codes",
            "issue",
            "--org",
            "Maison Aurel",
            "--product-id",
            str(product_id),
            "--quantity",
            "30",
            "--resolver",
            RESOLVER,
        ],
    )
    assert issued.exit_code == 0, issued.output
    codes_csv, sheet, keys = tmp_path / "codes.csv", tmp_path / "sheet.pdf", tmp_path / "keys.json"
    assert runner.invoke(app, ["codes", "export", "--batch", "1", "--out", str(codes_csv)]).exit_code == 0
    assert (
        runner.invoke(
            app, ["codes", "export", "--batch", "1", "--format", "pdf", "--out", str(sheet)]
        ).exit_code
        == 0
    )
    pdf = sheet.read_bytes()
    # 30 codes at 20 a page (4 × 5): two A4 pages, each a page object of the PDF.
    assert pdf.startswith(b"%PDF") and re.findall(rb"/Count\s+(\d+)", pdf) == [b"2"]
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2
    assert runner.invoke(app, ["codes", "keys", "export", "--out", str(keys)]).exit_code == 0
    uri = codes_csv.read_text().splitlines()[1].split(",", 1)[1]
    offline = runner.invoke(app, ["codes", "verify", uri, "--keys", str(keys)])
    assert offline.exit_code == 0 and "genuine (offline)" in offline.output
    forged = runner.invoke(app, ["codes", "verify", uri.replace("/21/", "/21/Z"), "--keys", str(keys)])
    assert forged.exit_code == 1 and "bad_signature" in forged.output
