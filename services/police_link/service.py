"""The police_link nameko service (案源): the agency base, plus dispute calls recorded, handed over and counted."""

from werkzeug.wrappers import Request, Response

from services.police_link import handlers
from services.police_link.commands import FiguresQuery, ListCalls, RecordCall, call_number_in_path
from services.police_link.domain import PoliceCall, flags_for
from services.police_link.store import PoliceStore, PostgresPoliceStore
from shared.agency.records import RecordKind
from shared.agency.service import OFFICERS, AgencyService
from shared.contracts.messages import CaseResolved, ReferralClosed
from shared.contracts.vocabulary import Source
from shared.dependency import Injects
from shared.http import api, json_response, parse_body, parse_query
from shared.messaging.consumer import handles
from shared.persistence.unit_of_work import UnitOfWork
from shared.runtime.dependencies import Database


class PoliceLink(AgencyService):
    name = "police_link"
    RECORDS = RecordKind(PoliceCall, flags_for)
    uow: Injects[UnitOfWork[PoliceStore]] = Database(PostgresPoliceStore)

    # Only the facts of cases that came from police calls: nothing of the others concerns a call.
    @handles(CaseResolved, case_sources=(Source.POLICE_CALL,))
    def on_case_resolved(self, message: CaseResolved) -> None:
        handlers.handle_case_resolved(message, self.sender, self.uow, self.platform)

    @handles(ReferralClosed, case_sources=(Source.POLICE_CALL,))
    def on_referral_closed(self, message: ReferralClosed) -> None:
        handlers.handle_referral_closed(message, self.sender, self.uow, self.platform)

    @api("POST", "/api/v1/calls", access=OFFICERS)
    def record_call(self, request: Request) -> Response:
        command = parse_body(request, RecordCall, self.platform.now())
        return json_response(*handlers.record_call(command, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/calls", access=OFFICERS, takes_query=True)
    def list_calls(self, request: Request) -> Response:
        query = parse_query(request, ListCalls)
        return json_response(200, handlers.list_calls(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/calls/figures", access=OFFICERS, takes_query=True)
    def call_figures(self, request: Request) -> Response:
        query = parse_query(request, FiguresQuery)
        return json_response(200, handlers.call_figures(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/calls/<number>", access=OFFICERS)
    def show_call(self, request: Request, number: str) -> Response:
        call_number = call_number_in_path(number)
        return json_response(200, handlers.show_call(call_number, self.caller, self.uow, self.platform))


SERVICE = PoliceLink
