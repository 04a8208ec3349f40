"""The court_link nameko service (诉源): the agency base, plus filings screened, 司法确认 and returns to litigation."""

from werkzeug.wrappers import Request, Response

from services.court_link import handlers
from services.court_link.commands import (
    DecideConfirmation,
    ExtendDecisionTerm,
    FiguresQuery,
    ListFilings,
    RecordAgreement,
    RegisterFiling,
    RequestConfirmation,
    ReturnToLitigation,
    filing_number_in_path,
)
from services.court_link.domain import CourtFiling, flags_for
from services.court_link.store import CourtStore, PostgresCourtStore
from shared.agency.records import RecordKind
from shared.agency.service import OFFICERS, AgencyService
from shared.contracts.messages import CalendarYearLoaded
from shared.dependency import Injects
from shared.http import api, json_response, parse_body, parse_query
from shared.messaging.consumer import handles
from shared.persistence.unit_of_work import UnitOfWork
from shared.runtime.calendar import CalendarYears
from shared.runtime.dependencies import Database


class CourtLink(AgencyService):
    name = "court_link"
    RECORDS = RecordKind(CourtFiling, flags_for, handlers.count_fed_filing, handlers.record_of_filing)
    uow: Injects[UnitOfWork[CourtStore]] = Database(PostgresCourtStore)
    calendar = CalendarYears()

    # Alone: the recount locks every filing with a running term, in an order no other handler's locks follow.
    @handles(CalendarYearLoaded, alone=True)
    def on_calendar_year_loaded(self, message: CalendarYearLoaded) -> None:
        handlers.keep_calendar_year_and_recount(message, self.sender, self.uow, self.platform)

    @api("POST", "/api/v1/filings", access=OFFICERS)
    def register_filing(self, request: Request) -> Response:
        command = parse_body(request, RegisterFiling, self.platform.now())
        return json_response(*handlers.register_filing(command, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/filings", access=OFFICERS, takes_query=True)
    def list_filings(self, request: Request) -> Response:
        query = parse_query(request, ListFilings)
        return json_response(200, handlers.list_filings(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/filings/figures", access=OFFICERS, takes_query=True)
    def filing_figures(self, request: Request) -> Response:
        query = parse_query(request, FiguresQuery)
        return json_response(200, handlers.filing_figures(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/filings/<filing_number>", access=OFFICERS)
    def show_filing(self, request: Request, filing_number: str) -> Response:
        number = filing_number_in_path(filing_number)
        return json_response(200, handlers.show_filing(number, self.caller, self.uow, self.platform))

    @api("POST", "/api/v1/filings/<filing_number>/agreement", access=OFFICERS)
    def record_agreement(self, request: Request, filing_number: str) -> Response:
        number = filing_number_in_path(filing_number)
        command = parse_body(request, RecordAgreement, self.platform.now())
        return json_response(200, handlers.record_agreement(number, command, self.caller, self.uow, self.platform))

    @api("POST", "/api/v1/filings/<filing_number>/confirmation", access=OFFICERS)
    def request_confirmation(self, request: Request, filing_number: str) -> Response:
        number = filing_number_in_path(filing_number)
        command = parse_body(request, RequestConfirmation, self.platform.now())
        return json_response(201, handlers.request_confirmation(number, command, self.caller, self.uow, self.platform))

    @api("POST", "/api/v1/filings/<filing_number>/confirmation/extension", access=OFFICERS)
    def extend_decision_term(self, request: Request, filing_number: str) -> Response:
        number, command = filing_number_in_path(filing_number), parse_body(request, ExtendDecisionTerm)
        return json_response(200, handlers.extend_decision_term(number, command, self.caller, self.uow, self.platform))

    @api("POST", "/api/v1/filings/<filing_number>/confirmation/decision", access=OFFICERS)
    def decide_confirmation(self, request: Request, filing_number: str) -> Response:
        number = filing_number_in_path(filing_number)
        command = parse_body(request, DecideConfirmation, self.platform.now())
        return json_response(200, handlers.decide_confirmation(number, command, self.caller, self.uow, self.platform))

    @api("POST", "/api/v1/filings/<filing_number>/return", access=OFFICERS)
    def return_to_litigation(self, request: Request, filing_number: str) -> Response:
        number = filing_number_in_path(filing_number)
        command = parse_body(request, ReturnToLitigation, self.platform.now())
        return json_response(200, handlers.return_to_litigation(number, command, self.caller, self.uow, self.platform))


SERVICE = CourtLink
