"""The year-end warning: from a configurable day, while next year's official calendar is unknown."""

import logging
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from services.supervision.calendar_warning import CalendarWarning, CalendarWarningSettings, month_day, warning_text


def test_the_warning_starts_on_its_day_and_names_next_year() -> None:
    assert warning_text(date(2026, 11, 30), (12, 1), next_year_known=False) is None
    text = warning_text(date(2026, 12, 1), (12, 1), next_year_known=False)
    assert text is not None and text.startswith("2027年节假日安排尚未载入平台")


@pytest.mark.parametrize(
    ("today", "next_year_known", "this_year_known", "year"),
    [(date(2026, 12, 1), False, True, 2027), (date(2027, 1, 4), False, False, 2027)],
)
def test_staff_read_what_it_means_for_their_deadlines_and_who_loads_the_year_never_a_command(
    today: date, next_year_known: bool, this_year_known: bool, year: int
) -> None:
    text = warning_text(today, (12, 1), next_year_known, this_year_known)

    assert text is not None
    assert f"可能没有计入{year}年的法定节假日和调休" in text  # what it means for them
    assert "标注“暂定”" in text and "实际期限可能推后或提前" in text
    assert "由平台运维人员载入" in text or f"请联系平台运维人员尽快载入{year}年节假日安排" in text  # who puts it right
    assert "载入后期限自动重新计算" in text
    assert "wuyuan" not in text and "calendar" not in text and "load" not in text  # no command for staff to run


def test_the_log_line_tells_the_operators_the_command(caplog: pytest.LogCaptureFixture) -> None:
    warning = CalendarWarning((12, 1))

    with caplog.at_level(logging.WARNING):
        warning.log_once_a_day(datetime(2026, 12, 3, 1, 0, tzinfo=UTC))
        warning.log_once_a_day(datetime(2026, 12, 3, 5, 0, tzinfo=UTC))  # once a day

    [line] = caplog.records
    assert line.getMessage() == "an official calendar in use is not loaded"
    assert line.__dict__["year"] == 2027
    assert "wuyuan calendar load FILE" in line.__dict__["action"]


def test_no_warning_once_next_year_is_known() -> None:
    assert warning_text(date(2026, 12, 20), (12, 1), next_year_known=True) is None


def test_the_day_setting_is_validated_naming_what_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    assert month_day("11-15") == (11, 15)
    monkeypatch.setenv("WUYUAN_CALENDAR_WARNING_FROM", "02-30")
    with pytest.raises(ValidationError) as refused:
        CalendarWarningSettings()
    assert refused.value.errors()[0]["loc"] == ("calendar_warning_from",)
