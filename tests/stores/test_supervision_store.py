"""Supervision's store, held to one contract whether it is the fake or PostgreSQL."""

import itertools
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from services.supervision import domain
from services.supervision.domain import FollowUp, LetterKind, Watch, WatchState, reminder_due_at, watch_state
from services.supervision.store import PostgresSupervisionStore
from shared.contracts.messages import CaseClosed, CaseReopened, CaseResolved, LinkRecordNoted, ReferralSummary
from shared.contracts.vocabulary import Rating, ReferralRole, ReopenCause, ResultCode
from shared.persistence.errors import NotFound
from tests.fakes.supervision import FakeSupervisionStore
from tests.stores.conftest import StoreBench

SERVICE = "supervision"
FAKE = FakeSupervisionStore
POSTGRES_STORE = PostgresSupervisionStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CST)  # a Monday: a reminder falls due in office hours

CASE_ID = "430426-20261122-00007"
OTHER_CASE = "430426-20261122-00008"
CENTRE = "centre:430426"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
COURT = "court:430426"
COUNTY_POLICE = "police:430426"  # the county bureau: its stations are below it
OTHER_POLICE_STATION = "police:430426102"
OTHER_JUSTICE_OFFICE = "justice:430426102"
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
TEN_DAYS = timedelta(days=10)  # a unit's time whose reminder comes after eight days
TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


def referral_id(n: int) -> UUID:
    return UUID(f"00000000-0000-4000-8000-{n:012d}")


def referral(
    n: int,
    unit: str = POLICE_STATION,
    *,
    issued: timedelta = timedelta(days=-14),
    due: timedelta = timedelta(hours=-2),
    round: int = 1,
    role: ReferralRole = ReferralRole.LEAD,
) -> ReferralSummary:
    """Referral `n`, issued and due at offsets from NOW; by default a lead two hours past its deadline."""
    return ReferralSummary(
        referral_id=referral_id(n), unit=unit, role=role, round=round, issued_at=NOW + issued, due_at=NOW + due
    )


def watch_of(summary: ReferralSummary, case_id: str = CASE_ID, **changes: Any) -> Watch:
    watch = Watch(
        referral_id=summary.referral_id,
        case_id=case_id,
        unit=summary.unit,
        role=summary.role,
        issued_at=summary.issued_at,
        due_at=summary.due_at,
    )
    return replace(watch, **changes)


def designate(stores: StoreBench[Any], *referrals: ReferralSummary, case_id: str = CASE_ID) -> None:
    with stores.transaction() as store:
        for summary in referrals:
            store.add_watch(case_id, summary, TRACE)


def close(stores: StoreBench[Any], summary: ReferralSummary, at: datetime = NOW) -> None:
    with stores.transaction() as store:
        store.close_watch(CASE_ID, summary.referral_id, at)


def follow_up(
    round: int = 1, opened_at: datetime = NOW, case_id: str = CASE_ID, lead: str | None = POLICE_STATION
) -> FollowUp:
    return FollowUp(case_id=case_id, lead_unit=lead, round=round, opened_at=opened_at)


def open_visits(stores: StoreBench[Any], *visits: FollowUp) -> None:
    with stores.transaction() as store:
        for visit in visits:
            store.open_follow_up(visit, TRACE)


def watches(stores: StoreBench[Any], case_id: str = CASE_ID) -> dict[UUID, dict[str, Any]]:
    with stores.transaction() as store:
        return {row["referral_id"]: row for row in store.watches_of(case_id)}


def closed_at(stores: StoreBench[Any], summary: ReferralSummary) -> datetime | None:
    moment: datetime | None = watches(stores)[summary.referral_id]["closed_at"]
    return moment


def due(stores: StoreBench[Any], now: datetime = NOW, limit: int = 1000) -> list[UUID]:
    with stores.transaction() as store:
        return [watch.referral_id for watch, _ in store.lock_watches_due(now, limit)]


def locked_due(stores: StoreBench[Any]) -> list[tuple[Watch, dict[str, str]]]:
    with stores.transaction() as store:
        found: list[tuple[Watch, dict[str, str]]] = store.lock_watches_due(NOW, 10)
    return found


# --- watches ---------------------------------------------------------------------------------


def test_a_watch_is_started_once_per_referral(stores: StoreBench[Any]) -> None:
    first = referral(1)
    designate(stores, first)

    # The same referral again, as a redelivered CaseAssigned and a UnitDesignated both carry it.
    with stores.transaction() as store:
        store.add_watch(CASE_ID, first, {"traceparent": "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01"})

    assert list(watches(stores)) == [first.referral_id]
    with stores.transaction() as store:
        assert store.lock_watches_due(NOW, 10) == [(watch_of(first), TRACE)]


def test_a_case_s_watches_are_listed_in_the_order_their_referrals_were_issued(stores: StoreBench[Any]) -> None:
    lead = referral(1, POLICE_STATION, issued=timedelta(days=-3), due=timedelta(days=7))
    co_unit = referral(
        2, JUSTICE_OFFICE, issued=timedelta(days=-3, hours=1), due=timedelta(days=7), role=ReferralRole.CO_UNIT
    )
    second_round = referral(3, COURT, issued=timedelta(days=-1), due=timedelta(days=14), round=2)
    designate(stores, second_round, co_unit, lead)
    designate(stores, referral(4), case_id=OTHER_CASE)

    with stores.transaction() as store:
        rows = store.watches_of(CASE_ID)

    assert rows == [
        {
            "referral_id": referral_id(1),
            "unit": POLICE_STATION,
            "role": "lead",
            "round": 1,
            "issued_at": NOW - timedelta(days=3),
            "due_at": NOW + timedelta(days=7),
            "closed_at": None,
            "reminder_sent_at": None,
            "overdue_sent_at": None,
            "paused_at": None,
        },
        {
            "referral_id": referral_id(2),
            "unit": JUSTICE_OFFICE,
            "role": "co_unit",
            "round": 1,
            "issued_at": NOW + timedelta(days=-3, hours=1),
            "due_at": NOW + timedelta(days=7),
            "closed_at": None,
            "reminder_sent_at": None,
            "overdue_sent_at": None,
            "paused_at": None,
        },
        {
            "referral_id": referral_id(3),
            "unit": COURT,
            "role": "lead",
            "round": 2,
            "issued_at": NOW - timedelta(days=1),
            "due_at": NOW + timedelta(days=14),
            "closed_at": None,
            "reminder_sent_at": None,
            "overdue_sent_at": None,
            "paused_at": None,
        },
    ]


def test_a_case_without_watches_lists_none(stores: StoreBench[Any]) -> None:
    with stores.transaction() as store:
        assert store.watches_of(CASE_ID) == []


def test_a_watch_closed_after_it_was_designated_is_not_chased(stores: StoreBench[Any]) -> None:
    overdue = referral(1)
    designate(stores, overdue)
    assert due(stores) == [overdue.referral_id]

    close(stores, overdue)

    assert due(stores) == []
    assert closed_at(stores, overdue) == NOW


def test_a_second_close_keeps_the_first_time(stores: StoreBench[Any]) -> None:
    overdue = referral(1)
    designate(stores, overdue)

    close(stores, overdue, at=NOW - timedelta(hours=1))
    close(stores, overdue, at=NOW)  # redelivered, or the case's resolution afterwards

    assert closed_at(stores, overdue) == NOW - timedelta(hours=1)


def test_a_units_own_end_handled_after_the_cases_resolution_dates_the_watch(stores: StoreBench[Any]) -> None:
    co_unit = referral(1, JUSTICE_OFFICE, role=ReferralRole.CO_UNIT)
    designate(stores, co_unit)
    with stores.transaction() as store:  # the resolution, handled first
        store.close_watches_of_case(CASE_ID, 1, NOW)

    close(stores, co_unit, at=NOW - timedelta(hours=5))  # the unit's own report, which came before it

    assert closed_at(stores, co_unit) == NOW - timedelta(hours=5)


def early_ends(store: Any) -> dict[UUID, datetime]:
    """The ends remembered for watches not started yet: kept out of sight of callers, so each implementation is read."""
    if isinstance(store, FakeSupervisionStore):
        return dict(store.closures)
    return {row["referral_id"]: row["closed_at"] for row in store.sql.all("SELECT * FROM referral_closures")}


def test_a_close_of_a_started_watch_leaves_nothing_to_remember(stores: StoreBench[Any]) -> None:
    overdue = referral(1)
    designate(stores, overdue)

    close(stores, overdue)

    with stores.transaction() as store:
        assert early_ends(store) == {}


def test_a_close_handled_before_the_designation_makes_the_watch_start_closed(stores: StoreBench[Any]) -> None:
    overdue = referral(1)
    ended_at = NOW - timedelta(hours=3)

    close(stores, overdue, at=ended_at)  # the designation failed once and came back later
    close(stores, overdue, at=NOW)  # and the close was redelivered meanwhile
    designate(stores, overdue)

    assert due(stores) == []
    assert closed_at(stores, overdue) == ended_at


def test_a_close_handled_early_ends_only_its_own_referral(stores: StoreBench[Any]) -> None:
    closed_early, still_open = referral(1), referral(2, JUSTICE_OFFICE, role=ReferralRole.CO_UNIT)

    close(stores, closed_early, at=NOW - timedelta(hours=3))
    designate(stores, closed_early, still_open)

    assert closed_at(stores, still_open) is None
    assert due(stores) == [still_open.referral_id]


def test_a_follow_up_keeps_the_result_of_its_round_and_tells_it_by_round(stores: StoreBench[Any]) -> None:
    open_visits(
        stores,
        replace(follow_up(round=1), result=ResultCode.MEDIATION_FAILED),
        replace(follow_up(round=2, opened_at=NOW + timedelta(days=3)), result=ResultCode.REFERRED_TO_LITIGATION),
    )

    with stores.transaction() as store:
        latest, _ = store.lock_latest_follow_up(CASE_ID)
        first, unknown = store.round_result(CASE_ID, 1), store.round_result(CASE_ID, 3)

    assert (latest.round, latest.result, latest.onward) == (2, ResultCode.REFERRED_TO_LITIGATION, True)
    assert (first, unknown) == (ResultCode.MEDIATION_FAILED, None)


@pytest.mark.parametrize("visit_round", [1, 2])
def test_a_follow_up_of_the_watch_s_round_or_a_later_one_makes_the_watch_start_closed(
    stores: StoreBench[Any], visit_round: int
) -> None:
    first_round_lead = referral(1, round=1)
    open_visits(stores, follow_up(round=visit_round, opened_at=NOW - timedelta(hours=1)))

    designate(stores, first_round_lead)  # a UnitDesignated that came back from the retry queue late

    assert closed_at(stores, first_round_lead) == NOW - timedelta(hours=1)
    assert due(stores) == []


def test_a_late_watch_starts_closed_at_the_earliest_follow_up_that_ended_its_round(stores: StoreBench[Any]) -> None:
    open_visits(
        stores,
        follow_up(round=3, opened_at=NOW - timedelta(hours=1)),
        follow_up(round=2, opened_at=NOW - timedelta(days=2)),
        follow_up(round=1, opened_at=NOW - timedelta(days=5)),
    )

    designate(stores, referral(1, round=2))

    assert closed_at(stores, referral(1, round=2)) == NOW - timedelta(days=2)


def test_a_late_watch_starts_closed_when_its_round_was_resolved_not_when_supervision_handled_it(
    stores: StoreBench[Any],
) -> None:
    resolved_at = datetime(2026, 12, 31, 16, 0, tzinfo=CST)
    handled_at = datetime(2027, 1, 4, 9, 0, tzinfo=CST)  # a CaseResolved that waited over the New Year in a retry
    with stores.transaction() as store:
        store.open_follow_up(follow_up(round=1, opened_at=handled_at), TRACE)
        store.record_fact(
            CaseResolved.build(
                message_id=UUID(int=7001),
                occurred_at=resolved_at,
                case_id=CASE_ID,
                sender=CENTRE,
                recipient=CENTRE,
                lead_unit=POLICE_STATION,
                round=1,
            )
        )

    designate(stores, referral(1, round=1))

    assert closed_at(stores, referral(1, round=1)) == resolved_at


def test_a_follow_up_of_an_earlier_round_or_another_case_leaves_a_new_watch_open(stores: StoreBench[Any]) -> None:
    reopened_lead = referral(1, round=2)
    open_visits(
        stores,
        follow_up(round=1, opened_at=NOW - timedelta(days=5)),
        follow_up(round=2, opened_at=NOW - timedelta(days=1), case_id=OTHER_CASE),
    )

    designate(stores, reopened_lead)

    assert closed_at(stores, reopened_lead) is None
    assert due(stores) == [reopened_lead.referral_id]


def test_the_referral_s_own_close_wins_over_a_follow_up_for_where_a_late_watch_starts(stores: StoreBench[Any]) -> None:
    overdue = referral(1)
    close(stores, overdue, at=NOW - timedelta(hours=1))
    open_visits(stores, follow_up(round=1, opened_at=NOW - timedelta(hours=2)))

    designate(stores, overdue)

    assert closed_at(stores, overdue) == NOW - timedelta(hours=1)


def test_closing_a_case_s_watches_stops_every_open_clock_and_keeps_earlier_ends(stores: StoreBench[Any]) -> None:
    declined, lead = referral(1, JUSTICE_OFFICE, role=ReferralRole.CO_UNIT), referral(2)
    # The next round's, started by a petition's reopening that was handled before this resolution.
    next_round = referral(4, issued=timedelta(hours=-1), due=timedelta(days=10), round=2)
    designate(stores, declined, lead, next_round)
    designate(stores, referral(3, COURT), case_id=OTHER_CASE)
    close(stores, declined, at=NOW - timedelta(hours=5))

    with stores.transaction() as store:
        store.close_watches_of_case(CASE_ID, 1, NOW)

    assert {r: row["closed_at"] for r, row in watches(stores).items()} == {
        declined.referral_id: NOW - timedelta(hours=5),
        lead.referral_id: NOW,
        next_round.referral_id: None,
    }
    assert watches(stores, OTHER_CASE)[referral_id(3)]["closed_at"] is None
    assert due(stores) == [referral_id(3)]


def test_closing_a_case_s_watches_remembers_nothing_for_watches_that_come_later(stores: StoreBench[Any]) -> None:
    with stores.transaction() as store:
        store.close_watches_of_case(CASE_ID, 1, NOW - timedelta(hours=1))

    designate(stores, referral(1))

    assert closed_at(stores, referral(1)) is None


def test_a_transaction_that_fails_starts_no_watch(stores: StoreBench[Any]) -> None:
    with pytest.raises(RuntimeError), stores.transaction() as store:
        store.add_watch(CASE_ID, referral(1), TRACE)
        raise RuntimeError("the handler failed after starting the clock")

    assert watches(stores) == {}


# --- watches due for a letter ----------------------------------------------------------------


def test_exactly_the_watches_whose_reminder_or_deadline_has_come_are_due(stores: StoreBench[Any]) -> None:
    reminder_now = referral(1, issued=timedelta(days=-8), due=timedelta(days=2))
    reminder_tomorrow = referral(2, issued=timedelta(days=-7), due=timedelta(days=3))
    reminded_deadline_ahead = referral(3, issued=timedelta(days=-9), due=timedelta(days=1))
    reminded_deadline_passed = referral(4, issued=-TEN_DAYS - timedelta(hours=1), due=timedelta(hours=-1))
    reminded_deadline_is_now = referral(5, issued=-TEN_DAYS, due=timedelta(0))
    overdue_letter_sent = referral(6, issued=-TEN_DAYS - timedelta(days=1), due=timedelta(days=-1))
    closed_past_deadline = referral(7, issued=-TEN_DAYS - timedelta(days=2), due=timedelta(days=-2))
    everything = [
        reminder_now,
        reminder_tomorrow,
        reminded_deadline_ahead,
        reminded_deadline_passed,
        reminded_deadline_is_now,
        overdue_letter_sent,
        closed_past_deadline,
    ]
    designate(stores, *everything)
    reminded_at = NOW - timedelta(hours=12)
    with stores.transaction() as store:
        for reminded in (reminded_deadline_ahead, reminded_deadline_passed, reminded_deadline_is_now):
            store.save_letters(watch_of(reminded, reminder_sent_at=reminded_at))
        store.save_letters(
            watch_of(overdue_letter_sent, reminder_sent_at=reminded_at, overdue_sent_at=NOW - timedelta(hours=6))
        )
        store.close_watch(CASE_ID, closed_past_deadline.referral_id, NOW - timedelta(days=1))

    with stores.transaction() as store:
        found = store.lock_watches_due(NOW, 100)

    assert reminder_due_at(watch_of(reminder_now)) == NOW
    assert found == [
        (watch_of(reminded_deadline_passed, reminder_sent_at=reminded_at), TRACE),
        (watch_of(reminder_now), TRACE),
    ]


def test_watches_due_come_in_the_order_their_reminders_fell_due_up_to_the_limit(stores: StoreBench[Any]) -> None:
    # Issued at different times with different deadlines, and designated in neither order.
    latest = referral(1, issued=timedelta(hours=-8), due=timedelta(hours=2))  # reminder now
    earliest = referral(2, issued=timedelta(days=-30), due=timedelta(days=-5))  # reminder 10 days ago
    middle = referral(3, issued=timedelta(days=-20), due=timedelta(days=2))  # reminder Friday 17:30 (80 %: 23:24)
    designate(stores, latest, middle, earliest)

    assert due(stores) == [earliest.referral_id, middle.referral_id, latest.referral_id]
    assert due(stores, limit=2) == [earliest.referral_id, middle.referral_id]


def test_saving_a_reminder_keeps_the_watch_quiet_until_its_deadline_passes(stores: StoreBench[Any]) -> None:
    summary = referral(1, issued=timedelta(days=-8), due=timedelta(days=2))
    designate(stores, summary)
    [(watch, _)] = locked_due(stores)

    with stores.transaction() as store:
        store.save_letters(replace(watch, reminder_sent_at=NOW))

    assert due(stores, NOW + timedelta(days=2)) == []
    assert due(stores, NOW + timedelta(days=2, seconds=1)) == [summary.referral_id]
    assert watches(stores)[summary.referral_id]["reminder_sent_at"] == NOW


def test_saving_an_overdue_letter_ends_the_letters_for_good(stores: StoreBench[Any]) -> None:
    summary = referral(1)
    designate(stores, summary)
    [(watch, _)] = locked_due(stores)

    with stores.transaction() as store:
        store.save_letters(replace(watch, overdue_sent_at=NOW))

    assert due(stores, NOW + timedelta(days=30)) == []
    row = watches(stores)[summary.referral_id]
    assert (row["reminder_sent_at"], row["overdue_sent_at"]) == (None, NOW)


def test_saving_letters_changes_only_the_letters(stores: StoreBench[Any]) -> None:
    summary = referral(1)
    designate(stores, summary)

    with stores.transaction() as store:
        store.save_letters(watch_of(summary, reminder_sent_at=NOW, closed_at=NOW, unit=COURT))

    row = watches(stores)[summary.referral_id]
    assert (row["unit"], row["closed_at"], row["reminder_sent_at"]) == (POLICE_STATION, None, NOW)


# --- follow-up visits ------------------------------------------------------------------------


def test_a_round_s_follow_up_is_opened_once(stores: StoreBench[Any]) -> None:
    open_visits(stores, follow_up(round=1, opened_at=NOW))

    open_visits(stores, follow_up(round=1, opened_at=NOW + timedelta(hours=1), lead=COURT))  # redelivered

    with stores.transaction() as store:
        assert store.lock_latest_follow_up(CASE_ID) == (follow_up(round=1, opened_at=NOW), TRACE)
        assert len(store.list_follow_ups(False, 10)) == 1


def test_the_latest_follow_up_is_the_highest_round_with_its_trace(stores: StoreBench[Any]) -> None:
    second_round_trace = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    with stores.transaction() as store:
        store.open_follow_up(follow_up(round=2, opened_at=NOW), second_round_trace)
        store.open_follow_up(follow_up(round=1, opened_at=NOW - timedelta(days=3)), TRACE)
        store.open_follow_up(follow_up(round=3, opened_at=NOW, case_id=OTHER_CASE), TRACE)

    with stores.transaction() as store:
        assert store.lock_latest_follow_up(CASE_ID) == (follow_up(round=2, opened_at=NOW), second_round_trace)


def test_a_case_never_resolved_has_no_follow_up_to_rate(stores: StoreBench[Any]) -> None:
    open_visits(stores, follow_up(case_id=OTHER_CASE))

    with pytest.raises(NotFound), stores.transaction() as store:
        store.lock_latest_follow_up(CASE_ID)


def test_a_saved_rating_is_on_the_follow_up_when_it_is_next_locked(stores: StoreBench[Any]) -> None:
    open_visits(stores, follow_up(round=1, opened_at=NOW))
    rated = replace(follow_up(round=1, opened_at=NOW), rating=Rating.DISSATISFIED, rated_at=NOW + timedelta(days=1))

    with stores.transaction() as store:
        store.save_rating(rated, "院墙还没拆", "回访员小周")

    with stores.transaction() as store:
        assert store.lock_latest_follow_up(CASE_ID) == (rated, TRACE)


def test_a_round_waiting_for_its_rating_is_settled_with_the_centres_and_a_rated_one_keeps_its_own(
    stores: StoreBench[Any],
) -> None:
    open_visits(stores, follow_up(round=1, opened_at=NOW), follow_up(round=2, opened_at=NOW + timedelta(days=9)))
    later = NOW + timedelta(days=10)

    with stores.transaction() as store:
        assert store.settle_follow_up(CASE_ID, 1, Rating.DISSATISFIED, NOW + timedelta(days=1), "centre:case-fact")
        assert store.settle_follow_up(CASE_ID, None, Rating.SATISFIED, later, "centre:case-fact")  # the latest
        assert not store.settle_follow_up(CASE_ID, None, Rating.DISSATISFIED, later, "centre:case-fact")
        assert not store.settle_follow_up(OTHER_CASE, None, Rating.SATISFIED, later, "centre:case-fact")
        # A closure handled late, after the next round's visit opened: not that visit's rating.
        store.open_follow_up(follow_up(round=1, opened_at=later + timedelta(days=1), case_id=OTHER_CASE), TRACE)
        assert not store.settle_follow_up(OTHER_CASE, None, Rating.SATISFIED, later, "centre:case-fact")

    with stores.transaction() as store:
        assert store.lock_latest_follow_up(CASE_ID)[0] == replace(
            follow_up(round=2, opened_at=NOW + timedelta(days=9)), rating=Rating.SATISFIED, rated_at=later
        )
        assert [row["case_id"] for row in store.list_follow_ups(True, 10)] == [OTHER_CASE]  # the later visit waits


def test_a_visit_waiting_for_its_rating_is_called_off_once_and_a_rated_one_never(stores: StoreBench[Any]) -> None:
    open_visits(stores, follow_up(round=1, opened_at=NOW), follow_up(round=1, opened_at=NOW, case_id=OTHER_CASE))
    called_off_at = NOW + timedelta(days=2)
    with stores.transaction() as store:
        store.save_rating(
            replace(follow_up(round=1, opened_at=NOW, case_id=OTHER_CASE), rating=Rating.SATISFIED, rated_at=NOW),
            None,
            "回访员小周",
        )

    with stores.transaction() as store:
        assert store.call_off_follow_up(CASE_ID, 1, called_off_at)
        assert not store.call_off_follow_up(CASE_ID, 1, called_off_at + timedelta(hours=1))  # once
        assert not store.call_off_follow_up(OTHER_CASE, 1, called_off_at)  # rated: it stands
        assert not store.call_off_follow_up(CASE_ID, 2, called_off_at)  # no such visit
        # A closure sent again after a restore does not give a called-off visit the next round's rating (dated after
        # the call-off: one of the same moment came before it, the moment test below).
        next_rounds = called_off_at + DAY
        assert not store.settle_follow_up(CASE_ID, None, Rating.SATISFIED, next_rounds, "centre:case-fact")

    with stores.transaction() as store:
        assert store.lock_latest_follow_up(CASE_ID)[0] == replace(
            follow_up(round=1, opened_at=NOW), called_off_at=called_off_at
        )
        assert store.list_follow_ups(True, 10) == []
        listed = {row["case_id"]: row["called_off_at"] for row in store.list_follow_ups(False, 10)}
        assert listed == {CASE_ID: called_off_at, OTHER_CASE: None}


def test_a_visit_whose_case_a_petition_reopened_before_its_resolution_was_handled_opens_called_off(
    stores: StoreBench[Any],
) -> None:
    reopened_at = NOW + timedelta(hours=3)
    petition = CaseReopened.build(
        message_id=UUID(int=901),
        occurred_at=reopened_at,
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        cause="repeat_report",
        round=2,
    )
    dissatisfied = petition.model_copy(
        update={
            "message_id": UUID(int=902),
            "case_id": OTHER_CASE,
            "cause": ReopenCause.DISSATISFIED,
            "rating": Rating.DISSATISFIED,
        }
    )
    with stores.transaction() as store:
        store.record_fact(petition)
        store.record_fact(dissatisfied)
        store.open_follow_up(follow_up(round=1, opened_at=NOW), TRACE)
        store.open_follow_up(follow_up(round=1, opened_at=NOW, case_id=OTHER_CASE), TRACE)

    with stores.transaction() as store:
        assert store.lock_latest_follow_up(CASE_ID)[0].called_off_at == reopened_at
        # A reopening for the citizen's dissatisfaction calls nothing off: it rated the visit (the test below).
        assert store.lock_latest_follow_up(OTHER_CASE)[0].called_off_at is None
        assert store.lock_latest_follow_up(OTHER_CASE)[0].rating is Rating.DISSATISFIED
        assert store.list_follow_ups(True, 10) == []


def test_a_visit_whose_rating_the_case_facts_gave_before_its_resolution_was_handled_opens_rated(
    stores: StoreBench[Any],
) -> None:
    """Facts sent again after a restore, taken by concurrent workers: the closure or the dissatisfied reopening that
    rated a round can be handled before the resolution that opens its visit, which must not then wait for ever."""
    third_case, fourth_case = "430426-20261122-00009", "430426-20261122-00010"
    closed_at, reopened_at = NOW + timedelta(days=2), NOW + timedelta(days=1)
    closure = ended(911, closed_at, Rating.BASICALLY_SATISFIED)
    dissatisfied = ended(912, reopened_at, cause=ReopenCause.DISSATISFIED).model_copy(update={"case_id": OTHER_CASE})
    # The third case was reopened for its dissatisfied citizen, handled again and closed: that closure ends round 2.
    later_round = [
        dissatisfied.model_copy(update={"message_id": UUID(int=913), "case_id": third_case}),
        closure.model_copy(update={"message_id": UUID(int=914), "case_id": third_case}),
    ]
    # The fourth case's closure came before its round 2 was resolved (the closure of round 1): it rates nothing here.
    earlier = closure.model_copy(update={"message_id": UUID(int=915), "case_id": fourth_case, "occurred_at": NOW})
    # The fifth was closed, then reported again: the closure rated the round, and the reopening calls nothing off.
    fifth_case = "430426-20261122-00011"
    reported_again = ended(916, closed_at + DAY, cause=ReopenCause.REPEAT_REPORT)
    reported_again = reported_again.model_copy(update={"case_id": fifth_case})
    closed_then_reported = [closure.model_copy(update={"message_id": UUID(int=917), "case_id": fifth_case})]
    with stores.transaction() as store:
        for fact in (closure, dissatisfied, *later_round, earlier, reported_again, *closed_then_reported):
            store.record_fact(fact)
        store.open_follow_up(follow_up(round=1, opened_at=NOW), TRACE)
        store.open_follow_up(follow_up(round=1, opened_at=NOW, case_id=OTHER_CASE), TRACE)
        store.open_follow_up(follow_up(round=1, opened_at=NOW, case_id=third_case), TRACE)
        store.open_follow_up(follow_up(round=2, opened_at=NOW + SECOND, case_id=fourth_case), TRACE)
        store.open_follow_up(follow_up(round=1, opened_at=NOW, case_id=fifth_case), TRACE)

    with stores.transaction() as store:
        assert store.lock_latest_follow_up(CASE_ID)[0] == replace(
            follow_up(round=1, opened_at=NOW), rating=Rating.BASICALLY_SATISFIED, rated_at=closed_at
        )
        assert store.lock_latest_follow_up(OTHER_CASE)[0] == replace(
            follow_up(round=1, opened_at=NOW, case_id=OTHER_CASE), rating=Rating.DISSATISFIED, rated_at=reopened_at
        )
        assert store.lock_latest_follow_up(third_case)[0].rated_at == reopened_at  # its reopening, not the closure
        assert store.lock_latest_follow_up(fourth_case)[0].rating is None
        assert store.lock_latest_follow_up(fifth_case)[0] == replace(
            follow_up(round=1, opened_at=NOW, case_id=fifth_case),
            rating=Rating.BASICALLY_SATISFIED,
            rated_at=closed_at,
        )
        assert [row["case_id"] for row in store.list_follow_ups(True, 10)] == [fourth_case]
        # Taken from the facts, as a rating given back by the coordinator's facts is: it stands, once.
        assert not store.settle_follow_up(CASE_ID, None, Rating.DISSATISFIED, closed_at, "centre:case-fact")


# --- a case's facts handled in any order (sent again after a restore, taken by concurrent workers) ------------------

Handled = FollowUp | CaseClosed | CaseReopened
"""A resolution (the visit it opens) or a fact that ends a round."""


def ended(message_id: int, at: datetime, rating: Rating | None = None, cause: ReopenCause | None = None) -> Handled:
    """A closure of the case rated `rating`, or, with `cause`, its reopening as round 2."""
    envelope: dict[str, Any] = {"occurred_at": at, "case_id": CASE_ID, "sender": CENTRE, "recipient": CENTRE}
    if cause is None:
        return CaseClosed.build(message_id=UUID(int=message_id), rating=rating, **envelope)
    rating = None if cause is ReopenCause.REPEAT_REPORT else Rating.DISSATISFIED  # a spot check's finding too
    return CaseReopened.build(message_id=UUID(int=message_id), cause=cause, rating=rating, round=2, **envelope)


def handle(store: Any, event: Handled, number: int) -> None:
    """What handle_case_resolved and handle_case_fact ask of the store, for the `number`th case, each of its facts a
    message of its own."""
    case_id = f"430426-20261122-{number:05d}"
    if isinstance(event, FollowUp):
        store.open_follow_up(replace(event, case_id=case_id), TRACE)
        return
    message_id = UUID(int=number * 1000 + event.message_id.int)
    fact = event.model_copy(update={"case_id": case_id, "message_id": message_id})
    store.record_fact(fact)
    rated = domain.rating_the_centre_took(fact)
    if rated is not None:
        store.settle_follow_up(case_id, rated[0], rated[1], fact.occurred_at, domain.RATED_AT_THE_CENTRE)
    called_off = domain.visit_called_off(fact)
    if called_off is not None:
        store.call_off_follow_up(case_id, called_off, fact.occurred_at)


T = [NOW + n * DAY for n in range(5)]
# Each a case's history in the coordinator's order, and what its visits hold in the end: round -> (rating, rated_at,
# called off at).
HISTORIES: dict[str, tuple[list[Handled], dict[int, tuple[Rating | None, datetime | None, datetime | None]]]] = {
    "closed": (
        [follow_up(1, T[0]), ended(1, T[1], Rating.SATISFIED)],
        {1: (Rating.SATISFIED, T[1], None)},
    ),
    "dissatisfied, then closed": (
        [
            follow_up(1, T[0]),
            ended(2, T[1], cause=ReopenCause.DISSATISFIED),
            follow_up(2, T[2]),
            ended(3, T[3], Rating.BASICALLY_SATISFIED),
        ],
        {1: (Rating.DISSATISFIED, T[1], None), 2: (Rating.BASICALLY_SATISFIED, T[3], None)},
    ),
    "closed, spot-checked and handled again": (
        [
            follow_up(1, T[0]),
            ended(4, T[1], Rating.SATISFIED),
            ended(5, T[2], cause=ReopenCause.SPOT_CHECK),
            follow_up(2, T[3]),
        ],
        {1: (Rating.SATISFIED, T[1], None), 2: (None, None, None)},
    ),
    "petitioned before the visit, then closed": (
        [
            follow_up(1, T[0]),
            ended(6, T[1], cause=ReopenCause.REPEAT_REPORT),
            follow_up(2, T[2]),
            ended(7, T[3], Rating.SATISFIED),
        ],
        {1: (None, None, T[1]), 2: (Rating.SATISFIED, T[3], None)},
    ),
    "closed, reported again, and closed again": (
        [
            follow_up(1, T[0]),
            ended(8, T[1], Rating.SATISFIED),
            ended(9, T[2], cause=ReopenCause.REPEAT_REPORT),
            follow_up(2, T[3]),
            ended(10, T[4], Rating.DISSATISFIED),
        ],
        {1: (Rating.SATISFIED, T[1], None), 2: (Rating.DISSATISFIED, T[4], None)},
    ),
}


@pytest.mark.parametrize("history", list(HISTORIES))
def test_a_cases_visits_end_as_its_history_says_in_whatever_order_its_facts_are_handled(
    stores: StoreBench[Any], history: str
) -> None:
    """Every order: a closure (which names no round) rates the round it ended, never an earlier or a later one, and a
    visit rated or called off from a later fact is put right by an earlier one."""
    events, expected = HISTORIES[history]
    orders = list(itertools.permutations(events))
    with stores.transaction() as store:
        for number, order in enumerate(orders):
            for event in order:
                handle(store, event, number)

    with stores.transaction() as store:
        visits = {
            (row["case_id"], row["round"]): (row["rating"], row["rated_at"], row["called_off_at"])
            for row in store.list_follow_ups(False, len(orders) * 2)
        }
    for number, order in enumerate(orders):
        case_id = f"430426-20261122-{number:05d}"
        ended_as = {r: (Rating(v[0]) if v[0] else None, v[1], v[2]) for (c, r), v in visits.items() if c == case_id}
        assert ended_as == expected, [type(event).__name__ for event in order]


def test_a_closure_and_a_reopening_at_one_moment_end_the_round_as_the_closure_whatever_order_they_were_kept_in(
    stores: StoreBench[Any],
) -> None:
    """Only a closure's reopening can come so close to it (a repeat report right after closing)."""
    closure, reported = ended(11, T[1], Rating.SATISFIED), ended(12, T[1], cause=ReopenCause.REPEAT_REPORT)
    with stores.transaction() as store:
        for number, kept in ((101, (closure, reported)), (102, (reported, closure))):
            for fact in kept:  # kept by the store, neither handled: one is dated as the other
                case_id, message_id = f"430426-20261122-{number:05d}", UUID(int=number * 1000 + fact.message_id.int)
                store.record_fact(fact.model_copy(update={"case_id": case_id, "message_id": message_id}))
            handle(store, follow_up(1, T[0]), number)
        for number, handled in ((103, (closure, reported)), (104, (reported, closure))):  # the visit open already
            for event in (follow_up(1, T[0]), *handled):
                handle(store, event, number)

    with stores.transaction() as store:
        for number in (101, 102, 103, 104):
            visit = store.lock_latest_follow_up(f"430426-20261122-{number:05d}")[0]
            assert (visit.rating, visit.called_off_at) == (Rating.SATISFIED, None)


def test_a_rating_a_supervisor_entered_is_never_put_right_by_a_fact(stores: StoreBench[Any]) -> None:
    open_visits(stores, follow_up(1, T[0]))
    with stores.transaction() as store:
        store.save_rating(replace(follow_up(1, T[0]), rating=Rating.SATISFIED, rated_at=T[2]), None, "回访员小周")
        assert not store.settle_follow_up(CASE_ID, 1, Rating.DISSATISFIED, T[1], domain.RATED_AT_THE_CENTRE)
        assert not store.call_off_follow_up(CASE_ID, 1, T[1])
        assert store.lock_latest_follow_up(CASE_ID)[0].rating is Rating.SATISFIED


def test_follow_ups_are_listed_oldest_first_and_pending_ones_alone_on_request(stores: StoreBench[Any]) -> None:
    open_visits(
        stores,
        follow_up(round=2, opened_at=NOW),
        follow_up(round=1, opened_at=NOW - timedelta(days=6)),
        follow_up(round=1, opened_at=NOW - timedelta(days=3), case_id=OTHER_CASE, lead=None),
    )
    rated = replace(follow_up(round=1, opened_at=NOW - timedelta(days=6)), rating=Rating.DISSATISFIED, rated_at=NOW)
    with stores.transaction() as store:
        store.save_rating(rated, "院墙还没拆", "回访员小周")

    with stores.transaction() as store:
        every = store.list_follow_ups(False, 10)
        pending = store.list_follow_ups(True, 10)

    first_visit = {
        "case_id": CASE_ID,
        "round": 1,
        "lead_unit": POLICE_STATION,
        "opened_at": NOW - timedelta(days=6),
        "rating": "dissatisfied",
        "comment": "院墙还没拆",
        "rated_at": NOW,
        "called_off_at": None,
    }
    on_the_spot = {
        "case_id": OTHER_CASE,
        "round": 1,
        "lead_unit": None,
        "opened_at": NOW - timedelta(days=3),
        "rating": None,
        "comment": None,
        "rated_at": None,
        "called_off_at": None,
    }
    second_visit = {
        "case_id": CASE_ID,
        "round": 2,
        "lead_unit": POLICE_STATION,
        "opened_at": NOW,
        "rating": None,
        "comment": None,
        "rated_at": None,
        "called_off_at": None,
    }
    assert every == [first_visit, on_the_spot, second_visit]
    assert pending == [on_the_spot, second_visit]


def test_a_list_of_follow_ups_stops_at_its_limit(stores: StoreBench[Any]) -> None:
    open_visits(
        stores,
        follow_up(round=3, opened_at=NOW),
        follow_up(round=1, opened_at=NOW - timedelta(days=6)),
        follow_up(round=2, opened_at=NOW - timedelta(days=3)),
    )

    with stores.transaction() as store:
        assert [row["round"] for row in store.list_follow_ups(True, 2)] == [1, 2]
        assert [row["round"] for row in store.list_follow_ups(False, 1)] == [1]


# --- case facts and serialising --------------------------------------------------------------


def resolved(message_id: int, occurred_at: datetime = NOW) -> CaseResolved:
    return CaseResolved.build(
        message_id=UUID(int=message_id),
        occurred_at=occurred_at,
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        lead_unit=POLICE_STATION,
        round=1,
    )


def facts_kept(store: Any) -> list[dict[str, Any]]:
    """The case facts as kept; the reports read them outside the store's interface, so each implementation is read."""
    if isinstance(store, FakeSupervisionStore):
        rows = [{"message_id": message_id, **fact} for message_id, fact in store.facts.items()]
    else:
        rows = store.sql.all("SELECT message_id, case_id, fact, occurred_at, detail FROM case_facts")
    return sorted(rows, key=lambda row: row["occurred_at"])


def test_a_case_fact_is_kept_once_per_message_without_its_envelope(stores: StoreBench[Any]) -> None:
    closed = CaseClosed.build(
        message_id=UUID(int=2),
        occurred_at=NOW + timedelta(days=1),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        rating=Rating.SATISFIED,
    )

    with stores.transaction() as store:
        store.record_fact(resolved(1))
        store.record_fact(closed)
    with stores.transaction() as store:
        store.record_fact(resolved(1, occurred_at=NOW + timedelta(hours=1)))  # redelivered

    with stores.transaction() as store:
        assert facts_kept(store) == [
            {
                "message_id": UUID(int=1),
                "case_id": CASE_ID,
                "fact": "CaseResolved",
                "occurred_at": NOW,
                "detail": {"lead_unit": POLICE_STATION, "round": 1, "result": None, "parts": []},
            },
            {
                "message_id": UUID(int=2),
                "case_id": CASE_ID,
                "fact": "CaseClosed",
                "occurred_at": NOW + timedelta(days=1),
                "detail": {"rating": "satisfied"},
            },
        ]


def test_a_case_serialised_twice_in_one_transaction_carries_on(stores: StoreBench[Any]) -> None:
    # Handlers sharing one transaction may each serialise the same case.
    with stores.transaction() as store:
        store.serialise_case(CASE_ID)
        store.add_watch(CASE_ID, referral(1), TRACE)
        store.serialise_case(CASE_ID)
        store.serialise_case(OTHER_CASE)
        store.record_fact(resolved(1))

    assert list(watches(stores)) == [referral_id(1)]


# --- the links' own decisions ------------------------------------------------------------------------


def link_fact(message_id: int, kind: str, at: datetime, link: str = "court", unit: str = "court:430426"):
    return LinkRecordNoted.build(
        message_id=UUID(int=message_id),
        occurred_at=at,
        case_id=None,
        sender=unit,
        recipient=CENTRE,
        link=link,
        record_id=f"R-{message_id}",
        kind=kind,
        unit=unit,
        at=at,
        detail={"diverted": True},
    )


def test_a_links_decisions_are_kept_once_each_and_counted_by_link_and_kind_within_the_period(
    stores: StoreBench[Any],
) -> None:
    with stores.transaction() as store:
        store.record_link_fact(link_fact(1, "filing_registered", NOW))
        store.record_link_fact(link_fact(2, "filing_diverted", NOW))
        store.record_link_fact(link_fact(3, "call_recorded", NOW, "police", "police:430426101"))
        store.record_link_fact(link_fact(4, "filing_registered", NOW + timedelta(days=1)))  # the end is excluded
        store.record_link_fact(link_fact(5, "filing_registered", NOW - timedelta(seconds=1)))  # before the start
    with stores.transaction() as store:
        store.record_link_fact(link_fact(1, "filing_registered", NOW))  # redelivered

    with stores.transaction() as store:
        counted = store.count_link_facts(NOW, NOW + timedelta(days=1))

    assert [(row["link"], row["kind"], row["count"]) for row in counted] == [
        ("court", "filing_diverted", 1),
        ("court", "filing_registered", 1),
        ("police", "call_recorded", 1),
    ]


# --- the inspection group's board: open watches by the clock, not by the letters sent ----------------


def on_board(
    stores: StoreBench[Any], now: datetime = NOW, unit: str | None = None, limit: int = 100
) -> dict[WatchState, list[UUID]]:
    """Which watches each state's filter lists at `now`; a watch listed in two states shows up twice."""
    with stores.transaction() as store:
        return {state: [w.referral_id for w in store.open_watches(now, unit, state, limit)] for state in WatchState}


def number(referral: UUID) -> int:
    """`n` of `referral_id(n)`, for lists that read at a glance."""
    return int(referral.hex[-12:])


def board_order(stores: StoreBench[Any], now: datetime = NOW, unit: str | None = None, limit: int = 100) -> list[int]:
    with stores.transaction() as store:
        return [number(w.referral_id) for w in store.open_watches(now, unit, None, limit)]


def test_the_board_states_follow_the_reminder_moment_and_the_deadline(stores: StoreBench[Any]) -> None:
    a_second_short_of_80_percent = referral(1, issued=timedelta(days=-8) + SECOND, due=timedelta(days=2) + SECOND)
    at_80_percent = referral(2, issued=timedelta(days=-8), due=timedelta(days=2))
    at_the_deadline = referral(3, JUSTICE_OFFICE, issued=-TEN_DAYS, due=timedelta(0))
    a_second_late = referral(4, COURT, issued=-TEN_DAYS - SECOND, due=-SECOND)
    reminded_then_late = referral(5, issued=-TEN_DAYS - timedelta(hours=2), due=timedelta(hours=-2))
    closed_late = referral(6, JUSTICE_OFFICE, issued=-2 * TEN_DAYS, due=-TEN_DAYS)
    designate(
        stores,
        at_80_percent,
        a_second_late,
        a_second_short_of_80_percent,
        closed_late,
        reminded_then_late,
        at_the_deadline,
    )
    reminded_at = NOW - timedelta(days=1)
    with stores.transaction() as store:
        store.save_letters(watch_of(reminded_then_late, reminder_sent_at=reminded_at))
        store.close_watch(CASE_ID, closed_late.referral_id, NOW - timedelta(days=9))

    # No reminder was saved for 2 or 3, nor the overdue letter for 4 or 5: the board reads the clock.
    assert on_board(stores) == {
        WatchState.ON_TIME: [referral_id(1)],
        WatchState.NEAR: [referral_id(3), referral_id(2)],
        WatchState.OVERDUE: [referral_id(5), referral_id(4)],
    }
    assert board_order(stores) == [5, 4, 3, 2, 1]  # the soonest due first; closed ones are off the board
    with stores.transaction() as store:
        listed = store.open_watches(NOW, None, None, 100)
    assert listed[0] == watch_of(reminded_then_late, reminder_sent_at=reminded_at)
    assert [watch_state(w, NOW) for w in listed] == [
        WatchState.OVERDUE,
        WatchState.OVERDUE,
        WatchState.NEAR,
        WatchState.NEAR,
        WatchState.ON_TIME,
    ]


def test_a_watch_moves_on_the_board_as_the_clock_runs_with_no_letter_sent(stores: StoreBench[Any]) -> None:
    ten_days = referral(1, issued=timedelta(days=-7), due=timedelta(days=3))  # reminder moment: a day from NOW
    designate(stores, ten_days)
    microsecond = timedelta(microseconds=1)

    def state_at(now: datetime) -> list[WatchState]:
        return [state for state, listed in on_board(stores, now).items() if listed == [referral_id(1)]]

    assert state_at(NOW + timedelta(days=1) - microsecond) == [WatchState.ON_TIME]
    assert state_at(NOW + timedelta(days=1)) == [WatchState.NEAR]
    assert state_at(NOW + timedelta(days=3)) == [WatchState.NEAR]
    assert state_at(NOW + timedelta(days=3) + microsecond) == [WatchState.OVERDUE]


def test_the_board_lists_the_soonest_due_up_to_its_limit(stores: StoreBench[Any]) -> None:
    designate(
        stores,
        referral(1, due=timedelta(days=4), issued=timedelta(days=-1)),
        referral(2, due=timedelta(days=-1)),
        referral(3, due=timedelta(days=1), issued=timedelta(days=-1)),
    )

    assert board_order(stores, limit=2) == [2, 3]
    assert board_order(stores, limit=0) == []


def in_state(n: int, unit: str, state: WatchState) -> ReferralSummary:
    """Referral `n` to `unit`, in `state` at NOW: ten days each, one day, nine days or two weeks gone."""
    issued, due = {
        WatchState.ON_TIME: (timedelta(days=-1), timedelta(days=9)),
        WatchState.NEAR: (timedelta(days=-9), timedelta(days=1)),
        WatchState.OVERDUE: (-TEN_DAYS - timedelta(days=4), timedelta(days=-4)),
    }[state]
    return referral(n, unit, issued=issued, due=due)


def a_county_of_late_units(stores: StoreBench[Any]) -> None:
    designate(
        stores,
        in_state(1, POLICE_STATION, WatchState.ON_TIME),
        in_state(2, POLICE_STATION, WatchState.NEAR),
        in_state(3, POLICE_STATION, WatchState.OVERDUE),
        in_state(4, OTHER_POLICE_STATION, WatchState.OVERDUE),
        in_state(5, COUNTY_POLICE, WatchState.ON_TIME),
        in_state(6, OTHER_JUSTICE_OFFICE, WatchState.NEAR),
        in_state(7, JUSTICE_OFFICE, WatchState.NEAR),
        in_state(8, COURT, WatchState.OVERDUE),
        in_state(9, COURT, WatchState.OVERDUE),
        in_state(10, "police:430426103", WatchState.OVERDUE),
    )
    close(stores, referral(10))  # that station's only watch: it has nothing open


def test_units_are_counted_at_the_moment_asked_the_most_overdue_first(stores: StoreBench[Any]) -> None:
    a_county_of_late_units(stores)

    with stores.transaction() as store:
        units = store.count_open_by_unit(NOW, None)

    assert units == [
        {"unit": COURT, "open": 2, "near": 0, "overdue": 2},
        {"unit": POLICE_STATION, "open": 3, "near": 1, "overdue": 1},  # as late, but also one near
        {"unit": OTHER_POLICE_STATION, "open": 1, "near": 0, "overdue": 1},
        {"unit": JUSTICE_OFFICE, "open": 1, "near": 1, "overdue": 0},  # ties go by unit code
        {"unit": OTHER_JUSTICE_OFFICE, "open": 1, "near": 1, "overdue": 0},
        {"unit": COUNTY_POLICE, "open": 1, "near": 0, "overdue": 0},
    ]
    with stores.transaction() as store:
        # A week on, every watch but the county bureau's is past its deadline.
        later = {row["unit"]: (row["near"], row["overdue"]) for row in store.count_open_by_unit(NOW + 7 * DAY, None)}
    assert later[POLICE_STATION] == (1, 2) and later[JUSTICE_OFFICE] == (0, 1)


def test_a_unit_filter_takes_the_unit_and_the_units_below_it(stores: StoreBench[Any]) -> None:
    a_county_of_late_units(stores)

    with stores.transaction() as store:
        county_police = store.count_open_by_unit(NOW, COUNTY_POLICE)
        one_station = store.count_open_by_unit(NOW, POLICE_STATION)

    assert [row["unit"] for row in county_police] == [POLICE_STATION, OTHER_POLICE_STATION, COUNTY_POLICE]
    assert [row["unit"] for row in one_station] == [POLICE_STATION]
    assert board_order(stores, unit=COUNTY_POLICE) == [3, 4, 2, 1, 5]  # 1 and 5 are due together: by referral
    assert board_order(stores, unit=OTHER_JUSTICE_OFFICE) == [6]
    assert on_board(stores, unit=POLICE_STATION) == {
        WatchState.ON_TIME: [referral_id(1)],
        WatchState.NEAR: [referral_id(2)],
        WatchState.OVERDUE: [referral_id(3)],
    }
    assert board_order(stores, unit="procuratorate:430426") == []


def test_a_place_filter_takes_every_agency_s_units_at_the_place_and_below_it(stores: StoreBench[Any]) -> None:
    """A township centre's board: its police station and justice office, not the county's units nor another
    township's."""
    a_county_of_late_units(stores)

    with stores.transaction() as store:
        township = store.count_open_by_unit(NOW, None, "430426101")
        its_police = store.count_open_by_unit(NOW, COUNTY_POLICE, "430426101")
        watched = store.open_watches(NOW, None, None, 100, "430426101")

    assert {row["unit"] for row in township} == {POLICE_STATION, JUSTICE_OFFICE}
    assert [row["unit"] for row in its_police] == [POLICE_STATION]
    assert sorted(number(w.referral_id) for w in watched) == [1, 2, 3, 7]


# --- letters sent --------------------------------------------------------------------------------


def letters(
    stores: StoreBench[Any],
    unit: str | None = None,
    case_id: str | None = None,
    kind: LetterKind | None = None,
    limit: int = 100,
) -> list[tuple[str, int]]:
    with stores.transaction() as store:
        return [(row["kind"], number(row["referral_id"])) for row in store.list_letters(unit, case_id, kind, limit)]


def letters_of_a_week(stores: StoreBench[Any]) -> None:
    police = referral(1)
    justice = referral(2, JUSTICE_OFFICE)
    court = referral(3, COURT)
    quiet = referral(4, issued=timedelta(days=-1), due=timedelta(days=9))
    other_station = referral(5, OTHER_POLICE_STATION)
    designate(stores, police, justice, quiet)
    designate(stores, court, other_station, case_id=OTHER_CASE)
    with stores.transaction() as store:
        store.save_letters(watch_of(police, reminder_sent_at=NOW - 3 * DAY, overdue_sent_at=NOW - DAY))
        store.save_letters(watch_of(justice, reminder_sent_at=NOW - DAY))  # the same timer run as police's
        store.save_letters(watch_of(court, OTHER_CASE, reminder_sent_at=NOW - 2 * DAY))
        store.save_letters(watch_of(other_station, OTHER_CASE, overdue_sent_at=NOW - timedelta(hours=12)))
    close(stores, justice)  # its letter stays sent


def test_a_township_s_letters_are_those_of_every_agency_s_units_there(stores: StoreBench[Any]) -> None:
    letters_of_a_week(stores)

    with stores.transaction() as store:
        there = store.list_letters(None, None, None, 100, "430426101")
        elsewhere = store.list_letters(None, None, None, 100, "430426105")

    assert [(row["kind"], number(row["referral_id"]), row["unit"]) for row in there] == [
        ("overdue", 1, POLICE_STATION),
        ("reminder", 2, JUSTICE_OFFICE),
        ("reminder", 1, POLICE_STATION),
    ]
    assert elsewhere == []


def test_letters_are_listed_newest_first_with_their_referral(stores: StoreBench[Any]) -> None:
    letters_of_a_week(stores)

    with stores.transaction() as store:
        newest = store.list_letters(None, None, None, 1)

    assert newest == [
        {
            "kind": "overdue",
            "case_id": OTHER_CASE,
            "referral_id": referral_id(5),
            "unit": OTHER_POLICE_STATION,
            "issued_at": NOW - timedelta(hours=12),
            "due_at": NOW - timedelta(hours=2),
        }
    ]
    assert letters(stores) == [
        ("overdue", 5),
        ("overdue", 1),  # sent in one run with 2's reminder: by referral
        ("reminder", 2),
        ("reminder", 3),
        ("reminder", 1),
    ]


def test_letters_are_filtered_by_unit_and_below_case_and_kind(stores: StoreBench[Any]) -> None:
    letters_of_a_week(stores)

    assert letters(stores, unit=COUNTY_POLICE) == [("overdue", 5), ("overdue", 1), ("reminder", 1)]
    assert letters(stores, unit=POLICE_STATION) == [("overdue", 1), ("reminder", 1)]
    assert letters(stores, case_id=CASE_ID) == [("overdue", 1), ("reminder", 2), ("reminder", 1)]
    assert letters(stores, kind=LetterKind.OVERDUE) == [("overdue", 5), ("overdue", 1)]
    assert letters(stores, unit=COUNTY_POLICE, case_id=CASE_ID, kind=LetterKind.REMINDER) == [("reminder", 1)]
    assert letters(stores, limit=2) == [("overdue", 5), ("overdue", 1)]
    assert letters(stores, case_id="430426-20261122-00099") == []


# --- paused clocks ------------------------------------------------------------------------------


def change_deadline(
    stores: StoreBench[Any], summary: ReferralSummary, due_at: datetime, paused_at: datetime | None
) -> None:
    with stores.transaction() as store:
        watch = store.lock_watch(summary.referral_id)
        store.save_deadline(replace(watch, due_at=due_at, paused_at=paused_at, clock_revision=watch.clock_revision + 1))


def test_a_paused_watch_is_never_due_for_a_letter(stores: StoreBench[Any]) -> None:
    past_its_deadline = referral(1)
    at_its_reminder = referral(2, issued=timedelta(days=-8), due=timedelta(days=2))
    designate(stores, past_its_deadline, at_its_reminder)

    change_deadline(stores, past_its_deadline, past_its_deadline.due_at, NOW - timedelta(days=1))
    change_deadline(stores, at_its_reminder, at_its_reminder.due_at, NOW - timedelta(days=1))

    assert due(stores) == []


def test_a_resumed_watch_keeps_its_moved_deadline_and_its_reminder_follows_it(stores: StoreBench[Any]) -> None:
    ten_days = referral(1, issued=timedelta(days=-8), due=timedelta(days=2))  # the reminder was due now
    designate(stores, ten_days)
    twenty_days = ten_days.due_at + TEN_DAYS

    change_deadline(stores, ten_days, twenty_days, None)

    with stores.transaction() as store:
        locked = store.lock_watch(ten_days.referral_id)
    assert (locked.due_at, locked.paused_at, locked.clock_revision) == (twenty_days, None, 1)
    # 80 % of twenty days from issue: eight days from now.
    assert due(stores, NOW + timedelta(days=8) - SECOND) == []
    assert due(stores, NOW + timedelta(days=8)) == [ten_days.referral_id]
    assert watches(stores)[ten_days.referral_id]["due_at"] == twenty_days


def test_a_watch_not_started_yet_cannot_be_locked(stores: StoreBench[Any]) -> None:
    with stores.transaction() as store, pytest.raises(NotFound):
        store.lock_watch(referral_id(9))


def test_the_board_judges_a_paused_watch_as_of_its_pause(stores: StoreBench[Any]) -> None:
    paused_in_time = referral(1, issued=timedelta(days=-3), due=timedelta(days=7))
    paused_late = referral(2, JUSTICE_OFFICE, issued=-2 * TEN_DAYS, due=-TEN_DAYS)
    designate(stores, paused_in_time, paused_late)
    change_deadline(stores, paused_in_time, paused_in_time.due_at, NOW)
    change_deadline(stores, paused_late, paused_late.due_at, NOW - DAY)
    a_month_on = NOW + 3 * TEN_DAYS

    assert on_board(stores, a_month_on) == {
        WatchState.ON_TIME: [referral_id(1)],
        WatchState.NEAR: [],
        WatchState.OVERDUE: [referral_id(2)],
    }
    with stores.transaction() as store:
        counts = store.count_open_by_unit(a_month_on, None)
    assert counts == [
        {"unit": JUSTICE_OFFICE, "open": 1, "near": 0, "overdue": 1},
        {"unit": POLICE_STATION, "open": 1, "near": 0, "overdue": 0},
    ]
    assert watches(stores)[paused_in_time.referral_id]["paused_at"] == NOW


def test_a_database_never_restored_knows_no_letters_the_units_hold(stores: StoreBench[Any]) -> None:
    """Only a restore writes what the agencies hold (wuyuan/restore_letters_held.py): before one, nothing is known, and
    a watch started again falls back on the letters' moments."""
    with stores.transaction() as store:
        assert store.letters_held(referral_id(1), "police_link") is None
