"""An operator loads a year of the official calendar: stored, announced, and every provisional deadline recomputed."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.auth.principal import Principal, Role
from shared.contracts.messages import (
    CalendarYearLoaded,
    CaseAssigned,
    CaseRegistered,
    ClockPaused,
    ClockResumed,
    DeadlineChanged,
    ReferralDeadlineChanged,
    ReferralIssued,
)
from shared.http import BadInput
from shared.workdays import unload_year
from tests.calendar_years import TEST_2027

CST = timezone(timedelta(hours=8))
CASE_ID = "430426-20270128-00001"
POLICE_STATION = "police:430426101"
CENTRE = "centre:430426"
OPERATOR = Principal("yunwei.wang", "王运维", frozenset({Role.OPERATOR}))
# Thursday 28 January 2027, ten working days over the Spring Festival: Monday 15 February on weekdays less the
# statutory days (除夕 5 and 初三 8 February off), Wednesday 17 once the (test) 2027 calendar is known (春节 6–14
# February, Saturday 30 January worked, 除夕 not off).
REGISTERED = datetime(2027, 1, 28, 9, 0, tzinfo=CST)
PROVISIONAL_DUE = datetime(2027, 2, 15, 17, 30, tzinfo=CST)
EXACT_DUE = datetime(2027, 2, 17, 17, 30, tzinfo=CST)
LOADED_AT = datetime(2027, 1, 29, 10, 0, tzinfo=CST)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture(autouse=True)
def forget_2027():
    yield
    unload_year(2027)


@pytest.fixture
def clock() -> Clock:
    return Clock(REGISTERED)


@pytest.fixture
def coordinator(uow, platform, clock) -> Coordinator:
    desk = coordination_for(replace(platform, service="coordinator", now=clock))
    return worker_factory(Coordinator, uow=uow, desk=desk, caller=OPERATOR)


_ids = iter(range(1, 10_000))


@pytest.fixture
def issued(coordinator, uow, clock) -> ReferralIssued:
    coordinator.sender = "wuyuan.intake"
    coordinator.on_case_registered(
        CaseRegistered.build(
            message_id=UUID(int=next(_ids)),
            occurred_at=REGISTERED,
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            source="police_call",
            category="neighbour",
            division_code="430426101203",
            summary="两户因宅基地界址发生推搡。",
            flags=[],
            parties=[{"role": "applicant", "kind": "person", "name": "张三"}],
        )
    )
    [lead] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == POLICE_STATION]
    clock.at = LOADED_AT
    return lead


def put(http, body: dict, **extra: object):
    request = http.post({**body, **extra})
    request.environ["REQUEST_METHOD"] = "PUT"
    return request


def test_a_deadline_into_an_unknown_year_goes_out_provisional(issued, uow):
    assert (issued.due_at, issued.due_provisional) == (PROVISIONAL_DUE, True)
    [assigned] = uow.sent_of(CaseAssigned)
    assert all(r.due_provisional for r in assigned.referrals)


def test_loading_the_year_recomputes_it_tells_supervision_and_the_unit_and_announces_the_year(
    coordinator, http, uow, store, issued
):
    answer = http.body(coordinator.load_calendar_year(put(http, TEST_2027), "2027"))

    assert answer["changed"] is True
    moved = [m for m in answer["recomputed"] if m["unit"] == POLICE_STATION]
    assert [(m["case_id"], m["due_at"]) for m in moved] == [(CASE_ID, EXACT_DUE.isoformat())]
    [watch] = [m for m in uow.sent_of(DeadlineChanged) if m.unit == POLICE_STATION]
    assert (watch.due_at, watch.due_provisional, watch.revision) == (EXACT_DUE, False, 1)
    [told] = [m for m in uow.sent_of(ReferralDeadlineChanged) if m.recipient == POLICE_STATION]
    assert (told.due_at, told.due_provisional) == (EXACT_DUE, False)
    [year] = uow.sent_of(CalendarYearLoaded)
    assert (year.year, year.loaded_by, year.working_weekends[0].isoformat()) == (2027, "yunwei.wang", "2027-01-30")

    case = http.body(coordinator.show_case(http.get(), CASE_ID))
    [lead] = [r for r in case["referrals"] if r["unit"] == POLICE_STATION]
    assert (datetime.fromisoformat(lead["due_at"]), lead["due_provisional"]) == (EXACT_DUE, False)
    [line] = [
        e for e in case["timeline"] if e["kind"] == "deadline_recomputed" and e["detail"]["unit"] == POLICE_STATION
    ]
    assert line["detail"]["previous_due_at"] == PROVISIONAL_DUE.isoformat()


def test_loading_the_same_file_twice_changes_nothing_the_second_time_but_tells_the_services_again(
    coordinator, http, uow, issued
):
    coordinator.load_calendar_year(put(http, TEST_2027), "2027")
    sent = len(uow.sent)
    again = http.body(coordinator.load_calendar_year(put(http, TEST_2027), "2027"))

    assert (again["changed"], again["recomputed"]) == (False, [])
    # Only the year again: a court_link process that counted a term before it had read it counts it again.
    assert [m.type for m in uow.sent[sent:]] == ["CalendarYearLoaded"]
    first, second = uow.sent_of(CalendarYearLoaded)
    assert second.message_id != first.message_id and second.holidays == first.holidays


def test_a_bad_year_file_is_refused_naming_its_field_and_nothing_is_stored(coordinator, http, store):
    bad = {**TEST_2027, "working_weekends": ["2027-01-29"]}
    with pytest.raises(BadInput) as refused:
        coordinator.load_calendar_year(put(http, bad), "2027")
    assert [f["field"] for f in refused.value.fields] == ["working_weekends[0]"]
    assert store.calendar.years() == []


def test_a_year_the_library_knows_needs_replace_and_the_path_must_match(coordinator, http):
    known = {**TEST_2027, "year": 2026, "holidays": [{"name": "元旦", "days": ["2026-01-01"]}], "working_weekends": []}
    with pytest.raises(BadInput) as refused:
        coordinator.load_calendar_year(put(http, known), "2026")
    assert refused.value.fields[0]["type"] == "calendar_known"
    with pytest.raises(BadInput) as mismatch:
        coordinator.load_calendar_year(put(http, TEST_2027), "2028")
    assert mismatch.value.fields[0]["field"] == "year"
    unload_year(2026)


def test_the_calendar_lists_library_and_loaded_years_and_shows_a_year_by_holiday(coordinator, http, clock, issued):
    clock.at = datetime(2026, 12, 28, 10, 0, tzinfo=CST)  # in December, when next year's notice is awaited
    assert http.body(coordinator.list_calendar(http.get()))["next_year_known"] is False
    coordinator.load_calendar_year(put(http, TEST_2027), "2027")

    listed = http.body(coordinator.list_calendar(http.get()))
    assert (listed["library_years"][0], [y["year"] for y in listed["loaded"]], listed["next_year_known"]) == (
        2004,
        [2027],
        True,
    )
    shown = http.body(coordinator.show_calendar_year(http.get(), "2027"))
    assert (shown["origin"], shown["holidays"][0]["name"]) == ("loaded", "元旦")
    library = http.body(coordinator.show_calendar_year(http.get(), "2026"))
    assert library["origin"] == "library"
    assert "春节" in [h["name"] for h in library["holidays"]]
    assert "2026-02-14" in library["working_weekends"]


def test_a_deadline_already_moved_by_a_pause_is_recomputed_with_that_pause(coordinator, http, uow, clock, issued):
    paused_at = datetime(2027, 2, 1, 9, 0, tzinfo=CST)  # Monday
    resumed_at = datetime(2027, 2, 3, 9, 0, tzinfo=CST)  # Wednesday: two working days given back
    common = {
        "case_id": CASE_ID,
        "sender": POLICE_STATION,
        "recipient": CENTRE,
        "referral_id": issued.referral_id,
        "officer": "liu.yang",
        "pause_number": 1,
    }
    coordinator.sender = "wuyuan.police_link"
    clock.at = paused_at
    coordinator.on_clock_paused(
        ClockPaused.build(message_id=UUID(int=next(_ids)), occurred_at=paused_at, reason="appraisal", **common)
    )
    clock.at = resumed_at
    coordinator.on_clock_resumed(ClockResumed.build(message_id=UUID(int=next(_ids)), occurred_at=resumed_at, **common))
    [moved] = [m for m in uow.sent_of(ReferralDeadlineChanged) if m.recipient == POLICE_STATION]
    assert (moved.due_at, moved.due_provisional, moved.revision) == (datetime(2027, 2, 17, 17, 30, tzinfo=CST), True, 2)

    clock.at = LOADED_AT
    coordinator.load_calendar_year(put(http, TEST_2027), "2027")

    # Wednesday 17 February by the known calendar, then the two working days the pause gave back: Friday 19.
    exact = [m for m in uow.sent_of(ReferralDeadlineChanged) if m.recipient == POLICE_STATION][-1]
    assert (exact.due_at, exact.due_provisional, exact.revision) == (
        datetime(2027, 2, 19, 17, 30, tzinfo=CST),
        False,
        3,
    )
