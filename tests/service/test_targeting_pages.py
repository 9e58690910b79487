"""Targeting pages through the TestClient: the list, a declaration, rules, performance, CSRF and the chart."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.settings import Settings
from countermark.orgs.models import User
from countermark.targeting.charts import rate_line_chart
from countermark.targeting.engine_service import select_for_day
from countermark.targeting.models import Shipment
from countermark.targeting.pages import weekly_performance
from countermark.targeting.schemas import RuleIn
from countermark.targeting.selection import Capacity
from countermark.targeting.service import save_rule
from countermark.web.app import create_app
from tests.browser.seed import Seeded, seed_store
from tests.service.test_pages import browser, csrf_of, signed_in

PAGES = ["/targeting", "/targeting/rules", "/targeting/performance"]
RULE = RuleIn(
    name="cheap-post",
    expression="transport_mode == 'post' and value_per_kg < 20",
    reason="declared value far below the usual for its weight",
    instruction="open, weigh, photograph",
    weight=0.8,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, Seeded, int]]:
    """The seeded store with a rule and a selection on the customs office's day of S-1 (a post parcel)."""
    tmp = tmp_path_factory.mktemp("targeting-pages")
    ctx = build_context(
        Settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'cm.db'}"),
        blobs=LocalBlobStore(tmp / "blobs"),
    )
    seeded = seed_store(ctx, tmp)
    app = create_app(context=ctx)  # plugs the case outcomes into the context, which selecting needs
    with unit_of_work(ctx.sessions) as session:
        org_id = session.scalar(select(User.org_id).where(User.email == seeded.customs_analyst))
        assert org_id is not None
        save_rule(session=session, owner_org_id=org_id, rule=RULE, actor="test")
        day, capacity = date(2025, 3, 11), Capacity(red=1)
        select_for_day(ctx=ctx, session=session, owner_org_id=org_id, day=day, capacity=capacity)
        shipment_id = session.scalar(select(Shipment.id).where(Shipment.external_id == "S-1"))
        assert shipment_id is not None
    try:
        yield app, seeded, shipment_id
    finally:
        ctx.close()


@pytest.mark.parametrize("path", [*PAGES, "/targeting/declarations/{id}"])
def test_pages_render_for_a_signed_in_user(site: tuple[FastAPI, Seeded, int], path: str) -> None:
    app, seeded, shipment_id = site
    response = signed_in(app, seeded.customs_analyst, seeded.password).get(path.format(id=shipment_id))
    assert response.status_code == 200, response.text[:500]
    assert "text/html" in response.headers["content-type"] and "Targeting" in response.text


@pytest.mark.parametrize("path", [*PAGES, "/targeting/declarations/1"])
def test_pages_send_signed_out_browsers_to_sign_in(site: tuple[FastAPI, Seeded, int], path: str) -> None:
    response = browser(site[0]).get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_the_list_shows_the_selection_with_score_lane_and_reasons(site: tuple[FastAPI, Seeded, int]) -> None:
    app, seeded, shipment_id = site
    page = signed_in(app, seeded.customs_analyst, seeded.password).get("/targeting").text
    assert f'href="/targeting/declarations/{shipment_id}"' in page
    assert "lane-red" in page and "rule cheap-post: declared value far below" in page


def test_a_declaration_shows_its_breakdown_and_another_organisation_gets_404(
    site: tuple[FastAPI, Seeded, int],
) -> None:
    app, seeded, shipment_id = site
    page = signed_in(app, seeded.customs_analyst, seeded.password).get(
        f"/targeting/declarations/{shipment_id}"
    )
    assert "Score breakdown" in page.text and "open, weigh, photograph" in page.text
    assert 'name="csrf_token" value="' in page.text
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    assert brand.get(f"/targeting/declarations/{shipment_id}").status_code == 404
    assert f"/targeting/declarations/{shipment_id}" not in brand.get("/targeting").text


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/targeting/rules", {"name": "x", "expression": "value < 1", "reason": "r", "instruction": "i"}),
        ("/targeting/declarations/{id}/inspections", {"found": "1", "severity": "1"}),
    ],
)
@pytest.mark.parametrize("token", [None, "forged"])
def test_forms_refuse_a_missing_or_wrong_csrf_token(
    site: tuple[FastAPI, Seeded, int], path: str, data: dict[str, str], token: str | None
) -> None:
    app, seeded, shipment_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    form = data if token is None else {**data, "csrf_token": token}
    response = client.post(path.format(id=shipment_id), data=form)
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert (
        "cheap-post" in client.get("/targeting/rules").text
        and ">x<" not in client.get("/targeting/rules").text
    )


def test_a_hostile_rule_is_shown_back_on_the_form_with_the_reason(site: tuple[FastAPI, Seeded, int]) -> None:
    app, seeded, _ = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    token = csrf_of(client.get("/targeting/rules").text)
    hostile = "__import__('os').system('id')"
    response = client.post(
        "/targeting/rules",
        data={
            "csrf_token": token,
            "name": "evil",
            "expression": hostile,
            "reason": "r",
            "instruction": "i",
            "lane": "red",
            "weight": "0.5",
        },
    )
    assert response.status_code == 422
    assert "the functions are startswith" in response.text
    assert "__import__(&#39;os&#39;)" in response.text  # the entry is kept, escaped
    saved = client.post(
        "/targeting/rules",
        data={
            "csrf_token": token,
            "name": "heavy",
            "reason": "r",
            "expression": "mass_kg > 30",
            "instruction": "weigh",
            "lane": "yellow",
            "weight": "0.4",
        },
    )
    assert saved.status_code == 303
    assert "mass_kg &gt; 30" in client.get("/targeting/rules").text


def test_an_inspection_entered_on_the_page_is_stored_and_counted(site: tuple[FastAPI, Seeded, int]) -> None:
    app, seeded, shipment_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    path = f"/targeting/declarations/{shipment_id}"
    token = csrf_of(client.get(path).text)
    wrong = client.post(f"{path}/inspections", data={"csrf_token": token, "severity": "2"})
    assert wrong.status_code == 422 and "a severity above 0 needs found = true" in wrong.text
    done = client.post(
        f"{path}/inspections",
        data={
            "csrf_token": token,
            "inspected_on": "2025-03-12",
            "lane": "red",
            "found": "1",
            "severity": "1",
            "finding": "counterfeit <totes>",
            "officer": "Li Wei",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == path
    assert "counterfeit &lt;totes&gt;" in client.get(path).text
    performance = client.get("/targeting/performance").text
    assert "<svg" in performance and 'class="chart-point"' in performance
    assert re.search(r"100\.0 %", performance)  # the targeted red parcel was a hit
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    assert 'class="chart-point"' not in brand.get("/targeting/performance").text


def test_a_refused_inspection_or_rule_names_the_field_in_french(site: tuple[FastAPI, Seeded, int]) -> None:
    app, seeded, shipment_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    path = f"/targeting/declarations/{shipment_id}"
    token = csrf_of(client.get(path).text)
    cases = [
        ({"severity": "7", "found": "1"}, "Gravité : indiquez au plus 2"),
        ({"severity": "deux", "found": "1"}, "Gravité : indiquez un nombre entier"),
        ({"inspected_on": "12/03/2025"}, "Contrôlé le : indiquez une date au format AAAA-MM-JJ"),
        ({"lane": "purple"}, "Circuit : choisissez l’une des valeurs proposées"),
        (
            {"severity": "2"},
            "une gravité supérieure à 0 demande found = true (infraction ou fraude constatée)",
        ),
    ]
    for fields, expected in cases:
        refused = client.post(f"{path}/inspections?lang=fr", data={"csrf_token": token, **fields})
        assert refused.status_code == 422
        assert expected in html.unescape(refused.text), fields
        assert "Input should" not in refused.text and "Value error" not in refused.text
    rule = {"csrf_token": token, "name": "x", "expression": "mass_kg > 1", "reason": "r", "instruction": "i"}
    for fields, expected in [
        ({"weight": "lourd"}, "Poids : indiquez un nombre"),
        ({"weight": "3"}, "Poids : indiquez au plus 1"),
        ({"name": ""}, "Nom : ce champ est obligatoire"),
        (
            {"expression": "contains(1, 'x')"},
            "règle non autorisée (colonne 1) : contains prend d’abord un nom de champ",
        ),
    ]:
        refused = client.post("/targeting/rules?lang=fr", data={**rule, **fields})
        assert refused.status_code == 422 and expected in html.unescape(refused.text), fields
    english = client.post(f"{path}/inspections?lang=en", data={"csrf_token": token, "severity": "7"})
    assert "Severity: give at most 2" in english.text
    # The lanes to choose from are named in the reader's language, not by their codes.
    french = html.unescape(client.get(f"{path}?lang=fr").text)
    for code, word in (("red", "rouge"), ("yellow", "jaune"), ("blue", "bleu")):
        assert f'<option value="{code}" >{word}</option>' in french or f'value="{code}">{word}<' in french
    rules = html.unescape(client.get("/targeting/rules?lang=fr").text)
    assert ">rouge</option>" in rules and ">jaune</option>" in rules and ">red</option>" not in rules


def test_weekly_performance_separates_precision_from_hit_rate() -> None:
    weeks = weekly_performance(
        [
            (date(2025, 3, 10), True, True),
            (date(2025, 3, 12), False, True),
            (date(2025, 3, 14), True, False),
            (date(2025, 3, 20), False, False),
        ]
    )
    assert [w.week for w in weeks] == [date(2025, 3, 10), date(2025, 3, 17)]
    assert weeks[0].precision == 0.5 and weeks[0].hit_rate == pytest.approx(2 / 3)
    assert weeks[1].precision is None and weeks[1].hit_rate == 0.0


def test_rate_chart_draws_escaped_lines_breaking_at_missing_values() -> None:
    svg = rate_line_chart(
        {
            "<Precision>": [(date(2025, 3, 3), 0.5), (date(2025, 3, 10), None), (date(2025, 3, 17), 1.0)],
            "Hit rate": [(date(2025, 3, 3), 0.25), (date(2025, 3, 10), 0.5), (date(2025, 3, 17), 0.75)],
        },
        title="<Perf>",
        empty_text="none",
    )
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>&lt;Perf&gt;</title>" in svg
    assert svg.count('class="chart-point"') == 5
    assert svg.count('class="chart-line"') == 1  # the precision line is broken into single points
    assert "&lt;Precision&gt; 2025-03-03: 50 %" in svg and "<Precision>" not in svg
    empty = rate_line_chart({"Precision": [(date(2025, 3, 3), None)]}, title="t", empty_text="none")
    assert "none" in empty and "chart-point" not in empty
