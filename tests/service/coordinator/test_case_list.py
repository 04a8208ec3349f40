"""The staff console's reads of the coordinator: the filtered case list, and the county's overview for leaders."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import count
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.auth.principal import Principal, Role
from shared.contracts.messages import CaseRegistered, ClockPaused, ReferralAccepted, ReferralIssued, ResultReported
from shared.http import BadInput
from shared.wording import field_error_text
from shared.workdays import CHINA_TZ
from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork

LATE_EVENING = datetime(2026, 11, 23, 23, 30, tzinfo=CHINA_TZ)  # a Monday, 15:30 UTC
JUST_AFTER_MIDNIGHT = datetime(2026, 11, 24, 0, 10, tzinfo=CHINA_TZ)  # the Tuesday, still the Monday in UTC
FENCE_QUARREL = "430426-20261123-00017"
LOAN_CLAIM = "430426-20261124-00001"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
LEADER = Principal("li.xianzhang", "李县长", frozenset({Role.LEADER}))


@dataclass
class Clock:
    """The platform's clock, set by the test."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(LATE_EVENING)


@pytest.fixture
def uow() -> FakeUnitOfWork[FakeCaseStore]:
    return FakeUnitOfWork(FakeCaseStore())


@pytest.fixture
def coordinator(uow, platform, clock) -> Coordinator:
    desk = coordination_for(replace(platform, service="coordinator", now=clock))
    return worker_factory(Coordinator, uow=uow, desk=desk, caller=LEADER)


_ids = count(1)


def register(coordinator: Coordinator, case_id: str, source: str, category: str, division: str, summary: str) -> None:
    """Deliver a CaseRegistered from intake, triaged at the clock's time."""
    coordinator.sender = "wuyuan.intake"
    coordinator.on_case_registered(
        CaseRegistered.build(
            message_id=UUID(int=next(_ids)),
            occurred_at=coordinator.desk.platform.now(),
            case_id=case_id,
            sender="centre:430426",
            recipient="centre:430426",
            source=source,
            category=category,
            division_code=division,
            summary=summary,
            flags=[],
            parties=[{"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"}],
        )
    )


@pytest.fixture
def two_cases(coordinator, clock) -> None:
    """A police call late on Monday evening, and a court filing ten minutes after midnight."""
    register(coordinator, FENCE_QUARREL, "police_call", "neighbour", "430426101203", "两户村民因院墙边界发生争执")
    clock.at = JUST_AFTER_MIDNIGHT
    register(coordinator, LOAN_CLAIM, "court_filing", "debt", "430426", "借款三万元逾期未还")


def due(referral: ReferralIssued) -> datetime:
    return referral.due_at


def pause(coordinator: Coordinator, referral: ReferralIssued, reason: str) -> None:
    """The unit accepts its referral, then stops its clock (期限中止), as its agency's service reports them."""
    coordinator.sender = f"wuyuan.{referral.recipient.split(':')[0]}_link"
    about = {
        "occurred_at": LATE_EVENING,
        "case_id": referral.case_id,
        "sender": referral.recipient,
        "recipient": "centre:430426",
        "referral_id": referral.referral_id,
        "officer": "liu.yang",
    }
    coordinator.on_referral_accepted(ReferralAccepted.build(message_id=UUID(int=next(_ids)), **about))
    coordinator.on_clock_paused(
        ClockPaused.build(message_id=UUID(int=next(_ids)), reason=reason, note="等待", pause_number=1, **about)
    )


def listed(coordinator, http, **query: str) -> dict:
    return http.body(coordinator.list_cases(http.get(query)))


def ids(answer: dict) -> list[str]:
    return [row["case_id"] for row in answer["cases"]]


# --- the case list ---------------------------------------------------------------------------


def test_a_row_of_the_list_says_what_the_case_is_who_has_it_and_when_it_is_due(coordinator, uow, http, two_cases):
    [lead, co_unit] = [m for m in uow.sent_of(ReferralIssued) if m.case_id == FENCE_QUARREL]
    first = min(lead, co_unit, key=due)

    answer = listed(coordinator, http, source="police_call")

    assert answer["total"] == 1
    assert answer["counts"] == {"assigned": 2}
    assert answer["cases"] == [
        {
            "case_id": FENCE_QUARREL,
            "status": "assigned",
            "round": 1,
            "mode": "joint",
            "source": "police_call",
            "category": "neighbour",
            "division_code": "430426101203",
            "flags": [],
            "summary": "两户村民因院墙边界发生争执",
            "lead_unit": POLICE_STATION,
            "co_units": [JUSTICE_OFFICE],
            "centre": "430426101",  # 三级: the township's centre holds its station's case
            "level": "township",
            "gaps": [],
            "declined_units": [],
            "open_units": ["justice:430426101", "police:430426101"],
            "registered_at": "2026-11-23T23:30:00+08:00",
            "updated_at": "2026-11-23T23:30:00+08:00",
            "next_due_at": min(lead.due_at, co_unit.due_at).isoformat(),
            "next_due_provisional": False,
            "overdue": False,
            "rating": None,
            "result": None,
            "deadline": {
                "due_at": first.due_at.isoformat(),
                "unit": first.recipient,
                "provisional": False,
                "paused": False,
                "pause_reasons": [],
            },
        }
    ]


def test_a_row_counts_down_to_the_deadline_still_running_and_says_when_every_clock_stands_still(
    coordinator, uow, http, two_cases
):
    """The case's page counts down to a running clock: a paused unit's earlier deadline is not the one that nears."""
    [lead, co_unit] = sorted((m for m in uow.sent_of(ReferralIssued) if m.case_id == FENCE_QUARREL), key=due)
    pause(coordinator, lead, "awaiting_party")

    [row] = listed(coordinator, http, source="police_call")["cases"]
    assert (row["deadline"]["unit"], row["deadline"]["paused"]) == (co_unit.recipient, False)

    pause(coordinator, co_unit, "appraisal")
    [row] = listed(coordinator, http, source="police_call")["cases"]
    assert (row["deadline"]["unit"], row["deadline"]["paused"]) == (lead.recipient, True)
    assert row["deadline"]["pause_reasons"] == ["appraisal", "awaiting_party"]


def test_registration_dates_are_days_in_china_time(coordinator, http, two_cases):
    # Both were registered on the same UTC day; in China they are a Monday's and a Tuesday's.
    assert ids(listed(coordinator, http, registered_to="2026-11-23")) == [FENCE_QUARREL]
    assert ids(listed(coordinator, http, registered_from="2026-11-24")) == [LOAN_CLAIM]
    both = listed(coordinator, http, registered_from="2026-11-23", registered_to="2026-11-24")
    assert ids(both) == [LOAN_CLAIM, FENCE_QUARREL]


def test_overdue_is_judged_by_the_platform_clock(coordinator, uow, http, clock, two_cases):
    fence_due = min(m.due_at for m in uow.sent_of(ReferralIssued) if m.case_id == FENCE_QUARREL)

    clock.at = fence_due
    assert ids(listed(coordinator, http, overdue="true")) == []
    clock.at = fence_due + timedelta(minutes=1)
    answer = listed(coordinator, http, overdue="true")

    assert ids(answer) == [FENCE_QUARREL]
    assert answer["cases"][0]["overdue"] is True
    assert ids(listed(coordinator, http, overdue="false")) == [LOAN_CLAIM]


def test_unit_place_and_search_filters_reach_the_store(coordinator, http, two_cases):
    assert ids(listed(coordinator, http, unit="justice:430426")) == [LOAN_CLAIM, FENCE_QUARREL]
    assert ids(listed(coordinator, http, unit=POLICE_STATION)) == [FENCE_QUARREL]
    assert ids(listed(coordinator, http, place="430426101")) == [FENCE_QUARREL]
    assert ids(listed(coordinator, http, q=" 三万元 ")) == [LOAN_CLAIM]
    assert ids(listed(coordinator, http, q="430426-20261123")) == [FENCE_QUARREL]


def test_the_first_and_last_days_a_date_can_name_are_bounds_like_any_other(coordinator, http, two_cases):
    answer = listed(coordinator, http, registered_from="0001-01-01", registered_to="9999-12-31")

    assert ids(answer) == [LOAN_CLAIM, FENCE_QUARREL]


def test_a_page_of_the_list_comes_with_the_total_of_all_pages(coordinator, http, two_cases):
    answer = listed(coordinator, http, limit="1", offset="1")

    assert (ids(answer), answer["total"]) == ([FENCE_QUARREL], 2)


def test_a_limit_of_zero_gives_the_counts_and_the_total_alone(coordinator, http, two_cases):
    answer = listed(coordinator, http, limit="0", category="debt")

    assert answer == {"cases": [], "total": 1, "counts": {"assigned": 2}}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"source": "nope"}, "source"),
        ({"category": "murder"}, "category"),
        ({"place": "12"}, "place"),
        ({"place": "4304261012"}, "place"),
        ({"unit": "police"}, "unit"),
        ({"unit": "police:4304261"}, "unit"),
        ({"registered_from": "2026-11-31"}, "registered_from"),
        ({"registered_to": "23/11/2026"}, "registered_to"),
        ({"registered_from": "1767225600"}, "registered_from"),  # 2026-01-01 in seconds since 1970: not a date
        ({"registered_from": "2026-11-24", "registered_to": "2026-11-23"}, "registered_to"),
        ({"overdue": "maybe"}, "overdue"),
        ({"q": "院" * 51}, "q"),
        ({"q": "   "}, "q"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "ten"}, "offset"),
        ({"limit": "501"}, "limit"),
        ({"page": "2"}, "page"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else value,
)
def test_a_malformed_parameter_is_named_in_the_refusal(coordinator, http, query, field):
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get(query))

    assert [f["field"] for f in refused.value.fields] == [field]


def test_an_end_before_the_start_is_refused_with_the_code_staff_read_in_chinese(coordinator, http):
    """`to_before_from`, as supervision's report query says it: the console and `wuyuan case list` word the code
    (截止日期早于起始日期), never pydantic's English."""
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get({"registered_from": "2026-12-10", "registered_to": "2026-12-01"}))

    [error] = refused.value.fields
    assert (error["field"], error["type"]) == ("registered_to", "to_before_from")
    assert field_error_text(error) == "截止日期早于起始日期"


def test_a_unit_of_an_agency_the_county_does_not_have_is_named_in_the_refusal(coordinator, http):
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get({"unit": "fire:430426"}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("unit", "unknown_agency")]


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"unit": "police:999999"}, "unit", "unknown_unit"),  # another county's (or no county's) station
        ({"unit": "police:430426999"}, "unit", "unknown_unit"),  # a township the county's divisions do not list
        ({"unit": "justice:430426999001"}, "unit", "unknown_unit"),  # a village of such a township
        ({"place": "999999"}, "place", "not_in_county"),
        ({"place": "430426999"}, "place", "not_in_county"),
        ({"place": "430426999001"}, "place", "not_in_county"),
    ],
)
def test_a_unit_or_place_the_county_does_not_have_is_refused_not_listed_as_no_cases(
    coordinator, http, two_cases, query, field, code
):
    """A mistyped code would otherwise answer an empty list, which reads as "no such cases"."""
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get(query))

    [error] = refused.value.fields
    assert (error["field"], error["type"]) == (field, code)
    assert field_error_text(error).startswith("不是本县" if field == "place" else "没有这个单位")


def test_a_wrong_unit_and_a_wrong_place_are_named_together(coordinator, http):
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get({"unit": "police:430427101", "place": "430427"}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [
        ("unit", "unknown_unit"),
        ("place", "not_in_county"),
    ]


@pytest.mark.parametrize(
    ("centre", "held_by"),
    [
        ("430426106", "430426"),  # 灵官镇, a township of the county where config/centres.toml sets up no centre
        ("430426101205", "430426101"),  # 石门村, whose cases 砖塘镇's centre holds
    ],
)
def test_a_centre_filter_at_a_place_with_no_centre_is_refused_naming_who_holds_its_cases(
    coordinator, http, two_cases, centre, held_by
):
    """No case is ever held at a division with no centre: an empty list would tell staff there are no cases."""
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get({"centre": centre}))

    [error] = refused.value.fields
    assert (error["field"], error["type"]) == ("centre", "no_centre")
    assert centre in str(error["message"]) and f"held by the centre at {held_by}" in str(error["message"])


def test_a_unit_filter_naming_a_centre_the_county_did_not_set_up_is_refused_as_the_centre_filter_is(
    coordinator, http, two_cases
):
    """`centre:430426106` (灵官镇, no centre of its own) holds no case: an empty list would read as "no cases"."""
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get({"unit": "centre:430426106"}))

    [error] = refused.value.fields
    assert (error["field"], error["type"]) == ("unit", "no_centre")
    assert "held by the centre at 430426" in str(error["message"])
    assert coordinator.list_cases(http.get({"unit": "centre:430426101"})).status_code == 200  # 砖塘镇's centre


def test_a_centre_filter_outside_the_county_is_not_in_county_and_a_centre_set_up_filters(coordinator, http, two_cases):
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get({"centre": "430427"}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("centre", "not_in_county")]
    # The centres the county set up filter: 砖塘镇's holds the police call, the county's the court filing.
    assert (
        listed(coordinator, http, centre="430426101")["total"],
        listed(coordinator, http, centre="430426")["total"],
    ) == (1, 1)


@pytest.mark.parametrize(
    "query",
    [
        {"unit": "police:430426"},  # the county bureau, which routing designates as police@county
        {"unit": "court:430426101"},  # below the court's own level: it may hold a case assigned to it earlier
        {"unit": "police:430426101203"},  # a listed village
        {"unit": "justice:430426101299"},  # a village the file does not list, of a listed township
        {"unit": "centre:430426101"},  # the township's centre
        {"place": "430426101203"},
        {"place": "430426101299"},  # intake registers disputes at unlisted villages of listed townships
    ],
    ids=lambda query: next(iter(query.values())),
)
def test_every_unit_and_place_that_can_hold_a_case_filters(coordinator, http, two_cases, query):
    assert listed(coordinator, http, **query)["counts"] == {"assigned": 2}


# --- the overview ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "admitted"),
    [
        (Role.LEADER, True),
        (Role.SUPERVISOR, True),
        (Role.COORDINATOR, True),
        (Role.INTAKE_STAFF, False),
        (Role.OFFICER, False),
        (Role.OPERATOR, False),
    ],
)
def test_the_overview_is_for_those_who_answer_for_the_county(role, admitted):
    [entrypoint] = Coordinator.overview.nameko_entrypoints
    caller = Principal("zhang.san", "张三", frozenset({role}), frozenset({POLICE_STATION}))

    # What the authenticator asks of every request before a worker runs.
    assert caller.has_any(entrypoint.access.roles) is admitted
    assert entrypoint.url == "/api/v1/overview"


# Every result code, in the contract's order, before anything is counted.
NO_RESULTS = {
    "mediated": 0,
    "judicially_confirmed": 0,
    "withdrawn": 0,
    "handled": 0,
    "referred_to_arbitration": 0,
    "referred_to_administrative_ruling": 0,
    "referred_to_administrative_review": 0,
    "referred_to_litigation": 0,
    "not_suitable_for_mediation": 0,
    "mediation_failed": 0,
}


def test_the_overview_counts_cases_deadlines_and_ratings(coordinator, uow, http, clock, two_cases):
    police = next(m for m in uow.sent_of(ReferralIssued) if m.recipient == POLICE_STATION)
    clock.at = police.due_at  # the police station reports at the last moment: on time
    coordinator.sender = "wuyuan.police_link"
    coordinator.on_result_reported(
        ResultReported.build(
            message_id=UUID(int=next(_ids)),
            occurred_at=clock.at,
            case_id=FENCE_QUARREL,
            sender=POLICE_STATION,
            recipient="centre:430426",
            referral_id=police.referral_id,
            officer="刘警官",
            outcome="resolved",
            summary="双方达成调解协议。",
        )
    )
    clock.at = datetime(2027, 3, 1, 9, 0, tzinfo=CHINA_TZ)  # every other deadline has passed

    overview = http.body(coordinator.overview(http.get()))

    assert overview == {
        "cases_total": 2,
        "by_source": {
            "walk_in": 0,
            "hotline": 0,
            "grid": 0,
            "court_filing": 1,
            "police_call": 1,
            "mediation_request": 0,
            "petition": 0,
            "stability_lead": 0,
        },
        "by_status": {
            "registered": 0,
            "assigned": 1,
            "in_progress": 1,
            "awaiting_manual_triage": 0,
            "resolved": 0,
            "closed": 0,
        },
        "by_source_status": {"court_filing": {"assigned": 1}, "police_call": {"in_progress": 1}},
        "referrals": {"finished": 1, "on_time": 1, "on_time_rate": 1.0, "open": 3, "overdue": 3},
        "ratings": {"satisfied": 0, "basically_satisfied": 0, "dissatisfied": 0, "satisfaction_rate": None},
        "results": {**NO_RESULTS, "handled": 1},
        "case_results": NO_RESULTS,
        "mediation": {"attempted": 0, "succeeded": 0, "referred_on": 0, "success_rate": None},
        "by_unit": [
            {"unit": "court:430426", "open": 1, "overdue": 1, "finished": 0, "on_time": 0, "results": NO_RESULTS},
            {"unit": "justice:430426", "open": 1, "overdue": 1, "finished": 0, "on_time": 0, "results": NO_RESULTS},
            {"unit": JUSTICE_OFFICE, "open": 1, "overdue": 1, "finished": 0, "on_time": 0, "results": NO_RESULTS},
            {
                "unit": POLICE_STATION,
                "open": 0,
                "overdue": 0,
                "finished": 1,
                "on_time": 1,
                "results": {**NO_RESULTS, "handled": 1},
            },
        ],
        "as_of": "2027-03-01T09:00:00+08:00",
    }
