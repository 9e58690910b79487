"""The alert queue's pages as a reviewer reads them: the status filter, the shortcuts a reader may use, the
evidence of each signal and the verdicts in the reader's language (findings of a browser walk)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.http.deps import SESSION_COOKIE
from countermark.detect.alert_pages import evidence_of, shortcuts_of
from countermark.detect.stored_service import register_model
from countermark.orgs.service import create_user
from tests.api.conftest import Actors
from tests.api.test_api_csrf import browser_session
from tests.api.test_detect_alerts_api import FAKE
from tests.unit.test_detect_engine import tiny_model

OPTION = re.compile(r'<option value="([^"]*)"')


@pytest.fixture
def queue(store: AppContext, client: TestClient, actors: Actors) -> list[int]:
    """Three alerts on the brand's listings (a registered model scores them at ingest), in queue order,
    and a read-only member of the brand."""
    with unit_of_work(store.sessions) as session:
        register_model(session=session, blobs=store.blobs, model=tiny_model())
        create_user(session=session, org_id=actors.org_ids["brand"], email="viewer@brand.example",
                    display_name="viewer", role="viewer")  # fmt: skip
    rows = [
        {**FAKE, "external_id": f"k{i}", "url": f"https://shopmarket.example/k{i}", "seller": "fakes4u"}
        for i in range(3)
    ]
    response = client.post("/api/v1/ingest/listings", params={"tlp": "GREEN"}, json=rows,
                           headers=actors.headers("brand"))  # fmt: skip
    assert response.status_code == 200, response.text
    items = client.get("/api/v1/alerts", headers=actors.headers("brand")).json()["items"]
    assert len(items) == 3
    return [int(item["id"]) for item in items]


def _sign_in(store: AppContext, client: TestClient, email: str) -> str:
    cookie, csrf = browser_session(store, email)
    client.cookies.set(SESSION_COOKIE, cookie)
    return csrf


def _options(page: str, name: str) -> list[str]:
    """The values of a filter form's select."""
    found = re.search(rf'<select id="f-{name}" name="{name}">(.*?)</select>', page, re.S)
    assert found, f"no {name} filter on the page"
    return OPTION.findall(found.group(1))


def test_the_status_filter_offers_all_once_and_an_empty_status_is_the_default(
    store: AppContext, client: TestClient, queue: list[int]
) -> None:
    _sign_in(store, client, "admin@brand.example")
    page = client.get("/alerts", params={"lang": "en"})
    assert page.status_code == 200
    assert _options(page.text, "status") == ["new", "confirmed", "dismissed", "cleared", "all"]
    # A form sent with an empty status (a bookmark of the old form) shows the default queue, not a 422.
    empty = client.get("/alerts", params={"status": "", "order": "score"})
    assert empty.status_code == 200, empty.text
    assert all(f'href="/alerts/{i}?status=new' in empty.text for i in queue)
    assert client.get("/alerts", params={"status": "all"}).status_code == 200
    assert client.get("/alerts", params={"status": "maybe"}).status_code == 422
    # The other filters of the queue, and the other pages' filters, keep their "All" (no filter).
    assert _options(page.text, "brand")[0] == ""
    for path, name in (("/listings", "platform"), ("/shipments", "kind"), ("/rights", "status")):
        other = client.get(path, params={"lang": "en"})
        assert other.status_code == 200, path
        assert _options(other.text, name)[0] == "", path


def test_the_alert_page_names_only_the_shortcuts_that_work_for_its_reader(
    store: AppContext, client: TestClient, queue: list[int]
) -> None:
    first, middle, _last = queue
    _sign_in(store, client, "admin@brand.example")
    owner = client.get(f"/alerts/{middle}", params={"lang": "en"}).text
    keys = re.search(r'<p id="alert-keys"[^>]*>(.*?)</p>', owner, re.S)
    assert keys and "j next alert, k previous alert, c confirm, and d dismiss" in keys.group(1)
    assert 'id="alert-confirm"' in owner
    assert "d écarter" in client.get(f"/alerts/{middle}", params={"lang": "fr"}).text
    # A reader who may not give a verdict has no verdict panel: c and d are not offered.
    _sign_in(store, client, "viewer@brand.example")
    reader = client.get(f"/alerts/{middle}", params={"lang": "en"}).text
    keys = re.search(r'<p id="alert-keys"[^>]*>(.*?)</p>', reader, re.S)
    assert 'id="alert-confirm"' not in reader and keys
    assert "j next alert" in keys.group(1) and "k previous alert" in keys.group(1)
    assert "confirm" not in keys.group(1) and "dismiss" not in keys.group(1)
    # The first alert has no previous one: no k.
    assert "k previous alert" not in client.get(f"/alerts/{first}", params={"lang": "en"}).text
    assert shortcuts_of(previous=None, following=None, writer=False, locale="en") == ""
    assert shortcuts_of(previous=1, following=None, writer=True, locale="fr") == (
        "k alerte précédente, c confirmer et d écarter"
    )


def test_signal_evidence_is_labelled_and_formatted_in_the_readers_language() -> None:
    price = {"name": "price_low", "strength": 0.61, "price": "16.06", "low": "41.00", "ratio": "0.39",
             "product": "Voltaxis Cable", "currency": "EUR"}  # fmt: skip
    assert evidence_of(price, "fr") == [
        ("prix", "16,06 EUR"),
        ("plus bas prix d’origine", "41,00 EUR"),
        ("part du prix d’origine", "39\xa0%"),
        ("produit", "Voltaxis Cable"),
    ]
    assert evidence_of(price, "en")[:3] == [
        ("price", "16.06 EUR"), ("lowest genuine price", "41.00 EUR"), ("share of the genuine price", "39%")
    ]  # fmt: skip
    assert evidence_of({"name": "known_offer", "strength": 1.0, "similarity": "1.00"}, "zh") == [
        ("相似度", "100%")
    ]
    shipped = {"name": "ships_from_other_country", "strength": 0.5, "ships_from": "CN", "declared": "FR"}
    assert evidence_of(shipped, "fr") == [("expédié depuis", "Chine"), ("pays déclaré", "France")]
    seller = {"name": "seller_range_cheaper", "strength": 0.3, "percent": "40", "distance": "1234"}
    assert evidence_of(seller, "fr") == [
        ("part du prix habituel du vendeur", "40\xa0%"), ("distance entre images", "1\u202f234")
    ]  # fmt: skip
    # Text is shown as seen; a key without a label is humanised; a value that is not a number stays.
    odd = {"name": "x", "strength": 0, "goods": "«phone accessory»", "new_key": "v", "ratio": "n/a"}
    assert evidence_of(odd, "en") == [
        ("goods named", "«phone accessory»"), ("New key", "v"), ("share of the genuine price", "n/a")
    ]  # fmt: skip
    assert evidence_of({"name": "replica_terms", "terms": "«replica», «1:1»"}, "zh") == [
        ("用语", "「replica」、「1:1」")
    ]


def test_the_alert_page_shows_evidence_and_verdict_reasons_in_the_readers_language(
    store: AppContext, client: TestClient, actors: Actors, queue: list[int]
) -> None:
    first, middle, _last = queue
    csrf = _sign_in(store, client, "admin@brand.example")
    page = client.get(f"/alerts/{first}", params={"lang": "fr"}).text
    evidence = re.search(r"Signaux et leurs preuves.*?</table>", page, re.S)
    assert evidence, page
    assert "marque : Kelondo" in evidence.group(0)
    assert "<dd>Chine (CN)</dd>" in page  # where the listing ships from, named as the reader names it
    assert '<span class="mono">mark</span>' not in evidence.group(0)
    assert not re.search(r"\b\d+\.\d+\b", re.sub(r"<[^>]+>", " ", evidence.group(0))), evidence.group(0)
    # A reason chosen from the form's list is a code: said in the reader's language.
    form = {"verdict": "dismiss", "reason": "unrelated", "csrf_token": csrf}
    assert client.post(f"/alerts/{first}/verdict", data=form, follow_redirects=False).status_code == 303
    verdicts = client.get(f"/alerts/{first}", params={"lang": "fr"}).text
    assert "écartée</span> — sans rapport</li>" in verdicts and "— unrelated" not in verdicts
    assert ">nouvelle<" in client.get(f"/alerts/{middle}", params={"lang": "fr"}).text
    # A reason typed through the API is shown as typed.
    typed = {"verdict": "confirm", "reason": "same 'unrelated' seller as last week"}
    done = client.post(f"/api/v1/alerts/{middle}/verdict", json=typed, headers=actors.headers("brand"))
    assert done.status_code == 200, done.text
    shown = client.get(f"/alerts/{middle}", params={"lang": "fr"}).text
    assert "confirmée</span> — same &#39;unrelated&#39; seller as last week</li>" in shown
