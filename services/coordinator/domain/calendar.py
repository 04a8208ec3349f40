"""Deadlines recomputed when a year of the official calendar is loaded: provisional ones made exact.

A deadline counted over a year whose holidays were not yet published stood on weekdays (暂定). When
the year is loaded, every open referral whose term touches it is counted again from its issue, by
its own term, and moved by each pause it has already resumed, exactly as issuing and resuming moved
it; one whose deadline or mark changes gets a timeline line and the messages a resume sends.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from services.coordinator.domain.decisions import AnnounceDeadline, Decision, DecisionDraft, TellUnitDeadline, about
from services.coordinator.domain.model import Case, Referral, Term, TimelineKind
from shared.workdays import CHINA_TZ, runs_into_unknown_year

Pause = tuple[datetime, datetime]  # (paused_at, resumed_at) of a pause already resumed
RecomputeDeadline = Callable[[datetime, Term, Sequence[Pause]], datetime]
"""`recompute(issued_at, term, pauses)`: the deadline by the calendar now known; injected."""


def touches(referral: Referral, year: int) -> bool:
    """Whether any day of the referral's term, from its issue to its deadline, lies in `year` (China time)."""
    first = referral.issued_at.astimezone(CHINA_TZ).year
    last = referral.due_at.astimezone(CHINA_TZ).year
    return first <= year <= last


def recompute_deadlines(
    case: Case,
    year: int,
    pauses: Mapping[UUID, Sequence[Pause]],
    recompute: RecomputeDeadline,
    now: datetime,
) -> Decision | None:
    """The case with each open referral whose term touches `year` counted again; None when none changes.

    `pauses` are each referral's resumed pauses in order, as its timeline recorded them. A referral
    whose recorded pauses do not add up to its count of resumed pauses is left as it is rather than
    guessed at. Loading the same year again changes nothing: every deadline already is what it counts.
    """
    draft = DecisionDraft(case, now)
    for referral in case.referrals:
        term = referral.term or case.plan.term_for(referral.role)
        if not referral.is_open or term is None or not touches(referral, year):
            continue
        resumed = pauses.get(referral.referral_id, ())
        if len(resumed) != referral.pauses - (1 if referral.paused_at is not None else 0):
            continue
        due_at = recompute(referral.issued_at, term, resumed)
        provisional = runs_into_unknown_year(referral.issued_at, due_at)
        if due_at == referral.due_at and provisional == referral.due_provisional:
            continue
        draft.update(referral, due_at=due_at, due_provisional=provisional, recomputes=referral.recomputes + 1)
        updated = draft.case.referral(referral.referral_id)
        assert updated is not None
        draft.emit(AnnounceDeadline(updated))
        draft.emit(TellUnitDeadline(updated))
        draft.note(
            TimelineKind.DEADLINE_RECOMPUTED,
            **about(referral),
            year=year,
            previous_due_at=referral.due_at.isoformat(),
            due_at=due_at.isoformat(),
            due_provisional=provisional,
        )
    return draft.decision() if draft.entries else None


def resumed_pauses(timeline: Sequence[Mapping[str, object]]) -> dict[UUID, list[Pause]]:
    """Each referral's resumed pauses from the case's timeline (`clock_resumed` lines), in order.

    A resume recorded after its referral's result (`late`) moved no deadline, so it is not counted."""
    found: dict[UUID, list[Pause]] = {}
    for entry in timeline:
        detail = entry.get("detail")
        if entry.get("kind") != TimelineKind.CLOCK_RESUMED.value or not isinstance(detail, Mapping):
            continue
        if detail.get("late") or "paused_at" not in detail or "resumed_at" not in detail:
            continue
        referral_id = UUID(str(detail["referral_id"]))
        pause = (datetime.fromisoformat(str(detail["paused_at"])), datetime.fromisoformat(str(detail["resumed_at"])))
        found.setdefault(referral_id, []).append(pause)
    return found
