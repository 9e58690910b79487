"""Sharing pages and partner secrets (issue 19): partners, agreements, sync runs and requests for
assistance, each for its organisation only, with CSRF on every form; partner tokens sealed at rest."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.http.deps import SESSION_COOKIE
from countermark.orgs.auth_service import api_token_of
from countermark.orgs.models import ApiToken
from countermark.share.models import AssistanceRequest, ShareCollection, SharePartner, ShareSyncRun
from countermark.share.token_vault import TokenVault, VaultError, use_keys
from tests.api.conftest import Actors
from tests.api.test_api_csrf import browser_session

CUSTOMS, POLICE = "admin@customs.example", "admin@police.example"
SECRET = "cm_0123456789ab_their-very-secret-part"


@pytest.fixture
def signed_in(store: AppContext, actors: Actors, client: TestClient) -> dict[str, str]:
    """The customs administrator's browser session: its CSRF token, and the police one's ready to swap."""
    use_keys(store.engine, store.settings.keys_dir)
    customs_cookie, customs_csrf = browser_session(store, CUSTOMS)
    police_cookie, police_csrf = browser_session(store, POLICE)
    client.cookies.set(SESSION_COOKIE, customs_cookie)
    return {"csrf": customs_csrf, "police_cookie": police_cookie, "police_csrf": police_csrf}


def _as_police(client: TestClient, signed_in: dict[str, str]) -> str:
    client.cookies.set(SESSION_COOKIE, signed_in["police_cookie"])
    return signed_in["police_csrf"]


def _add_partner(client: TestClient, csrf: str, **extra: Any) -> Any:
    form = {"csrf_token": csrf, "name": "GACC instance", "kind": "customs", "country": "cn",
            "api_root_url": "http://127.0.0.1:9/taxii2/api/", "token": SECRET, "matching": "psi",
            **extra}  # fmt: skip
    return client.post("/share/partners", data=form)


def test_a_partner_added_on_the_page_keeps_our_token_hashed_and_theirs_sealed(
    store: AppContext, client: TestClient, signed_in: dict[str, str]
) -> None:
    assert _add_partner(client, "not-the-token").status_code == 403
    page = _add_partner(client, signed_in["csrf"])
    assert page.status_code == 200 and "shown once" in page.text
    issued = page.text.split('class="mono break"><strong>')[1].split("<")[0]
    with unit_of_work(store.sessions) as session:
        partner = session.scalar(select(SharePartner))
        assert partner is not None and partner.token == SECRET
        assert partner.token_hint == "cm_0123456789ab_…" and SECRET not in (partner.token_sealed or "")
        stored = session.execute(text("SELECT * FROM share_partners")).one()
        assert not any(SECRET in str(value) for value in stored) and not any(issued in str(v) for v in stored)
        token = api_token_of(session=session, raw=issued)
        assert token is not None and token.id == partner.issued_token_id and issued not in token.token_hash
        partner_id = partner.id
    shown = client.get(f"/share/partners/{partner_id}")
    assert shown.status_code == 200 and "cm_0123456789ab_…" in shown.text and SECRET not in shown.text
    assert issued not in shown.text  # shown once, never again
    # Reissuing revokes the old token and shows a new one once.
    again = client.post(f"/share/partners/{partner_id}/reissue", data={"csrf_token": signed_in["csrf"]})
    assert again.status_code == 200
    with unit_of_work(store.sessions) as session:
        old = session.scalar(select(ApiToken).where(ApiToken.prefix == issued.split("_")[1]))
        assert old is not None and old.revoked_at is not None
    # Another organisation sees none of it, and cannot change it.
    police = _as_police(client, signed_in)
    assert client.get(f"/share/partners/{partner_id}").status_code == 404
    assert client.get("/share/partners/999999").status_code == 404
    assert (
        client.post(
            f"/share/partners/{partner_id}/token", data={"csrf_token": police, "token": "x"}
        ).status_code
        == 404
    )
    assert "GACC instance" not in client.get("/share").text


def test_secrets_need_this_instances_key(tmp_path: Any) -> None:
    vault, other = TokenVault.in_directory(tmp_path / "a"), TokenVault.in_directory(tmp_path / "b")
    sealed = vault.seal("basic:cm:pa55word")
    assert "pa55word" not in sealed and vault.open(sealed) == "basic:cm:pa55word"
    assert TokenVault.in_directory(tmp_path / "a").open(sealed) == "basic:cm:pa55word"  # the key is kept
    with pytest.raises(VaultError):
        other.open(sealed)
    assert oct((tmp_path / "a" / "share-tokens.fernet").stat().st_mode)[-3:] == "600"


def test_agreements_pages_edit_and_grant_for_the_owner_only(
    store: AppContext, client: TestClient, signed_in: dict[str, str]
) -> None:
    _add_partner(client, signed_in["csrf"])
    form = {
        "csrf_token": signed_in["csrf"],
        "title": "FR ↔ CN",
        "description": "customs agreement",
        "group": "",
    }
    created = client.post("/share/collections", data=form, follow_redirects=False)
    assert created.status_code == 303
    location = created.headers["location"]
    with unit_of_work(store.sessions) as session:
        partner_id = session.scalar(select(SharePartner.id))
        collection = session.scalar(select(ShareCollection))
        assert collection is not None and collection.owner_org_id is not None
    grant = {"csrf_token": signed_in["csrf"], "partner": str(partner_id), "can_read": "yes"}
    assert client.post(f"{location}/grants", data=grant, follow_redirects=False).status_code == 303
    page = client.get(location)
    assert page.status_code == 200 and "GACC instance" in page.text and "FR ↔ CN" in page.text
    edited = client.post(
        location, data={"csrf_token": signed_in["csrf"], "title": "FR-CN", "description": ""}
    )
    assert edited.status_code == 200 and "FR-CN" in edited.text
    assert client.post(location, data={"csrf_token": signed_in["csrf"], "title": " "}).status_code == 422
    assert client.post("/share/collections", data={**form, "group": "abc"}).status_code == 422
    _as_police(client, signed_in)
    assert client.get(location).status_code == 404


def test_runs_show_progress_and_errors_and_refresh_while_running(
    store: AppContext, client: TestClient, signed_in: dict[str, str]
) -> None:
    _add_partner(client, signed_in["csrf"])
    with unit_of_work(store.sessions) as session:
        partner_id = session.scalar(select(SharePartner.id))
        assert partner_id is not None
        session.add(ShareSyncRun(partner_id=partner_id, collection_uuid="c1", direction="pull", pages=3,
                                 received=3000, stored=2990, rejected=10,
                                 errors=["indicator--x: bad pattern"]))  # fmt: skip
    page = client.get("/share/runs")
    assert page.status_code == 200 and page.headers.get("refresh") == "5"
    assert "2,990" in page.text and "indicator--x: bad pattern" in page.text
    assert client.get("/share/runs?partner=abc").status_code == 422
    french = client.get("/share/runs?lang=fr")
    assert "Synchronisations" in french.text
    _as_police(client, signed_in)
    assert "bad pattern" not in client.get("/share/runs").text
    assert client.get(f"/share/runs?partner={partner_id}").status_code == 404


def _incoming(store: AppContext, org_id: int, partner_id: int | None) -> int:
    with unit_of_work(store.sessions) as session:
        found = AssistanceRequest(
            uuid="1b4e28ba-2fa1-41d2-883f-0016d3cca427", direction="incoming", org_id=org_id,
            partner_id=partner_id, subject="Seller bench_1", asked="Who holds +33610000001?",
            legal_basis="CMAA art. 4", history=[{"status": "received", "at": "2026-12-01T00:00:00"}],
        )  # fmt: skip
        session.add(found)
        session.flush()
        return found.id


def test_incoming_requests_are_accepted_then_answered_by_the_organisation_asked(
    store: AppContext, actors: Actors, client: TestClient, signed_in: dict[str, str]
) -> None:
    request_id = _incoming(store, actors.org_ids["customs"], None)
    listed = client.get("/share/requests?direction=incoming")
    assert listed.status_code == 200 and "Seller bench_1" in listed.text
    url = f"/share/requests/{request_id}"
    status = f"{url}/status"
    assert client.post(status, data={"csrf_token": "x", "status": "accepted"}).status_code == 403
    assert (
        client.post(
            status, data={"csrf_token": signed_in["csrf"], "status": "answered", "answer": "no"}
        ).status_code
        == 422
    )
    assert client.post(status, data={"csrf_token": signed_in["csrf"], "status": "lost"}).status_code == 422
    assert (
        client.post(status, data={"csrf_token": signed_in["csrf"], "status": "accepted"}).status_code == 200
    )
    done = client.post(
        status, data={"csrf_token": signed_in["csrf"], "status": "answered", "answer": "A. Dupont"}
    )
    assert done.status_code == 200 and "A. Dupont" in done.text
    with unit_of_work(store.sessions) as session:
        found = session.get(AssistanceRequest, request_id)
        assert found is not None and found.status == "answered" and len(found.history) == 3
    police = _as_police(client, signed_in)
    assert client.get(url).status_code == 404
    assert client.post(status, data={"csrf_token": police, "status": "refused"}).status_code == 404
    assert "Seller bench_1" not in client.get("/share/requests").text
    # The tabs agree with « demandes » (feminine) in French.
    tabs = client.get("/share/requests", params={"lang": "fr"}).text
    assert ">Toutes</a> ·" in tabs and ">Tous</a>" not in tabs


def test_sending_to_a_partner_that_does_not_answer_says_so(
    store: AppContext, client: TestClient, signed_in: dict[str, str]
) -> None:
    _add_partner(client, signed_in["csrf"])
    with unit_of_work(store.sessions) as session:
        partner_id = session.scalar(select(SharePartner.id))
    form = {"csrf_token": signed_in["csrf"], "partner": str(partner_id), "subject": "s", "asked": "a",
            "legal_basis": "b", "deadline": "2027-02-30", "attachments": ""}  # fmt: skip
    assert client.post("/share/requests", data=form).status_code == 422
    answer = client.post("/share/requests", data={**form, "deadline": "2027-02-01"})
    assert answer.status_code == 502 and "did not take the request" in answer.text
    assert client.post("/share/requests", data={**form, "subject": " "}).status_code == 422
    refreshed = client.post(
        "/share/requests/refresh", data={"csrf_token": signed_in["csrf"]}, follow_redirects=False
    )
    assert refreshed.status_code == 303 and "unreachable=1" in refreshed.headers["location"]
    assert "did not answer" in client.get(refreshed.headers["location"]).text


def test_agreements_name_their_sharing_group(
    store: AppContext, actors: Actors, client: TestClient, signed_in: dict[str, str]
) -> None:
    made = client.post(
        "/api/v1/sharing-groups",
        json={"name": "Mediterranean customs", "member_org_ids": [actors.org_ids["abroad"]]},
        headers=actors.headers("customs"),
    )
    assert made.status_code == 201, made.text
    group_id = made.json()["id"]
    page = client.get("/share")
    assert f'<option value="{group_id}">Mediterranean customs</option>' in page.text
    form = {"csrf_token": signed_in["csrf"], "title": "Med", "description": "", "group": str(group_id)}
    created = client.post("/share/collections", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text
    assert "Mediterranean customs" in client.get(created.headers["location"]).text
    listing = client.get("/share").text
    assert f"#{group_id}" not in listing and listing.count("Mediterranean customs") == 2  # option and row


def test_a_form_fastapi_refuses_is_answered_in_the_readers_language(
    client: TestClient, signed_in: dict[str, str]
) -> None:
    form = {"csrf_token": signed_in["csrf"], "title": "Med", "description": "", "group": "abc"}
    refused = client.post("/share/collections?lang=fr", data=form, headers={"accept": "text/html"})
    assert refused.status_code == 422
    assert "indiquez un nombre entier" in refused.text.replace("&#39;", "'")
    assert "the request is not valid" not in refused.text and "Input should" not in refused.text
    api = client.post("/share/collections", data=form, headers={"accept": "application/json"})
    assert api.json()["message"].startswith("the request is not valid: ")  # the API keeps pydantic's words
