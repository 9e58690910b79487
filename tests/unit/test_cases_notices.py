"""Notices: required elements present, DMCA refused for trademarks, marketplace messages within limits."""

from __future__ import annotations

import dataclasses

import pytest
from babel.messages.pofile import read_po

from countermark.cases.notices import (
    NOTICE_KINDS,
    NoticeFacts,
    NoticeIncomplete,
    build_notice,
    check_status_change,
    dmca_notice,
    dsa_notice,
    lumen_notice,
    marketplace_report,
)
from countermark.core.errors import InvalidInput
from countermark.core.http.error_text import error_text
from countermark.core.http.templating import TRANSLATIONS_DIR

FACTS = NoticeFacts(
    notifier_name="Maison Aurel SA",
    notifier_email="brand@aurel.example",
    right_kind="trademark",
    right_name="AUREL",
    infringing_urls=("https://shop.example/i/1",),
    explanation="The listing offers bags bearing the AUREL mark that Maison Aurel never made.",
    good_faith=True,
    accurate_under_penalty=True,
    signature="/Jeanne Martin/",
    notifier_address="1 rue X, Paris",
    holder_name="Maison Aurel SA",
    registration_number="018000001",
    platform="ShopMarket",
    countries=("FR",),
)
COPYRIGHT = dataclasses.replace(
    FACTS,
    right_kind="copyright",
    right_name="AUREL catalogue photographs 2024",
    original_urls=("https://aurel.example/catalogue",),
)


def test_a_dsa_notice_carries_elements_a_to_d() -> None:
    notice = dsa_notice(FACTS)
    assert notice["explanation"] and notice["locations"] == ["https://shop.example/i/1"]
    assert notice["notifier"] == {"name": "Maison Aurel SA", "email": "brand@aurel.example"}
    assert "bona fide belief" in notice["statement"]


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"explanation": "fake"}, "(a)"),
        ({"infringing_urls": ()}, "(b)"),
        ({"notifier_email": "none"}, "(c)"),
        ({"good_faith": False}, "(d)"),
    ],
)
def test_a_dsa_notice_without_a_required_element_is_refused(change: dict[str, object], missing: str) -> None:
    with pytest.raises(NoticeIncomplete, match=missing.replace("(", r"\(").replace(")", r"\)")):
        dsa_notice(dataclasses.replace(FACTS, **change))  # type: ignore[arg-type]


def test_dmca_is_refused_for_a_trademark_with_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="covers copyright only"):
        dmca_notice(FACTS)


def test_a_dmca_notice_carries_elements_i_to_vi() -> None:
    notice = dmca_notice(COPYRIGHT)
    assert notice["signature"] == "/Jeanne Martin/" and notice["work"]["title"].startswith("AUREL catalogue")
    assert notice["infringing_material"] == ["https://shop.example/i/1"]
    assert notice["contact"]["email"] and notice["contact"]["address"]
    assert "good faith belief" in notice["good_faith_statement"]
    assert "penalty of perjury" in notice["accuracy_statement"]
    with pytest.raises(NoticeIncomplete, match=r"\(i\) signature.*\(vi\)"):
        dmca_notice(dataclasses.replace(COPYRIGHT, signature="", accurate_under_penalty=False))


def test_a_lumen_notice_names_parties_by_role_and_the_mark_registration() -> None:
    notice = lumen_notice(FACTS)["notice"]
    assert notice["type"] == "Counterfeit" and notice["mark_registration_number"] == "018000001"
    # Lumen's API shape (issue 17): roles as entity_notice_roles_attributes, works as works_attributes.
    roles = notice["entity_notice_roles_attributes"]
    assert {r["name"] for r in roles} == {"sender", "principal", "recipient"}
    assert notice["works_attributes"][0]["infringing_urls_attributes"] == [
        {"url": "https://shop.example/i/1"}
    ]
    assert lumen_notice(COPYRIGHT)["notice"]["type"] == "DMCA"


def test_a_marketplace_message_never_exceeds_1000_characters() -> None:
    long = dataclasses.replace(FACTS, explanation="counterfeit " * 300)
    report = marketplace_report(long, reason_code="9052")
    assert len(report["message"]) <= 1000 and report["reason_code"] == "9052"


def test_unlawful_importation_needs_countries_and_unknown_codes_are_refused() -> None:
    with pytest.raises(NoticeIncomplete, match="countries"):
        marketplace_report(dataclasses.replace(FACTS, countries=()), reason_code="9037")
    assert marketplace_report(FACTS, reason_code="9037")["countries"] == ["FR"]
    with pytest.raises(InvalidInput, match="unknown reason code"):
        marketplace_report(FACTS, reason_code="1234")
    with pytest.raises(InvalidInput, match="unknown notice kind"):
        build_notice("fax", FACTS)


def test_notice_status_follows_its_life() -> None:
    check_status_change("draft", "sent")
    check_status_change("actioned", "relisted")
    with pytest.raises(InvalidInput, match="can become"):
        check_status_change("draft", "actioned")
    with pytest.raises(InvalidInput, match="unknown notice status"):
        check_status_change("sent", "lost")


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_every_missing_element_of_every_notice_is_named_in_the_readers_language(locale: str) -> None:
    empty = NoticeFacts(
        notifier_name="", notifier_email="", right_kind="copyright", right_name="", infringing_urls=(),
        explanation="",
    )  # fmt: skip
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        translated = {m.id for m in read_po(handle, locale=locale) if isinstance(m.id, str) and m.string}
    refusals = []
    for kind in NOTICE_KINDS:
        with pytest.raises(NoticeIncomplete) as refused:
            build_notice(kind, empty, reason_code="9037")
        refusals.append(refused.value)
    for refusal in refusals:
        missing = refusal.detail["missing"]
        assert missing and not set(missing) - translated, set(missing) - translated
        shown = error_text(refusal, locale)
        assert "lacks required elements" not in shown and "good-faith statement" not in shown, shown
