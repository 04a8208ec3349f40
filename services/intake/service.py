"""The intake nameko service (信息收集组): one window for every channel; numbers cases and links repeats."""

from werkzeug.wrappers import Request, Response

from services.intake import handlers
from services.intake.dependencies import PartyKeySecret
from services.intake.store import PostgresIntakeStore
from shared.contracts.disputes import DisputeReport
from shared.contracts.messages import RegisterDispute
from shared.http import api, case_id_in_path, json_response, parse_body
from shared.messaging.consumer import MessageSender, handles
from shared.runtime.dependencies import Database, PlatformProvider
from shared.runtime.service_base import PlatformService


class Intake(PlatformService):
    name = "intake"
    uow = Database(PostgresIntakeStore)
    platform = PlatformProvider()
    sender = MessageSender()
    party_key_secret = PartyKeySecret()

    @api("POST", "/api/v1/disputes")
    def register_dispute(self, request: Request) -> Response:
        registered = handlers.register_dispute(
            parse_body(request, DisputeReport), self.uow, self.platform, self.party_key_secret
        )
        return json_response(200 if registered.linked_because else 201, registered.as_json())

    @handles(RegisterDispute)
    def on_register_dispute(self, message: RegisterDispute) -> None:
        handlers.handle_register_dispute(message, self.sender, self.uow, self.platform, self.party_key_secret)

    @api("GET", "/api/v1/disputes/<case_id>")
    def show_dispute(self, request: Request, case_id: str) -> Response:
        return json_response(200, handlers.show_dispute(case_id_in_path(case_id), self.uow))


SERVICE = Intake
