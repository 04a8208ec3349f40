"""The stability nameko service (稳源): the agency base, plus a risk register fed by case assignments."""

from werkzeug.wrappers import Request, Response

from services.stability import handlers
from services.stability.domain import StabilityLead, flags_for
from services.stability.store import PostgresStabilityStore, StabilityStore
from shared.agency.records import RecordKind
from shared.agency.service import AgencyService
from shared.auth.principal import Role
from shared.contracts.messages import CaseAssigned
from shared.dependency import Injects
from shared.http import allow, api, json_response
from shared.messaging.consumer import handles
from shared.persistence.unit_of_work import UnitOfWork
from shared.runtime.dependencies import Database


class Stability(AgencyService):
    name = "stability"
    RECORDS = RecordKind(StabilityLead, flags_for)
    uow: Injects[UnitOfWork[StabilityStore]] = Database(PostgresStabilityStore)

    @handles(CaseAssigned)
    def on_case_assigned(self, message: CaseAssigned) -> None:
        handlers.handle_case_assigned(message, self.sender, self.uow, self.platform)

    @api("GET", "/api/v1/risk-register", access=allow(Role.OFFICER, Role.COORDINATOR, Role.LEADER))
    def risk_register(self, request: Request) -> Response:
        return json_response(200, handlers.risk_register(self.caller, self.uow, self.platform))


SERVICE = Stability
