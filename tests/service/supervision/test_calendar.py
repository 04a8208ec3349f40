"""Supervision keeps its copy of each year loaded at the coordinator, marks provisional deadlines, and warns."""

from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import pytest

from services.supervision.service import Supervision
from shared.contracts.messages import CalendarYearLoaded, UnitDesignated
from shared.refusal import Refused
from shared.workdays import is_known, unload_year
from tests.calendar_years import TEST_2027

CASE_ID = "430426-20261204-00007"
CENTRE = "centre:430426"
POLICE_STATION = "police:430426101"
REFERRAL = UUID("44444444-4444-4444-8444-444444444444")
ISSUED = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
DUE = datetime(2027, 1, 7, 9, 30, tzinfo=UTC)  # counted on weekdays into 2027
READ_AT = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def forget_2027():
    yield
    unload_year(2027)


def year_loaded(message_id: int = 1) -> CalendarYearLoaded:
    return CalendarYearLoaded.build(
        message_id=UUID(int=message_id),
        occurred_at=READ_AT,
        sender=CENTRE,
        recipient=CENTRE,
        loaded_by="yunwei.wang",
        **TEST_2027,
    )


@pytest.fixture
def watched(supervision) -> Supervision:
    supervision.platform = replace(supervision.platform, now=lambda: READ_AT)
    supervision.on_unit_designated(
        UnitDesignated.build(
            message_id=UUID(int=99),
            occurred_at=ISSUED,
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            referral={
                "referral_id": REFERRAL,
                "unit": POLICE_STATION,
                "role": "lead",
                "round": 1,
                "issued_at": ISSUED,
                "due_at": DUE,
                "due_provisional": True,
            },
        )
    )
    return supervision


def test_in_december_the_board_warns_that_next_years_calendar_is_not_loaded_and_marks_the_deadline(watched, http):
    board = http.body(watched.board(http.get()))
    assert "2027年节假日安排尚未载入" in board["calendar_warning"]
    [watch] = board["watches"]
    assert watch["due_provisional"] is True
    [on_case] = http.body(watched.case_watches(http.get(), CASE_ID))["watches"]
    assert on_case["due_provisional"] is True


def test_the_year_loaded_at_the_coordinator_is_kept_and_clears_the_warning_and_the_mark(
    watched, http, supervision_store
):
    watched.on_calendar_year_loaded(year_loaded())

    assert [y.year for y in supervision_store.calendar.years()] == [2027]
    assert is_known(2027)
    board = http.body(watched.board(http.get()))
    assert board["calendar_warning"] is None
    assert board["watches"][0]["due_provisional"] is False


def test_a_calendar_year_from_anyone_but_the_coordinator_is_refused(supervision, supervision_store):
    supervision.sender = "wuyuan.court_link"
    with pytest.raises(Refused):
        supervision.on_calendar_year_loaded(year_loaded())
    assert supervision_store.calendar.years() == []
