"""A case as the coordinator keeps it: plain, frozen state, stored as one JSON document per case."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import (
    LEGACY_RESULTS,
    ONWARD_RESULTS,
    RESOLVING_RESULTS,
    AgreementForm,
    Category,
    Flag,
    HandlingMode,
    Outcome,
    Rating,
    ReferralRole,
    ResultCode,
    Source,
    outcome_of,
)

# A lead's result that ends the centre's part of the round: the dispute is resolved (化解), or it
# has left the centre for a statutory procedure (导入法定途径) that now answers for it.
SETTLING_RESULTS = RESOLVING_RESULTS | ONWARD_RESULTS
# What a co-unit's result may make of a lead's `handled` (依职能办结), strongest first: in 警调对接
# and 访调对接 the police or the petition bureau leads while the justice office mediates, and the
# signed agreement, confirmed by a court or not, is what resolved the dispute.
MEDIATED_RESULTS = (ResultCode.JUDICIALLY_CONFIRMED, ResultCode.MEDIATED)


class CaseStatus(StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"  # referrals issued, none accepted yet
    IN_PROGRESS = "in_progress"
    AWAITING_MANUAL_TRIAGE = "awaiting_manual_triage"
    RESOLVED = "resolved"  # awaiting the citizen's rating (群众评单)
    CLOSED = "closed"


# The statuses of a case the centre is still handling: neither resolved (awaiting its rating) nor closed.
STILL_HANDLED = frozenset(
    {CaseStatus.REGISTERED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_MANUAL_TRIAGE}
)


class ReferralStatus(StrEnum):
    """A referral as the centre follows it; the receiving agency keeps its own view (`AgencyReferralStatus`)."""

    ISSUED = "issued"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REPORTED = "reported"
    ESCALATED = "escalated"  # 提级: overdue past its level's threshold, the part went up to the next level


# A part that passed to another unit: declined, or taken up a level past the unit.
_PASSED_ON = (ReferralStatus.DECLINED, ReferralStatus.ESCALATED)


class TimelineKind(StrEnum):
    CASE_TRIAGED = "case_triaged"
    REFERRAL_ISSUED = "referral_issued"
    REFERRAL_ACCEPTED = "referral_accepted"
    PROGRESS_REPORTED = "progress_reported"
    REFERRAL_DECLINED = "referral_declined"
    RESULT_REPORTED = "result_reported"
    MANUAL_TRIAGE_NEEDED = "manual_triage_needed"
    MANUALLY_ASSIGNED = "manually_assigned"
    CASE_RESOLVED = "case_resolved"
    CASE_CLOSED = "case_closed"
    CASE_REOPENED = "case_reopened"
    REPEAT_LINKED = "repeat_linked"
    CLOCK_PAUSED = "clock_paused"
    CLOCK_RESUMED = "clock_resumed"
    DEADLINE_RECOMPUTED = "deadline_recomputed"  # a year's official calendar was loaded
    CASE_ESCALATED = "case_escalated"  # 上报/提级: the case went up one level (domain/levels.py)
    LEADERS_ALERTED = "leaders_alerted"  # overdue past the threshold at the county centre: 提请领导督办
    UNITS_CALLED_IN = "units_called_in"  # 吹哨报到: the holding centre called departments in
    SPOT_CHECKED = "spot_checked"  # 回访抽查: a closed case's second follow-up found the citizen satisfied
    RATING_OVERTAKEN = "rating_overtaken"  # a visit's rating of a round a petition reopened meanwhile: kept, no change
    REPORT_REJECTED = "report_rejected"  # a unit's message refused for good; its agency was told (MessageRejected)


class DayCount(StrEnum):
    """How a term's days are counted."""

    WORKING = "working"  # working days: weekends and statutory holidays do not count, 调休 weekends do
    CALENDAR = "calendar"  # every day, where the law gives a term in days (诉前调解 30 日)


@dataclass(frozen=True)
class Term:
    """A unit's time for its part: so many days, counted as `counting` says, from the day after issue."""

    days: int
    counting: DayCount = DayCount.WORKING

    def detail(self) -> dict[str, object]:
        return {"days": self.days, "counting": self.counting.value}


@dataclass(frozen=True)
class CaseFacts:
    """What triage needs from the registered case."""

    case_id: str
    source: Source
    category: Category
    division_code: str
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The route resolved to units at triage, kept so later re-routing never re-reads a changed table."""

    rule_index: int
    mode: HandlingMode
    lead_units: tuple[str, ...]  # designated first, then the fall-backs in order
    co_units: tuple[str, ...]
    co_reserve_units: tuple[str, ...]
    deadline_working_days: int | None  # the rule's default; all a plan stored before per-role terms has
    lead_term: Term | None = None
    co_term: Term | None = None

    def term_for(self, role: ReferralRole) -> Term | None:
        """The role's term; a plan stored before per-role terms gives every role its working days.
        None when the table gave none (a case settled at the window)."""
        term = self.lead_term if role is ReferralRole.LEAD else self.co_term
        if term is None and self.deadline_working_days is not None:
            return Term(self.deadline_working_days)
        return term


@dataclass(frozen=True)
class Agreement:
    """The mediation agreement (调解协议) a unit's mediated or confirmed result came with: written, or oral as the
    mediator recorded it (a case stored before the form was reported reads as written)."""

    signed_on: date
    terms: str
    number: str | None = None
    form: AgreementForm = AgreementForm.WRITTEN

    def detail(self) -> dict[str, object]:
        """As a timeline line and the case view give it."""
        return {
            "number": self.number,
            "signed_on": self.signed_on.isoformat(),
            "terms": self.terms,
            "form": self.form.value,
        }


@dataclass(frozen=True)
class Referral:
    """One unit's part of one round. `result` is what its report came to; `outcome` is its coarse
    reading, kept because states and messages from before result codes carry only that.

    `term` is the unit's time (None when issued before per-unit terms: working days). While
    `paused_at` is set the clock stands still (期限中止): the unit is late only if it was already
    late then, and a result reported while paused is judged as of the pause. A resume moves
    `due_at` later by the pause and clears the pause; `pauses` counts the pauses so far, so that
    reports of pauses and resumes handled out of order are put back in order.
    """

    referral_id: UUID
    unit: str
    role: ReferralRole
    round: int
    issued_at: datetime
    due_at: datetime
    status: ReferralStatus = ReferralStatus.ISSUED
    accepted_at: datetime | None = None
    last_progress_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    result: ResultCode | None = None
    agreement: Agreement | None = None
    term: Term | None = None
    paused_at: datetime | None = None
    pause_reason: PauseReason | None = None
    pause_note: str | None = None
    pauses: int = 0
    # 暂定: counted over a year whose official calendar was not known (weekdays stood in for it); the
    # deadline is recomputed when that year is loaded, and `recomputes` counts those recomputations.
    due_provisional: bool = False
    recomputes: int = 0
    # A record of the unit's own agency that this referral answers, where it is not the one the case came from: a
    # petition the bureau passed to mediation that intake linked to this case as a repeat (访调对接).
    source_record_id: str | None = None

    def __post_init__(self) -> None:
        # A state stored before result codes has only the outcome: it reads as the code it stood for,
        # as the contract reads a version 1 ResultReported. From a code, the outcome always follows.
        if self.result is None and self.outcome is not None:
            object.__setattr__(self, "result", LEGACY_RESULTS[self.outcome])
        elif self.result is not None:
            object.__setattr__(self, "outcome", outcome_of(self.result))

    @property
    def is_open(self) -> bool:
        return self.status in (ReferralStatus.ISSUED, ReferralStatus.ACCEPTED)

    @property
    def passed_on(self) -> bool:
        """Declined, or taken up a level past the unit: the part went to another unit."""
        return self.status in _PASSED_ON

    @property
    def started(self) -> bool:
        return (
            self.accepted_at is not None or self.last_progress_at is not None or self.status is ReferralStatus.REPORTED
        )

    @property
    def paused(self) -> bool:
        """The unit's clock stands still (an open referral paused and not yet resumed)."""
        return self.is_open and self.paused_at is not None

    @property
    def counting(self) -> DayCount:
        return self.term.counting if self.term else DayCount.WORKING

    @property
    def clock_revision(self) -> int:
        """The clock's changes so far: each pause and each resume adds one (DeadlineChanged's `revision`)."""
        return 2 * self.pauses - (1 if self.paused_at is not None else 0)

    @property
    def deadline_revision(self) -> int:
        """The deadline's changes so far, as DeadlineChanged and ReferralDeadlineChanged number them: the
        clock's changes and the recomputations when a year's calendar was loaded (never lower than before)."""
        return self.clock_revision + self.recomputes

    def clock_at(self, now: datetime) -> datetime:
        """The moment the unit's time is judged at: now, or when its clock stopped."""
        return min(now, self.paused_at) if self.paused_at is not None else now

    def overdue(self, now: datetime) -> bool:
        """Still open after its deadline: the unit owes the centre its result. A paused clock stands
        still, so a paused referral is overdue only if it already was when it was paused."""
        return self.is_open and self.due_at < self.clock_at(now)

    @property
    def finished(self) -> bool:
        """The unit reported its result, resolved or not. A decline is not finishing: the part
        passes to another unit, which answers for it under its own deadline."""
        return self.status is ReferralStatus.REPORTED

    @property
    def on_time(self) -> bool:
        """Finished by its deadline, judged by when the centre recorded the result (`closed_at`), or by
        when the clock stopped if the result came while it was paused."""
        return self.finished and self.closed_at is not None and self.clock_at(self.closed_at) <= self.due_at


class GapCode(StrEnum):
    """Why centre staff must designate a unit by hand."""

    LEAD_DECLINED = "lead_declined"  # the lead declined and no fall-back lead is left
    CO_UNIT_DECLINED = "co_unit_declined"  # a co-unit declined and no reserve co-unit is left
    LEAD_FAILED = "lead_failed"  # the lead reported a failed result (调解不成, 不宜调解)
    WINDOW_CASE_REOPENED = "window_case_reopened"  # a case settled at the window is back, with no lead to return to
    # A case whose last round took the dispute into a statutory procedure (导入诉讼 …) is reported again: its lead
    # has no part in the dispute now (the court filed it), so staff decide who takes it up.
    ONWARD_CASE_REOPENED = "onward_case_reopened"
    ESCALATED = "escalated"  # the case went up a level and the upper level has no unit of that agency to take it


@dataclass(frozen=True)
class Gap:
    """A role no unit is left to fill; centre staff assign one by hand.

    `code`, `unit` (the unit whose decline or result left the gap) and `result` say why in the
    platform's own terms; `reason` says it as a sentence, as CaseAwaitingManualTriage carries it.
    Gaps stored before the codes have only the sentence.
    """

    role: ReferralRole
    reason: str
    code: GapCode | None = None
    unit: str | None = None
    result: ResultCode | None = None


class EscalationCause(StrEnum):
    BEYOND_LEVEL = "beyond_level"  # a unit declined the case as 超出本级处置能力
    OVERDUE = "overdue"  # a unit stayed overdue past its level's threshold (supervision's EscalateCase)


@dataclass(frozen=True)
class Escalation:
    """One step up (上报, 提级), or at the top a flag for the leaders (`to_centre` None)."""

    at: datetime
    cause: EscalationCause
    from_centre: str
    to_centre: str | None  # None: already at the county centre, flagged for the leaders
    unit: str  # the unit whose decline or delay sent it up
    referral_id: UUID
    new_unit: str | None = None  # the same agency's unit at the upper level, if it took the part over
    overdue_working_days: int | None = None

    def detail(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "cause": self.cause.value,
            "from_centre": self.from_centre,
            "to_centre": self.to_centre,
            "unit": self.unit,
            "referral_id": str(self.referral_id),
            "new_unit": self.new_unit,
            "overdue_working_days": self.overdue_working_days,
        }


@dataclass(frozen=True)
class Case:
    """The coordinator's whole state of one case (the store keeps it as one JSON document)."""

    facts: CaseFacts
    plan: Plan
    status: CaseStatus
    round: int = 1
    referrals: tuple[Referral, ...] = ()
    gaps: tuple[Gap, ...] = ()  # lead gaps first
    rating: Rating | None = None
    repeat_reports: int = 0
    timeline_length: int = 0  # entries recorded so far; the next entry's seq is this + 1
    result: ResultCode | None = None  # the current round's result, once it is settled (`round_result`)
    # The division code of the centre holding the case (三级: county, township, village), and how it got
    # there; None for a case stored before levels, which the county centre holds (domain/levels.py).
    centre: str | None = None
    escalations: tuple[Escalation, ...] = ()

    def __post_init__(self) -> None:
        # A case settled before result codes was settled by its lead's `resolved`: its result follows
        # from its referrals (read as codes), as it would have been stored.
        if self.result is None and self.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            object.__setattr__(self, "result", self.round_result())

    @property
    def case_id(self) -> str:
        return self.facts.case_id

    def referral(self, referral_id: UUID) -> Referral | None:
        return next((r for r in self.referrals if r.referral_id == referral_id), None)

    def current_lead(self) -> Referral | None:
        """The latest lead referral of this round: the one whose result decides it."""
        leads = [r for r in self.referrals if r.round == self.round and r.role is ReferralRole.LEAD]
        return leads[-1] if leads else None

    def co_units(self) -> list[str]:
        """The units working with the lead, or that did: every co-unit that did not decline."""
        return sorted({r.unit for r in self.referrals if r.role is ReferralRole.CO_UNIT and r.status not in _PASSED_ON})

    def next_due_at(self) -> datetime | None:
        """The earliest deadline still running in this round, or None when no referral of it is open."""
        return min((r.due_at for r in self.referrals if r.round == self.round and r.is_open), default=None)

    def overdue(self, now: datetime) -> bool:
        return any(r.overdue(now) for r in self.referrals)

    @property
    def awaits_the_leaders(self) -> bool:
        """提请领导督办: still being handled after a unit stayed overdue at the county centre, which has no level above
        to send it to (`levels.escalate_overdue`)."""
        return self.status in STILL_HANDLED and any(e.to_centre is None for e in self.escalations)

    def round_settled(self) -> bool:
        """The lead of this round reported a settling result (resolved, or taken into a statutory
        procedure) and no referral of the round is still open. Co-units' results, whatever they
        are, only have to be in: a co-unit's failure neither blocks nor reopens the round."""
        lead = self.current_lead()
        return (
            lead is not None
            and lead.result in SETTLING_RESULTS
            and not any(r.is_open for r in self.referrals if r.round == self.round)
        )

    def round_result(self) -> ResultCode | None:
        """The round's result: the lead's, except that a lead's `handled` (its own procedure) gives way
        to a co-unit of the same round that mediated (judicially_confirmed before mediated), since the
        mediation is what resolved the dispute. None while the lead has not reported, and for a case
        settled at the window, where no unit reported at all."""
        lead = self.current_lead()
        if lead is None or lead.result is None:
            return None
        if lead.result is ResultCode.HANDLED:
            helped = {r.result for r in self.referrals if r.round == self.round and r.role is ReferralRole.CO_UNIT}
            mediated = next((code for code in MEDIATED_RESULTS if code in helped), None)
            if mediated is not None:
                return mediated
        return lead.result

    def working_status(self) -> CaseStatus:
        """The status of a case whose round is still going on."""
        if self.gaps:
            return CaseStatus.AWAITING_MANUAL_TRIAGE
        if any(r.started for r in self.referrals):
            return CaseStatus.IN_PROGRESS
        return CaseStatus.ASSIGNED


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the case's append-only timeline; `detail` is JSON-ready."""

    seq: int
    at: datetime
    kind: TimelineKind
    detail: dict[str, object]
