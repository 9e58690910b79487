"""The one rule for changing a case (`cases/access_service.py`) and the case pages that follow it.

Issue #12, finding 5: on the pages as on the API, an organisation that sees a case without taking part in
it (neither its owner nor its rights holder) gets 403; one that cannot see it gets 404; a read-only user
never writes; a participant decides only in its role.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from countermark.cases.access_service import EVERY_ROLE, case_roles, participation, writable_case
from countermark.cases.models import Case, EvidenceItem
from countermark.cases.service import open_case
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import Forbidden, InvalidInput, NotFound
from countermark.orgs.auth_service import set_password
from countermark.orgs.service import create_organisation, create_user
from countermark.orgs.visibility import SYSTEM, Principal
from countermark.web.app import create_app
from tests.service.test_pages import csrf_of, signed_in

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
PASSWORD = "correct horse battery"
WRITE = frozenset({"read", "write"})


def _orgs(ctx: AppContext) -> dict[str, int]:
    with unit_of_work(ctx.sessions) as session:
        kinds = {"customs": "customs", "brand": "rights_holder", "platform": "platform", "other": "customs"}
        ids = {}
        for key, kind in kinds.items():
            org = create_organisation(session=session, name=key, kind=kind, country="FR")
            for role in ("analyst", "viewer"):
                user = create_user(
                    session=session, org_id=org.id, email=f"{role}@{key}.example", display_name=key, role=role
                )
                set_password(session=session, user=user, password=PASSWORD)
            ids[key] = org.id
        return ids


def _case(ctx: AppContext, owner: int, procedure: str, tlp: str, holder: int | None = None) -> int:
    with unit_of_work(ctx.sessions) as session:
        case = open_case(
            session=session, owner_org_id=owner, procedure=procedure, title="Totes", at=AT, actor="t",
            tlp=tlp, rights_holder_org_id=holder,
        )  # fmt: skip
        return case.id


def _as(org_id: int, role: str = "analyst", scopes: frozenset[str] = WRITE) -> Principal:
    return Principal(org_id=org_id, role=role, scopes=scopes)


def test_participants_act_in_their_roles_and_nobody_else_writes(store: AppContext) -> None:
    orgs = _orgs(store)
    case_id = _case(store, orgs["customs"], "eu_standard", "GREEN", holder=orgs["brand"])
    hidden_id = _case(store, orgs["customs"], "eu_standard", "AMBER")
    named_customs_id = _case(store, orgs["brand"], "eu_standard", "GREEN", holder=orgs["other"])
    with unit_of_work(store.sessions) as session:
        owner = writable_case(session=session, principal=_as(orgs["customs"]), case_id=case_id)
        assert owner.roles == ("customs_officer",) and owner.role_for(None) == "customs_officer"
        holder = writable_case(session=session, principal=_as(orgs["brand"]), case_id=case_id)
        assert holder.roles == ("rights_holder",)
        with pytest.raises(Forbidden):
            holder.role_for("customs_officer")
        for outsider in ("platform", "other"):  # they see the GREEN case, and take no part in it
            with pytest.raises(Forbidden):
                writable_case(session=session, principal=_as(orgs[outsider]), case_id=case_id)
        with pytest.raises(NotFound):
            writable_case(session=session, principal=_as(orgs["brand"]), case_id=hidden_id)
        # A viewer never writes, whatever scopes its principal carries; nor does a read-only token.
        for principal in (
            _as(orgs["customs"], role="viewer"),
            _as(orgs["customs"], scopes=frozenset({"read"})),
        ):
            with pytest.raises(Forbidden):
                writable_case(session=session, principal=principal, case_id=case_id)
        # A customs organisation named as a case's rights holder takes part but takes no decision.
        named = writable_case(session=session, principal=_as(orgs["other"]), case_id=named_customs_id)
        assert named.roles == ()
        with pytest.raises(Forbidden):
            named.role_for(None)
        case = session.get(Case, case_id)
        assert case is not None
        assert case_roles(session=session, principal=_as(orgs["platform"]), case=case) is None
        system = participation(session=session, principal=SYSTEM, case=case)
        assert system.roles == EVERY_ROLE and system.role_for("platform") == "platform"
        with pytest.raises(InvalidInput):
            system.role_for(None)


@pytest.fixture
def site(store: AppContext) -> tuple[FastAPI, dict[str, int], int]:
    orgs = _orgs(store)
    case_id = _case(store, orgs["brand"], "notice_and_takedown", "GREEN", holder=orgs["brand"])
    return create_app(context=store), orgs, case_id


def _evidence_form(token: str) -> dict[str, str]:
    return {"csrf_token": token, "description": "listing photo", "source": "screenshot"}


def test_the_case_page_offers_and_takes_writes_only_from_participants(
    site: tuple[FastAPI, dict[str, int], int], store: AppContext
) -> None:
    app, _, case_id = site
    files = {"file": ("photo.jpg", b"jpeg bytes", "image/jpeg")}
    platform = signed_in(app, "analyst@platform.example", PASSWORD)
    page = platform.get(f"/cases/{case_id}")
    assert page.status_code == 200 and f'action="/cases/{case_id}/evidence"' not in page.text
    refused = platform.post(
        f"/cases/{case_id}/evidence", data=_evidence_form(csrf_of(page.text)), files=files
    )
    assert refused.status_code == 403
    decided = platform.post(
        f"/cases/{case_id}/decisions",
        data={"csrf_token": csrf_of(page.text), "role": "platform", "decision": "action_taken"},
    )
    assert decided.status_code == 403
    viewer = signed_in(app, "viewer@brand.example", PASSWORD)
    page = viewer.get(f"/cases/{case_id}")
    assert 'value="send_notice"' not in page.text
    assert (
        viewer.post(
            f"/cases/{case_id}/evidence", data=_evidence_form(csrf_of(page.text)), files=files
        ).status_code
        == 403
    )
    with unit_of_work(store.sessions) as session:
        assert session.query(EvidenceItem).count() == 0
    brand = signed_in(app, "analyst@brand.example", PASSWORD)
    page = brand.get(f"/cases/{case_id}")
    assert 'value="send_notice"' in page.text
    added = brand.post(f"/cases/{case_id}/evidence", data=_evidence_form(csrf_of(page.text)), files=files)
    assert added.status_code == 303, added.text
    hidden = _case(store, site[1]["customs"], "eu_standard", "AMBER")
    assert (
        brand.post(
            f"/cases/{hidden}/evidence", data=_evidence_form(csrf_of(page.text)), files=files
        ).status_code
        == 404
    )
