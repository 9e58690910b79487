"""Naming an online case's platform after it was opened (`cases/platform_service.py`).

Issue #12: cases opened before migration 0013 (or before anyone knew the hosting platform) name no
platform, so nobody could take the platform's decisions except the command line. The owner now names it
on the API and the case page; only the owner may, never on a border case, never a non-platform.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.cases.access_service import case_roles
from countermark.cases.models import Case, CaseEvent, CaseTask
from countermark.cases.platform_service import name_platform
from countermark.cases.service import link_case, record_decision
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import Forbidden, InvalidInput, NotFound
from countermark.orgs.models import AuditEntry
from countermark.orgs.service import create_organisation
from countermark.web.app import create_app
from tests.service.test_case_participation import AT, PASSWORD, _as, _case, _orgs
from tests.service.test_pages import csrf_of, signed_in


def _sent_takedown(ctx: AppContext, orgs: dict[str, int]) -> int:
    """A brand's takedown case whose notice is sent: the step waits for a platform nobody named."""
    case_id = _case(ctx, orgs["brand"], "notice_and_takedown", "GREEN", holder=orgs["brand"])
    with unit_of_work(ctx.sessions) as session:
        case = session.get(Case, case_id)
        assert case is not None
        record_decision(
            session=session, case=case, decision="send_notice", role="rights_holder", at=AT, actor="t",
            org_id=orgs["brand"],
        )  # fmt: skip
    return case_id


def test_the_owner_names_the_platform_which_then_takes_part(store: AppContext) -> None:
    orgs = _orgs(store)
    case_id = _sent_takedown(store, orgs)
    with unit_of_work(store.sessions) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.step == "notice_sent"
        assert case_roles(session=session, principal=_as(orgs["platform"]), case=case) is None
        name_platform(
            session=session, principal=_as(orgs["brand"]), case_id=case_id, platform_org_id=orgs["platform"],
            at=AT,
        )  # fmt: skip
        assert case_roles(session=session, principal=_as(orgs["platform"]), case=case) == ("platform",)
        task = session.scalar(select(CaseTask).where(CaseTask.case_id == case_id, CaseTask.status == "open"))
        assert task is not None and task.role == "platform" and task.org_id == orgs["platform"]
        kinds = [e.kind for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))]
        assert kinds == ["opened", "decision", "platform_named"]
        assert case.step == "notice_sent"  # naming the platform does not move the workflow
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "case_platform_named"))
        assert audit is not None and audit.subject_id == str(case_id)
        # The platform now decides; the same name again changes nothing.
        name_platform(
            session=session, principal=_as(orgs["brand"]), case_id=case_id, platform_org_id=orgs["platform"],
            at=AT,
        )  # fmt: skip
        assert len(list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)))) == 3
        record_decision(
            session=session, case=case, decision="action_taken", role="platform", at=AT, actor="p",
            org_id=orgs["platform"],
        )  # fmt: skip
        assert case.step == "actioned"


def test_only_the_owner_names_a_platform_and_only_a_platform(store: AppContext) -> None:
    orgs = _orgs(store)
    customs_case = _case(store, orgs["customs"], "notice_and_takedown", "GREEN", holder=orgs["brand"])
    hidden = _case(store, orgs["customs"], "notice_and_takedown", "RED")
    with unit_of_work(store.sessions) as session:
        second = create_organisation(session=session, name="second platform", kind="platform", country="IE")
        platform, second_id = orgs["platform"], second.id
        with pytest.raises(Forbidden):  # the rights holder takes part, but whom to ask is the owner's call
            name_platform(
                session=session, principal=_as(orgs["brand"]), case_id=customs_case, platform_org_id=platform,
                at=AT,
            )  # fmt: skip
        with pytest.raises(Forbidden):  # sees the GREEN case, takes no part
            name_platform(
                session=session, principal=_as(orgs["other"]), case_id=customs_case, platform_org_id=platform,
                at=AT,
            )  # fmt: skip
        with pytest.raises(Forbidden):  # a read-only token of the owner
            name_platform(
                session=session, principal=_as(orgs["customs"], scopes=frozenset({"read"})),
                case_id=customs_case, platform_org_id=platform, at=AT,
            )  # fmt: skip
        with pytest.raises(NotFound):  # unseen: the same answer as an absent case
            name_platform(
                session=session, principal=_as(orgs["brand"]), case_id=hidden, platform_org_id=platform, at=AT
            )
        for not_a_platform in (orgs["other"], 10**9):
            with pytest.raises(InvalidInput):
                name_platform(
                    session=session, principal=_as(orgs["customs"]), case_id=customs_case,
                    platform_org_id=not_a_platform, at=AT,
                )  # fmt: skip
        case = name_platform(
            session=session, principal=_as(orgs["customs"]), case_id=customs_case, platform_org_id=second_id,
            at=AT,
        )  # fmt: skip
        assert case.platform_org_id == second_id
        # A border case (linked to a shipment) has no platform.
        link_case(session=session, case=case, subject_type="shipment", subject_id=1)
        with pytest.raises(InvalidInput):
            name_platform(
                session=session, principal=_as(orgs["customs"]), case_id=customs_case,
                platform_org_id=platform, at=AT,
            )  # fmt: skip


@pytest.fixture
def site(store: AppContext) -> tuple[FastAPI, dict[str, int], int]:
    orgs = _orgs(store)
    return create_app(context=store), orgs, _sent_takedown(store, orgs)


def test_the_case_page_names_the_platform_for_its_owner_only(
    site: tuple[FastAPI, dict[str, int], int],
) -> None:
    app, orgs, case_id = site
    action = f'action="/cases/{case_id}/platform"'
    platform = signed_in(app, "analyst@platform.example", PASSWORD)
    page = platform.get(f"/cases/{case_id}")
    assert action not in page.text and 'value="action_taken"' not in page.text
    url = f"/cases/{case_id}/platform"
    refused = platform.post(url, data={"csrf_token": csrf_of(page.text), "platform_org_id": orgs["platform"]})
    assert refused.status_code == 403
    brand = signed_in(app, "analyst@brand.example", PASSWORD)
    page = brand.get(f"/cases/{case_id}")
    assert action in page.text and "No platform is named yet" in page.text
    wrong = brand.post(url, data={"csrf_token": csrf_of(page.text), "platform_org_id": orgs["other"]})
    assert wrong.status_code == 422 and "no platform organisation" in wrong.text
    forged = brand.post(url, data={"csrf_token": "x", "platform_org_id": orgs["platform"]})
    assert forged.status_code in (400, 403)
    named = brand.post(
        url,
        data={"csrf_token": csrf_of(page.text), "platform_org_id": orgs["platform"]},
        follow_redirects=False,
    )
    assert named.status_code == 303
    page = platform.get(f"/cases/{case_id}")
    assert 'value="action_taken"' in page.text and action not in page.text


def test_the_api_names_the_platform_with_a_write_token_of_the_owner(
    site: tuple[FastAPI, dict[str, int], int],
) -> None:
    app, orgs, case_id = site
    brand = signed_in(app, "analyst@brand.example", PASSWORD)
    tokens = {}
    for scopes in (["read"], ["read", "write"]):
        page = brand.get("/tokens")
        made = brand.post(
            "/api/v1/tokens", json={"name": "+".join(scopes), "scopes": scopes},
            headers={"x-csrf-token": csrf_of(page.text)},
        )  # fmt: skip
        assert made.status_code == 201, made.text
        tokens[len(scopes)] = made.json()["token"]
    api = TestClient(app)
    url = f"/api/v1/cases/{case_id}/platform"
    body = {"platform_org_id": orgs["platform"]}
    assert api.put(url, json=body, headers={"authorization": f"Bearer {tokens[1]}"}).status_code == 403
    writer = {"authorization": f"Bearer {tokens[2]}"}
    assert api.put(url, json={"platform_org_id": 2**70}, headers=writer).status_code == 422
    assert api.put(f"/api/v1/cases/{10**12}/platform", json=body, headers=writer).status_code in (404, 422)
    done = api.put(url, json=body, headers=writer)
    assert done.status_code == 200, done.text
    assert done.json()["platform_org_id"] == orgs["platform"]
