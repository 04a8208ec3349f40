"""The justice_link nameko service (调源): the agency base, plus who mediates each referral, its sessions,
legal aid, guidance onward when mediation fails, and the figures per organisation and mediator."""

from werkzeug.wrappers import Request, Response

from services.justice_link import handlers
from services.justice_link.commands import AssignMediation, MediationFiguresQuery, RecordSession, ReferToLegalAid
from services.justice_link.dependencies import MediationDirectory
from services.justice_link.directory import Directory
from services.justice_link.domain import MediationRequest, flags_for
from services.justice_link.store import JusticeStore, PostgresJusticeStore
from shared.agency.commands import ReportResult
from shared.agency.records import RecordKind
from shared.agency.service import OFFICERS, AgencyService
from shared.dependency import Injects
from shared.http import api, json_response, parse_body, parse_query, referral_id_in_path
from shared.persistence.unit_of_work import UnitOfWork
from shared.runtime.dependencies import Database


class JusticeLink(AgencyService):
    name = "justice_link"
    RECORDS = RecordKind(MediationRequest, flags_for)
    uow: Injects[UnitOfWork[JusticeStore]] = Database(PostgresJusticeStore)
    directory: Injects[Directory] = MediationDirectory()

    @api("POST", "/api/v1/referrals/<referral_id>/result", access=OFFICERS)
    def result(self, request: Request, referral_id: str) -> Response:
        rid, command = referral_id_in_path(referral_id), parse_body(request, ReportResult, self.platform.now())
        return json_response(202, handlers.report_result(rid, command, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/referrals/<referral_id>/mediation", access=OFFICERS)
    def show_mediation(self, request: Request, referral_id: str) -> Response:
        rid = referral_id_in_path(referral_id)
        return json_response(200, handlers.show_mediation(rid, self.caller, self.uow, self.platform))

    @api("POST", "/api/v1/referrals/<referral_id>/mediation", access=OFFICERS)
    def assign_mediation(self, request: Request, referral_id: str) -> Response:
        rid, command = referral_id_in_path(referral_id), parse_body(request, AssignMediation)
        return json_response(200, handlers.assign_mediation(rid, command, self.caller, self.uow, self.platform))

    @api("POST", "/api/v1/referrals/<referral_id>/mediation/sessions", access=OFFICERS)
    def record_session(self, request: Request, referral_id: str) -> Response:
        rid, command = referral_id_in_path(referral_id), parse_body(request, RecordSession, self.platform.now())
        return json_response(201, handlers.record_session(rid, command, self.caller, self.uow, self.platform))

    @api("POST", "/api/v1/referrals/<referral_id>/mediation/legal-aid", access=OFFICERS)
    def refer_to_legal_aid(self, request: Request, referral_id: str) -> Response:
        rid, command = referral_id_in_path(referral_id), parse_body(request, ReferToLegalAid)
        return json_response(201, handlers.refer_to_legal_aid(rid, command, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/mediation/figures", access=OFFICERS, takes_query=True)
    def mediation_figures(self, request: Request) -> Response:
        query = parse_query(request, MediationFiguresQuery)
        return json_response(200, handlers.mediation_figures(query, self.caller, self.uow, self.platform))


SERVICE = JusticeLink
