"""The supervision nameko service (检查督导组): deadlines, letters, follow-up visits and ratings."""

from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from services.supervision import handlers
from services.supervision.store import PostgresSupervisionStore
from shared.contracts.messages import (
    CaseAssigned,
    CaseAwaitingManualTriage,
    CaseClosed,
    CaseReopened,
    CaseResolved,
    ReferralClosed,
    UnitDesignated,
)
from shared.http import api, case_id_in_path, json_response, parse_body
from shared.messaging.consumer import handles
from shared.runtime.dependencies import Database, PlatformProvider
from shared.runtime.service_base import PlatformService

TICK_SECONDS = 5


class Supervision(PlatformService):
    name = "supervision"
    uow = Database(PostgresSupervisionStore)
    platform = PlatformProvider()

    @handles(CaseAssigned)
    def on_case_assigned(self, message: CaseAssigned) -> None:
        handlers.handle_case_assigned(message, self.uow)

    @handles(UnitDesignated)
    def on_unit_designated(self, message: UnitDesignated) -> None:
        handlers.handle_unit_designated(message, self.uow)

    @handles(ReferralClosed)
    def on_referral_closed(self, message: ReferralClosed) -> None:
        handlers.handle_referral_closed(message, self.uow)

    @handles(CaseResolved)
    def on_case_resolved(self, message: CaseResolved) -> None:
        handlers.handle_case_resolved(message, self.uow, self.platform)

    # Every fact the coordinator announces has a subscriber: these are kept for the reports.
    @handles(CaseAwaitingManualTriage)
    def on_case_awaiting_manual_triage(self, message: CaseAwaitingManualTriage) -> None:
        handlers.handle_case_fact(message, self.uow)

    @handles(CaseClosed)
    def on_case_closed(self, message: CaseClosed) -> None:
        handlers.handle_case_fact(message, self.uow)

    @handles(CaseReopened)
    def on_case_reopened(self, message: CaseReopened) -> None:
        handlers.handle_case_fact(message, self.uow)

    @timer(interval=TICK_SECONDS)
    def send_due_letters(self) -> None:
        handlers.send_due_letters(self.uow, self.platform)

    @api("GET", "/api/v1/follow-ups")
    def list_follow_ups(self, request: Request) -> Response:
        pending_only = request.args.get("pending", "true") != "false"
        return json_response(200, handlers.list_follow_ups(pending_only, self.uow))

    @api("GET", "/api/v1/cases/<case_id>/watches")
    def case_watches(self, request: Request, case_id: str) -> Response:
        return json_response(200, handlers.watches_of_case(case_id_in_path(case_id), self.uow))

    @api("POST", "/api/v1/follow-ups/<case_id>/rating")
    def rate(self, request: Request, case_id: str) -> Response:
        case_id = case_id_in_path(case_id)
        command = parse_body(request, handlers.RateFollowUp)
        return json_response(202, handlers.rate_follow_up(case_id, command, self.uow, self.platform))


SERVICE = Supervision
