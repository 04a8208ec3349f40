"""The coordinator nameko service (综合协调组): triage, lead and co-units, re-routing, and each case until closed."""

from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from services.coordinator import domain, store
from services.coordinator.deadlines import deadline_for
from services.coordinator.effects import messages_for
from services.coordinator.routing import load_routing_table
from shared.clock import new_id, now
from shared.contracts.disputes import ShortText
from shared.contracts.identifiers import CaseId, UnitCode
from shared.contracts.messages import (
    CaseRegistered,
    FollowUpRated,
    ProgressReported,
    ReferralAccepted,
    ReferralDeclined,
    RepeatReportLinked,
    ResultReported,
)
from shared.http import BadInput, api, json_response, parse_body, parse_query, validate_value
from shared.messaging.inbox import MessageSender, Rejected, handles
from shared.persistence.database import Database
from shared.registry import load_registry
from shared.runtime.context import current_settings
from shared.service_base import PlatformService
from shared.telemetry.case_scope import case_baggage, case_scope
from shared.telemetry.propagation import current_trace_headers, trace_id_of

MAX_LIST = 500


class ListCases(BaseModel):
    """The query of the case list; `limit=0` asks for the counts alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    status: domain.CaseStatus | None = None
    limit: int = Field(MAX_LIST, ge=0, le=MAX_LIST)


class AssignByHand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    unit: UnitCode
    staff: ShortText


class _CasePath(BaseModel):
    case_id: CaseId


def case_view(case: domain.Case, registered: dict, trace: dict, timeline: list[dict]) -> dict:
    """What `wuyuan case show` prints: the case as staff see it."""
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
        "lead_unit": lead.unit if lead else None,
        "co_units": sorted(
            {r.unit for r in case.referrals if r.role.value == "co_unit" and r.status.value != "declined"}
        ),
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
        "trace_id": trace_id_of(trace),
    }


class Coordinator(PlatformService):
    name = "coordinator"
    db = Database()
    sender_user = MessageSender()

    def _table(self):
        return routing_table(), configured_registry()

    def _apply(self, uow, case_id: str, decide, operation: str) -> None:
        """Lock the case, let the domain decide, store state, timeline and messages together."""
        case, registered, trace = store.lock_case(uow, case_id)
        with case_scope(case_id, trace, operation):
            decision = decide(case)
            if isinstance(decision, domain.Rejection):
                raise Rejected(f"{decision.code.value}: {decision.reason}")
            at = now()
            store.save_case(uow, decision.case, at)
            store.append_timeline(uow, case_id, decision.timeline)
            centre = uow.registry.centre_unit(current_settings().county)
            for message in messages_for(decision.case, decision.effects, registered, centre, at):
                uow.send(message)

    def _check_sender(self, message, expected_service: str) -> None:
        """RabbitMQ vouches for user_id; a report counts only from the agency the unit belongs to."""
        expected = current_settings().broker_user_of(expected_service)
        if self.sender_user != expected:
            raise Rejected(
                f"{message.type} for {message.sender} must come from {expected}, came from {self.sender_user}"
            )

    @handles(CaseRegistered)
    def on_case_registered(self, message: CaseRegistered):
        self._check_sender(message, "intake")
        table, registry = self._table()
        with self.db.transaction() as uow:
            uow.claim(message)
            facts = domain.CaseFacts(
                case_id=message.case_id,
                source=message.source,
                category=message.category,
                division_code=message.division_code,
                flags=tuple(message.flags),
            )
            at = now()
            assignment = domain.triage(facts, table, registry, at, deadline_for, new_id)
            registered = message.model_dump(
                mode="json", include={"source", "category", "division_code", "summary", "flags", "parties"}
            )
            store.add_case(uow, assignment.case, registered, current_trace_headers(), at)
            store.append_timeline(uow, message.case_id, assignment.timeline)
            centre = uow.registry.centre_unit(current_settings().county)
            for outgoing in messages_for(assignment.case, assignment.effects, registered, centre, at):
                uow.send(outgoing)

    @handles(RepeatReportLinked)
    def on_repeat_linked(self, message: RepeatReportLinked):
        self._check_sender(message, "intake")
        with self.db.transaction() as uow:
            uow.claim(message)
            self._apply(
                uow,
                message.case_id,
                lambda case: domain.on_repeat_linked(
                    case, message.source, message.source_record_id, message.reason, now(), deadline_for, new_id
                ),
                "coordinator: repeat linked",
            )

    def _agency_report(self, message, decide, operation: str) -> None:
        try:
            agency_service = configured_registry().service_for_unit(message.sender)
        except KeyError as unknown:
            raise Rejected(f"{message.type} from {message.sender}: {unknown.args[0]}") from None
        self._check_sender(message, agency_service)
        with self.db.transaction() as uow:
            uow.claim(message)
            self._apply(uow, message.case_id, decide, operation)

    @handles(ReferralAccepted)
    def on_accepted(self, m: ReferralAccepted):
        self._agency_report(
            m,
            lambda case: domain.on_accepted(case, m.referral_id, m.sender, m.officer, now()),
            "coordinator: referral accepted",
        )

    @handles(ProgressReported)
    def on_progress(self, m: ProgressReported):
        self._agency_report(
            m,
            lambda case: domain.on_progress(case, m.referral_id, m.sender, m.officer, m.note, now()),
            "coordinator: progress reported",
        )

    @handles(ReferralDeclined)
    def on_declined(self, m: ReferralDeclined):
        self._agency_report(
            m,
            lambda case: domain.on_declined(
                case, m.referral_id, m.sender, m.officer, m.reason, now(), deadline_for, new_id
            ),
            "coordinator: referral declined",
        )

    @handles(ResultReported)
    def on_result(self, m: ResultReported):
        self._agency_report(
            m,
            lambda case: domain.on_result(case, m.referral_id, m.sender, m.officer, m.outcome, m.summary, now()),
            "coordinator: result reported",
        )

    @handles(FollowUpRated)
    def on_rated(self, m: FollowUpRated):
        self._check_sender(m, "supervision")
        with self.db.transaction() as uow:
            uow.claim(m)
            self._apply(
                uow,
                m.case_id,
                lambda case: domain.on_rating(case, m.rating, m.comment, now(), deadline_for, new_id),
                "coordinator: follow-up rated",
            )

    # --- centre staff --------------------------------------------------------------------

    @api("GET", "/api/v1/cases/<case_id>")
    def show_case(self, request, case_id):
        case_id = validate_value(_CasePath, {"case_id": case_id}).case_id
        with case_baggage(case_id), self.db.transaction() as uow:
            case, registered, trace, timeline = store.read_case(uow, case_id)
        return json_response(200, case_view(case, registered, trace, timeline))

    @api("GET", "/api/v1/cases")
    def list_cases(self, request):
        query = parse_query(request, ListCases)
        with self.db.transaction() as uow:
            cases = store.list_cases(uow, query.status, query.limit) if query.limit else []
            return json_response(200, {"cases": cases, "counts": store.count_by_status(uow)})

    @api("POST", "/api/v1/cases/<case_id>/assign")
    def assign(self, request, case_id):
        """Manual triage: staff designate a unit for the role no competent unit was left for."""
        case_id = validate_value(_CasePath, {"case_id": case_id}).case_id
        command = parse_body(request, AssignByHand)
        try:
            configured_registry().service_for_unit(command.unit)
        except KeyError as unknown:
            raise BadInput([{"field": "unit", "message": str(unknown.args[0]), "type": "unknown_agency"}]) from None
        with self.db.transaction() as uow:
            self._apply(
                uow,
                case_id,
                lambda case: domain.assign_manually(case, command.unit, command.staff, now(), deadline_for, new_id),
                "coordinator: assigned by hand",
            )
            case, registered, trace, timeline = store.read_case(uow, case_id)
        return json_response(200, case_view(case, registered, trace, timeline))


def configured_registry():
    return load_registry(current_settings().config_dir)


@cache
def routing_table():
    """Read once per process: the table is configuration, changed by a restart."""
    settings = current_settings()
    return load_routing_table(settings.config_dir / "routing.toml", set(configured_registry().agencies))


SERVICE = Coordinator
