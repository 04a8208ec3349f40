"""court_link keeps its copy of each year loaded at the coordinator: its terms end on court days by it, those counted
before it was known included."""

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.court_link.domain.filings import (
    FilingFacts,
    record_agreement,
    register,
    request_confirmation,
)
from services.court_link.domain.screening import CaseType, ScreeningFacts, screen
from services.court_link.domain.terms import is_provisional, term_end
from services.court_link.service import CourtLink
from shared.contracts.disputes import Agreement, PartyNotice
from shared.contracts.messages import CalendarYearLoaded
from shared.contracts.vocabulary import Category
from shared.persistence.errors import StoreUnavailable
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


# --- the terms the year moves, counted again ----------------------------------------------------------

CLEAR = ScreeningFacts(legal_relation_clear=True, facts_clear=True, parties_consent=True)
LOAN = "(2027)湘0426民初12号"
SIGNED = "(2026)湘0426民初301号"
AGREEMENT = Agreement(
    number="祁司调〔2027〕第3号", signed_on=date(2027, 1, 19), terms="被告于3月31日前归还借款两万元。"
)


def diverted_on(store: FakeCourtStore, number: str, day: date) -> None:
    """A filing diverted on `day`, its term counted by what this process knew then."""
    kept = FilingFacts(
        case_type=CaseType.CIVIL,
        filed_on=day,
        category=Category.DEBT,
        division_code="430426101",
        summary="原告诉请被告归还借款两万元。",
        parties=(PartyNotice(role="applicant", kind="person", name="陈立新"),),
        claim_amount_yuan=None,
        screening_facts=CLEAR,
        administrative_matter=None,
        screening=screen(CaseType.CIVIL, CLEAR, None),
    )
    store.add_filing(register(number, "court:430426", kept.screening, day), kept, "zhao.li", None, LOADED_AT)


def applied_for(store: FakeCourtStore, number: str, accepted_on: date) -> None:
    filing, _ = store.lock_filing(number)
    filing, application = request_confirmation(filing, None, AGREEMENT, AGREEMENT.signed_on, accepted_on, accepted_on)
    store.save_filing(filing, LOADED_AT)
    store.add_confirmation(application)


def recounts(store: FakeCourtStore, number: str) -> list[dict]:
    return [
        e["detail"] | {"by": e["officer"]}
        for e in store.filing_entries
        if e["filing_number"] == number and e["kind"] == "term_recounted"
    ]


def test_a_term_counted_before_the_year_was_known_ends_where_its_calendar_says_and_the_filing_says_so(court, store):
    diverted_on(store, LOAN, date(2027, 1, 10))  # counted without the notice: ends Tuesday 9 February (初四)

    court.on_calendar_year_loaded(year_loaded())

    assert store.get_filing(LOAN)["mediation_due_on"] == date(2027, 2, 15)  # after the notice's 春节 (6–14 February)
    assert recounts(store, LOAN) == [
        {"term": "mediation", "year": 2027, "was": "2027-02-09", "now": "2027-02-15", "by": "yunwei.wang"}
    ]


def test_a_decision_term_an_adjusted_working_weekend_shortens_ends_on_that_saturday(court, store):
    # Accepted on Friday 15 January 2027: 15 days end on Saturday 30 January, which without the notice moved to
    # Monday 1 February, and by it is a working day (调休).
    diverted_on(store, SIGNED, date(2026, 12, 21))
    applied_for(store, SIGNED, date(2027, 1, 15))
    assert store.get_filing(SIGNED)["confirmations"][0]["decision_due_on"] == date(2027, 2, 1)

    court.on_calendar_year_loaded(year_loaded())

    assert store.get_filing(SIGNED)["confirmations"][0]["decision_due_on"] == date(2027, 1, 30)
    assert recounts(store, SIGNED) == [
        {"term": "decision", "year": 2027, "was": "2027-02-01", "now": "2027-01-30", "seq": 1, "by": "yunwei.wang"}
    ]


def test_terms_the_year_does_not_move_and_filings_whose_mediation_ended_are_left_as_they_are(court, store):
    diverted_on(store, LOAN, date(2027, 3, 1))  # 31 March: a working day either way
    diverted_on(store, SIGNED, date(2027, 1, 10))
    filing, _ = store.lock_filing(SIGNED)
    store.save_filing(record_agreement(filing, AGREEMENT), LOADED_AT)  # mediated: its term no longer runs

    court.on_calendar_year_loaded(year_loaded())

    assert store.get_filing(LOAN)["mediation_due_on"] == date(2027, 3, 31)
    assert store.get_filing(SIGNED)["mediation_due_on"] == date(2027, 2, 9)
    assert recounts(store, LOAN) == recounts(store, SIGNED) == []


def test_a_recount_that_fails_keeps_neither_the_year_nor_a_moved_term_and_counts_as_before(court, store, monkeypatch):
    diverted_on(store, LOAN, date(2027, 1, 10))

    def broken(*_args):
        raise StoreUnavailable("the database went away")

    monkeypatch.setattr(store, "save_mediation_term", broken)
    with pytest.raises(StoreUnavailable):
        court.on_calendar_year_loaded(year_loaded())

    assert store.calendar.years() == []
    assert store.get_filing(LOAN)["mediation_due_on"] == date(2027, 2, 9)
    assert is_provisional(date(2027, 1, 10), term_end(date(2027, 1, 10), 30))  # this process counts as before


def test_a_worker_that_re_reads_the_table_during_the_recount_does_not_make_it_count_by_the_older_year(
    court, store, monkeypatch
):
    diverted_on(store, LOAN, date(2027, 1, 10))
    read_terms = store.running_terms_over

    def meanwhile_the_table_is_read_again(first: date, last: date):
        unload_year(2027)  # as a worker re-reading the table puts back what was stored before (here: nothing)
        return read_terms(first, last)

    monkeypatch.setattr(store, "running_terms_over", meanwhile_the_table_is_read_again)
    court.on_calendar_year_loaded(year_loaded())

    assert store.get_filing(LOAN)["mediation_due_on"] == date(2027, 2, 15)
    assert not is_provisional(date(2027, 1, 10), date(2027, 2, 15))  # and the process counts by it afterwards


def test_the_year_is_handled_in_a_transaction_of_its_own_not_in_a_group_with_other_handlers():
    (entrypoint,) = CourtLink.on_calendar_year_loaded.nameko_entrypoints

    assert entrypoint.commits_in_groups is False
