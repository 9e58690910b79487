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


def test_an_uploaded_evidence_file_appears_with_its_chain_of_custody(
    site: tuple[FastAPI, Seeded, int],
) -> None:
    app, seeded, case_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    page = client.get(f"/cases/{case_id}")
    assert 'enctype="multipart/form-data"' in page.text
    form = {"description": "Photo of the detained totes", "source": "inspection at <Roissy> T2"}
    photo = {"file": ("totes.jpg", b"\xff\xd8 a photo of the totes", "image/jpeg")}
    done = client.post(
        f"/cases/{case_id}/evidence", data={**form, "csrf_token": csrf_of(page.text)}, files=photo
    )
    assert done.status_code == 303
    after = client.get(f"/cases/{case_id}").text
    assert "Photo of the detained totes" in after and "inspection at &lt;Roissy&gt; T2" in after
    custody = re.search(r'<ol class="custody"[^>]*>(.*?)</ol>', after, re.S)
    assert custody and "added" in custody.group(1) and seeded.customs_analyst in custody.group(1)


def test_evidence_and_notice_forms_refuse_a_missing_or_forged_csrf_token(
    site: tuple[FastAPI, Seeded, int],
) -> None:
    app, seeded, case_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    photo = {"file": ("x.jpg", b"forged upload", "image/jpeg")}
    form = {"description": "d", "source": "s"}
    assert client.post(f"/cases/{case_id}/evidence", data=form, files=photo).status_code == 403
    forged = client.post(f"/cases/{case_id}/evidence", data={**form, "csrf_token": "forged"}, files=photo)
    assert forged.status_code == 403
    notice = {"kind": "dsa", "explanation": "x" * 30}
    assert client.post(f"/cases/{case_id}/notices", data=notice).status_code == 403
    assert (
        client.post(f"/cases/{case_id}/notices", data={**notice, "csrf_token": "forged"}).status_code == 403
    )
    assert "forged upload" not in client.get(f"/cases/{case_id}").text


def test_a_file_over_the_size_limit_re_renders_the_page_with_the_reason(
    site: tuple[FastAPI, Seeded, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from countermark.cases import pages

    monkeypatch.setattr(pages, "MAX_UPLOAD_BYTES", 16)
    app, seeded, case_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    token = csrf_of(client.get(f"/cases/{case_id}").text)
    form = {"description": "A long scan", "source": "scanner", "csrf_token": token}
    response = client.post(f"/cases/{case_id}/evidence", data=form, files={"file": ("scan.pdf", b"%" * 17)})
    assert response.status_code == 422
    assert (
        'role="alert"' in response.text and "larger than" in response.text and "A long scan" in response.text
    )
    empty = client.post(f"/cases/{case_id}/evidence", data=form, files={"file": ("e.txt", b"")})
    assert empty.status_code == 422 and "the evidence file is empty" in empty.text


def test_a_dmca_notice_for_a_trademark_case_shows_the_refusal(site: tuple[FastAPI, Seeded, int]) -> None:
    app, seeded, case_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    token = csrf_of(client.get(f"/cases/{case_id}").text)
    form = {
        "kind": "dmca",
        "csrf_token": token,
        "notifier_name": "Li Wei",
        "notifier_email": seeded.customs_analyst,
        "explanation": "Counterfeit totes bearing the AUREL mark.",
        "signature": "Li Wei",
        "good_faith": "1",
        "accurate_under_penalty": "1",
    }
    response = client.post(f"/cases/{case_id}/notices", data=form)
    assert response.status_code == 422
    assert 'role="alert"' in response.text and "covers copyright only" in response.text
    assert "Counterfeit totes bearing the AUREL mark." in response.text  # the form keeps what was typed
    incomplete = client.post(f"/cases/{case_id}/notices", data={**form, "kind": "dsa"})
    assert incomplete.status_code == 422 and "lacks required elements" in incomplete.text


def test_a_dmca_notice_from_the_page_names_the_work_typed_in_the_form(
    site: tuple[FastAPI, Seeded, int],
) -> None:
    """Issue #17: the web form produces a DMCA notice with every element, the work and original included."""
    from countermark.cases.models import Notice

    app, seeded, case_id = site
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    token = csrf_of(client.get(f"/cases/{case_id}").text)
    form = {
        "kind": "dmca",
        "csrf_token": token,
        "notifier_name": "Li Wei",
        "notifier_email": seeded.customs_analyst,
        "explanation": "The listing copies the catalogue photographs of the AUREL spring collection.",
        "signature": "Li Wei",
        "notifier_address": "1 rue de la Paix, 75002 Paris, France",
        "notifier_phone": "+33 1 23 45 67 89",
        "good_faith": "1",
        "accurate_under_penalty": "1",
        "work": "AUREL spring catalogue photographs",
        "original_url": "https://aurel.example/catalogue/spring",
        "infringing_url": "https://shop.example/i/1",
    }
    response = client.post(f"/cases/{case_id}/notices", data=form, follow_redirects=False)
    assert response.status_code == 303, re.findall(r"role=\"alert\">([^<]*)", response.text)
    with unit_of_work(app.state.ctx.sessions) as session:
        notice = session.scalars(
            select(Notice).where(Notice.case_id == case_id, Notice.kind == "dmca").order_by(Notice.id.desc())
        ).first()
        assert notice is not None
        assert notice.body["work"] == {
            "title": "AUREL spring catalogue photographs",
            "original_urls": ["https://aurel.example/catalogue/spring"],
        }
        assert notice.body["infringing_material"] == ["https://shop.example/i/1"]
        assert notice.body["signature"] == "Li Wei"


def test_a_notice_status_is_updated_from_the_page(site: tuple[FastAPI, Seeded, int]) -> None:
    from countermark.cases.models import Case
    from countermark.cases.notice_service import generate_notice
    from countermark.cases.notices import NoticeFacts

    app, seeded, case_id = site
    with unit_of_work(app.state.ctx.sessions) as session:
        case = session.get(Case, case_id)
        assert case is not None
        facts = NoticeFacts(
            notifier_name="Li Wei",
            notifier_email=seeded.customs_analyst,
            right_kind="trademark",
            right_name="AUREL",
            infringing_urls=("https://shop.example/i/1",),
            explanation="Counterfeit totes bearing the AUREL mark.",
            good_faith=True,
        )
        at = utcnow()
        notice_id = generate_notice(
            session=session, case=case, kind="dsa", facts=facts, actor="t", org_id=None, at=at
        ).id
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    page = client.get(f"/cases/{case_id}")
    assert f'action="/cases/{case_id}/notices/{notice_id}/status"' in page.text
    url = f"/cases/{case_id}/notices/{notice_id}/status"
    assert client.post(url, data={"status": "sent"}).status_code == 403
    token = csrf_of(page.text)
    assert client.post(url, data={"status": "sent", "csrf_token": token}).status_code == 303
    wrong = client.post(url, data={"status": "relisted", "csrf_token": token})
    assert wrong.status_code == 422 and "a sent notice can become" in wrong.text
    assert (
        client.post(
            f"/cases/{case_id}/notices/999999/status", data={"status": "sent", "csrf_token": token}
        ).status_code
        == 404
    )


def test_a_participant_that_did_not_issue_a_notice_sees_no_status_form(
    site: tuple[FastAPI, Seeded, int],
) -> None:
    from countermark.cases.models import Case
    from countermark.cases.notice_service import generate_notice
    from countermark.cases.notices import NoticeFacts

    app, seeded, _ = site
    with unit_of_work(app.state.ctx.sessions) as session:
        customs_org = session.scalar(select(User.org_id).where(User.email == seeded.customs_analyst))
        brand_org = session.scalar(select(User.org_id).where(User.email == seeded.brand_admin))
        assert customs_org is not None and brand_org is not None
        case = open_case(
            session=session,
            owner_org_id=customs_org,
            procedure="eu_standard",
            title="Watches at Roissy",
            at=utcnow(),
            actor="test",
            rights_holder_org_id=brand_org,
            tlp="GREEN",
        )
        stored = session.get(Case, case.id)
        assert stored is not None
        facts = NoticeFacts(
            notifier_name="Li Wei",
            notifier_email=seeded.customs_analyst,
            right_kind="trademark",
            right_name="AUREL",
            infringing_urls=("https://shop.example/w/1",),
            explanation="Counterfeit watches bearing the AUREL mark.",
            good_faith=True,
        )
        notice_id = generate_notice(
            session=session, case=stored, kind="dsa", facts=facts, actor="t", org_id=customs_org, at=utcnow()
        ).id
        case_id = case.id
    form = f'action="/cases/{case_id}/notices/{notice_id}/status"'
    holder = signed_in(app, seeded.brand_admin, seeded.password)
    page = holder.get(f"/cases/{case_id}")
    assert page.status_code == 200 and form not in page.text  # a participant, but not the notice's issuer
    token = csrf_of(page.text)
    refused = holder.post(
        f"/cases/{case_id}/notices/{notice_id}/status", data={"status": "sent", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert form in signed_in(app, seeded.customs_analyst, seeded.password).get(f"/cases/{case_id}").text
