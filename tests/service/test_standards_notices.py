"""Notices from a listing case: the holder's rights linked, every element of each kind present, each
refused when one is missing, and the Lumen export made only of keys Lumen's API accepts."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from countermark.cases.models import Case, CaseLink, Notice
from countermark.cases.notice_service import facts_for_case
from countermark.cases.notices import (
    LUMEN_ENTITY_KEYS,
    LUMEN_NOTICE_KEYS,
    LUMEN_ROLE_KEYS,
    LUMEN_ROLES,
    LUMEN_URL_KEYS,
    LUMEN_WORK_KEYS,
    NoticeFacts,
    NoticeIncomplete,
    build_notice,
)
from countermark.cli import common
from countermark.cli.main import app
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.demo.border_cases import run_listing_case
from countermark.observe.models import Listing
from countermark.orgs.service import create_organisation
from countermark.orgs.visibility import SYSTEM
from countermark.rights.models import Product, ProductRight, Right

AT = datetime(2025, 4, 17, 9, tzinfo=UTC)
runner = CliRunner()


def _right(session: Session, owner: int, external_id: str, kind: str, name: str, brand: str | None) -> Right:
    right = Right(
        source="t", external_id=external_id, content_hash="0" * 64, kind=kind, name=name, brand=brand,
        holder_name="Maison Aurel SA", registration_number=f"0180{external_id}", office="EUIPO",
        jurisdictions=["EU"], owner_org_id=owner, tlp="GREEN",
    )  # fmt: skip
    session.add(right)
    session.flush()
    return right


def _world(session: Session) -> None:
    holder = create_organisation(session=session, name="Maison Aurel", kind="rights_holder", country="FR").id
    watcher = create_organisation(session=session, name="Watch Ltd", kind="rights_holder", country="GB").id
    mark = _right(session, holder, "1", "trademark", "AUREL", "AUREL")
    photos = _right(session, holder, "2", "copyright", "AUREL catalogue photographs 2024", None)
    _right(session, holder, "3", "trademark", "LUMA", "LUMA")  # another mark of the holder: not named
    _right(session, watcher, "4", "trademark", "AUREL (GB)", "AUREL")  # another's mark: never linked
    product = Product(
        source="t", external_id="P-1", content_hash="0" * 64, brand="AUREL", gtin="09506000134352",
        name="Clio tote", category="bags", owner_org_id=holder, tlp="GREEN",
    )  # fmt: skip
    session.add(product)
    session.flush()
    session.add_all([ProductRight(product_id=product.id, right_id=r.id) for r in (mark, photos)])
    session.add(
        Listing(
            source="t", external_id="L-1", content_hash="0" * 64, platform="shopmarket",
            url="https://shopmarket.example/item/4411", title="AUREL Clio tote bag, wholesale price",
            observed_at=AT, owner_org_id=holder,
        )
    )  # fmt: skip
    session.flush()


def _case(session: Session) -> Case:
    case_id = session.scalar(select(CaseLink.case_id).where(CaseLink.subject_type == "listing"))
    case = session.get(Case, case_id)
    assert case is not None
    return case


def _keys_accepted_by_lumen(body: dict[str, Any]) -> None:
    assert set(body) == {"notice"}
    notice = body["notice"]
    assert set(notice) <= LUMEN_NOTICE_KEYS
    for role in notice["entity_notice_roles_attributes"]:
        assert set(role) <= LUMEN_ROLE_KEYS and role["name"] in LUMEN_ROLES
        assert set(role["entity_attributes"]) <= LUMEN_ENTITY_KEYS
        assert role["entity_attributes"]["kind"] in ("organization", "individual")
    for work in notice["works_attributes"]:
        assert set(work) <= LUMEN_WORK_KEYS
        for url in work.get("infringing_urls_attributes", []) + work.get("copyrighted_urls_attributes", []):
            assert set(url) <= LUMEN_URL_KEYS
    assert isinstance(notice["jurisdiction_list"], str)  # comma-separated, as Lumen's tag lists are


def test_the_demo_drafts_a_dsa_notice_and_a_lumen_export_with_the_right_filled_in(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        _world(session)
        summary = run_listing_case(session)
        assert "2 right(s) linked" in summary, summary
    with unit_of_work(store.sessions) as session:
        case = _case(session)
        notices = {n.kind: n.body for n in session.scalars(select(Notice).where(Notice.case_id == case.id))}
        dsa, lumen = notices["dsa"], notices["lumen"]
        assert dsa["right"]["name"] == "AUREL" and dsa["right"]["registration"] == "01801"
        assert dsa["locations"] == ["https://shopmarket.example/item/4411"]
        assert "AUREL" in dsa["explanation"] and "Clio tote" in dsa["explanation"]
        _keys_accepted_by_lumen(lumen)
        assert (
            lumen["notice"]["type"] == "Counterfeit"
            and lumen["notice"]["mark_registration_number"] == "01801"
        )
        roles = {r["name"]: r["entity_attributes"] for r in lumen["notice"]["entity_notice_roles_attributes"]}
        assert roles["principal"] == {"name": "Maison Aurel SA", "kind": "organization", "country_code": "FR"}
        assert roles["sender"]["email"] == "legal@maison-aurel.example" and roles["recipient"]["name"]
        # Run again: nothing more.
        assert "already" in run_listing_case(session)


@pytest.fixture
def demo_case(store: AppContext) -> AppContext:
    with unit_of_work(store.sessions) as session:
        _world(session)
        run_listing_case(session)
    return store


STATEMENTS: dict[str, Any] = {
    "notifier_name": "Maison Aurel SA",
    "notifier_email": "legal@aurel.example",
    "good_faith": True,
    "accurate_under_penalty": True,
    "signature": "/Jeanne Martin/",
    "notifier_address": "12 rue de la Paix, 75002 Paris",
}
MISSING: dict[str, list[tuple[dict[str, Any], str]]] = {
    "dsa": [
        ({"explanation": "a" * 20}, "(a)"),
        ({"explanation": "These are fakes sold cheaply online today."}, "(a)"),  # names no right
        ({"infringing_urls": ("tel:+33612345678",)}, "(b)"),
        ({"notifier_email": "legal at aurel"}, "(c)"),
        ({"notifier_email": "x@y"}, "(c)"),
        ({"good_faith": False}, "(d)"),
    ],
    "dmca": [
        ({"signature": ""}, "(i)"),
        ({"right_name": ""}, "(ii)"),
        ({"infringing_urls": ()}, "(iii)"),
        ({"notifier_address": "", "notifier_phone": ""}, "(iv)"),
        ({"notifier_email": "nobody"}, "(iv)"),
        ({"good_faith": False}, "(v)"),
        ({"accurate_under_penalty": False}, "(vi)"),
    ],
    "lumen": [
        ({"infringing_urls": ()}, "infringing URLs"),
        ({"infringing_urls": ("shopmarket item 4411",)}, "infringing URLs"),
        ({"notifier_name": ""}, "sender"),
        ({"right_name": ""}, "right"),
        ({"explanation": ""}, "explanation"),
    ],
    "marketplace": [
        ({"infringing_urls": ()}, "listing URLs"),
        ({"right_name": ""}, "the right concerned"),
        ({"notifier_name": ""}, "rights owner"),
    ],
}


def _facts(store: AppContext, kind: str) -> NoticeFacts:
    with unit_of_work(store.sessions) as session:
        return facts_for_case(session=session, principal=SYSTEM, case=_case(session), kind=kind, **STATEMENTS)


@pytest.mark.parametrize("kind", ["dsa", "dmca", "lumen", "marketplace"])
def test_each_kind_from_the_demo_case_carries_every_element_and_refuses_a_missing_one(
    demo_case: AppContext, kind: str
) -> None:
    facts = _facts(demo_case, kind)
    body = build_notice(kind, facts)
    if kind == "dmca":  # the case's copyright (the catalogue photographs) is the work, chosen for DMCA
        assert body["work"]["title"] == "AUREL catalogue photographs 2024"
        assert body["signature"] and body["contact"]["address"] and body["contact"]["email"]
        assert "penalty of perjury" in body["accuracy_statement"]
    if kind == "marketplace":
        assert body["message"].startswith("AUREL (trademark, reg. 01801): ")
    if kind == "lumen":
        _keys_accepted_by_lumen(body)
    for change, element in MISSING[kind]:
        with pytest.raises(NoticeIncomplete) as refused:
            build_notice(kind, dataclasses.replace(facts, **change))
        assert element in refused.value.message, (change, refused.value.message)


def test_the_generated_explanation_is_replaced_by_the_notifiers_own(demo_case: AppContext) -> None:
    own = "The AUREL mark (EUIPO 01801) is used on totes Maison Aurel never made; test buy confirmed it."
    with unit_of_work(demo_case.sessions) as session:
        facts = facts_for_case(
            session=session, principal=SYSTEM, case=_case(session), **STATEMENTS, explanation=own
        )
    assert build_notice("dsa", facts)["explanation"] == own


def test_a_dmca_notice_from_the_command_line_with_every_element(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COUNTERMARK_DATABASE_URL", raising=False)
    monkeypatch.setattr(common.console, "width", 200)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with common.app_context() as ctx, unit_of_work(ctx.sessions) as session:
        _world(session)
        run_listing_case(session)
        case_id = _case(session).id
    base = ["cases", "notice", str(case_id), "--kind", "dmca", "--notifier", "Maison Aurel SA"]
    base += ["--email", "legal@aurel.example", "--good-faith", "--signature", "/Jeanne Martin/"]
    refused = runner.invoke(app, base)
    assert refused.exit_code == 1 and "(iv)" in refused.output and "(vi)" in refused.output
    done = runner.invoke(app, [*base, "--address", "12 rue de la Paix, 75002 Paris", "--accurate"])
    assert done.exit_code == 0, done.output
    body = json.loads(done.output)
    assert body["work"]["title"] == "AUREL catalogue photographs 2024"
    assert body["infringing_material"] == ["https://shopmarket.example/item/4411"]
    ask = ["cases", "notice", str(case_id), "--kind", "dsa", "--notifier", "x", "--email", "a@b.example"]
    draft = runner.invoke(app, [*ask, "--draft"])
    assert draft.exit_code == 0 and "AUREL" in draft.output and "Clio tote" in draft.output


def test_the_case_page_draft_is_the_generated_explanation_and_writes_nothing(demo_case: AppContext) -> None:
    """The page prefills the form with the explanation generated from the case, for the notifier to edit;
    showing the draft (link_rights=False) links nothing."""
    from countermark.cases.models import CaseLink

    with unit_of_work(demo_case.sessions) as session:
        case = _case(session)
        links = session.query(CaseLink).filter(CaseLink.case_id == case.id).count()
        draft = facts_for_case(session=session, principal=SYSTEM, case=case, link_rights=False)
        assert session.query(CaseLink).filter(CaseLink.case_id == case.id).count() == links
        sent = facts_for_case(session=session, principal=SYSTEM, case=case, kind="dsa", **STATEMENTS)
    assert draft.explanation and "AUREL" in draft.explanation
    assert draft.explanation == sent.explanation
