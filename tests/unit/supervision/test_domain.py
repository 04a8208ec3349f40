"""Units get one reminder and one overdue letter at the right moments; each round is rated once."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.supervision.domain import (
    REMINDER_FRACTION,
    CaseTransition,
    FollowUp,
    Letter,
    LetterKind,
    SentLetter,
    Watch,
    WatchState,
    close_watch,
    deadline_sent_again,
    is_within,
    letters_due,
    letters_sent,
    letters_sent_before,
    letters_the_unit_holds,
    mark_sent,
    open_follow_up,
    rate,
    reminder_due_at,
    visit_called_off,
    watch_state,
)
from shared.contracts.messages import CaseReopened
from shared.contracts.vocabulary import Rating, ReferralRole, ReopenCause
from shared.refusal import Refused

BEIJING = timezone(timedelta(hours=8))
REFERRAL = UUID("00000000-0000-4000-8000-000000000042")
CASE = "430426-20261102-00007"
COURT = "court:430426"
ISSUED = datetime(2026, 11, 2, 9, 0, tzinfo=BEIJING)
DUE = datetime(2026, 11, 12, 9, 0, tzinfo=BEIJING)
REMINDER_MOMENT = datetime(2026, 11, 10, 9, 0, tzinfo=BEIJING)


def court_watch(**changes: Any) -> Watch:
    watch = Watch(referral_id=REFERRAL, case_id=CASE, unit=COURT, role=ReferralRole.LEAD, issued_at=ISSUED, due_at=DUE)
    return replace(watch, **changes)


def kinds(letters: list[Letter]) -> list[LetterKind]:
    return [letter.kind for letter in letters]


# --- letters ---------------------------------------------------------------------------


def test_reminder_falls_due_after_eighty_percent_of_the_time() -> None:
    assert REMINDER_FRACTION == 0.8
    assert reminder_due_at(court_watch()) == REMINDER_MOMENT


def test_reminder_is_sent_at_exactly_eighty_percent() -> None:
    [letter] = letters_due(court_watch(), REMINDER_MOMENT)
    assert letter == Letter(LetterKind.REMINDER, REFERRAL, CASE, COURT, DUE)


def test_no_reminder_a_second_before_eighty_percent() -> None:
    assert letters_due(court_watch(), REMINDER_MOMENT - timedelta(seconds=1)) == []


def test_reminder_is_not_repeated_once_sent() -> None:
    watch = court_watch()
    [reminder] = letters_due(watch, REMINDER_MOMENT)
    watch = mark_sent(watch, reminder, REMINDER_MOMENT)
    assert watch.reminder_sent_at == REMINDER_MOMENT
    assert letters_due(watch, REMINDER_MOMENT + timedelta(hours=20)) == []


def test_reminder_still_goes_at_the_deadline_itself() -> None:
    assert kinds(letters_due(court_watch(), DUE)) == [LetterKind.REMINDER]


def test_overdue_letter_once_the_deadline_has_passed() -> None:
    watch = court_watch(reminder_sent_at=REMINDER_MOMENT)
    assert letters_due(watch, DUE) == []
    [overdue] = letters_due(watch, DUE + timedelta(minutes=1))
    assert overdue == Letter(LetterKind.OVERDUE, REFERRAL, CASE, COURT, DUE)


def test_overdue_letter_is_not_repeated_once_sent() -> None:
    watch = court_watch(reminder_sent_at=REMINDER_MOMENT)
    [overdue] = letters_due(watch, DUE + timedelta(minutes=1))
    watch = mark_sent(watch, overdue, DUE + timedelta(minutes=1))
    assert letters_due(watch, DUE + timedelta(days=30)) == []


def test_when_both_moments_passed_unseen_only_the_overdue_letter_goes() -> None:
    watch = court_watch()
    assert kinds(letters_due(watch, DUE + timedelta(days=3))) == [LetterKind.OVERDUE]
    watch = mark_sent(watch, letters_due(watch, DUE + timedelta(days=3))[0], DUE + timedelta(days=3))
    assert watch.reminder_sent_at is None
    assert letters_due(watch, DUE + timedelta(days=4)) == []


def test_a_closed_referral_gets_no_letters() -> None:
    watch = close_watch(court_watch(), ISSUED + timedelta(days=1))
    assert letters_due(watch, REMINDER_MOMENT) == []
    assert letters_due(watch, DUE + timedelta(days=3)) == []


def test_closing_twice_keeps_the_first_close() -> None:
    first = ISSUED + timedelta(days=1)
    watch = close_watch(close_watch(court_watch(), first), first + timedelta(days=2))
    assert watch.closed_at == first


def test_a_letter_for_another_referral_cannot_be_marked() -> None:
    other = Letter(LetterKind.REMINDER, UUID(int=7), CASE, COURT, DUE)
    with pytest.raises(ValueError, match="referral"):
        mark_sent(court_watch(), other, REMINDER_MOMENT)


def test_a_deadline_before_issue_is_refused() -> None:
    with pytest.raises(ValueError, match="not after issued_at"):
        court_watch(due_at=ISSUED - timedelta(days=1))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        letters_due(court_watch(), datetime(2026, 11, 10, 9, 0))


# --- follow-up and rating --------------------------------------------------------------

VISIT = datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING)


def follow_up() -> FollowUp:
    return open_follow_up(CASE, COURT, 1, VISIT)


def test_a_new_follow_up_is_unrated() -> None:
    visit = follow_up()
    assert (visit.case_id, visit.lead_unit, visit.round, visit.opened_at) == (CASE, COURT, 1, VISIT)
    assert visit.rating is None


@pytest.mark.parametrize("rating", [Rating.SATISFIED, Rating.BASICALLY_SATISFIED])
def test_a_satisfied_citizen_closes_the_case(rating: Rating) -> None:
    decision = rate(follow_up(), rating, "调解员很耐心", VISIT + timedelta(hours=2))
    assert decision.transition is CaseTransition.CLOSE
    assert decision.closes_case
    assert decision.follow_up.rating is rating
    assert decision.follow_up.rated_at == VISIT + timedelta(hours=2)
    assert decision.comment == "调解员很耐心"


def test_a_dissatisfied_citizen_reopens_the_case() -> None:
    decision = rate(follow_up(), Rating.DISSATISFIED, "欠薪还没有发", VISIT + timedelta(hours=2))
    assert decision.transition is CaseTransition.REOPEN
    assert not decision.closes_case
    assert decision.rating is Rating.DISSATISFIED


def test_a_round_cannot_be_rated_twice() -> None:
    rated = rate(follow_up(), Rating.SATISFIED, None, VISIT + timedelta(hours=2)).follow_up
    with pytest.raises(Refused, match=rf"already_rated: case {CASE} round 1 was already rated satisfied"):
        rate(rated, Rating.DISSATISFIED, "改主意了", VISIT + timedelta(days=1))


def reopening(cause: ReopenCause, round: int = 2) -> CaseReopened:
    return CaseReopened.build(
        message_id=UUID(int=7),
        occurred_at=VISIT,
        case_id=CASE,
        sender="centre:430426",
        recipient="centre:430426",
        cause=cause,
        rating=None if cause is ReopenCause.REPEAT_REPORT else Rating.DISSATISFIED,
        round=round,
    )


def test_only_a_reopening_by_a_repeat_report_calls_off_the_visit_of_the_round_before_it() -> None:
    assert visit_called_off(reopening(ReopenCause.REPEAT_REPORT, round=3)) == 2
    assert visit_called_off(reopening(ReopenCause.DISSATISFIED)) is None  # rated: rating_the_centre_took
    assert visit_called_off(reopening(ReopenCause.SPOT_CHECK)) is None


def test_a_visit_called_off_is_not_rated_but_one_rated_before_stays_rated() -> None:
    called_off = replace(follow_up(), called_off_at=VISIT + timedelta(hours=1))
    with pytest.raises(Refused, match=rf"visit_called_off: case {CASE} round 1: the visit was called off at"):
        rate(called_off, Rating.SATISFIED, None, VISIT + timedelta(hours=2))
    rated = rate(follow_up(), Rating.SATISFIED, None, VISIT).follow_up
    with pytest.raises(Refused, match="already_rated"):
        rate(replace(rated, called_off_at=VISIT + timedelta(hours=1)), Rating.SATISFIED, None, VISIT)


def test_the_next_round_can_be_rated_after_a_reopen() -> None:
    rate(follow_up(), Rating.DISSATISFIED, None, VISIT)
    second = open_follow_up(CASE, COURT, 2, VISIT + timedelta(days=10))
    assert rate(second, Rating.SATISFIED, None, VISIT + timedelta(days=10)).closes_case


def test_round_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="round"):
        open_follow_up(CASE, COURT, 0, VISIT)


# --- where a watch stands on the board ---------------------------------------------------


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (ISSUED, WatchState.ON_TIME),
        (REMINDER_MOMENT - timedelta(microseconds=1), WatchState.ON_TIME),
        (REMINDER_MOMENT, WatchState.NEAR),
        (DUE, WatchState.NEAR),
        (DUE + timedelta(microseconds=1), WatchState.OVERDUE),
    ],
)
def test_a_watch_is_near_from_eighty_percent_of_its_time_and_overdue_after_its_deadline(
    now: datetime, state: WatchState
) -> None:
    assert watch_state(court_watch(), now) is state


def test_the_letters_already_sent_do_not_move_a_watch_on_the_board() -> None:
    reminded_early = court_watch(reminder_sent_at=ISSUED + timedelta(days=1))
    never_written_to = court_watch()

    assert watch_state(reminded_early, ISSUED + timedelta(days=2)) is WatchState.ON_TIME
    assert watch_state(never_written_to, DUE + timedelta(hours=1)) is WatchState.OVERDUE


def test_the_letters_sent_are_listed_in_the_order_they_went_out() -> None:
    reminded = REMINDER_MOMENT + timedelta(minutes=5)
    written_to = court_watch(reminder_sent_at=reminded, overdue_sent_at=DUE + timedelta(seconds=5))

    assert letters_sent(court_watch()) == []
    assert letters_sent(written_to) == [
        SentLetter(LetterKind.REMINDER, reminded),
        SentLetter(LetterKind.OVERDUE, DUE + timedelta(seconds=5)),
    ]


@pytest.mark.parametrize(
    ("unit", "scope", "within"),
    [
        ("police:430426101", "police:430426101", True),
        ("police:430426101", "police:430426", True),  # a station, below the county bureau
        ("police:430426101203", "police:430426101", True),
        ("police:430426", "police:430426101", False),  # the bureau is above the station, not below it
        ("police:430426102", "police:430426101", False),
        ("justice:430426101", "police:430426", False),
    ],
)
def test_a_unit_is_within_its_own_scope_and_those_above_it(unit: str, scope: str, within: bool) -> None:
    assert is_within(unit, scope) is within


# --- properties ------------------------------------------------------------------------

MOMENTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=BEIJING)
)


@st.composite
def watches(draw: st.DrawFn) -> Watch:
    issued = draw(MOMENTS)
    length = draw(st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=60)))
    return court_watch(issued_at=issued, due_at=issued + length)


@given(watch=watches(), checks=st.lists(MOMENTS, max_size=20))
def test_at_most_one_letter_of_each_kind_whenever_it_is_checked(watch: Watch, checks: list[datetime]) -> None:
    sent: list[LetterKind] = []
    for now in checks:
        for letter in letters_due(watch, now):
            sent.append(letter.kind)
            watch = mark_sent(watch, letter, now)
    assert sent.count(LetterKind.REMINDER) <= 1
    assert sent.count(LetterKind.OVERDUE) <= 1
    # A reminder after the overdue letter would be nonsense.
    assert sent in (
        [],
        [LetterKind.REMINDER],
        [LetterKind.OVERDUE],
        [LetterKind.REMINDER, LetterKind.OVERDUE],
    )


@given(watch=watches(), checks=st.lists(MOMENTS, min_size=1, max_size=20))
def test_checking_in_time_order_sends_the_overdue_letter_once_past_due(watch: Watch, checks: list[datetime]) -> None:
    for now in sorted(checks):
        for letter in letters_due(watch, now):
            assert letter.kind is not LetterKind.REMINDER or reminder_due_at(watch) <= now <= watch.due_at
            assert letter.kind is not LetterKind.OVERDUE or now > watch.due_at
            watch = mark_sent(watch, letter, now)
    assert (watch.overdue_sent_at is not None) == (max(checks) > watch.due_at)


@given(watch=watches(), closed=MOMENTS, now=MOMENTS)
def test_a_closed_referral_never_gets_a_letter(watch: Watch, closed: datetime, now: datetime) -> None:
    assert letters_due(close_watch(watch, closed), now) == []


@given(watch=watches(), now=MOMENTS)
def test_a_watch_never_written_to_is_near_or_overdue_exactly_when_that_letter_is_due(
    watch: Watch, now: datetime
) -> None:
    letter_for = {
        WatchState.ON_TIME: [],
        WatchState.NEAR: [LetterKind.REMINDER],
        WatchState.OVERDUE: [LetterKind.OVERDUE],
    }
    assert kinds(letters_due(watch, now)) == letter_for[watch_state(watch, now)]


# --- a clock started again by `wuyuan reconcile` -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sent_again", "reminder_sent_at", "overdue_sent_at"),
    [
        (REMINDER_MOMENT - timedelta(hours=1), None, None),  # nothing had gone out
        (REMINDER_MOMENT + timedelta(hours=1), REMINDER_MOMENT, None),  # the reminder had
        (DUE + timedelta(hours=1), None, DUE),  # past the deadline: the 督办函, as letters_due would have sent it
    ],
)
def test_a_clock_started_again_records_as_sent_the_letters_whose_moments_had_come(
    sent_again, reminder_sent_at, overdue_sent_at
) -> None:
    settled = letters_sent_before(court_watch(), sent_again)

    assert (settled.reminder_sent_at, settled.overdue_sent_at) == (reminder_sent_at, overdue_sent_at)
    assert letters_due(settled, sent_again) == []


def test_a_closed_or_paused_clock_started_again_is_left_as_it_is() -> None:
    for watch in (court_watch(closed_at=ISSUED + timedelta(days=1)), court_watch(paused_at=ISSUED + timedelta(days=1))):
        assert letters_sent_before(watch, DUE + timedelta(days=1)) == watch


def test_a_clock_started_again_takes_as_sent_exactly_the_letters_its_unit_holds() -> None:
    """Both moments had come while supervision was down; the court holds only its 提醒函, so the 督办函 is due."""
    taken = REMINDER_MOMENT + timedelta(minutes=4)
    settled = letters_the_unit_holds(court_watch(), {LetterKind.REMINDER: taken})

    assert (settled.reminder_sent_at, settled.overdue_sent_at) == (taken, None)
    assert [letter.kind for letter in letters_due(settled, DUE + timedelta(hours=1))] == [LetterKind.OVERDUE]
    # Nothing held: nothing taken as sent, and a letter sent already stays sent.
    assert letters_the_unit_holds(court_watch(), {}) == court_watch()
    sent = court_watch(reminder_sent_at=REMINDER_MOMENT)
    assert letters_the_unit_holds(sent, {LetterKind.REMINDER: taken}).reminder_sent_at == REMINDER_MOMENT


def test_a_deadline_moved_later_after_a_restart_is_judged_again_but_a_letter_really_sent_stays() -> None:
    restarted = letters_sent_before(court_watch(), DUE + timedelta(hours=1))  # the 督办函 taken as gone
    moved = replace(restarted, due_at=DUE + timedelta(days=10), clock_revision=1)

    assert deadline_sent_again(restarted, moved, DUE + timedelta(hours=1)).overdue_sent_at is None

    really_sent = court_watch(overdue_sent_at=DUE + timedelta(minutes=3))  # the timer's own moment
    moved_later = replace(really_sent, due_at=DUE + timedelta(days=10), clock_revision=1)
    assert deadline_sent_again(really_sent, moved_later, DUE + timedelta(hours=1)).overdue_sent_at == (
        DUE + timedelta(minutes=3)
    )
