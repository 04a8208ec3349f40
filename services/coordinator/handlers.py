"""The coordinator's service layer: each message or staff command applied to one case, in one transaction.

Every change follows the same steps: lock the case, let a rule decide, store the new state
and its timeline, and queue the messages its effects stand for, all in the case's trace.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.coordinator.domain import rules
from services.coordinator.domain.decisions import DeadlineFor, Decision, IdFactory
from services.coordinator.domain.model import Case, CaseFacts, CaseStatus
from services.coordinator.effects import messages_for
from services.coordinator.routing import RoutingTable
from services.coordinator.store import CaseStore, StoredCase
from shared.auth.principal import Principal
from shared.contracts.envelope import Envelope
from shared.contracts.identifiers import UnitCode
from shared.contracts.messages import (
    CaseRegistered,
    FollowUpRated,
    ProgressReported,
    ReferralAccepted,
    ReferralDeclined,
    RepeatReportLinked,
    ResultReported,
)
from shared.http import BadInput
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform, SenderRefusal
from shared.refusal import Refused
from shared.telemetry.case_scope import case_baggage, case_scope
from shared.telemetry.propagation import current_trace_headers, trace_id_of

MAX_LIST = 500
# What the coordinator keeps of a registration, to brief the units it refers the case to.
REGISTERED_FIELDS = {"source", "category", "division_code", "summary", "flags", "parties", "registered_by"}


@dataclass(frozen=True)
class Coordination:
    """What the coordinator decides with, besides the case: the platform, the routing table and the calendar."""

    platform: Platform
    routing_table: Callable[[], RoutingTable]  # read once per process, when the first case is triaged
    deadline_for: DeadlineFor


Work = UnitOfWork[CaseStore]


class ListCases(BaseModel):
    """The query of the case list; `limit=0` asks for the counts alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    status: CaseStatus | None = None
    limit: int = Field(MAX_LIST, ge=0, le=MAX_LIST)


class AssignByHand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    unit: UnitCode


# --- messages ------------------------------------------------------------------------------


def handle_case_registered(message: CaseRegistered, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    """Triage a new case: designate its units and refer it to them."""
    desk.platform.require_sender(message, sent_by, "intake")
    facts = CaseFacts(
        case_id=message.case_id,
        source=message.source,
        category=message.category,
        division_code=message.division_code,
        flags=tuple(message.flags),
    )
    with uow:
        uow.claim(message)
        platform, at = desk.platform, desk.platform.now()
        assignment = rules.triage(
            facts, desk.routing_table(), platform.registry, at, desk.deadline_for, platform.new_id
        )
        registered = message.model_dump(mode="json", include=REGISTERED_FIELDS)
        uow.store.add(assignment.case, registered, current_trace_headers(), at)
        _record(uow, desk, assignment, registered, at)


def handle_repeat_report_linked(
    message: RepeatReportLinked, sent_by: str | None, uow: Work, desk: Coordination
) -> None:
    desk.platform.require_sender(message, sent_by, "intake")
    with uow, changing_case(uow, desk, message.case_id, "coordinator: repeat linked", message) as change:
        change.apply(
            rules.link_repeat(change.case, message.source, message.source_record_id, message.reason, *change.issuing)
        )


def handle_referral_accepted(message: ReferralAccepted, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    _require_agency_of_unit(desk.platform, message, sent_by)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: referral accepted", message) as change:
        change.apply(
            rules.record_acceptance(change.case, message.referral_id, message.sender, message.officer, change.at)
        )


def handle_progress_reported(message: ProgressReported, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    _require_agency_of_unit(desk.platform, message, sent_by)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: progress reported", message) as change:
        change.apply(
            rules.record_progress(
                change.case, message.referral_id, message.sender, message.officer, message.note, change.at
            )
        )


def handle_referral_declined(message: ReferralDeclined, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    _require_agency_of_unit(desk.platform, message, sent_by)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: referral declined", message) as change:
        change.apply(
            rules.record_decline(
                change.case, message.referral_id, message.sender, message.officer, message.reason, *change.issuing
            )
        )


def handle_result_reported(message: ResultReported, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    _require_agency_of_unit(desk.platform, message, sent_by)
    with uow, changing_case(uow, desk, message.case_id, "coordinator: result reported", message) as change:
        change.apply(
            rules.record_result(
                change.case,
                message.referral_id,
                message.sender,
                message.officer,
                message.outcome,
                message.summary,
                change.at,
            )
        )


def handle_follow_up_rated(message: FollowUpRated, sent_by: str | None, uow: Work, desk: Coordination) -> None:
    desk.platform.require_sender(message, sent_by, "supervision")
    with uow, changing_case(uow, desk, message.case_id, "coordinator: follow-up rated", message) as change:
        change.apply(
            rules.record_rating(
                change.case, message.rating, message.comment, *change.issuing, rated_by=message.rated_by
            )
        )


# --- centre staff --------------------------------------------------------------------------


def show_case(case_id: str, uow: Work) -> dict[str, Any]:
    with case_baggage(case_id), uow:
        stored, timeline = uow.store.read(case_id)
    return case_view(stored, timeline)


def list_cases(query: ListCases, uow: Work) -> dict[str, Any]:
    with uow:
        cases = uow.store.list_cases(query.status, query.limit) if query.limit else []
        return {"cases": cases, "counts": uow.store.count_by_status()}


def assign_unit(
    case_id: str, command: AssignByHand, caller: Principal, uow: Work, desk: Coordination
) -> dict[str, Any]:
    """Manual triage: staff designate a unit for the role no competent unit was left for; the timeline
    names the signed-in caller."""
    try:
        desk.platform.registry.service_for_unit(command.unit)
    except KeyError as unknown:
        raise BadInput([{"field": "unit", "message": str(unknown.args[0]), "type": "unknown_agency"}]) from None
    with uow:
        with changing_case(uow, desk, case_id, "coordinator: assigned by hand") as change:
            change.apply(rules.assign_by_hand(change.case, command.unit, caller.subject, *change.issuing))
        stored, timeline = uow.store.read(case_id)
    return case_view(stored, timeline)


def case_view(stored: StoredCase, timeline: list[dict[str, Any]]) -> dict[str, Any]:
    """What `wuyuan case show` prints: the case as staff see it."""
    case, registered = stored.case, stored.registered
    lead = case.current_lead()
    return {
        "case_id": case.case_id,
        "status": case.status.value,
        "round": case.round,
        "mode": case.plan.mode.value,
        "source": case.facts.source.value,
        "category": case.facts.category.value,
        "division_code": case.facts.division_code,
        "flags": [f.value for f in case.facts.flags],
        "summary": registered.get("summary"),
        "registered_by": registered.get("registered_by"),
        "lead_unit": lead.unit if lead else None,
        "co_units": case.co_units(),
        "referrals": [
            {
                "referral_id": str(r.referral_id),
                "unit": r.unit,
                "role": r.role.value,
                "round": r.round,
                "status": r.status.value,
                "outcome": r.outcome.value if r.outcome else None,
                "issued_at": r.issued_at,
                "due_at": r.due_at,
            }
            for r in case.referrals
        ],
        "rating": case.rating.value if case.rating else None,
        "repeat_reports": case.repeat_reports,
        "timeline": timeline,
        "trace_id": trace_id_of(stored.trace),
    }


# --- the steps every change shares -----------------------------------------------------------


@dataclass(frozen=True)
class CaseChange:
    """A case locked for one change: `apply` stores the decision, its timeline and its messages."""

    uow: Work
    desk: Coordination
    stored: StoredCase
    at: datetime

    @property
    def case(self) -> Case:
        return self.stored.case

    @property
    def issuing(self) -> tuple[datetime, DeadlineFor, IdFactory]:
        """The time, the calendar and the ids a rule that issues referrals needs."""
        return self.at, self.desk.deadline_for, self.desk.platform.new_id

    def apply(self, decision: Decision) -> None:
        self.uow.store.save(decision.case, self.at)
        _record(self.uow, self.desk, decision, self.stored.registered, self.at)
        if _holds_phones(self.stored.registered) and rules.lead_has_taken_contacts(decision.case):
            # The lead unit keeps the parties' numbers from here; the centre needs them no more.
            self.uow.store.forget_phones(decision.case.case_id)


@contextmanager
def changing_case(
    uow: Work, desk: Coordination, case_id: str, operation: str, message: Envelope | None = None
) -> Iterator[CaseChange]:
    """Inside `with uow`: claim the message (if any), lock the case and join its trace.

    A redelivered message fails its claim at the lock's round trip, before the body runs; the
    unit of work around this then ends quietly and the message is acknowledged.
    """
    if message is not None:
        uow.claim(message)
    stored = uow.store.lock(case_id)
    with case_scope(case_id, stored.trace, operation):
        yield CaseChange(uow, desk, stored, desk.platform.now())


def _record(uow: Work, desk: Coordination, decision: Decision, registered: dict[str, Any], at: datetime) -> None:
    """Append the decision's timeline and queue its messages, in the transaction that stores its state."""
    uow.store.append_timeline(decision.case.case_id, decision.timeline)
    platform = desk.platform
    for message in messages_for(decision.case, decision.effects, registered, platform.centre_unit, at, platform.new_id):
        uow.send(message)


def _holds_phones(registered: dict[str, Any]) -> bool:
    return any(party.get("phone") for party in registered.get("parties", []))


def _require_agency_of_unit(platform: Platform, message: Envelope, sent_by: str | None) -> None:
    """A report counts only from the service of the agency its unit belongs to."""
    try:
        service = platform.registry.service_for_unit(message.sender)
    except KeyError as unknown:
        raise Refused(
            SenderRefusal.UNKNOWN_AGENCY, f"{message.type} from {message.sender}: {unknown.args[0]}"
        ) from None
    platform.require_sender(message, sent_by, service)
