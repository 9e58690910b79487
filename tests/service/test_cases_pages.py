"""Case pages through the TestClient: countdowns, visibility, decision forms with CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from countermark.cases.service import open_case
from countermark.core.blobs import LocalBlobStore
from countermark.core.clock import utcnow
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.settings import Settings
from countermark.orgs.models import User
from tests.browser.seed import Seeded, seed_store
from tests.service.test_pages import csrf_of, signed_in


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, Seeded, int]]:
    """A seeded store with one open case of the customs organisation."""
    from countermark.web.app import create_app

    tmp = tmp_path_factory.mktemp("case-pages")
    ctx = build_context(
        Settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'cm.db'}"),
        blobs=LocalBlobStore(tmp / "blobs"),
    )
    seeded = seed_store(ctx, tmp)
    with unit_of_work(ctx.sessions) as session:
        customs_org = session.scalar(select(User.org_id).where(User.email == seeded.customs_analyst))
        assert customs_org is not None
        case_id = open_case(
            session=session,
            owner_org_id=customs_org,
            procedure="eu_standard",
            title="Totes at <Roissy>",
            at=utcnow() - timedelta(hours=1),
            actor="test",
        ).id
    try:
        yield create_app(context=ctx), seeded, case_id
    finally:
        ctx.close()


def test_the_case_list_shows_a_countdown_coloured_by_urgency(site: tuple[FastAPI, Seeded, int]) -> None:
    app, seeded, case_id = site
    page = signed_in(app, seeded.customs_analyst, seeded.password).get("/cases")
    assert page.status_code == 200
    assert f'href="/cases/{case_id}"' in page.text
    assert re.search(r'class="deadline deadline-(critical|soon|later)"', page.text)


def test_another_organisation_neither_lists_nor_opens_the_case(site: tuple[FastAPI, Seeded, int]) -> None:
    app, seeded, case_id = site
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    assert f'href="/cases/{case_id}"' not in brand.get("/cases").text
    assert brand.get(f"/cases/{case_id}").status_code == 404


def test_a_decision_form_needs_its_csrf_token_and_moves_the_case(site: tuple[FastAPI, Seeded, int]) -> None:
    app, seeded, case_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    page = client.get(f"/cases/{case_id}")
    assert "Totes at &lt;Roissy&gt;" in page.text and 'value="notify"' in page.text
    form = {"role": "customs_officer", "decision": "notify"}
    assert client.post(f"/cases/{case_id}/decisions", data=form).status_code == 403
    forged = client.post(f"/cases/{case_id}/decisions", data={**form, "csrf_token": "forged"})
    assert forged.status_code == 403
    done = client.post(f"/cases/{case_id}/decisions", data={**form, "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    after = client.get(f"/cases/{case_id}").text
    assert "Right holder to confirm infringement" in after and "Art. 23(1)(a)-(b)" in after


def test_a_decision_in_another_organisations_role_is_refused(site: tuple[FastAPI, Seeded, int]) -> None:
    app, seeded, case_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    token = csrf_of(client.get(f"/cases/{case_id}").text)
    response = client.post(
        f"/cases/{case_id}/decisions",
        data={"role": "rights_holder", "csrf_token": token, "decision": "confirm_infringement"},
    )
    assert response.status_code == 403
