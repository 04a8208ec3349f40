"""The year-end warning: from a configurable day, while next year's official calendar is unknown."""

from datetime import date

import pytest
from pydantic import ValidationError

from services.supervision.calendar_warning import CalendarWarningSettings, month_day, warning_text


def test_the_warning_starts_on_its_day_and_names_next_year() -> None:
    assert warning_text(date(2026, 11, 30), (12, 1), next_year_known=False) is None
    text = warning_text(date(2026, 12, 1), (12, 1), next_year_known=False)
    assert text is not None and "2027年节假日安排尚未载入" in text and "wuyuan calendar load" in text


def test_no_warning_once_next_year_is_known() -> None:
    assert warning_text(date(2026, 12, 20), (12, 1), next_year_known=True) is None


def test_the_day_setting_is_validated_naming_what_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    assert month_day("11-15") == (11, 15)
    monkeypatch.setenv("WUYUAN_CALENDAR_WARNING_FROM", "02-30")
    with pytest.raises(ValidationError) as refused:
        CalendarWarningSettings()
    assert refused.value.errors()[0]["loc"] == ("calendar_warning_from",)
