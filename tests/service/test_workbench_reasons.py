"""Reasons are stored as codes with parameters and said in the reader's language (issue #18).

Targeting decisions, clone alerts and consumer-report matches carry their reasons as a code, parameters and
the English text; a French or Chinese page renders the code through its catalogue, so none of the English
sentences shows; a row stored before codes existed still shows its English text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from countermark.codes.clones import ScanPoint, assess_code
from countermark.codes.models import CloneAlert, CodeBatch, ConsumerReport, ProductCode, ReportMatch
from countermark.codes.reason_codes import MESSAGES as CODES_MESSAGES
from countermark.codes.reason_codes import part, reason
from countermark.core.db import unit_of_work
from countermark.core.http.templating import translations
from countermark.observe.models import ListingImage
from countermark.orgs.models import Organisation
from countermark.rights.models import Product
from countermark.targeting.assess import FlaggedParty, intelligence
from countermark.targeting.models import Shipment, TargetingDecision
from countermark.targeting.reason_codes import MESSAGES as TARGETING_MESSAGES
from countermark.targeting.reason_codes import said
from countermark.web.app import create_app
from countermark.web.reasons import reason_in
from tests.browser.harness import store_in
from tests.browser.seed import Seeded, seed_store
from tests.service.test_pages import signed_in

PARIS, LAGOS = (48.8566, 2.3522), (6.5244, 3.3792)
OLD_SENTENCE = "scanned long ago by a tool that wrote English only"


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="session")
def workbench_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FastAPI, Seeded, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("reasons")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        made: dict[str, Any] = {}
        with unit_of_work(ctx.sessions) as session:
            orgs = {o.name: o.id for o in session.scalars(select(Organisation))}
            brand, customs = orgs["Maison Aurel"], orgs["Douane Roissy"]
            # A targeting decision whose reasons come from the engine's own producers.
            shipment = session.scalars(select(Shipment).where(Shipment.owner_org_id == customs)).first()
            assert shipment is not None
            columns = {
                "declared_on": [date(2025, 3, 11)],
                "consignor": ["guangzhou trading co"],
            }
            flag = FlaggedParty(
                "consignor",
                "Guangzhou Trading Co",
                "",
                code="targeting.party_confirmed",
                params=(("shipment", "S-9"), ("case", "C-2025-0001"), ("outcome", {"term": "takedown"})),
            )
            _, intel = _intelligence_of(columns, [flag])
            reasons = [
                {"part": "model", **said("targeting.model", features=[{"feature": "hist_consignor_rate"}])},
                *({"part": "intelligence", **r} for r in intel),
                {"part": "exploration", **said("targeting.exploration")},
            ]
            session.add(
                TargetingDecision(
                    shipment_id=shipment.id,
                    selected_on=date(2025, 3, 11),
                    score=0.9,
                    lane="red",
                    reasons=reasons,
                    owner_org_id=customs,
                    tlp="AMBER",
                )
            )
            # A clone alert assessed by the clone detector, and one stored before reasons had codes.
            product = session.scalars(select(Product).where(Product.owner_org_id == brand)).first()
            assert product is not None
            batch = CodeBatch(
                product_id=product.id,
                gtin="03760000000017",
                key_id="k1",
                resolver="r",
                quantity=2,
                created_by="t",
                owner_org_id=brand,
                tlp="AMBER",
            )
            session.add(batch)
            session.flush()
            t0 = datetime(2025, 3, 1, 9, tzinfo=UTC)
            finding = assess_code(
                [ScanPoint(t0, *PARIS, "a"), ScanPoint(t0 + timedelta(minutes=50), *LAGOS, "b")], []
            )
            for serial, (texts, coded) in {
                "S1": (finding.reasons, finding.reason_codes),
                "S2": ([OLD_SENTENCE], []),
            }.items():
                code = ProductCode(
                    batch_id=batch.id,
                    gtin=batch.gtin,
                    serial=serial,
                    signature="x",
                    owner_org_id=brand,
                    tlp="AMBER",
                )
                session.add(code)
                session.flush()
                session.add(
                    CloneAlert(
                        code_id=code.id,
                        score=0.9,
                        reasons=texts,
                        reason_codes=coded,
                        owner_org_id=brand,
                        tlp="AMBER",
                    )
                )
            # A consumer report with matches coded by the matching service's reasons.
            photo = session.scalar(select(ListingImage.blob_sha256).limit(1))
            report = ConsumerReport(
                bought_at_kind="online",
                shop="luxe_outlet_88",
                owner_org_id=brand,
                tlp="AMBER",
                photos=[photo],
            )
            session.add(report)
            session.flush()
            how = part("codes.match.gtin", gtin="03760000000017")
            matches = [
                reason("codes.match.product", how=how),
                reason("codes.match.seller", seller="luxe_outlet_88"),
            ]
            for r in matches:
                session.add(
                    ReportMatch(
                        report_id=report.id,
                        kind="listing",
                        subject_type="listing",
                        subject_id=None,
                        label="x",
                        reason=r["text"],
                        reason_codes=[r],
                        strength=0.6,
                        owner_org_id=brand,
                        tlp="AMBER",
                    )
                )
            made.update(reasons=reasons, clone=finding.reason_codes, report=report.id, matches=matches)
        made["ctx"] = ctx
        yield create_app(context=ctx), seeded, made


def _intelligence_of(columns: dict[str, Any], flags: list[FlaggedParty]) -> tuple[Any, list[dict[str, Any]]]:
    import numpy as np

    cols = {key: np.array(values, dtype=object) for key, values in columns.items()}
    for field in ("consignor_address", "consignee", "seller", "importer"):
        cols[field] = np.array([""], dtype=object)
    score, by_row = intelligence(cols, flags)
    return score, by_row.get(0, [])


def _english(reasons: list[dict[str, Any]]) -> list[str]:
    return [r["text"] for r in reasons if r.get("code")]


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_pages_in_french_and_chinese_show_no_english_reason(
    workbench_site: tuple[FastAPI, Seeded, dict[str, Any]], locale: str
) -> None:
    app, seeded, made = workbench_site
    customs = signed_in(app, seeded.customs_analyst, seeded.password)
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    pages = {
        "targeting": (customs.get(f"/targeting?lang={locale}"), made["reasons"]),
        "alerts": (brand.get(f"/codes/alerts?lang={locale}"), made["clone"]),
    }
    report = brand.get(f"/codes/reports/{made['report']}?lang={locale}")
    for name, (page, reasons) in pages.items():
        assert page.status_code == 200, name
        text = visible_text(page.text)
        for english in _english(reasons):
            assert english not in text, f"{name}: English reason on a {locale} page: {english}"
        for coded in reasons:
            assert " ".join(reason_in(coded, locale).split()) in text
    report_text = visible_text(report.text)
    for coded in made["matches"]:
        assert coded["text"] not in report_text
        assert " ".join(reason_in(coded, locale).split()) in report_text
    # The row stored before codes existed is still shown, in its English words.
    assert OLD_SENTENCE in visible_text(pages["alerts"][0].text)


def test_english_pages_and_the_api_keep_the_english_sentence(
    workbench_site: tuple[FastAPI, Seeded, dict[str, Any]],
) -> None:
    app, seeded, _ = workbench_site
    customs = signed_in(app, seeded.customs_analyst, seeded.password)
    text = visible_text(customs.get("/targeting?lang=en").text)
    assert "risk model: past inspection results of consignor" in text
    assert "party to shipment S-9, confirmed infringing in case C-2025-0001 (takedown)" in text
    # The API gives both the sentence and its code with parameters (a session reads the API as a token does).
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    alerts = brand.get("/api/v1/codes/alerts", headers={"accept": "application/json"}).json()
    coded = next(a for a in alerts if a["reason_codes"])
    assert coded["reasons"] == [r["text"] for r in coded["reason_codes"]]
    assert (
        coded["reason_codes"][0]["code"] == "codes.clone.jump" and "km" in coded["reason_codes"][0]["params"]
    )
    assert any(a["reason_codes"] == [] and a["reasons"] for a in alerts)  # a row stored before codes


def test_every_reason_code_is_translated_and_numbers_follow_the_language() -> None:
    for locale in ("fr", "zh"):
        catalogue = translations(locale)
        missing = [
            m
            for m in {**TARGETING_MESSAGES, **CODES_MESSAGES}.values()
            if catalogue.gettext(m) == m and m not in ("GTIN {gtin}", "{minutes} minutes")
        ]
        assert not missing, (locale, missing)
    jump = reason(
        "codes.clone.jump", km=4567, duration=part("codes.duration.hours", hours=1.5), speed=3045, count=2
    )
    assert jump["text"].startswith("scanned 4,567 km apart within 1.5 hours (3,045 km/h")
    french = reason_in(jump, "fr")
    assert "4\u202f567 km" in french or "4\u00a0567 km" in french, french
    assert "1,5 heures" in french
    # A translation that lost a placeholder still gives the reason (in English) rather than an error.
    assert reason_in({"code": "unknown.code", "text": "as written"}, "fr") == "as written"
    assert reason_in("an old sentence", "zh") == "an old sentence"
