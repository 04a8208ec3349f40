"""Warns while an official calendar (节假日安排) in use is unknown: next year's, or this year's.

From a configurable day (default 1 December, `WUYUAN_CALENDAR_WARNING_FROM`, month-day) the board API
answers a `calendar_warning` in Chinese for staff (what it means for their deadlines, and that the operators
load the year) and the log carries a warning line for operators, with the command, at most once a day, until
the year is loaded at the coordinator (CalendarYearLoaded reaches supervision's copy); from 1 January on
it warns for the current year instead, every day until that year is loaded.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from nameko.containers import WorkerContext
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.dependency import Injects
from shared.workdays import CHINA_TZ, is_known, runs_into_unknown_year

log = logging.getLogger(__name__)


class CalendarWarningSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WUYUAN_", extra="ignore")
    calendar_warning_from: str = Field(
        "12-01", description="MM-DD: from this day of each year, warn while next year's calendar is unknown"
    )

    @field_validator("calendar_warning_from")
    @classmethod
    def _month_day(cls, value: str) -> str:
        month_day(value)
        return value


def month_day(value: str) -> tuple[int, int]:
    """'12-01' → (12, 1); ValueError naming what is wrong otherwise (a day that exists in every year)."""
    try:
        month, day = (int(part) for part in value.strip().split("-"))
        date(2001, month, day)  # not a leap year: 02-29 would warn only one year in four
    except ValueError:
        raise ValueError(f"{value!r} is not a month and day such as 12-01") from None
    return month, day


def warning_text(
    today: date, warn_from: tuple[int, int], next_year_known: bool, this_year_known: bool = True
) -> str | None:
    """The board's warning on `today` (China's date), or None when there is nothing to warn about yet. Staff read it:
    it says what the unknown year means for their deadlines and who puts it right, never a command to run (the
    operators' command is in the log line and in config/calendar/README.md)."""
    if not this_year_known:
        # On and after 1 January every deadline counted now runs on weekdays: warn whatever the day setting.
        year = today.year
        return (
            f"{year}年节假日安排尚未载入平台：{year}年内的期限暂按周一至周五计算，可能没有计入{year}年的法定节假日"
            f"和调休，这些期限标注“暂定”，实际期限可能推后或提前。请联系平台运维人员尽快载入{year}年节假日安排，"
            "载入后期限自动重新计算。"
        )
    if next_year_known or (today.month, today.day) < warn_from:
        return None
    year = today.year + 1
    return (
        f"{year}年节假日安排尚未载入平台：延续到{year}年的期限暂按周一至周五计算，可能没有计入{year}年的法定节假日"
        f"和调休，这些期限标注“暂定”，实际期限可能推后或提前。国务院办公厅发布{year}年节假日安排后，由平台运维人员载入，"
        "载入后期限自动重新计算。"
    )


# What an operator does about it, in the log line (English, as logs are): the command and where its file is described.
OPERATOR_ACTION = (
    "load the State Council's notice for the year with `wuyuan calendar load FILE` (config/calendar/README.md)"
)


def unknown_year(today: date, warn_from: tuple[int, int]) -> int | None:
    """The year the warning is about on `today`: this one while unknown, else next one from `warn_from`."""
    if not is_known(today.year):
        return today.year
    if (today.month, today.day) >= warn_from and not is_known(today.year + 1):
        return today.year + 1
    return None


@dataclass
class CalendarWarning:
    """Whether to warn now; remembers the last day it logged, so the log has one line a day per process."""

    warn_from: tuple[int, int]
    logged_on: date | None = None

    def text(self, now: datetime) -> str | None:
        today = now.astimezone(CHINA_TZ).date()
        return warning_text(today, self.warn_from, is_known(today.year + 1), is_known(today.year))

    def log_once_a_day(self, now: datetime) -> None:
        text = self.text(now)
        today = now.astimezone(CHINA_TZ).date()
        if text is None or self.logged_on == today:
            return
        self.logged_on = today
        log.warning(
            "an official calendar in use is not loaded",
            extra={"year": unknown_year(today, self.warn_from), "action": OPERATOR_ACTION},
        )


class CalendarWarningProvider(Injects[CalendarWarning]):
    """`self.calendar_warning`, read from the settings at start: a bad day stops the service naming the field."""

    warning: CalendarWarning | None = None

    def setup(self) -> None:
        try:
            settings = CalendarWarningSettings()
        except ValidationError as invalid:
            raise ValueError(f"WUYUAN_CALENDAR_WARNING_FROM: {invalid.errors()[0]['msg']}") from None
        self.warning = CalendarWarning(month_day(settings.calendar_warning_from))

    def get_dependency(self, worker_ctx: WorkerContext) -> CalendarWarning:
        if self.warning is None:
            self.setup()
        assert self.warning is not None
        return self.warning


def mark_provisional(watches: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each watch with `due_provisional`: its deadline was counted over a year whose calendar supervision does
    not know yet (暂定). Read from the calendar as it stands, so a loaded year clears the mark at once."""
    return [{**watch, "due_provisional": _provisional(watch)} for watch in watches]


def _provisional(watch: Mapping[str, Any]) -> bool:
    issued, due = watch.get("issued_at"), watch.get("due_at")
    if issued is None or due is None:
        return False
    issued_at = issued if isinstance(issued, datetime) else datetime.fromisoformat(str(issued))
    due_at = due if isinstance(due, datetime) else datetime.fromisoformat(str(due))
    return runs_into_unknown_year(issued_at, due_at)
