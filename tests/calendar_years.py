"""Year files for tests: made up for the tests, NOT the State Council's calendar of any year."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from shared.calendar_file import CalendarYear, parse_calendar
from shared.workdays import load_year, unload_year

# A made-up 2027 shaped like a notice: 元旦 Friday 1 to Sunday 3 January, a Spring Festival week with
# two working weekends (调休上班) around it. Only the tests count by it.
TEST_2027: dict[str, Any] = {
    "year": 2027,
    "source": "测试用节假日安排（非国务院办公厅通知）",
    "holidays": [
        {"name": "元旦", "days": ["2027-01-01", "2027-01-02", "2027-01-03"]},
        {
            "name": "春节",
            "days": [f"2027-02-{d:02d}" for d in range(6, 15)],
        },
    ],
    "working_weekends": ["2027-01-30", "2027-02-20"],
}


def year_file(**changes: Any) -> CalendarYear:
    return parse_calendar({**TEST_2027, **changes})


@contextmanager
def loaded(calendar: CalendarYear) -> Iterator[CalendarYear]:
    """The year counted by in this process while the block runs, and forgotten after it."""
    previous = load_year(calendar.days())
    try:
        yield calendar
    finally:
        unload_year(calendar.year, previous)


def day(text: str) -> date:
    return date.fromisoformat(text)
