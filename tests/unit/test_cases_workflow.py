"""Each jurisdiction's procedures walked through every branch, with lapses around weekends and holidays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from countermark.cases.calendar import CalendarContext
from countermark.cases.packs import RulePackError, default_packs, load_packs
from countermark.cases.workflow import CaseState, Event, Transition, advance, decide, replay
from countermark.core.errors import Conflict, Forbidden

PACKS = default_packs()
FR, US, CN = CalendarContext("FR"), CalendarContext("US"), CalendarContext("CN")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc, arg-type]


class Walk:
    """A case's events built up decision by decision, as the service records them."""

    def __init__(self, procedure: str, opened_at: datetime, ctx: CalendarContext, perishable: bool = False):
        step = PACKS.procedure(procedure).first_step
        self.events = [Event(kind="opened", at=opened_at, procedure=procedure, step=step)]
        self.ctx, self.perishable = ctx, perishable

    @property
    def state(self) -> CaseState:
        return replay(PACKS, self.events, ctx=self.ctx, perishable=self.perishable)

    def decide(self, decision: str, role: str, at: datetime) -> Walk:
        self.events.append(decide(self.state, decision=decision, role=role, at=at).as_event())
        return self

    def tick(self, now: datetime) -> list[Transition]:
        done = advance(PACKS, self.events, now=now, ctx=self.ctx, perishable=self.perishable)
        self.events += [t.as_event() for t in done if t.kind != "overdue"]
        return done


def eu_notified(at: datetime, **options: bool) -> Walk:
    return Walk("eu_standard", at - timedelta(hours=2), FR, **options).decide("notify", "customs_officer", at)


# EU — standard procedure (Art. 23)

THURSDAY_BEFORE_EASTER = utc(2025, 4, 17, 9)


def test_goods_are_released_when_the_holder_lets_ten_working_days_pass_over_easter() -> None:
    walk = eu_notified(THURSDAY_BEFORE_EASTER)
    assert walk.state.due_at == utc(2025, 5, 5, 22)  # Easter Monday and 1 May do not count
    assert walk.tick(utc(2025, 5, 5, 21, 59)) == []
    [lapse] = walk.tick(utc(2025, 5, 6, 8))
    assert (lapse.step, lapse.effect, lapse.at) == ("released", "release", utc(2025, 5, 5, 22))
    assert walk.state.step.outcome == "release"


def test_goods_are_destroyed_when_the_holder_confirms_and_the_declarant_is_silent() -> None:
    walk = eu_notified(THURSDAY_BEFORE_EASTER).decide(
        "confirm_infringement", "rights_holder", utc(2025, 4, 30, 10)
    )
    # The declarant's period runs from the same notification, not from the holder's confirmation.
    assert walk.state.step.key == "awaiting_declarant" and walk.state.due_at == utc(2025, 5, 5, 22)
    [lapse] = walk.tick(utc(2025, 5, 7))
    assert (lapse.step, lapse.effect) == ("destruction", "destruction")


def test_goods_are_destroyed_when_the_declarant_agrees() -> None:
    walk = eu_notified(THURSDAY_BEFORE_EASTER).decide(
        "confirm_infringement", "rights_holder", utc(2025, 4, 22, 10)
    )
    walk.decide("declarant_agrees", "customs_officer", utc(2025, 4, 23, 10))
    assert walk.state.step.key == "destruction" and walk.state.terminal


def test_opposition_leads_to_proceedings_or_release_when_the_holder_does_nothing() -> None:
    def opposed() -> Walk:
        walk = eu_notified(THURSDAY_BEFORE_EASTER)
        walk.decide("confirm_infringement", "rights_holder", utc(2025, 4, 22, 10))
        return walk.decide("declarant_opposes", "customs_officer", utc(2025, 4, 24, 10))

    sued = opposed().decide("start_proceedings", "rights_holder", utc(2025, 5, 2, 10))
    assert sued.state.step.outcome == "proceedings"
    idle = opposed()
    assert idle.state.due_at == utc(2025, 5, 12, 22)  # 10 working days from 24 April, 1 and 8 May off
    [lapse] = idle.tick(utc(2025, 5, 13))
    assert lapse.step == "released"


def test_the_holder_may_extend_once_by_ten_working_days() -> None:
    walk = eu_notified(THURSDAY_BEFORE_EASTER)
    assert "request_extension" in walk.state.allowed()["rights_holder"]
    walk.decide("request_extension", "rights_holder", utc(2025, 4, 25, 10))
    assert walk.state.step.key == "awaiting_holder" and walk.state.due_at == utc(2025, 5, 20, 22)
    assert "request_extension" not in walk.state.allowed()["rights_holder"]


def test_perishable_goods_give_three_working_days_and_no_extension() -> None:
    walk = eu_notified(THURSDAY_BEFORE_EASTER, perishable=True)
    assert walk.state.due_at == utc(2025, 4, 23, 22)
    assert "request_extension" not in walk.state.allowed()["rights_holder"]


def test_goods_the_holder_says_are_genuine_are_released() -> None:
    walk = eu_notified(THURSDAY_BEFORE_EASTER).decide("not_infringing", "rights_holder", utc(2025, 4, 22, 10))
    assert walk.state.step.key == "released"


def test_a_missed_notification_deadline_is_only_overdue() -> None:
    walk = Walk("eu_standard", utc(2025, 4, 17, 9), FR)
    [overdue] = walk.tick(utc(2025, 4, 25))
    assert (overdue.kind, overdue.effect, walk.state.step.key) == ("overdue", "overdue", "detained")
    walk.decide("notify", "customs_officer", utc(2025, 4, 25, 9))
    assert walk.state.step.key == "awaiting_holder"


def test_dangerous_goods_switch_to_the_investigation_track() -> None:
    walk = Walk("eu_standard", utc(2025, 4, 17, 9), FR).decide(
        "refer_investigation", "customs_officer", utc(2025, 4, 17, 10)
    )
    assert (walk.state.procedure.key, walk.state.step.key) == ("investigation", "seized")
    walk.decide("refer_to_prosecutor", "customs_officer", utc(2025, 4, 18, 10))
    walk.decide("prosecute", "investigator", utc(2025, 6, 1, 10))
    assert walk.state.step.outcome == "prosecution"
    closed = Walk("investigation", utc(2025, 4, 17, 9), FR).decide(
        "refer_to_police", "customs_officer", utc(2025, 4, 17, 10)
    )
    assert closed.decide("close_no_action", "investigator", utc(2025, 5, 1)).state.step.outcome == "closed"


def test_decisions_are_refused_out_of_turn_by_the_wrong_role_or_after_the_lapse() -> None:
    walk = eu_notified(THURSDAY_BEFORE_EASTER)
    with pytest.raises(Conflict, match="not possible"):
        walk.decide("declarant_agrees", "customs_officer", utc(2025, 4, 22))
    with pytest.raises(Forbidden):
        walk.decide("confirm_infringement", "customs_officer", utc(2025, 4, 22))
    with pytest.raises(Conflict, match="deadline passed"):
        walk.decide("confirm_infringement", "rights_holder", utc(2025, 5, 6))
    released = eu_notified(THURSDAY_BEFORE_EASTER).decide("not_infringing", "rights_holder", utc(2025, 4, 22))
    with pytest.raises(Conflict, match="ended"):
        released.decide("notify", "customs_officer", utc(2025, 4, 23))


# EU — small consignments (Art. 26) and ex officio (Art. 18)


def test_small_consignment_is_destroyed_when_declarant_is_silent() -> None:
    walk = Walk("eu_small_consignment", utc(2025, 4, 16, 9), FR).decide(
        "notify", "customs_officer", utc(2025, 4, 17, 9)
    )
    assert walk.state.due_at == utc(2025, 5, 5, 22)
    [lapse] = walk.tick(utc(2025, 5, 6))
    assert (lapse.step, lapse.effect) == ("destruction", "destruction")


def test_opposed_small_consignment_is_released_unless_the_holder_sues() -> None:
    walk = Walk("eu_small_consignment", utc(2025, 4, 16, 9), FR).decide(
        "notify", "customs_officer", utc(2025, 4, 17, 9)
    )
    walk.decide("declarant_opposes", "customs_officer", utc(2025, 4, 22, 9))
    assert walk.tick(utc(2025, 5, 20))[0].step == "released"
    sued = Walk("eu_small_consignment", utc(2025, 4, 16, 9), FR).decide(
        "notify", "customs_officer", utc(2025, 4, 17, 9)
    )
    sued.decide("declarant_opposes", "customs_officer", utc(2025, 4, 22, 9))
    assert sued.decide("start_proceedings", "rights_holder", utc(2025, 4, 30)).state.step.key == "proceedings"
    agreed = Walk("eu_small_consignment", utc(2025, 4, 16, 9), FR).decide(
        "notify", "customs_officer", utc(2025, 4, 17, 9)
    )
    assert (
        agreed.decide("declarant_agrees", "customs_officer", utc(2025, 4, 18)).state.step.key == "destruction"
    )


def test_ex_officio_goods_are_released_without_an_application_within_four_working_days() -> None:
    walk = Walk("eu_ex_officio", utc(2025, 4, 17, 8), FR).decide(
        "notify", "customs_officer", utc(2025, 4, 17, 9)
    )
    assert walk.state.due_at == utc(2025, 4, 24, 22)  # Fri 18, Tue 22, Wed 23, Thu 24: Easter Monday skipped
    assert walk.tick(utc(2025, 4, 24, 21)) == []
    assert walk.tick(utc(2025, 4, 25))[0].step == "released"


def test_a_granted_application_moves_ex_officio_goods_to_the_standard_procedure() -> None:
    walk = Walk("eu_ex_officio", utc(2025, 4, 17, 8), FR).decide(
        "notify", "customs_officer", utc(2025, 4, 17, 9)
    )
    walk.decide("submit_application", "rights_holder", utc(2025, 4, 22, 9))
    walk.decide("grant_application", "customs_officer", utc(2025, 4, 23, 9))
    state = walk.state
    assert (state.procedure.key, state.step.key) == ("eu_standard", "awaiting_holder")
    assert state.due_at == utc(2025, 5, 9, 22)
    refused = Walk("eu_ex_officio", utc(2025, 4, 17, 8), FR).decide(
        "notify", "customs_officer", utc(2025, 4, 17, 9)
    )
    refused.decide("submit_application", "rights_holder", utc(2025, 4, 22, 9))
    assert (
        refused.decide("refuse_application", "customs_officer", utc(2025, 4, 23)).state.step.key == "released"
    )


# US — 19 CFR 133

FRIDAY_BEFORE_CHRISTMAS = utc(2025, 12, 19, 15)


def test_us_goods_not_released_in_five_business_days_are_deemed_detained() -> None:
    walk = Walk("us_detention", FRIDAY_BEFORE_CHRISTMAS, US)
    assert walk.state.due_at == utc(2025, 12, 30, 5)  # end of Mon 29 December in New York
    [lapse] = walk.tick(utc(2025, 12, 30, 6))
    assert (lapse.step, lapse.effect) == ("detained", "deemed_detained")


def test_us_silent_importer_leads_to_disclosure_then_exclusion_after_thirty_days() -> None:
    walk = Walk("us_detention", FRIDAY_BEFORE_CHRISTMAS, US).decide(
        "detain", "customs_officer", utc(2025, 12, 22)
    )
    walk.decide("notify", "customs_officer", utc(2025, 12, 23, 15))
    # Seven business days from 23 December: Christmas and New Year's Day do not count.
    assert walk.state.due_at == utc(2026, 1, 6, 5)
    done = walk.tick(utc(2026, 2, 1))  # the scheduler was down: both lapses are caught up, in order
    assert [(t.step, t.effect) for t in done] == [
        ("examination", "disclose_to_owner"),
        ("excluded", "excluded"),
    ]
    assert done[1].at == utc(2026, 1, 19, 5)  # 30 calendar days from presentation


def test_us_counterfeits_are_seized_then_forfeited_or_released() -> None:
    walk = Walk("us_detention", FRIDAY_BEFORE_CHRISTMAS, US).decide(
        "detain", "customs_officer", utc(2025, 12, 22)
    )
    walk.decide("notify", "customs_officer", utc(2025, 12, 23)).decide(
        "importer_responds", "customs_officer", utc(2025, 12, 29)
    )
    walk.decide("seize", "customs_officer", utc(2026, 1, 5))
    assert walk.state.step.deadline is not None and not walk.state.step.deadline.confirmed
    assert (
        walk.decide("disclose_to_owner", "customs_officer", utc(2026, 1, 6)).state.step.outcome
        == "forfeiture"
    )
    released = Walk("us_detention", FRIDAY_BEFORE_CHRISTMAS, US).decide(
        "release", "customs_officer", utc(2025, 12, 22)
    )
    assert released.state.step.outcome == "release"


# China


def test_chinese_goods_are_released_when_the_holder_does_not_apply_through_national_day() -> None:
    walk = Walk("cn_ex_officio", utc(2025, 9, 30, 2), CN)
    assert walk.state.due_at == utc(2025, 10, 11, 16)  # the makeup Saturday is the third working day
    assert walk.tick(utc(2025, 10, 11, 15)) == []
    assert walk.tick(utc(2025, 10, 11, 16))[0].step == "released"


def test_chinese_detention_ends_in_court_confiscation_or_release_after_fifty_working_days() -> None:
    def detained() -> Walk:
        return Walk("cn_ex_officio", utc(2025, 9, 30, 2), CN).decide(
            "apply_and_bond", "rights_holder", utc(2025, 10, 9, 2)
        )

    assert (
        detained().decide("court_assistance_received", "rights_holder", utc(2025, 11, 3)).state.step.key
        == "court"
    )
    assert (
        detained().decide("confirm_infringement", "customs_officer", utc(2025, 11, 3)).state.step.outcome
        == "confiscation"
    )
    idle = detained()
    assert idle.tick(idle.state.due_at or utc(2000, 1, 1))[0].step == "released"
    on_application = Walk("cn_on_application", utc(2025, 9, 30, 2), CN)
    assert on_application.tick(utc(2025, 12, 1))[0].step == "released"


# Online


def test_notice_and_takedown_branches() -> None:
    def sent() -> Walk:
        return Walk("notice_and_takedown", utc(2025, 3, 3), US).decide(
            "send_notice", "rights_holder", utc(2025, 3, 3, 1)
        )

    assert sent().decide("action_taken", "platform", utc(2025, 3, 4)).state.step.outcome == "takedown"
    assert sent().decide("refuse", "platform", utc(2025, 3, 4)).state.step.outcome == "refused"
    countered = sent().decide("counter_notice", "platform", utc(2025, 3, 4, 15))
    assert countered.tick(utc(2025, 3, 30))[0].step == "restored"
    sued = sent().decide("counter_notice", "platform", utc(2025, 3, 4, 15))
    assert (
        sued.decide("start_proceedings", "rights_holder", utc(2025, 3, 10)).state.step.outcome
        == "proceedings"
    )
    assert Walk("notice_and_takedown", utc(2025, 3, 3), US).tick(utc(2026, 1, 1)) == []  # no legal deadline


def test_test_purchase_and_disclosure_request_branches() -> None:
    walk = Walk("test_purchase", utc(2025, 3, 3), FR).decide("purchase_made", "investigator", utc(2025, 3, 4))
    walk.decide("received", "investigator", utc(2025, 3, 10))
    assert (
        walk.decide("confirm_infringement", "rights_holder", utc(2025, 3, 11)).state.step.outcome
        == "evidence"
    )
    genuine = Walk("test_purchase", utc(2025, 3, 3), FR).decide(
        "purchase_made", "investigator", utc(2025, 3, 4)
    )
    genuine.decide("received", "investigator", utc(2025, 3, 10))
    assert genuine.decide("not_infringing", "rights_holder", utc(2025, 3, 11)).state.step.outcome == "closed"
    for decision, outcome in (("disclosed", "disclosed"), ("refuse", "refused")):
        request = Walk("platform_disclosure", utc(2025, 3, 3), FR)
        assert request.decide(decision, "platform", utc(2025, 3, 5)).state.step.outcome == outcome


# Packs


def test_every_deadline_cites_its_article_and_says_whether_it_was_confirmed() -> None:
    deadlines = [
        step.deadline for proc in PACKS.procedures.values() for step in proc.steps.values() if step.deadline
    ]
    assert len(deadlines) >= 15
    assert all(d.article and isinstance(d.confirmed, bool) for d in deadlines)
    assert {p.jurisdiction for p in PACKS.packs.values()} == {"EU", "US", "CN", "ONLINE", "ANY"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('deadline = { count = 3, unit = "working_days", confirmed = true }', "cites the article"),
        ('deadline = { count = 3, unit = "moons", article = "x", confirmed = true }', "unit must be"),
        ('deadline = { count = 3, unit = "working_days", article = "x" }', "confirmed"),
    ],
)
def test_a_malformed_pack_is_refused_with_a_reason(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "bad.toml").write_text(
        '[pack]\nkey="bad"\njurisdiction="XX"\ntitle="t"\nlegal_source="s"\ndefault_country="FR"\n'
        '[[procedure]]\nkey="p"\ntitle="t"\nfirst_step="a"\n'
        f'[[procedure.step]]\nkey="a"\ntitle="t"\nactor="customs_officer"\n{text}\n'
        'lapse = { effect = "release", to = "b" }\n'
        '[[procedure.step.decision]]\nname="d"\nrole="customs_officer"\nto="b"\n'
        '[[procedure.step]]\nkey="b"\ntitle="t"\noutcome="release"\n',
        encoding="utf-8",
    )
    with pytest.raises(RulePackError, match=message):
        load_packs(tmp_path)
