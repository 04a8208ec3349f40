"""What one change to a case amounts to: the new state, the effects to announce, the timeline lines to append.

`DecisionDraft` builds a decision step by step (issue a referral, close one, wait for
staff, resolve, reopen) so that every rule in `rules` composes the same few moves.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from services.coordinator.domain.model import (
    Agreement,
    Case,
    CaseStatus,
    DayCount,
    Gap,
    GapCode,
    Referral,
    ReferralStatus,
    Term,
    TimelineEntry,
    TimelineKind,
)
from shared.contracts.vocabulary import (
    ONWARD_RESULTS,
    Category,
    Flag,
    HandlingMode,
    Outcome,
    Rating,
    ReferralRole,
    ReopenCause,
    ResultCode,
    Source,
    outcome_of,
)
from shared.workdays import runs_into_unknown_year

DeadlineFor = Callable[[datetime, Term], datetime]
"""`deadline_for(issued_at, term)`: when a term issued then ends, by the official calendar; injected."""
ExtendFor = Callable[[datetime, datetime, datetime, DayCount], datetime]
"""`extend_for(due_at, paused_at, resumed_at, counting)`: the deadline moved later by a pause, the pause
measured in the term's own kind of time; injected (`services.coordinator.deadlines.extend_for`)."""
IdFactory = Callable[[], UUID]

# A unit staff add by hand to a case the table gave no deadline (one settled at the window).
MANUAL_DEADLINE_WORKING_DAYS = 10
# The contract's LongText limit; a reason quoting a unit's summary must still fit.
MAX_REASON_CHARS = 2000


# --- effects: each stands for one message, which the service builds -----------------------


@dataclass(frozen=True)
class IssueReferral:
    """-> ReferralIssued to `referral.unit`, with the registered summary and parties."""

    referral: Referral


@dataclass(frozen=True)
class AnnounceDesignation:
    """-> UnitDesignated, for a unit designated after triage (triage's units travel in CaseAssigned)."""

    referral: Referral


@dataclass(frozen=True)
class CloseReferral:
    """-> ReferralClosed: one unit's part ended while the round goes on, with its result if it reported one."""

    referral_id: UUID
    unit: str
    reason: Literal["result_reported", "declined", "escalated"]
    result: ResultCode | None = None

    @property
    def outcome(self) -> Outcome | None:
        return outcome_of(self.result) if self.result else None


@dataclass(frozen=True)
class WithdrawReferral:
    """-> ReferralWithdrawn: tell a unit its part was taken back (it did not end the part itself)."""

    referral_id: UUID
    unit: str
    reason: Literal["escalated"]
    successor: str | None


@dataclass(frozen=True)
class AnnounceAssignment:
    """-> CaseAssigned, with the referrals triage issued."""

    mode: HandlingMode
    source: Source
    category: Category
    division_code: str
    flags: tuple[Flag, ...]
    lead_unit: str | None
    co_units: tuple[str, ...]
    referrals: tuple[Referral, ...]


@dataclass(frozen=True)
class AnnounceDeadline:
    """-> DeadlineChanged: the unit's clock stopped, or started again with its deadline moved."""

    referral: Referral


@dataclass(frozen=True)
class TellUnitDeadline:
    """-> ReferralDeadlineChanged to `referral.unit`: its deadline as the centre now keeps it."""

    referral: Referral


@dataclass(frozen=True)
class AnnounceManualTriage:
    """-> CaseAwaitingManualTriage."""

    reason: str


@dataclass(frozen=True)
class AnnounceResolved:
    """-> CaseResolved: every part of the round has ended, so no CloseReferral accompanies it: `parts` are those
    the same decision closed, each with its own reason and result. `result` is the round's (`Case.round_result`);
    None for a case settled at the window."""

    lead_unit: str | None
    round: int
    result: ResultCode | None = None
    parts: tuple[CloseReferral, ...] = ()


@dataclass(frozen=True)
class AnnounceClosed:
    """-> CaseClosed."""

    rating: Rating


@dataclass(frozen=True)
class AnnounceReopened:
    """-> CaseReopened."""

    cause: ReopenCause
    rating: Rating | None
    round: int


Effect = (
    IssueReferral
    | AnnounceDesignation
    | CloseReferral
    | WithdrawReferral
    | AnnounceAssignment
    | AnnounceManualTriage
    | AnnounceResolved
    | AnnounceClosed
    | AnnounceReopened
    | AnnounceDeadline
    | TellUnitDeadline
)


# --- decisions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The new state, the messages to send and the timeline entries to append, stored in one transaction."""

    case: Case
    effects: tuple[Effect, ...]
    timeline: tuple[TimelineEntry, ...]


@dataclass(frozen=True)
class Assignment(Decision):
    """Triage's decision."""

    @property
    def mode(self) -> HandlingMode:
        return self.case.plan.mode

    @property
    def lead_unit(self) -> str | None:
        return next(iter(self.case.plan.lead_units), None)

    @property
    def co_units(self) -> tuple[str, ...]:
        return self.case.plan.co_units

    @property
    def referrals(self) -> tuple[Referral, ...]:
        return tuple(e.referral for e in self.effects if isinstance(e, IssueReferral))


_WINDOW_CASE_REOPENED = {
    ReopenCause.DISSATISFIED: "the citizen is dissatisfied with a case settled at the window",
    ReopenCause.REPEAT_REPORT: "a case settled at the window was reported again after it was closed",
    ReopenCause.SPOT_CHECK: "a spot check found the citizen dissatisfied with a case settled at the window",
}


def about(referral: Referral) -> dict[str, object]:
    """How a timeline line names a referral."""
    return {"referral_id": str(referral.referral_id), "unit": referral.unit, "role": referral.role}


class DecisionDraft:
    """Collects one decision: the evolving case, its effects and its numbered timeline entries."""

    def __init__(self, case: Case, now: datetime) -> None:
        self.case = case
        self.now = now
        self.effects: list[Effect] = []
        self.entries: list[TimelineEntry] = []

    def note(self, kind: TimelineKind, **detail: object) -> None:
        seq = self.case.timeline_length + len(self.entries) + 1
        self.entries.append(TimelineEntry(seq=seq, at=self.now, kind=kind, detail=detail))

    def emit(self, effect: Effect) -> None:
        self.effects.append(effect)

    def update(self, referral: Referral, **changes: Any) -> None:
        updated = replace(referral, **changes)
        referrals = tuple(updated if r.referral_id == referral.referral_id else r for r in self.case.referrals)
        self.case = replace(self.case, referrals=referrals)

    def close(
        self,
        referral: Referral,
        status: ReferralStatus,
        result: ResultCode | None = None,
        agreement: Agreement | None = None,
    ) -> None:
        self.update(referral, status=status, result=result, agreement=agreement, closed_at=self.now)
        reason: Literal["result_reported", "declined", "escalated"] = (
            "declined"
            if status is ReferralStatus.DECLINED
            else "escalated"
            if status is ReferralStatus.ESCALATED
            else "result_reported"
        )
        self.emit(CloseReferral(referral.referral_id, referral.unit, reason, result))

    def issue(
        self,
        unit: str,
        role: ReferralRole,
        deadline_for: DeadlineFor,
        new_id: IdFactory,
        replaces: UUID | None = None,
        announce: bool = True,
        source_record_id: str | None = None,
    ) -> None:
        # Each unit gets its role's term; where the table gave none (a unit staff add to a case settled
        # at the window), 10 working days.
        term = self.case.plan.term_for(role) or Term(MANUAL_DEADLINE_WORKING_DAYS)
        referral_id = new_id()
        if self.case.referral(referral_id) is not None:
            # Reports are matched by referral id; a repeated id would make them ambiguous.
            raise ValueError(f"the id factory repeated referral id {referral_id}")
        referral = Referral(
            referral_id=referral_id,
            unit=unit,
            role=role,
            round=self.case.round,
            issued_at=self.now,
            due_at=(due_at := deadline_for(self.now, term)),
            term=term,
            # Counted over a year whose calendar is unknown: 暂定 until that year is loaded.
            due_provisional=runs_into_unknown_year(self.now, due_at),
            source_record_id=source_record_id,
        )
        self.case = replace(self.case, referrals=(*self.case.referrals, referral))
        self.emit(IssueReferral(referral))
        if announce:
            self.emit(AnnounceDesignation(referral))
        self.note(
            TimelineKind.REFERRAL_ISSUED,
            **about(referral),
            round=referral.round,
            due_at=referral.due_at.isoformat(),
            term=term.detail(),
            replaces=str(replaces) if replaces else None,
        )

    def reopen(self, cause: ReopenCause, rating: Rating | None, deadline_for: DeadlineFor, new_id: IdFactory) -> None:
        """Start a new round with the same lead; co-units finished their part, and the lead
        answers for the outcome (谁主管谁负责). A round that took the dispute into a statutory procedure leaves the
        lead no part in it: staff decide who takes the case up."""
        lead = self.case.current_lead()
        onward = self.case.result if self.case.result in ONWARD_RESULTS else None
        # The new round has no result until it is settled in its turn.
        self.case = replace(self.case, round=self.case.round + 1, status=CaseStatus.IN_PROGRESS, result=None)
        self.emit(AnnounceReopened(cause, rating, self.case.round))
        if lead is not None and onward is not None:
            reason = f"the dispute was taken into a statutory procedure ({onward.value}) and is reported again"
            self.await_staff(ReferralRole.LEAD, reason, GapCode.ONWARD_CASE_REOPENED, lead.unit, onward)
        elif lead is not None:
            self.issue(lead.unit, ReferralRole.LEAD, deadline_for, new_id)
        else:
            self.await_staff(ReferralRole.LEAD, _WINDOW_CASE_REOPENED[cause], GapCode.WINDOW_CASE_REOPENED)
        self.conclude()

    def await_staff(
        self,
        role: ReferralRole,
        reason: str,
        code: GapCode,
        unit: str | None = None,
        result: ResultCode | None = None,
    ) -> None:
        """Leave `role` for centre staff to fill. `code`, `unit` and `result` say why for software and
        reports; `reason` says it as a sentence, which CaseAwaitingManualTriage carries."""
        gap = Gap(role, _clip(reason), code, unit, result)
        gaps = (gap, *self.case.gaps) if role is ReferralRole.LEAD else (*self.case.gaps, gap)
        self.case = replace(self.case, gaps=gaps)
        self.emit(AnnounceManualTriage(gap.reason))
        # Not `unit`: on a timeline line that key names the unit an entry is about, and this one is
        # about a role no unit holds yet.
        self.note(
            TimelineKind.MANUAL_TRIAGE_NEEDED, role=role, reason=gap.reason, code=code, by_unit=unit, result=result
        )

    def resolve(self) -> None:
        lead = self.case.current_lead()
        lead_unit = lead.unit if lead else None
        result = self.case.round_result()
        # A co-unit gap no longer matters once the lead has settled the round.
        self.case = replace(self.case, status=CaseStatus.RESOLVED, gaps=(), result=result)
        # CaseResolved ends every part of the round at once: the parts this same decision closed need no
        # ReferralClosed of their own, but their own results travel with it (a co-unit's 调解不成 beside the lead's
        # resolution counts against that unit, and the police read the mediators' result on their call).
        closed = tuple(e for e in self.effects if isinstance(e, CloseReferral))
        self.effects = [e for e in self.effects if not isinstance(e, CloseReferral)]
        self.emit(AnnounceResolved(lead_unit, self.case.round, result, closed))
        self.note(TimelineKind.CASE_RESOLVED, lead_unit=lead_unit, round=self.case.round, result=result)

    def conclude(self) -> None:
        if self.case.round_settled():
            self.resolve()
        else:
            self.case = replace(self.case, status=self.case.working_status())

    def decision(self) -> Decision:
        case = replace(self.case, timeline_length=self.case.timeline_length + len(self.entries))
        return Decision(case=case, effects=tuple(self.effects), timeline=tuple(self.entries))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"
