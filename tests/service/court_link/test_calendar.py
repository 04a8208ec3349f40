"""court_link keeps its copy of each year loaded at the coordinator: its terms end on court days by it."""

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.court_link.domain.terms import is_provisional, term_end
from services.court_link.service import CourtLink
from shared.contracts.messages import CalendarYearLoaded
from shared.refusal import Refused
from shared.workdays import unload_year
from tests.calendar_years import TEST_2027
from tests.fakes.court import FakeCourtStore
from tests.fakes.unit_of_work import FakeUnitOfWork

CENTRE = "centre:430426"
LOADED_AT = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def forget_2027():
    yield
    unload_year(2027)


@pytest.fixture
def store() -> FakeCourtStore:
    return FakeCourtStore()


@pytest.fixture
def court(store, platform) -> CourtLink:
    return worker_factory(
        CourtLink,
        uow=FakeUnitOfWork(store),
        platform=replace(platform, service="court_link", now=lambda: LOADED_AT),
        sender="wuyuan.coordinator",
    )


def year_loaded() -> CalendarYearLoaded:
    return CalendarYearLoaded.build(
        message_id=UUID(int=7),
        occurred_at=LOADED_AT,
        sender=CENTRE,
        recipient=CENTRE,
        loaded_by="yunwei.wang",
        **TEST_2027,
    )


def test_a_term_ending_in_the_spring_festival_week_moves_past_it_once_the_year_is_loaded(court, store):
    # 诉前调解 30 days from Sunday 10 January 2027 end on Tuesday 9 February (初四): provisional, since only the
    # days the law fixes (除夕 to 初三) are known to be off before the notice.
    diverted = date(2027, 1, 10)
    assert (term_end(diverted, 30), is_provisional(diverted, term_end(diverted, 30))) == (date(2027, 2, 9), True)

    court.on_calendar_year_loaded(year_loaded())

    assert [y.year for y in store.calendar.years()] == [2027]
    # The (test) notice gives 春节 as 6–14 February: the term ends on Monday 15 February, and is exact.
    assert (term_end(diverted, 30), is_provisional(diverted, term_end(diverted, 30))) == (date(2027, 2, 15), False)


def test_a_calendar_year_from_an_agency_is_refused(court, store):
    court.sender = "wuyuan.police_link"
    with pytest.raises(Refused):
        court.on_calendar_year_loaded(year_loaded())
    assert store.calendar.years() == []


def test_a_year_sent_again_after_it_was_handled_does_not_replace_the_year_in_use(court, store):
    diverted = date(2026, 12, 2)
    court.on_calendar_year_loaded(year_loaded())
    unload_year(2027)  # stands for a later version of 2027 in use since: the old one must not come back

    court.on_calendar_year_loaded(year_loaded())  # the same message again (wuyuan reconcile), already handled

    assert is_provisional(diverted, term_end(diverted, 30))  # nothing loaded by the repeat
