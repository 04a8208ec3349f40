"""Supervision's spot checks and alerts, held to one contract whether the store is the fake or PostgreSQL."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from services.supervision.domain import FollowUp
from services.supervision.spot_checks import ClosedCase, Draw, SpotCheck, Trigger
from services.supervision.store import PostgresSupervisionStore
from shared.contracts.messages import CaseClosed, CaseReopened, HighFrequencyAlertRaised
from shared.contracts.vocabulary import AlertKind, Rating, ReopenCause
from shared.persistence.errors import NotFound
from shared.workdays import CHINA_TZ
from tests.fakes.supervision import FakeSupervisionStore

SERVICE = "supervision"
FAKE = FakeSupervisionStore
POSTGRES_STORE = PostgresSupervisionStore

CENTRE = "centre:430426"
LEAD = "police:430426101"
NOVEMBER = (datetime(2026, 11, 1, tzinfo=CHINA_TZ), datetime(2026, 12, 1, tzinfo=CHINA_TZ))
CLOSED_AT = datetime(2026, 11, 10, 9, 0, tzinfo=CHINA_TZ)
DRAWN_AT = datetime(2026, 12, 1, 0, 1, tzinfo=CHINA_TZ)
FIRST, SECOND, OCTOBER_CASE = "430426-20261101-00001", "430426-20261101-00002", "430426-20261001-00003"


def close(store, case_id: str, at: datetime = CLOSED_AT, round: int = 1, n: int = 1) -> None:
    store.open_follow_up(FollowUp(case_id, LEAD, round, at - timedelta(days=2)), {})
    store.save_rating(FollowUp(case_id, LEAD, round, at - timedelta(days=2), Rating.SATISFIED, at), None, "zhou.hui")
    store.record_fact(
        CaseClosed.build(
            message_id=UUID(int=n), occurred_at=at, case_id=case_id, sender=CENTRE, recipient=CENTRE, rating="satisfied"
        )
    )


def a_draw(*drawn: ClosedCase, trigger: Trigger = Trigger.SCHEDULED, population: int = 2) -> Draw:
    return Draw(trigger, date(2026, 11, 1), date(2026, 11, 30), Decimal(10), 1, population, "ab" * 16, drawn)


def test_closed_cases_of_a_period_with_their_round_and_lead_not_yet_drawn(stores):
    with stores.transaction() as store:
        close(store, FIRST, n=1)
        close(store, SECOND, n=2)
        close(store, OCTOBER_CASE, at=datetime(2026, 10, 31, 23, 0, tzinfo=CHINA_TZ), n=3)
    with stores.transaction() as store:
        found = store.closed_cases(*NOVEMBER)
    assert found == [ClosedCase(FIRST, 1, LEAD, CLOSED_AT), ClosedCase(SECOND, 1, LEAD, CLOSED_AT)]

    with stores.transaction() as store:
        assert store.add_draw(UUID(int=100), a_draw(found[0]), "timer", DRAWN_AT) is True
    with stores.transaction() as store:
        assert store.closed_cases(*NOVEMBER) == [found[1]]  # drawn once is enough
        assert store.has_scheduled_draw(date(2026, 11, 1), date(2026, 11, 30)) is True
        assert store.has_scheduled_draw(date(2026, 10, 1), date(2026, 10, 31)) is False


def test_a_period_has_one_scheduled_draw_but_any_number_on_demand(stores):
    with stores.transaction() as store:
        close(store, FIRST, n=1)
        close(store, SECOND, n=2)
        [first, second] = store.closed_cases(*NOVEMBER)
        assert store.add_draw(UUID(int=100), a_draw(first), "timer", DRAWN_AT) is True
    with stores.transaction() as store:
        assert store.add_draw(UUID(int=101), a_draw(second), "timer", DRAWN_AT) is False
        assert store.add_draw(UUID(int=102), a_draw(second, trigger=Trigger.ON_DEMAND), "zhou.hui", DRAWN_AT)
    with stores.transaction() as store:
        listed = store.list_spot_checks(None, None, True, 10)
    assert [(r["case_id"], r["trigger"], r["draw_id"]) for r in listed] == [
        (FIRST, "scheduled", UUID(int=100)),
        (SECOND, "on_demand", UUID(int=102)),
    ]


def test_a_finding_is_kept_and_counted(stores):
    with stores.transaction() as store:
        close(store, FIRST, n=1)
        close(store, SECOND, n=2)
        store.add_draw(UUID(int=100), a_draw(*store.closed_cases(*NOVEMBER)), "timer", DRAWN_AT)
    found_at = DRAWN_AT + timedelta(days=1)
    with stores.transaction() as store:
        check = store.lock_spot_check(FIRST)
        assert check == SpotCheck(FIRST, 1, LEAD, CLOSED_AT)
        store.save_finding(
            SpotCheck(FIRST, 1, LEAD, CLOSED_AT, Rating.DISSATISFIED, found_at), "仍未解决", "zhou.hui", True
        )
    with stores.transaction() as store:
        assert store.lock_spot_check(FIRST).rating is Rating.DISSATISFIED
        pending = store.list_spot_checks(*NOVEMBER, True, 10)
        every = store.list_spot_checks(*NOVEMBER, False, 10)
        december = store.list_spot_checks(NOVEMBER[1], NOVEMBER[1] + timedelta(days=31), False, 10)
        figures = store.spot_check_figures(*NOVEMBER)
    assert [r["case_id"] for r in pending] == [SECOND]
    assert [(r["case_id"], r["rating"], r["comment"], r["checked_by"], r["reopened"]) for r in every] == [
        (FIRST, "dissatisfied", "仍未解决", "zhou.hui", True),
        (SECOND, None, None, None, False),
    ]
    assert december == []
    assert figures == {"closed": 2, "drawn": 2, "done": 1, "reopened": 1, "ratings": {"dissatisfied": 1}}


def test_a_case_reopened_after_a_round_is_handled_again_since_that_round_only(stores):
    with stores.transaction() as store:
        close(store, FIRST, n=1)
        close(store, SECOND, n=2)
        store.record_fact(
            CaseReopened.build(
                message_id=UUID(int=3),
                occurred_at=CLOSED_AT + timedelta(days=3),
                case_id=FIRST,
                sender=CENTRE,
                recipient=CENTRE,
                cause=ReopenCause.REPEAT_REPORT,
                round=2,
            )
        )
    with stores.transaction() as store:
        assert store.reopened_since(FIRST, 1) is True  # reported again after it closed: round 2 is under way
        assert store.reopened_since(FIRST, 2) is False
        assert store.reopened_since(SECOND, 1) is False


def test_a_case_never_drawn_has_no_spot_check(stores):
    with stores.transaction() as store, pytest.raises(NotFound):
        store.lock_spot_check(FIRST)


def alert(alert_id: int, raised_at: datetime) -> HighFrequencyAlertRaised:
    return HighFrequencyAlertRaised.build(
        message_id=UUID(int=alert_id + 1000),
        occurred_at=raised_at,
        case_id=FIRST,
        sender=CENTRE,
        recipient=CENTRE,
        alert_id=UUID(int=alert_id),
        kind=AlertKind.SHARED_RESPONDENT,
        person_ref="0123456789abcdef0123456789abcdef",
        masked_name="李*",
        count=3,
        threshold=3,
        window_days=30,
        window_start=raised_at - timedelta(days=30),
        case_ids=[FIRST, SECOND],
        division_code="430426101",
    )


def test_alerts_are_kept_once_listed_newest_first_and_marked_handled(stores):
    with stores.transaction() as store:
        store.record_alert(alert(1, CLOSED_AT))
        store.record_alert(alert(2, CLOSED_AT + timedelta(hours=1)))
        store.record_alert(alert(1, CLOSED_AT))
    with stores.transaction() as store:
        listed = store.list_alerts(True, 10)
        assert store.lock_alert(UUID(int=3)) is None
        store.mark_alert_handled(UUID(int=1), "zhou.hui", "已核实", DRAWN_AT)
    assert [r["alert_id"] for r in listed] == [UUID(int=2), UUID(int=1)]
    assert (listed[1]["case_ids"], listed[1]["kind"], listed[1]["window_days"]) == (
        [FIRST, SECOND],
        "shared_respondent",
        30,
    )
    with stores.transaction() as store:
        assert [r["alert_id"] for r in store.list_alerts(True, 10)] == [UUID(int=2)]
        handled = store.lock_alert(UUID(int=1))
    assert (handled["handled_by"], handled["note"], handled["handled_at"]) == ("zhou.hui", "已核实", DRAWN_AT)
