"""The supervision nameko service (检查督导组): deadlines, letters, follow-up visits and ratings."""

from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from services.supervision import handlers
from services.supervision.dependencies import RatingLinksProvider
from services.supervision.store import PostgresSupervisionStore
from shared.auth.principal import Role
from shared.contracts.messages import (
    CaseAssigned,
    CaseAwaitingManualTriage,
    CaseClosed,
    CaseReopened,
    CaseResolved,
    DeadlineChanged,
    LinkRecordNoted,
    ReferralClosed,
    UnitDesignated,
)
from shared.http import PUBLIC, Caller, allow, api, case_id_in_path, json_response, parse_body, parse_query
from shared.messaging.consumer import MessageSender, handles
from shared.runtime.dependencies import Database, PlatformProvider
from shared.runtime.service_base import PlatformService

TICK_SECONDS = 5
# The inspection group's readers: who chases late units, who watches every case, and the leaders.
READERS = allow(Role.SUPERVISOR, Role.COORDINATOR, Role.LEADER)


class Supervision(PlatformService):
    name = "supervision"
    uow = Database(PostgresSupervisionStore)
    platform = PlatformProvider()
    caller = Caller()
    rating_links = RatingLinksProvider()
    sender = MessageSender()  # who published the case fact a worker handles, as RabbitMQ checked

    @handles(CaseAssigned)
    def on_case_assigned(self, message: CaseAssigned) -> None:
        handlers.handle_case_assigned(message, self.sender, self.uow, self.platform)

    @handles(UnitDesignated)
    def on_unit_designated(self, message: UnitDesignated) -> None:
        handlers.handle_unit_designated(message, self.sender, self.uow, self.platform)

    @handles(ReferralClosed)
    def on_referral_closed(self, message: ReferralClosed) -> None:
        handlers.handle_referral_closed(message, self.sender, self.uow, self.platform)

    @handles(DeadlineChanged)
    def on_deadline_changed(self, message: DeadlineChanged) -> None:
        handlers.handle_deadline_changed(message, self.sender, self.uow, self.platform)

    @handles(CaseResolved)
    def on_case_resolved(self, message: CaseResolved) -> None:
        handlers.handle_case_resolved(message, self.sender, self.uow, self.platform)

    # Every fact the coordinator announces has a subscriber: these are kept for the reports.
    @handles(CaseAwaitingManualTriage)
    def on_case_awaiting_manual_triage(self, message: CaseAwaitingManualTriage) -> None:
        handlers.handle_case_fact(message, self.sender, self.uow, self.platform)

    @handles(CaseClosed)
    def on_case_closed(self, message: CaseClosed) -> None:
        handlers.handle_case_fact(message, self.sender, self.uow, self.platform)

    @handles(CaseReopened)
    def on_case_reopened(self, message: CaseReopened) -> None:
        handlers.handle_case_fact(message, self.sender, self.uow, self.platform)

    # Each link's own decisions, for the published rates: checked against the link's broker user.
    @handles(LinkRecordNoted)
    def on_link_record_noted(self, message: LinkRecordNoted) -> None:
        handlers.handle_link_record_noted(message, self.sender, self.uow, self.platform)

    @timer(interval=TICK_SECONDS)
    def send_due_letters(self) -> None:
        handlers.send_due_letters(self.uow, self.platform)

    @api("GET", "/api/v1/follow-ups", access=READERS)
    def list_follow_ups(self, request: Request) -> Response:
        pending_only = request.args.get("pending", "true") != "false"
        return json_response(200, handlers.list_follow_ups(pending_only, self.uow))

    @api("GET", "/api/v1/board", access=READERS)
    def board(self, request: Request) -> Response:
        return json_response(200, handlers.board(parse_query(request, handlers.BoardQuery), self.uow, self.platform))

    @api("GET", "/api/v1/link-facts/counts", access=READERS)
    def link_fact_counts(self, request: Request) -> Response:
        return json_response(200, handlers.count_link_facts(parse_query(request, handlers.LinkFactsQuery), self.uow))

    @api("GET", "/api/v1/letters", access=READERS)
    def letters(self, request: Request) -> Response:
        return json_response(200, handlers.list_letters(parse_query(request, handlers.LettersQuery), self.uow))

    @api("GET", "/api/v1/cases/<case_id>/watches", access=READERS)
    def case_watches(self, request: Request, case_id: str) -> Response:
        return json_response(200, handlers.watches_of_case(case_id_in_path(case_id), self.uow))

    @api("POST", "/api/v1/follow-ups/<case_id>/rating", access=allow(Role.SUPERVISOR))
    def rate(self, request: Request, case_id: str) -> Response:
        case_id = case_id_in_path(case_id)
        command = parse_body(request, handlers.RateFollowUp)
        return json_response(
            202, handlers.rate_follow_up(case_id, command, self.caller.subject, self.uow, self.platform)
        )

    @api("GET", "/api/v1/follow-ups/<case_id>/rating-link", access=allow(Role.SUPERVISOR))
    def rating_link(self, request: Request, case_id: str) -> Response:
        case_id = case_id_in_path(case_id)
        if request.args.get("format") == "svg":
            svg = handlers.rating_link_qr_svg(case_id, self.uow, self.rating_links)
            return Response(svg, status=200, mimetype="image/svg+xml")
        return json_response(200, handlers.rating_link(case_id, self.uow, self.rating_links))

    # A citizen's phone, opened from the QR code: the link itself is the credential (single use, expiring).
    @api("GET", "/api/v1/ratings/<token>", access=PUBLIC)
    def show_rating_link(self, request: Request, token: str) -> Response:
        return json_response(200, handlers.show_rating_link(token, self.uow, self.rating_links, self.platform))

    @api("POST", "/api/v1/ratings/<token>", access=PUBLIC)
    def rate_by_link(self, request: Request, token: str) -> Response:
        command = parse_body(request, handlers.RateFollowUp)
        return json_response(202, handlers.rate_by_link(token, command, self.uow, self.rating_links, self.platform))


SERVICE = Supervision
