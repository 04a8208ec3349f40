"""The petition_link nameko service: the agency base, plus the bureau's petition register (访源, 访调对接)."""

from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from services.petition_link import handlers
from services.petition_link.commands import (
    DecideAcceptance,
    ExtendTerm,
    FiguresQuery,
    ListPetitions,
    PetitionPath,
    RegisterPetition,
    ReplyPetition,
    ShowPetition,
)
from services.petition_link.dependencies import PetitionKey
from services.petition_link.store import PetitionStore, PostgresPetitionStore
from shared.agency.handlers import require_officer_of_agency
from shared.agency.service import OFFICERS, PURGE_INTERVAL_SECONDS, AgencyService
from shared.config import current_settings
from shared.dependency import Injects
from shared.http import api, json_response, parse_body, parse_query, validate_value
from shared.persistence.unit_of_work import UnitOfWork
from shared.runtime.dependencies import Database


def petition_number(value: str) -> str:
    """The number in a path, or BadInput naming `number`."""
    return validate_value(PetitionPath, {"number": value}).number


class PetitionLink(AgencyService):
    name = "petition_link"
    RECORDS = handlers.PETITION_RECORDS
    uow: Injects[UnitOfWork[PetitionStore]] = Database(PostgresPetitionStore)
    petition_key = PetitionKey()

    def require_bureau_officer(self) -> None:
        # Who before what: a caller who may not use the register learns nothing of what it accepts.
        require_officer_of_agency(self.caller, self.platform)

    @timer(interval=PURGE_INTERVAL_SECONDS)
    def purge_petitioner_phones(self) -> None:
        handlers.purge_petitioner_phones(self.uow, self.platform, current_settings().personal_data_retention_days)

    @api("POST", "/api/v1/petitions", access=OFFICERS)
    def register_petition(self, request: Request) -> Response:
        self.require_bureau_officer()
        command = parse_body(request, RegisterPetition, self.platform.now())
        return json_response(
            *handlers.register_petition(command, self.caller, self.uow, self.platform, self.petition_key)
        )

    @api("GET", "/api/v1/petitions", access=OFFICERS)
    def list_petitions(self, request: Request) -> Response:
        self.require_bureau_officer()
        query = parse_query(request, ListPetitions)
        return json_response(200, handlers.list_petitions(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/petitions/figures", access=OFFICERS)
    def petition_figures(self, request: Request) -> Response:
        self.require_bureau_officer()
        query = parse_query(request, FiguresQuery)
        return json_response(200, handlers.petition_figures(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/petitions/<number>", access=OFFICERS)
    def show_petition(self, request: Request, number: str) -> Response:
        self.require_bureau_officer()
        query = parse_query(request, ShowPetition)
        return json_response(
            200, handlers.show_petition(petition_number(number), query, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/petitions/<number>/acceptance", access=OFFICERS)
    def decide_acceptance(self, request: Request, number: str) -> Response:
        self.require_bureau_officer()
        command = parse_body(request, DecideAcceptance)
        return json_response(
            200, handlers.decide_acceptance(petition_number(number), command, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/petitions/<number>/extension", access=OFFICERS)
    def extend_term(self, request: Request, number: str) -> Response:
        self.require_bureau_officer()
        command = parse_body(request, ExtendTerm)
        return json_response(
            200, handlers.extend_term(petition_number(number), command, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/petitions/<number>/reply", access=OFFICERS)
    def reply(self, request: Request, number: str) -> Response:
        self.require_bureau_officer()
        command = parse_body(request, ReplyPetition, self.platform.now())
        return json_response(
            200, handlers.reply_to_petition(petition_number(number), command, self.caller, self.uow, self.platform)
        )


SERVICE = PetitionLink
