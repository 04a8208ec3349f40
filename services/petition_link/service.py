"""The petition_link nameko service: the agency base, plus the bureau's petition register (访源, 访调对接)."""

from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from services.petition_link import handlers
from services.petition_link.commands import (
    DecideAcceptance,
    ExtendTerm,
    FiguresQuery,
    GiveReviewOpinion,
    ListPetitions,
    PetitionPath,
    RegisterPetition,
    ReplyPetition,
    RequestReview,
    ShowPetition,
)
from services.petition_link.dependencies import PetitionKey
from services.petition_link.domain.model import ReviewStage
from services.petition_link.store import PetitionStore, PostgresPetitionStore
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

    @timer(interval=PURGE_INTERVAL_SECONDS)
    def purge_petitioner_phones(self) -> None:
        handlers.purge_petitioner_phones(self.uow, self.platform, current_settings().personal_data_retention_days)

    @api("POST", "/api/v1/petitions", access=OFFICERS)
    def register_petition(self, request: Request) -> Response:
        command = parse_body(request, RegisterPetition, self.platform.now())
        return json_response(
            *handlers.register_petition(command, self.caller, self.uow, self.platform, self.petition_key)
        )

    @api("GET", "/api/v1/petitions", access=OFFICERS, takes_query=True)
    def list_petitions(self, request: Request) -> Response:
        query = parse_query(request, ListPetitions)
        return json_response(200, handlers.list_petitions(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/petitions/figures", access=OFFICERS, takes_query=True)
    def petition_figures(self, request: Request) -> Response:
        query = parse_query(request, FiguresQuery)
        return json_response(200, handlers.petition_figures(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/petitions/<number>", access=OFFICERS, takes_query=True)
    def show_petition(self, request: Request, number: str) -> Response:
        query = parse_query(request, ShowPetition)
        return json_response(
            200, handlers.show_petition(petition_number(number), query, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/petitions/<number>/acceptance", access=OFFICERS)
    def decide_acceptance(self, request: Request, number: str) -> Response:
        command = parse_body(request, DecideAcceptance)
        return json_response(
            200, handlers.decide_acceptance(petition_number(number), command, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/petitions/<number>/extension", access=OFFICERS)
    def extend_term(self, request: Request, number: str) -> Response:
        command = parse_body(request, ExtendTerm)
        return json_response(
            200, handlers.extend_term(petition_number(number), command, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/petitions/<number>/reply", access=OFFICERS)
    def reply(self, request: Request, number: str) -> Response:
        command = parse_body(request, ReplyPetition, self.platform.now())
        return json_response(
            200, handlers.reply_to_petition(petition_number(number), command, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/petitions/<number>/review", access=OFFICERS)
    def request_review(self, request: Request, number: str) -> Response:
        return self._request_review(request, number, ReviewStage.REVIEW)

    @api("POST", "/api/v1/petitions/<number>/review/opinion", access=OFFICERS)
    def review_opinion(self, request: Request, number: str) -> Response:
        return self._review_opinion(request, number, ReviewStage.REVIEW)

    @api("POST", "/api/v1/petitions/<number>/re-review", access=OFFICERS)
    def request_re_review(self, request: Request, number: str) -> Response:
        return self._request_review(request, number, ReviewStage.RE_REVIEW)

    @api("POST", "/api/v1/petitions/<number>/re-review/opinion", access=OFFICERS)
    def re_review_opinion(self, request: Request, number: str) -> Response:
        return self._review_opinion(request, number, ReviewStage.RE_REVIEW)

    def _request_review(self, request: Request, number: str, stage: ReviewStage) -> Response:
        command = parse_body(request, RequestReview, self.platform.now())
        return json_response(
            200,
            handlers.request_review(petition_number(number), stage, command, self.caller, self.uow, self.platform),
        )

    def _review_opinion(self, request: Request, number: str, stage: ReviewStage) -> Response:
        command = parse_body(request, GiveReviewOpinion, self.platform.now())
        return json_response(
            200,
            handlers.give_review_opinion(petition_number(number), stage, command, self.caller, self.uow, self.platform),
        )


SERVICE = PetitionLink
