"""The intake nameko service (信息收集组): one window for every channel; numbers cases and links repeats."""

from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from services.intake import handlers
from services.intake.dependencies import AlertRulesProvider, PartyKeySecret, sealing_store
from services.intake.settings import intake_settings
from shared.auth.principal import Role
from shared.contracts.disputes import WindowReport
from shared.contracts.messages import CaseClosed, CaseReopened, ProvideLeadContacts, RegisterDispute
from shared.http import Caller, allow, api, case_id_in_path, json_response, parse_body
from shared.messaging.consumer import MessageSender, handles
from shared.runtime.dependencies import Database, PlatformProvider
from shared.runtime.service_base import PlatformService

# Personal data past its retention period is purged hourly; `wuyuan privacy purge` does it at once.
PURGE_INTERVAL_SECONDS = 3600


class Intake(PlatformService):
    name = "intake"
    uow = Database(sealing_store)
    platform = PlatformProvider()
    sender = MessageSender()
    party_key_secret = PartyKeySecret()
    caller = Caller()
    alert_rules = AlertRulesProvider()

    @api("POST", "/api/v1/disputes", access=allow(Role.INTAKE_STAFF, Role.COORDINATOR))
    def register_dispute(self, request: Request) -> Response:
        registered = handlers.register_dispute(
            parse_body(request, WindowReport, self.platform.now()),
            self.caller.subject,
            self.uow,
            self.platform,
            self.party_key_secret,
            self.alert_rules,
        )
        return json_response(200 if registered.linked_because else 201, registered.as_json())

    @handles(RegisterDispute)
    def on_register_dispute(self, message: RegisterDispute) -> None:
        handlers.handle_register_dispute(
            message, self.sender, self.uow, self.platform, self.party_key_secret, self.alert_rules
        )

    @handles(CaseClosed)
    def on_case_closed(self, message: CaseClosed) -> None:
        handlers.handle_case_closed(message, self.sender, self.uow, self.platform)

    @handles(CaseReopened)
    def on_case_reopened(self, message: CaseReopened) -> None:
        handlers.handle_case_reopened(message, self.sender, self.uow, self.platform)

    @handles(ProvideLeadContacts)
    def on_provide_lead_contacts(self, message: ProvideLeadContacts) -> None:
        handlers.handle_provide_lead_contacts(message, self.sender, self.uow, self.platform)

    @timer(interval=PURGE_INTERVAL_SECONDS)
    def purge_personal_data(self) -> None:
        handlers.purge_personal_data(self.uow, self.platform, intake_settings().personal_data_retention_days)

    @api(
        "GET",
        "/api/v1/disputes/<case_id>",
        access=allow(Role.INTAKE_STAFF, Role.COORDINATOR, Role.SUPERVISOR, Role.LEADER),
    )
    def show_dispute(self, request: Request, case_id: str) -> Response:
        return json_response(200, handlers.show_dispute(case_id_in_path(case_id), self.uow))


SERVICE = Intake
