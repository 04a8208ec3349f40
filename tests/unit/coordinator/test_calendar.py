"""A deadline counted into a year whose calendar is unknown is provisional, and exact once the year is loaded."""

from datetime import datetime, timedelta, timezone
from uuid import UUID

from services.coordinator.deadlines import deadline_for, extend_for, recompute_deadline
from services.coordinator.domain.calendar import recompute_deadlines, resumed_pauses
from services.coordinator.domain.decisions import AnnounceDeadline, TellUnitDeadline
from services.coordinator.domain.model import Case, CaseFacts, Referral, TimelineKind
from services.coordinator.domain.rules import record_pause, record_resume, triage
from services.coordinator.routing import load_routing_table
from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import Category, Source
from shared.registry import DEFAULT_CONFIG_DIR, load_registry
from tests.calendar_years import loaded, year_file

REGISTRY = load_registry()
SHIPPED = load_routing_table(DEFAULT_CONFIG_DIR / "routing.toml", set(REGISTRY.agencies))
CST = timezone(timedelta(hours=8))
# A police call on Thursday 28 January 2027, before that year's notice is known: the station leads with 10
# working days, over the Spring Festival.
ISSUED = datetime(2027, 1, 28, 9, 0, tzinfo=CST)
# Weekdays less the statutory days standing in for 2027: Jan 29, Feb 1–4, (除夕 5 and 初三 8 off), 9–12, 15
# → Monday 15 February.
PROVISIONAL_DUE = datetime(2027, 2, 15, 17, 30, tzinfo=CST)
# By the (test) 2027 calendar 春节 runs 6–14 February, Saturday 30 January is worked (调休) and 除夕 is not off:
# Jan 29, 30, Feb 1–5, 15–17 → Wednesday 17 February.
EXACT_DUE = datetime(2027, 2, 17, 17, 30, tzinfo=CST)
LOADED_AT = datetime(2027, 1, 29, 10, 0, tzinfo=CST)


def police_call() -> Case:
    facts = CaseFacts("430426-20270128-00001", Source.POLICE_CALL, Category.NEIGHBOUR, "430426101203")
    ids = iter(range(1, 100))
    return triage(facts, SHIPPED, REGISTRY, ISSUED, deadline_for, lambda: UUID(int=next(ids))).case


def lead_of(case: Case) -> Referral:
    lead = case.current_lead()
    assert lead is not None
    return lead


def test_a_deadline_counted_into_an_unknown_year_is_provisional_on_weekdays_not_an_error() -> None:
    lead = lead_of(police_call())
    assert (lead.due_at, lead.due_provisional) == (PROVISIONAL_DUE, True)


def test_a_deadline_issued_once_the_year_is_loaded_is_exact() -> None:
    with loaded(year_file()):
        lead = lead_of(police_call())
    assert (lead.due_at, lead.due_provisional) == (EXACT_DUE, False)


def test_loading_the_year_recomputes_the_provisional_deadline_with_a_timeline_line_and_both_messages() -> None:
    case = police_call()
    with loaded(year_file()):
        decision = recompute_deadlines(case, 2027, {}, recompute_deadline, LOADED_AT)
    assert decision is not None
    lead = lead_of(decision.case)
    assert (lead.due_at, lead.due_provisional, lead.deadline_revision) == (EXACT_DUE, False, 1)
    lines = [e for e in decision.timeline if e.detail["unit"] == lead.unit]
    [line] = lines
    assert line.kind is TimelineKind.DEADLINE_RECOMPUTED
    assert (line.detail["previous_due_at"], line.detail["due_at"]) == (
        PROVISIONAL_DUE.isoformat(),
        EXACT_DUE.isoformat(),
    )
    kinds = {type(e) for e in decision.effects if getattr(e, "referral", None) == lead}
    assert kinds == {AnnounceDeadline, TellUnitDeadline}


def test_loading_the_same_year_again_changes_nothing() -> None:
    case = police_call()
    with loaded(year_file()):
        first = recompute_deadlines(case, 2027, {}, recompute_deadline, LOADED_AT)
        assert first is not None
        assert recompute_deadlines(first.case, 2027, {}, recompute_deadline, LOADED_AT) is None


def test_a_year_that_does_not_touch_the_term_leaves_it_alone() -> None:
    assert recompute_deadlines(police_call(), 2028, {}, recompute_deadline, LOADED_AT) is None


def test_a_pause_already_resumed_is_given_back_again_by_the_known_calendar() -> None:
    case = police_call()
    lead = lead_of(case)
    paused_at = datetime(2027, 2, 1, 9, 0, tzinfo=CST)  # Monday
    resumed_at = datetime(2027, 2, 3, 9, 0, tzinfo=CST)  # Wednesday: two working days given back
    paused = record_pause(
        case, lead.referral_id, lead.unit, "liu", PauseReason.APPRAISAL, None, 1, paused_at, paused_at
    )
    resumed = record_resume(paused.case, lead.referral_id, lead.unit, "liu", 1, resumed_at, resumed_at, extend_for)
    # Provisionally: Monday 15 February + 2 → Wednesday 17 February, still provisional.
    moved = lead_of(resumed.case)
    assert (moved.due_at, moved.due_provisional) == (datetime(2027, 2, 17, 17, 30, tzinfo=CST), True)

    timeline = [
        {"kind": e.kind.value, "detail": {k: str(v) for k, v in e.detail.items()}}
        for e in (*paused.timeline, *resumed.timeline)
    ]
    pauses = resumed_pauses(timeline)
    assert pauses == {lead.referral_id: [(paused_at, resumed_at)]}
    with loaded(year_file()):
        decision = recompute_deadlines(resumed.case, 2027, pauses, recompute_deadline, LOADED_AT)
    assert decision is not None
    exact = lead_of(decision.case)
    # Wednesday 17 February + 2 working days → Friday 19 February, as issuing and resuming by the known calendar give.
    assert (exact.due_at, exact.due_provisional) == (datetime(2027, 2, 19, 17, 30, tzinfo=CST), False)
    assert exact.deadline_revision == moved.deadline_revision + 1


def test_a_referral_whose_pauses_are_not_all_on_record_is_not_guessed_at() -> None:
    case = police_call()
    lead = lead_of(case)
    paused_at = datetime(2027, 2, 1, 9, 0, tzinfo=CST)
    resumed_at = datetime(2027, 2, 3, 9, 0, tzinfo=CST)
    paused = record_pause(
        case, lead.referral_id, lead.unit, "liu", PauseReason.APPRAISAL, None, 1, paused_at, paused_at
    )
    resumed = record_resume(paused.case, lead.referral_id, lead.unit, "liu", 1, resumed_at, resumed_at, extend_for)
    with loaded(year_file()):
        decision = recompute_deadlines(resumed.case, 2027, {}, recompute_deadline, LOADED_AT)
    untouched = [e for e in (decision.timeline if decision else ()) if e.detail["unit"] == lead.unit]
    assert untouched == []
