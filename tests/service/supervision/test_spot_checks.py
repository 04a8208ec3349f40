"""回访抽查 in supervision: the previous period drawn once, a draw on demand, a finding that reopens, the figures."""

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.supervision.domain import FollowUp
from services.supervision.service import Supervision
from services.supervision.spot_checks import Period, SpotCheckRules
from shared.auth.principal import Principal, Role
from shared.contracts.messages import CaseClosed, CaseReopened, SpotCheckFound
from shared.contracts.vocabulary import Rating, ReopenCause, ResultCode
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.refusal import Refused
from shared.workdays import CHINA_TZ
from tests.fakes.supervision import FakeSupervisionStore
from tests.fakes.unit_of_work import FakeUnitOfWork

CENTRE = "centre:430426"
LEAD = "police:430426101"
SUPERVISOR = Principal("zhou.hui", "回访员小周", frozenset({Role.SUPERVISOR}))
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=CHINA_TZ)  # December: the timer draws November
NOVEMBER = datetime(2026, 11, 10, 9, 0, tzinfo=CHINA_TZ)
DEFAULT = SpotCheckRules()


def case_number(n: int) -> str:
    return f"430426-20261101-{n:05d}"


@pytest.fixture
def store() -> FakeSupervisionStore:
    return FakeSupervisionStore()


@pytest.fixture
def uow(store) -> FakeUnitOfWork[FakeSupervisionStore]:
    return FakeUnitOfWork(store)


def supervision(uow, platform, rules: SpotCheckRules = DEFAULT) -> Supervision:
    return worker_factory(
        Supervision,
        sent_again=None,
        uow=uow,
        platform=replace(platform, service="supervision", now=lambda: NOW),
        sender="wuyuan.coordinator",
        caller=SUPERVISOR,
        spot_check_rules=rules,
    )


def closed(
    store: FakeSupervisionStore, n: int, at: datetime = NOVEMBER, round: int = 1, result: ResultCode | None = None
) -> str:
    """A case rated and closed at `at`, as supervision saw it: its rated follow-up and the CaseClosed fact."""
    case_id = case_number(n)
    store.open_follow_up(FollowUp(case_id, LEAD, round, at - timedelta(days=1), result=result), {})
    store.save_rating(FollowUp(case_id, LEAD, round, at, Rating.SATISFIED, at), None, "zhou.hui")
    store.record_fact(
        CaseClosed.build(
            message_id=UUID(int=n * 10 + round),
            occurred_at=at,
            case_id=case_id,
            sender=CENTRE,
            recipient=CENTRE,
            rating=Rating.SATISFIED,
        )
    )
    return case_id


def test_the_timer_draws_the_previous_month_once_at_the_share_rounded_up(uow, store, platform, http):
    for n in range(1, 26):
        closed(store, n)
    closed(store, 99, at=datetime(2026, 10, 31, 23, 0, tzinfo=CHINA_TZ))  # October: not this period
    service = supervision(uow, platform)

    service.draw_spot_checks()
    service.draw_spot_checks()  # a second tick (or a second instance) draws nothing more

    [draw] = [row["draw"] for row in store.draws.values()]
    assert (draw.period_start.isoformat(), draw.period_end.isoformat()) == ("2026-11-01", "2026-11-30")
    assert (draw.population, len(draw.drawn)) == (25, 3)  # 10 % of 25 is 2.5: three drawn
    listed = http.body(service.list_spot_checks(http.get({"period": "2026-11"})))["spot_checks"]
    assert sorted(c["case_id"] for c in listed) == sorted(c.case_id for c in draw.drawn)
    assert all(c["trigger"] == "scheduled" and c["found"] is False for c in listed)


def test_weekly_draws_take_the_week_before_and_the_minimum(uow, store, platform):
    closed(store, 1, at=datetime(2026, 11, 25, 9, 0, tzinfo=CHINA_TZ))  # Wednesday of the week before
    closed(store, 2, at=datetime(2026, 11, 29, 22, 0, tzinfo=CHINA_TZ))  # its Sunday night
    closed(store, 3, at=datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ))  # this week
    supervision(uow, platform, SpotCheckRules(Decimal(0), Period.WEEKLY, minimum=2)).draw_spot_checks()

    [draw] = [row["draw"] for row in store.draws.values()]
    assert {c.case_id for c in draw.drawn} == {case_number(1), case_number(2)}


def test_a_supervisor_draws_a_range_on_demand_and_never_draws_a_case_twice(uow, store, platform, http):
    for n in range(1, 5):
        closed(store, n)
    service = supervision(uow, platform, SpotCheckRules(Decimal(50)))

    first = http.body(service.draw_spot_checks_now(http.post({"from": "2026-11-01", "to": "2026-11-30"})))
    second = http.body(service.draw_spot_checks_now(http.post({"from": "2026-11-01", "to": "2026-11-30"})))

    assert (first["closed"], len(first["drawn"]), first["trigger"]) == (4, 2, "on_demand")
    assert (second["closed"], len(second["drawn"])) == (2, 1)  # the two drawn first are left out
    assert not {c["case_id"] for c in first["drawn"]} & {c["case_id"] for c in second["drawn"]}
    assert len(first["seed"]) == 32
    assert {row["drawn_by"] for row in store.draws.values()} == {"zhou.hui"}


def test_a_bad_range_is_refused_naming_the_field(uow, platform, http):
    with pytest.raises(BadInput) as refused:
        supervision(uow, platform).draw_spot_checks_now(http.post({"from": "2026-11-30", "to": "2026-11-01"}))
    assert [f["field"] for f in refused.value.fields] == ["to"]


@pytest.mark.parametrize(
    "period",
    [{"from": "2026-11-01", "to": "2026-12-05"}, {"from": "2099-01-01", "to": "2099-12-31"}],  # NOW: 4 December
)
def test_a_draw_over_a_period_not_yet_over_is_refused_naming_to_and_draws_nothing(uow, store, platform, http, period):
    closed(store, 1)

    with pytest.raises(BadInput) as refused:
        supervision(uow, platform).draw_spot_checks_now(http.post(period))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("to", "date_future")]
    assert store.draws == {}


def test_a_draw_over_a_period_not_yet_over_and_a_start_that_is_no_date_is_one_400_naming_both(
    uow, store, platform, http
):
    closed(store, 1)

    with pytest.raises(BadInput) as refused:
        supervision(uow, platform).draw_spot_checks_now(http.post({"from": "2026-13-01", "to": "2026-12-05"}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [
        ("from", "date_from_datetime_parsing"),
        ("to", "date_future"),
    ]
    assert refused.value.fields[1]["message"] == "is after today (2026-12-04)"
    assert store.draws == {}


def test_a_draw_over_a_period_ending_today_is_taken(uow, store, platform, http):
    closed(store, 1)
    today = {"from": "2026-11-01", "to": "2026-12-04"}
    drawn = http.body(supervision(uow, platform).draw_spot_checks_now(http.post(today)))
    assert (drawn["closed"], len(drawn["drawn"])) == (1, 1)


def test_a_dissatisfied_finding_tells_the_coordinator_to_reopen_and_is_counted(uow, store, platform, http):
    case_id = closed(store, 1)
    closed(store, 2)
    service = supervision(uow, platform, SpotCheckRules(Decimal(100)))
    service.draw_spot_checks()

    answer = http.body(
        service.record_spot_check_finding(http.post({"rating": "dissatisfied", "comment": "工资仍未结清"}), case_id)
    )

    assert answer == {"case_id": case_id, "round": 1, "rating": "dissatisfied", "case_will": "reopen"}
    [found] = uow.sent_of(SpotCheckFound)
    assert (found.case_id, found.round, found.rating, found.checked_by) == (case_id, 1, Rating.DISSATISFIED, "zhou.hui")
    assert found.recipient == CENTRE
    with pytest.raises(Refused, match="already_found"):
        service.record_spot_check_finding(http.post({"rating": "satisfied"}), case_id)
    summary = http.body(service.spot_check_summary(http.get({"from": "2026-11-01", "to": "2026-11-30"})))
    assert summary == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "closed": 2,
        "drawn": 2,
        "done": 1,
        "share_percent": 100.0,
        "findings": {"satisfied": 0, "basically_satisfied": 0, "dissatisfied": 1},
        "reopened": 1,
    }
    pending = http.body(service.list_spot_checks(http.get()))["spot_checks"]
    assert [c["case_id"] for c in pending] == [case_number(2)]
    # the leaders' report carries the same figures for the county, as rates with their parts
    county = http.body(service.report(http.get({"period": "month", "date": "2026-11-15"})))["spot_checks"]
    assert county == {
        "closed": 2,
        "drawn": 2,
        "done": 1,
        "share": {"numerator": 2, "denominator": 2, "value": 100.0},
        "done_rate": {"numerator": 1, "denominator": 2, "value": 50.0},
        "findings": {"satisfied": 0, "basically_satisfied": 0, "dissatisfied": 1},
        "reopened": 1,
    }
    township = {"from": "2026-11-01", "to": "2026-11-30", "level": "township", "division": "430426101"}
    assert http.body(service.report(http.get(township)))["spot_checks"] is None


def test_a_dissatisfied_finding_on_a_dispute_taken_to_court_is_counted_but_reopens_nothing(uow, store, platform, http):
    case_id = closed(store, 1, result=ResultCode.REFERRED_TO_LITIGATION)
    service = supervision(uow, platform)
    service.draw_spot_checks()

    answer = http.body(service.record_spot_check_finding(http.post({"rating": "dissatisfied"}), case_id))

    assert answer["case_will"] == "stay_closed"
    summary = http.body(service.spot_check_summary(http.get({"from": "2026-11-01", "to": "2026-11-30"})))
    assert (summary["findings"]["dissatisfied"], summary["reopened"]) == (1, 0)


def test_a_dissatisfied_finding_on_a_case_reported_again_since_it_closed_reopens_nothing(uow, store, platform, http):
    # Drawn closed in round 1; the citizen reported it again, so the coordinator reopened it as round 2. The finding
    # about round 1 is only noted there (record_spot_check): supervision must neither promise a reopening nor count one.
    case_id = closed(store, 1)
    service = supervision(uow, platform)
    service.draw_spot_checks()
    store.record_fact(
        CaseReopened.build(
            message_id=UUID(int=500),
            occurred_at=NOW - timedelta(days=1),
            case_id=case_id,
            sender=CENTRE,
            recipient=CENTRE,
            cause=ReopenCause.REPEAT_REPORT,
            round=2,
        )
    )

    answer = http.body(service.record_spot_check_finding(http.post({"rating": "dissatisfied"}), case_id))

    assert (answer["round"], answer["case_will"]) == (1, "stay_closed")
    [found] = uow.sent_of(SpotCheckFound)  # the coordinator still hears of it, and notes it on the timeline
    assert (found.round, found.rating) == (1, Rating.DISSATISFIED)
    summary = http.body(service.spot_check_summary(http.get({"from": "2026-11-01", "to": "2026-11-30"})))
    assert (summary["findings"]["dissatisfied"], summary["reopened"]) == (1, 0)


def test_a_satisfied_finding_leaves_the_case_closed(uow, store, platform, http):
    case_id = closed(store, 1)
    service = supervision(uow, platform)
    service.draw_spot_checks()
    answer = http.body(service.record_spot_check_finding(http.post({"rating": "basically_satisfied"}), case_id))
    assert answer["case_will"] == "stay_closed"


def test_a_finding_for_a_case_never_drawn_is_not_found(uow, platform, http):
    with pytest.raises(NotFound):
        supervision(uow, platform).record_spot_check_finding(http.post({"rating": "satisfied"}), case_number(7))


def test_the_summary_rounds_the_share_halves_up_as_the_report_does(uow, store, platform, http, monkeypatch):
    figures = {"closed": 16, "drawn": 1, "done": 0, "reopened": 0, "ratings": {}}
    monkeypatch.setattr(store, "spot_check_figures", lambda start, end: figures)

    summary = http.body(
        supervision(uow, platform).spot_check_summary(http.get({"from": "2026-12-01", "to": "2026-12-31"}))
    )

    assert summary["share_percent"] == 6.3  # 1 of 16 is 6.25: the report's 6.3, not float rounding's 6.2
