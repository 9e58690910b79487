"""Working-day arithmetic: weekends, public holidays of the office's country, local dates and UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from countermark.cases.calendar import CalendarContext, add_days, deadline_after, is_working_day, local_date

FR = CalendarContext("FR")
ALSACE = CalendarContext("FR", subdivision="57")
US = CalendarContext("US")
CN = CalendarContext("CN")


def test_the_friday_before_easter_is_worked_in_france_but_easter_monday_is_not() -> None:
    assert add_days(date(2025, 4, 17), 1, "working_days", FR) == date(2025, 4, 18)
    assert add_days(date(2025, 4, 18), 1, "working_days", FR) == date(2025, 4, 22)


def test_good_friday_is_a_holiday_in_alsace_moselle() -> None:
    assert add_days(date(2025, 4, 17), 1, "working_days", ALSACE) == date(2025, 4, 22)


def test_ten_working_days_from_the_thursday_before_easter_skip_easter_monday_and_may_day() -> None:
    assert add_days(date(2025, 4, 17), 10, "working_days", FR) == date(2025, 5, 5)


def test_five_business_days_from_the_friday_before_christmas_skip_christmas_day() -> None:
    assert add_days(date(2025, 12, 19), 5, "business_days", US) == date(2025, 12, 29)


def test_chinese_national_day_week_is_skipped_and_the_makeup_saturday_counts() -> None:
    assert add_days(date(2025, 9, 30), 3, "working_days", CN) == date(2025, 10, 11)
    assert is_working_day(date(2025, 9, 28), CN)  # a Sunday worked before the Golden Week
    assert not is_working_day(date(2025, 10, 4), CN)


def test_calendar_days_ignore_weekends_and_holidays() -> None:
    assert add_days(date(2025, 12, 1), 30, "calendar_days", US) == date(2025, 12, 31)


def test_a_deadline_ends_at_local_midnight_and_is_stored_in_utc() -> None:
    due = deadline_after(datetime(2025, 4, 17, 15, 0, tzinfo=UTC), 1, "working_days", FR)
    assert due == datetime(2025, 4, 18, 22, 0, tzinfo=UTC)  # midnight in Paris, summer time


def test_an_event_late_in_the_utc_evening_counts_from_the_next_local_day() -> None:
    event = datetime(2025, 4, 17, 23, 30, tzinfo=UTC)  # already Friday 18 April in Paris
    assert local_date(event, FR) == date(2025, 4, 18)
    assert deadline_after(event, 1, "working_days", FR) == datetime(2025, 4, 22, 22, 0, tzinfo=UTC)


def test_chinese_deadlines_end_at_midnight_in_beijing() -> None:
    due = deadline_after(datetime(2025, 9, 30, 2, 0, tzinfo=UTC), 3, "working_days", CN)
    assert due == datetime(2025, 10, 11, 16, 0, tzinfo=UTC)


def test_naive_times_and_unknown_units_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        deadline_after(datetime(2025, 1, 6), 1, "working_days", FR)
    with pytest.raises(ValueError, match="unknown unit"):
        add_days(date(2025, 1, 6), 1, "fortnights", FR)
