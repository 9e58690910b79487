"""A request for assistance moved to a status it cannot take, or sent with a field out of bounds, is
refused in the reader's language on the page and in English on the API (issue #18)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.share.models import SharePartner
from tests.api.conftest import Actors
from tests.api.test_share_pages import _add_partner, _incoming, signed_in  # noqa: F401 - the fixture
from tests.service.test_workbench_reasons import visible_text

HTML = {"accept": "text/html"}
CANNOT = {
    "fr": "une demande au statut « refusée » ne peut pas passer au statut « acceptée »",
    "zh": "状态为“已拒绝”的请求不能变为“已接受”",
}
SUBJECT = {
    "fr": "le champ « objet » doit comporter de 1 à 300 caractères",
    "zh": "“主题”必须为 1 到 300 个字符",
}


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_an_impossible_status_is_refused_in_the_readers_language(
    store: AppContext,
    actors: Actors,
    client: TestClient,
    signed_in: dict[str, str],  # noqa: F811
    locale: str,
) -> None:
    request_id = _incoming(store, actors.org_ids["customs"], None)
    status = f"/share/requests/{request_id}/status"
    csrf = signed_in["csrf"]
    refused = client.post(status, data={"csrf_token": csrf, "status": "refused"}, headers=HTML)
    assert refused.status_code == 200
    page = client.post(
        f"{status}?lang={locale}", data={"csrf_token": csrf, "status": "accepted"}, headers=HTML
    )
    assert page.status_code == 422
    text = visible_text(page.text)
    assert CANNOT[locale] in text and "cannot become" not in text
    api = client.post(f"{status}?lang={locale}", data={"csrf_token": csrf, "status": "accepted"})
    assert api.status_code == 422
    assert api.json() == {
        "status": 422,
        "code": "invalid_input",
        "message": "a refused request cannot become accepted",
    }


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_a_request_with_an_empty_subject_is_refused_in_the_readers_language(
    store: AppContext,
    client: TestClient,
    signed_in: dict[str, str],  # noqa: F811
    locale: str,
) -> None:
    _add_partner(client, signed_in["csrf"])
    with unit_of_work(store.sessions) as session:
        partner_id = session.scalar(select(SharePartner.id))
    form = {"csrf_token": signed_in["csrf"], "partner": str(partner_id), "subject": " ", "asked": "a",
            "legal_basis": "b", "deadline": "", "attachments": ""}  # fmt: skip
    page = client.post(f"/share/requests?lang={locale}", data=form, headers=HTML)
    assert page.status_code == 422
    text = visible_text(page.text)
    assert SUBJECT[locale] in text and "must be 1 to 300 characters" not in text
    english = client.post("/share/requests?lang=en", data=form, headers=HTML)
    assert "the subject must be 1 to 300 characters" in visible_text(english.text)
