"""A case as the coordinator keeps it: plain, frozen state, stored as one JSON document per case."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from shared.contracts.vocabulary import Category, Flag, HandlingMode, Outcome, Rating, ReferralRole, Source


class CaseStatus(StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"  # referrals issued, none accepted yet
    IN_PROGRESS = "in_progress"
    AWAITING_MANUAL_TRIAGE = "awaiting_manual_triage"
    RESOLVED = "resolved"  # awaiting the citizen's rating (群众评单)
    CLOSED = "closed"


class ReferralStatus(StrEnum):
    """A referral as the centre follows it; the receiving agency keeps its own view (`AgencyReferralStatus`)."""

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

    def overdue(self, now: datetime) -> bool:
        """Still open after its deadline: the unit owes the centre its result."""
        return self.is_open and self.due_at < now

    @property
    def finished(self) -> bool:
        """The unit reported its result, resolved or not. A decline is not finishing: the part
        passes to another unit, which answers for it under its own deadline."""
        return self.status is ReferralStatus.REPORTED

    @property
    def on_time(self) -> bool:
        """Finished by its deadline, judged by when the centre recorded the result (`closed_at`)."""
        return self.finished and self.closed_at is not None and self.closed_at <= self.due_at


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

    def co_units(self) -> list[str]:
        """The units working with the lead, or that did: every co-unit that did not decline."""
        return sorted(
            {
                r.unit
                for r in self.referrals
                if r.role is ReferralRole.CO_UNIT and r.status is not ReferralStatus.DECLINED
            }
        )

    def next_due_at(self) -> datetime | None:
        """The earliest deadline still running in this round, or None when no referral of it is open."""
        return min((r.due_at for r in self.referrals if r.round == self.round and r.is_open), default=None)

    def overdue(self, now: datetime) -> bool:
        return any(r.overdue(now) for r in self.referrals)

    def round_settled(self) -> bool:
        """The lead of this round reported it resolved and no referral of the round is still open."""
        lead = self.current_lead()
        return (
            lead is not None
            and lead.outcome is Outcome.RESOLVED
            and not any(r.is_open for r in self.referrals if r.round == self.round)
        )

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
