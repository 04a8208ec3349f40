"""The stability nameko service (稳源): the agency base, the risk register, and the person-level warning file."""

from uuid import UUID

from werkzeug.wrappers import Request, Response

from services.stability import alerts, handlers
from services.stability.commands import AddEvent, AddPerson, ListPersons, ListRiskRegister, NameLeader
from services.stability.dependencies import PersonKey
from services.stability.domain import REGISTER_FLAGS, StabilityLead, flags_for
from services.stability.store import PostgresStabilityStore, StabilityStore
from shared.agency.records import RecordKind
from shared.agency.service import OFFICERS, AgencyService, agency_officers
from shared.auth.principal import Role
from shared.contracts.messages import (
    CaseAssigned,
    CaseClosed,
    CaseReopened,
    CaseWentOverdue,
    ReferralIssued,
    StabilityAlertRaised,
)
from shared.contracts.vocabulary import Source
from shared.dependency import Injects
from shared.http import BadInput, api, json_response, parse_body, parse_query
from shared.messaging.consumer import handles
from shared.persistence.unit_of_work import UnitOfWork
from shared.runtime.dependencies import Database


def parse_person_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise BadInput([{"field": "person_id", "message": "must be a UUID", "type": "uuid_parsing"}]) from None


class Stability(AgencyService):
    name = "stability"
    RECORDS = RecordKind(StabilityLead, flags_for)
    uow: Injects[UnitOfWork[StabilityStore]] = Database(PostgresStabilityStore)
    person_key = PersonKey()

    @handles(ReferralIssued)
    def on_referral_issued(self, message: ReferralIssued) -> None:
        handlers.handle_referral_issued(message, self.sender, self.uow, self.platform)

    @handles(CaseAssigned)
    def on_case_assigned(self, message: CaseAssigned) -> None:
        handlers.handle_case_assigned(message, self.sender, self.uow, self.platform)

    # The register's cases alone: those of the committee's leads, and those whose flags call for a colour.
    @handles(CaseClosed, case_sources=(Source.STABILITY_LEAD,), case_flags=REGISTER_FLAGS)
    def on_case_closed(self, message: CaseClosed) -> None:
        handlers.handle_case_closed(message, self.sender, self.uow, self.platform)

    @handles(CaseReopened, case_sources=(Source.STABILITY_LEAD,), case_flags=REGISTER_FLAGS)
    def on_case_reopened(self, message: CaseReopened) -> None:
        handlers.handle_case_reopened(message, self.sender, self.uow, self.platform)

    @handles(CaseWentOverdue)
    def on_case_went_overdue(self, message: CaseWentOverdue) -> None:
        handlers.handle_case_went_overdue(message, self.sender, self.uow, self.platform)

    @api("GET", "/api/v1/risk-register", access=agency_officers(Role.COORDINATOR, Role.LEADER), takes_query=True)
    def risk_register(self, request: Request) -> Response:
        query = parse_query(request, ListRiskRegister)
        return json_response(200, handlers.risk_register(query, self.caller, self.uow, self.platform))

    @api("POST", "/api/v1/persons", access=OFFICERS)
    def add_person(self, request: Request) -> Response:
        command = parse_body(request, AddPerson, self.platform.now())
        return json_response(*handlers.add_person(command, self.caller, self.uow, self.platform, self.person_key))

    @api("GET", "/api/v1/persons", access=OFFICERS, takes_query=True)
    def list_persons(self, request: Request) -> Response:
        query = parse_query(request, ListPersons)
        return json_response(200, handlers.list_persons(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/persons/<person_id>", access=OFFICERS)
    def show_person(self, request: Request, person_id: str) -> Response:
        return json_response(
            200, handlers.show_person(parse_person_id(person_id), self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/persons/<person_id>/events", access=OFFICERS)
    def add_person_event(self, request: Request, person_id: str) -> Response:
        command = parse_body(request, AddEvent, self.platform.now())
        return json_response(
            201, handlers.add_event(parse_person_id(person_id), command, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/persons/<person_id>/leader", access=OFFICERS)
    def name_leader(self, request: Request, person_id: str) -> Response:
        command = parse_body(request, NameLeader)
        return json_response(
            200, handlers.name_leader(parse_person_id(person_id), command, self.caller, self.uow, self.platform)
        )

    # 高频线索预警 from intake (services/stability/alerts.py)
    @handles(StabilityAlertRaised)
    def on_stability_alert_raised(self, message: StabilityAlertRaised) -> None:
        alerts.handle_alert_raised(message, self.sender, self.uow, self.platform)

    @api("GET", "/api/v1/alerts", access=OFFICERS)
    def list_alerts(self, request: Request) -> Response:
        return json_response(200, alerts.list_alerts(self.caller, self.uow, self.platform))


SERVICE = Stability
