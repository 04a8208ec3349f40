"""A unit's clock paused and resumed (期限中止): the deadline moves by the pause, in order, however reports arrive."""

from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from services.coordinator.deadlines import deadline_for, extend_for
from services.coordinator.domain.decisions import AnnounceDeadline, Decision, TellUnitDeadline
from services.coordinator.domain.figures import tally
from services.coordinator.domain.model import Case, CaseFacts, DayCount, Referral, Term, TimelineKind
from services.coordinator.domain.rules import (
    RefusalCode,
    ReportTooEarly,
    record_pause,
    record_result,
    record_resume,
    triage,
    unchanged,
)
from services.coordinator.routing import load_routing_table
from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import Category, ResultCode, Source
from shared.refusal import Refused
from shared.registry import DEFAULT_CONFIG_DIR, load_registry

REGISTRY = load_registry()
SHIPPED = load_routing_table(DEFAULT_CONFIG_DIR / "routing.toml", set(REGISTRY.agencies))
CST = timezone(timedelta(hours=8))
POLICE = "police:430426101"
JUSTICE = "justice:430426101"
COURT = "court:430426"
OFFICER = "liu.yang"
# A police call on Monday 15 September 2025: the station leads, the township's mediators help, 10 working days.
ISSUED = datetime(2025, 9, 15, 9, 0, tzinfo=CST)
DUE = datetime(2025, 9, 28, 17, 30, tzinfo=CST)  # ten working days on: Sunday 28 September is one (调休)


def police_call(source: Source = Source.POLICE_CALL, at: datetime = ISSUED) -> Case:
    facts = CaseFacts("430426-20250915-00001", source, Category.NEIGHBOUR, "430426101203")
    ids = iter(range(1, 100))
    return triage(facts, SHIPPED, REGISTRY, at, deadline_for, lambda: UUID(int=next(ids))).case


def lead_of(case: Case) -> Referral:
    lead = case.current_lead()
    assert lead is not None
    return lead


def pause(case: Case, at: datetime, number: int = 1, reason: PauseReason = PauseReason.APPRAISAL) -> Decision:
    lead = lead_of(case)
    return record_pause(case, lead.referral_id, lead.unit, OFFICER, reason, "伤情鉴定", number, at, at)


def resume(case: Case, at: datetime, number: int = 1) -> Decision:
    lead = lead_of(case)
    return record_resume(case, lead.referral_id, lead.unit, OFFICER, number, at, at, extend_for)


def test_a_pause_over_a_weekend_and_the_national_day_holiday_moves_the_deadline_by_its_working_days() -> None:
    case = police_call()
    assert lead_of(case).due_at == DUE

    paused = pause(case, datetime(2025, 9, 26, 9, 30, tzinfo=CST))
    resumed = resume(paused.case, datetime(2025, 10, 9, 9, 30, tzinfo=CST))

    # Friday, Sunday 28 (调休), Monday and Tuesday from 9:30 to 9:30: four working days given back,
    # counted on from Sunday 28 September: Monday 29, Tuesday 30, then Thursday 9 and Friday 10 October.
    assert lead_of(resumed.case).due_at == datetime(2025, 10, 10, 17, 30, tzinfo=CST)
    assert lead_of(resumed.case).paused is False
    [co_unit] = [r for r in resumed.case.referrals if r.unit == JUSTICE]
    assert co_unit.due_at == DUE  # only the unit that paused gets time back


def test_pause_and_resume_are_recorded_on_the_timeline_with_the_reason() -> None:
    paused = pause(police_call(), datetime(2025, 9, 17, 10, 0, tzinfo=CST), reason=PauseReason.JUDICIAL_CONFIRMATION)
    resumed = resume(paused.case, datetime(2025, 9, 19, 10, 0, tzinfo=CST))

    [stopped] = paused.timeline
    assert (stopped.kind, stopped.detail["unit"], stopped.detail["officer"]) == (
        TimelineKind.CLOCK_PAUSED,
        POLICE,
        OFFICER,
    )
    assert (stopped.detail["reason"], stopped.detail["note"]) == ("judicial_confirmation", "伤情鉴定")
    [started] = resumed.timeline
    assert started.kind is TimelineKind.CLOCK_RESUMED
    assert started.detail["reason"] == "judicial_confirmation"
    assert (started.detail["previous_due_at"], started.detail["due_at"]) == (
        "2025-09-28T17:30:00+08:00",
        "2025-09-30T17:30:00+08:00",  # two working days on: Monday and Tuesday
    )
    assert started.seq == stopped.seq + 1


def test_supervision_hears_of_the_pause_and_of_the_moved_deadline_and_the_unit_of_the_new_one() -> None:
    paused = pause(police_call(), datetime(2025, 9, 17, 10, 0, tzinfo=CST))
    resumed = resume(paused.case, datetime(2025, 9, 18, 10, 0, tzinfo=CST))

    [stopped] = paused.effects
    assert isinstance(stopped, AnnounceDeadline)
    assert (stopped.referral.paused, stopped.referral.clock_revision, stopped.referral.due_at) == (True, 1, DUE)
    announced, told = resumed.effects
    assert isinstance(announced, AnnounceDeadline) and isinstance(told, TellUnitDeadline)
    assert announced.referral.clock_revision == 2
    assert told.referral.due_at == datetime(2025, 9, 29, 17, 30, tzinfo=CST)  # a working day on


def test_a_paused_unit_is_late_only_if_it_already_was_when_its_clock_stopped() -> None:
    on_time = pause(police_call(), datetime(2025, 9, 25, 9, 0, tzinfo=CST)).case
    already_late = pause(police_call(), datetime(2025, 9, 29, 9, 0, tzinfo=CST)).case
    a_week_on = datetime(2025, 10, 10, 9, 0, tzinfo=CST)

    assert lead_of(on_time).overdue(a_week_on) is False
    assert lead_of(already_late).overdue(a_week_on) is True
    assert tally([on_time, already_late], a_week_on).units[-1].overdue == 1  # the police station's: one late


def test_a_result_reported_while_paused_is_judged_as_of_the_pause() -> None:
    paused = pause(police_call(), datetime(2025, 9, 26, 9, 0, tzinfo=CST)).case
    lead = lead_of(paused)

    reported = record_result(
        paused, lead.referral_id, POLICE, OFFICER, ResultCode.HANDLED, "已处理", DUE + timedelta(3)
    ).case

    assert lead_of(reported).on_time is True
    assert lead_of(reported).paused is False  # its part is over: the clock no longer matters


def test_a_resume_handled_before_its_pause_is_retried_not_refused() -> None:
    case = police_call()

    with pytest.raises(ReportTooEarly):
        resume(case, datetime(2025, 9, 18, 10, 0, tzinfo=CST))

    paused = pause(case, datetime(2025, 9, 17, 10, 0, tzinfo=CST)).case
    resumed = resume(paused, datetime(2025, 9, 18, 10, 0, tzinfo=CST)).case  # the retry, now in turn
    assert lead_of(resumed).due_at == datetime(2025, 9, 29, 17, 30, tzinfo=CST)  # a working day on


def test_a_second_pause_handled_before_the_first_resume_is_retried() -> None:
    paused = pause(police_call(), datetime(2025, 9, 17, 10, 0, tzinfo=CST)).case

    with pytest.raises(ReportTooEarly):
        pause(paused, datetime(2025, 9, 19, 10, 0, tzinfo=CST), number=2)


def test_a_pause_or_resume_the_centre_recorded_already_changes_nothing_while_the_clocks_agree() -> None:
    """An agency restored to an earlier point numbers its pauses again from there: its officers redo the pauses and
    resumes `wuyuan reconcile` lists, each a repeat of one the centre holds, until its clock agrees. A repeat after
    which the agency's clock stands as the centre's does is taken quietly."""
    paused = pause(police_call(), datetime(2025, 9, 17, 10, 0, tzinfo=CST)).case
    resumed = resume(paused, datetime(2025, 9, 18, 10, 0, tzinfo=CST)).case
    paused_again = pause(resumed, datetime(2025, 9, 22, 10, 0, tzinfo=CST), number=2).case

    assert pause(paused, datetime(2025, 9, 19, 10, 0, tzinfo=CST)) == unchanged(paused)
    assert resume(resumed, datetime(2025, 9, 19, 11, 0, tzinfo=CST), number=1) == unchanged(resumed)
    # Paused at both ends, whatever the count: the agency's resume 1, should it come, is what does not agree.
    assert pause(paused_again, datetime(2025, 9, 23, 10, 0, tzinfo=CST), number=1) == unchanged(paused_again)
    # Once in line, the agency's next pause is a new one.
    again = pause(resumed, datetime(2025, 9, 22, 10, 0, tzinfo=CST), number=2)
    assert lead_of(again.case).paused and lead_of(again.case).pauses == 2


# --- an agency behind the centre (restored, its redo not finished) -----------------------------------------------


def twice_paused_and_resumed() -> Case:
    """The centre holds two pauses of the station's clock, both resumed: its clock runs."""
    case = police_call()
    for number, day in ((1, 16), (2, 18)):
        case = pause(case, datetime(2025, 9, day, 10, 0, tzinfo=CST), number=number).case
        case = resume(case, datetime(2025, 9, day + 1, 10, 0, tzinfo=CST), number=number).case
    return case


def test_a_new_pause_from_an_agency_behind_is_refused_telling_it_the_centres_clock_runs() -> None:
    """The station's database was restored to before both pauses, and its officers did not redo them: the officer's
    next pause is numbered 1 again. Taken quietly, the station would show its clock stopped while the centre's runs
    and supervision's letters go out on it; refused, the station is told (MessageRejected) and nothing changes."""
    case = twice_paused_and_resumed()
    due = lead_of(case).due_at

    for number in (1, 2):
        with pytest.raises(Refused) as refused:
            pause(case, datetime(2025, 9, 22, 10, 0, tzinfo=CST), number=number)
        assert refused.value.code == RefusalCode.CENTRE_CLOCK_RUNNING
        assert refused.value.detail == {"pauses": "2"}
        assert "the centre's clock runs after 2 pauses" in refused.value.reason
        assert "pause 3 then stops the centre's clock" in refused.value.reason
    assert (lead_of(case).paused, lead_of(case).pauses, lead_of(case).due_at) == (False, 2, due)


def test_an_agency_behind_brought_in_line_by_its_refusals_then_pauses_the_centres_clock() -> None:
    """The station's officer, told, goes on as the refusals say: resume, pause and resume up to pause 2, then pause 3
    stops the centre's clock. Each resume agrees with the centre's running clock and is taken quietly."""
    case = twice_paused_and_resumed()
    at = datetime(2025, 9, 22, 10, 0, tzinfo=CST)

    assert resume(case, at, number=1) == unchanged(case)
    with pytest.raises(Refused):
        pause(case, at, number=2)
    assert resume(case, at, number=2) == unchanged(case)
    stopped = pause(case, at, number=3).case

    assert (lead_of(stopped).paused, lead_of(stopped).pauses) == (True, 3)


def test_a_resume_from_an_agency_behind_is_refused_telling_it_the_centres_clock_stands_still() -> None:
    """Restored to while its first pause lasted, the station shows its clock stopped by pause 1; the centre has had it
    resumed and paused again since. The officer's resume 1 would leave the station's clock running while the centre's
    stands still: refused. Pause 2, as the refusal says, agrees quietly, and resume 2 starts the centre's clock."""
    case = pause(police_call(), datetime(2025, 9, 16, 10, 0, tzinfo=CST)).case
    case = resume(case, datetime(2025, 9, 17, 10, 0, tzinfo=CST)).case
    stopped_at = datetime(2025, 9, 18, 10, 0, tzinfo=CST)
    case = pause(case, stopped_at, number=2).case
    at = datetime(2025, 9, 22, 10, 0, tzinfo=CST)

    with pytest.raises(Refused) as refused:
        resume(case, at, number=1)

    assert refused.value.code == RefusalCode.CENTRE_CLOCK_PAUSED
    assert refused.value.detail == {"pauses": "2", "paused_at": stopped_at.isoformat()}
    assert "stands still since pause 2" in refused.value.reason
    assert pause(case, at, number=2) == unchanged(case)
    running = resume(case, at, number=2).case
    assert (lead_of(running).paused, lead_of(running).pauses) == (False, 2)


def test_only_the_unit_a_referral_went_to_may_pause_it() -> None:
    case = police_call()
    lead = lead_of(case)
    at = datetime(2025, 9, 17, 10, 0, tzinfo=CST)

    with pytest.raises(Refused) as refused:
        record_pause(case, lead.referral_id, JUSTICE, "调解员", PauseReason.AWAITING_PARTY, None, 1, at, at)

    assert refused.value.code == RefusalCode.WRONG_UNIT


def test_a_pause_handled_after_the_units_result_is_kept_and_changes_nothing() -> None:
    case = police_call()
    lead = lead_of(case)
    reported = record_result(case, lead.referral_id, POLICE, OFFICER, ResultCode.HANDLED, "已处理", ISSUED).case

    late = pause(reported, datetime(2025, 9, 17, 10, 0, tzinfo=CST))

    assert late.case.referrals == reported.referrals
    assert (late.timeline[0].kind, late.timeline[0].detail["late"]) == (TimelineKind.CLOCK_PAUSED, True)
    assert late.effects == ()


def test_a_pause_dated_in_the_future_stops_the_clock_now() -> None:
    case = police_call()
    lead = lead_of(case)
    now = datetime(2025, 9, 17, 10, 0, tzinfo=CST)

    paused = record_pause(
        case, lead.referral_id, POLICE, OFFICER, PauseReason.OTHER, "等待村委会协调", 1, now + timedelta(days=30), now
    ).case

    assert lead_of(paused).paused_at == now


def test_a_calendar_day_term_is_moved_by_calendar_time() -> None:
    filing = police_call(Source.COURT_FILING)
    court = lead_of(filing)
    assert (court.term, court.due_at) == (Term(30, DayCount.CALENDAR), datetime(2025, 10, 15, 17, 30, tzinfo=CST))

    paused = pause(filing, datetime(2025, 9, 20, 9, 0, tzinfo=CST)).case  # a Saturday
    resumed = resume(paused, datetime(2025, 9, 22, 9, 0, tzinfo=CST)).case  # Monday

    assert lead_of(resumed).due_at == datetime(2025, 10, 17, 17, 30, tzinfo=CST)  # the weekend counts too
