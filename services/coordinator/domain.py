"""A case from triage to closure: plain state, and pure functions that turn one input into one decision."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID, uuid4

from services.coordinator.routing import RoutingTable
from shared.contracts.identifiers import validate_unit
from shared.contracts.vocabulary import Category, Flag, HandlingMode, Outcome, Rating, ReferralRole, ReopenCause, Source
from shared.registry import AgencyRegistry

DeadlineFor = Callable[[datetime, int], datetime]
"""`deadline_for(issued_at, working_days)`: the working-day calendar, injected."""
IdFactory = Callable[[], UUID]

# A unit staff add by hand to a case the table gave no deadline (one settled at the window).
MANUAL_DEADLINE_WORKING_DAYS = 10
# The contract's LongText limit; a reason quoting a unit's summary must still fit.
MAX_REASON_CHARS = 2000


class CaseStatus(StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"  # referrals issued, none accepted yet
    IN_PROGRESS = "in_progress"
    AWAITING_MANUAL_TRIAGE = "awaiting_manual_triage"
    RESOLVED = "resolved"  # awaiting the citizen's rating (群众评单)
    CLOSED = "closed"


class ReferralStatus(StrEnum):
    ISSUED = "issued"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REPORTED = "reported"


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


class RejectionCode(StrEnum):
    UNKNOWN_REFERRAL = "unknown_referral"
    WRONG_UNIT = "wrong_unit"
    REFERRAL_CLOSED = "referral_closed"
    ALREADY_ACCEPTED = "already_accepted"
    WRONG_STATUS = "wrong_status"
    BAD_UNIT = "bad_unit"
    UNIT_ALREADY_ON_CASE = "unit_already_on_case"


# --- state ------------------------------------------------------------------------------


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
    deadline_working_days: int | None


@dataclass(frozen=True)
class Referral:
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

    @property
    def is_open(self) -> bool:
        return self.status in (ReferralStatus.ISSUED, ReferralStatus.ACCEPTED)

    @property
    def started(self) -> bool:
        return (
            self.accepted_at is not None or self.last_progress_at is not None or self.status is ReferralStatus.REPORTED
        )


@dataclass(frozen=True)
class Gap:
    """A role no unit is left to fill; centre staff assign one by hand."""

    role: ReferralRole
    reason: str


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

    @property
    def case_id(self) -> str:
        return self.facts.case_id

    def referral(self, referral_id: UUID) -> Referral | None:
        return next((r for r in self.referrals if r.referral_id == referral_id), None)

    def current_lead(self) -> Referral | None:
        """The latest lead referral of this round: the one whose result decides it."""
        leads = [r for r in self.referrals if r.round == self.round and r.role is ReferralRole.LEAD]
        return leads[-1] if leads else None


# --- decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the case's append-only timeline; `detail` is JSON-ready."""

    seq: int
    at: datetime
    kind: TimelineKind
    detail: dict[str, object]


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
    """-> ReferralClosed: one unit's part ended while the round goes on."""

    referral_id: UUID
    unit: str
    reason: Literal["result_reported", "declined"]
    outcome: Outcome | None


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
class AnnounceManualTriage:
    """-> CaseAwaitingManualTriage."""

    reason: str


@dataclass(frozen=True)
class AnnounceResolved:
    """-> CaseResolved: every part of the round has ended, so no CloseReferral accompanies it."""

    lead_unit: str | None
    round: int


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
    | AnnounceAssignment
    | AnnounceManualTriage
    | AnnounceResolved
    | AnnounceClosed
    | AnnounceReopened
)


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


@dataclass(frozen=True)
class Rejection:
    """The input does not apply to the case; nothing changes and the service reports or dead-letters it."""

    case_id: str
    code: RejectionCode
    reason: str


# --- operations -------------------------------------------------------------------------


def triage(
    facts: CaseFacts,
    table: RoutingTable,
    registry: AgencyRegistry,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Assignment:
    """现场办 / 马上办 / 共同办: pick the rule, designate the units of the case's place, issue referrals."""
    route = table.route(facts.category, facts.source, facts.flags)

    def units(codes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(registry.get(code).unit_for(facts.division_code) for code in codes)

    plan = Plan(
        rule_index=route.rule_index,
        mode=route.mode,
        lead_units=units(route.lead),
        co_units=units(route.co),
        co_reserve_units=units(route.co_reserve),
        deadline_working_days=route.deadline_working_days,
    )
    lead_unit = plan.lead_units[0] if plan.lead_units else None
    draft = _Draft(Case(facts=facts, plan=plan, status=CaseStatus.REGISTERED), now)
    draft.note(
        TimelineKind.CASE_TRIAGED,
        rule=plan.rule_index,
        mode=plan.mode,
        lead_unit=lead_unit,
        co_units=list(plan.co_units),
    )
    if lead_unit is not None:
        # The assignment announces these units itself, so none gets a UnitDesignated of its own.
        draft.issue(lead_unit, ReferralRole.LEAD, deadline_for, new_id, announce=False)
        for unit in plan.co_units:
            draft.issue(unit, ReferralRole.CO_UNIT, deadline_for, new_id, announce=False)
    draft.emit(
        AnnounceAssignment(
            mode=plan.mode,
            source=facts.source,
            category=facts.category,
            division_code=facts.division_code,
            flags=facts.flags,
            lead_unit=lead_unit,
            co_units=plan.co_units,
            referrals=draft.case.referrals,
        )
    )
    if lead_unit is None:
        draft.resolve()  # settled at the window; only the follow-up rating remains
    else:
        draft.conclude()
    decision = draft.decision()
    return Assignment(decision.case, decision.effects, decision.timeline)


def on_accepted(case: Case, referral_id: UUID, unit: str, officer: str, now: datetime) -> Decision | Rejection:
    overtaken = _overtaken(case, referral_id, unit)
    if overtaken is not None:
        # The unit's result was handled first; record the acceptance, change nothing.
        draft = _Draft(case, now)
        draft.note(TimelineKind.REFERRAL_ACCEPTED, **_about(overtaken), officer=officer, late=True)
        return draft.decision()
    referral = _open_referral(case, referral_id, unit)
    if isinstance(referral, Rejection):
        return referral
    if referral.status is ReferralStatus.ACCEPTED:
        return _reject(case, RejectionCode.ALREADY_ACCEPTED, f"referral {referral_id} is already accepted")
    draft = _Draft(case, now)
    draft.update(referral, status=ReferralStatus.ACCEPTED, accepted_at=now)
    draft.note(TimelineKind.REFERRAL_ACCEPTED, **_about(referral), officer=officer)
    draft.conclude()
    return draft.decision()


def on_progress(
    case: Case, referral_id: UUID, unit: str, officer: str, note: str, now: datetime
) -> Decision | Rejection:
    overtaken = _overtaken(case, referral_id, unit)
    if overtaken is not None:
        # Progress sent before the result but handled after it: keep it in the record, change nothing.
        draft = _Draft(case, now)
        draft.note(TimelineKind.PROGRESS_REPORTED, **_about(overtaken), officer=officer, note=note, late=True)
        return draft.decision()
    referral = _open_referral(case, referral_id, unit)
    if isinstance(referral, Rejection):
        return referral
    draft = _Draft(case, now)
    draft.update(referral, last_progress_at=now)
    draft.note(TimelineKind.PROGRESS_REPORTED, **_about(referral), officer=officer, note=note)
    draft.conclude()
    return draft.decision()


def on_declined(
    case: Case,
    referral_id: UUID,
    unit: str,
    officer: str,
    reason: str,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Decision | Rejection:
    """不属于本单位职责: hand the role to the next fall-back not yet on the case, or to centre staff."""
    referral = _open_referral(case, referral_id, unit)
    if isinstance(referral, Rejection):
        return referral
    draft = _Draft(case, now)
    draft.close(referral, ReferralStatus.DECLINED, None)
    draft.note(TimelineKind.REFERRAL_DECLINED, **_about(referral), officer=officer, reason=reason)
    lead = referral.role is ReferralRole.LEAD
    fallbacks = case.plan.lead_units if lead else case.plan.co_reserve_units
    # Any unit that ever held a referral is out: one that declined would only decline again.
    taken = {r.unit for r in case.referrals}
    successor = next((u for u in fallbacks if u not in taken), None)
    if successor is not None:
        draft.issue(successor, referral.role, deadline_for, new_id, replaces=referral.referral_id)
    elif not _round_settled(draft.case):
        role, kind = ("lead", "fall-back lead") if lead else ("co-unit", "reserve co-unit")
        draft.await_staff(referral.role, f"{unit} declined as {role} and no {kind} is left")
    draft.conclude()
    return draft.decision()


def on_result(
    case: Case,
    referral_id: UUID,
    unit: str,
    officer: str,
    outcome: Outcome,
    summary: str,
    now: datetime,
) -> Decision | Rejection:
    referral = _open_referral(case, referral_id, unit)
    if isinstance(referral, Rejection):
        return referral
    draft = _Draft(case, now)
    draft.close(referral, ReferralStatus.REPORTED, outcome)
    draft.note(TimelineKind.RESULT_REPORTED, **_about(referral), officer=officer, outcome=outcome, summary=summary)
    if referral.role is ReferralRole.LEAD and outcome is Outcome.UNRESOLVED:
        # 调解不成: staff decide what follows, e.g. return to litigation or another lead.
        draft.await_staff(ReferralRole.LEAD, f"lead unit {unit} reported the dispute unresolved: {summary}")
    draft.conclude()
    return draft.decision()


def on_rating(
    case: Case,
    rating: Rating,
    comment: str | None,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Decision | Rejection:
    """群众评单: satisfied closes the case; dissatisfied sends it back to the same lead as a new round."""
    if case.status is not CaseStatus.RESOLVED:
        reason = f"case {case.case_id} is {case.status}; a rating counts only once it is resolved"
        return _reject(case, RejectionCode.WRONG_STATUS, reason)
    draft = _Draft(replace(case, rating=rating), now)
    if rating is not Rating.DISSATISFIED:
        draft.case = replace(draft.case, status=CaseStatus.CLOSED)
        draft.emit(AnnounceClosed(rating))
        draft.note(TimelineKind.CASE_CLOSED, rating=rating, comment=comment)
        return draft.decision()
    draft.note(
        TimelineKind.CASE_REOPENED, cause=ReopenCause.DISSATISFIED, rating=rating, comment=comment, round=case.round + 1
    )
    draft.reopen(ReopenCause.DISSATISFIED, rating, deadline_for, new_id)
    return draft.decision()


def assign_manually(
    case: Case,
    unit: str,
    staff: str,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Decision | Rejection:
    """Centre staff fill the first open gap (a lead gap before co-unit gaps) with a unit of their choice."""
    if case.status is not CaseStatus.AWAITING_MANUAL_TRIAGE or not case.gaps:
        reason = f"case {case.case_id} is {case.status}; nothing awaits manual triage"
        return _reject(case, RejectionCode.WRONG_STATUS, reason)
    try:
        validate_unit(unit)
    except ValueError as bad:
        return _reject(case, RejectionCode.BAD_UNIT, f"{unit!r} is not a unit code: {bad}")
    if any(r.unit == unit and r.is_open for r in case.referrals):
        return _reject(case, RejectionCode.UNIT_ALREADY_ON_CASE, f"{unit} already holds an open referral")
    gap, *rest = case.gaps
    draft = _Draft(replace(case, gaps=tuple(rest)), now)
    draft.note(TimelineKind.MANUALLY_ASSIGNED, unit=unit, role=gap.role, staff=staff)
    draft.issue(unit, gap.role, deadline_for, new_id)
    draft.conclude()
    return draft.decision()


def on_repeat_linked(
    case: Case,
    source: Source,
    source_record_id: str | None,
    reason: str,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Decision:
    """A repeat report joins the case's record; repeats feed supervision's high-frequency alerts.

    One that comes after the case was closed means the dispute is back (矛盾反弹): the same
    lead takes it up again as a new round, as after a dissatisfied rating, instead of the
    report resting unread on a closed case. Before closing, the units are still at work or
    the follow-up visit is about to ask the citizen, so the record is enough.
    """
    draft = _Draft(replace(case, repeat_reports=case.repeat_reports + 1), now)
    draft.note(TimelineKind.REPEAT_LINKED, source=source, source_record_id=source_record_id, reason=reason)
    if case.status is CaseStatus.CLOSED:
        draft.note(TimelineKind.CASE_REOPENED, cause=ReopenCause.REPEAT_REPORT, round=case.round + 1)
        draft.reopen(ReopenCause.REPEAT_REPORT, None, deadline_for, new_id)
    return draft.decision()


# --- helpers ----------------------------------------------------------------------------


def _overtaken(case: Case, referral_id: UUID, unit: str) -> Referral | None:
    """The referral, if its own unit already reported its result: messages from one unit may be
    handled out of order by concurrent workers, and an earlier step arriving late is not an error."""
    referral = case.referral(referral_id)
    if referral is not None and referral.unit == unit and referral.status is ReferralStatus.REPORTED:
        return referral
    return None


def _reject(case: Case, code: RejectionCode, reason: str) -> Rejection:
    return Rejection(case_id=case.case_id, code=code, reason=reason)


def _open_referral(case: Case, referral_id: UUID, unit: str) -> Referral | Rejection:
    """Only the unit a referral went to may report on it, and only while it is open."""
    referral = case.referral(referral_id)
    if referral is None:
        reason = f"referral {referral_id} is not part of case {case.case_id}"
        return _reject(case, RejectionCode.UNKNOWN_REFERRAL, reason)
    if referral.unit != unit:
        reason = f"referral {referral_id} was issued to {referral.unit}, not {unit}"
        return _reject(case, RejectionCode.WRONG_UNIT, reason)
    if not referral.is_open:
        reason = f"referral {referral_id} is already closed ({referral.status})"
        return _reject(case, RejectionCode.REFERRAL_CLOSED, reason)
    return referral


def _about(referral: Referral) -> dict[str, object]:
    return {"referral_id": str(referral.referral_id), "unit": referral.unit, "role": referral.role}


def _round_settled(case: Case) -> bool:
    """The lead of this round reported it resolved and no referral of the round is still open."""
    lead = case.current_lead()
    return (
        lead is not None
        and lead.outcome is Outcome.RESOLVED
        and not any(r.is_open for r in case.referrals if r.round == case.round)
    )


def _working_status(case: Case) -> CaseStatus:
    if case.gaps:
        return CaseStatus.AWAITING_MANUAL_TRIAGE
    if any(r.started for r in case.referrals):
        return CaseStatus.IN_PROGRESS
    return CaseStatus.ASSIGNED


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


_WINDOW_CASE_REOPENED = {
    ReopenCause.DISSATISFIED: "the citizen is dissatisfied with a case settled at the window",
    ReopenCause.REPEAT_REPORT: "a case settled at the window was reported again after it was closed",
}


class _Draft:
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

    def update(self, referral: Referral, **changes: object) -> None:
        updated = replace(referral, **changes)  # type: ignore[arg-type]
        referrals = tuple(updated if r.referral_id == referral.referral_id else r for r in self.case.referrals)
        self.case = replace(self.case, referrals=referrals)

    def close(self, referral: Referral, status: ReferralStatus, outcome: Outcome | None) -> None:
        self.update(referral, status=status, outcome=outcome, closed_at=self.now)
        reason: Literal["result_reported", "declined"] = (
            "declined" if status is ReferralStatus.DECLINED else "result_reported"
        )
        self.emit(CloseReferral(referral.referral_id, referral.unit, reason, outcome))

    def issue(
        self,
        unit: str,
        role: ReferralRole,
        deadline_for: DeadlineFor,
        new_id: IdFactory,
        replaces: UUID | None = None,
        announce: bool = True,
    ) -> None:
        days = self.case.plan.deadline_working_days or MANUAL_DEADLINE_WORKING_DAYS
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
            due_at=deadline_for(self.now, days),
        )
        self.case = replace(self.case, referrals=(*self.case.referrals, referral))
        self.emit(IssueReferral(referral))
        if announce:
            self.emit(AnnounceDesignation(referral))
        self.note(
            TimelineKind.REFERRAL_ISSUED,
            **_about(referral),
            round=referral.round,
            due_at=referral.due_at.isoformat(),
            replaces=str(replaces) if replaces else None,
        )

    def reopen(self, cause: ReopenCause, rating: Rating | None, deadline_for: DeadlineFor, new_id: IdFactory) -> None:
        """Start a new round with the same lead; co-units finished their part, and the lead
        answers for the outcome (谁主管谁负责)."""
        lead = self.case.current_lead()
        self.case = replace(self.case, round=self.case.round + 1, status=CaseStatus.IN_PROGRESS)
        self.emit(AnnounceReopened(cause, rating, self.case.round))
        if lead is not None:
            self.issue(lead.unit, ReferralRole.LEAD, deadline_for, new_id)
        else:
            self.await_staff(ReferralRole.LEAD, _WINDOW_CASE_REOPENED[cause])
        self.conclude()

    def await_staff(self, role: ReferralRole, reason: str) -> None:
        gap = Gap(role, _clip(reason))
        gaps = (gap, *self.case.gaps) if role is ReferralRole.LEAD else (*self.case.gaps, gap)
        self.case = replace(self.case, gaps=gaps)
        self.emit(AnnounceManualTriage(gap.reason))
        self.note(TimelineKind.MANUAL_TRIAGE_NEEDED, role=role, reason=gap.reason)

    def resolve(self) -> None:
        lead = self.case.current_lead()
        lead_unit = lead.unit if lead else None
        # A co-unit gap no longer matters once the lead has resolved the dispute.
        self.case = replace(self.case, status=CaseStatus.RESOLVED, gaps=())
        # CaseResolved ends every part of the round at once: the parts this same decision
        # closed need no ReferralClosed of their own.
        self.effects = [e for e in self.effects if not isinstance(e, CloseReferral)]
        self.emit(AnnounceResolved(lead_unit, self.case.round))
        self.note(TimelineKind.CASE_RESOLVED, lead_unit=lead_unit, round=self.case.round)

    def conclude(self) -> None:
        if _round_settled(self.case):
            self.resolve()
        else:
            self.case = replace(self.case, status=_working_status(self.case))

    def decision(self) -> Decision:
        case = replace(self.case, timeline_length=self.case.timeline_length + len(self.entries))
        return Decision(case=case, effects=tuple(self.effects), timeline=tuple(self.entries))
