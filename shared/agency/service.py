"""The agency service base: referrals in, officers' actions over HTTP, the agency's own records fed in."""

from typing import Any, ClassVar

from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from shared.agency import handlers
from shared.agency.commands import (
    AcceptReferral,
    AgencyRecord,
    DeclineReferral,
    ListReferrals,
    ListRejections,
    PauseClock,
    ReportProgress,
    ReportResult,
    ResumeClock,
)
from shared.agency.records import NO_DETAILS, RecordKind
from shared.agency.store import AgencyStore, PostgresAgencyStore
from shared.auth.principal import Principal, Role
from shared.config import current_settings
from shared.contracts.messages import (
    MessageRejected,
    NoticeCirculated,
    OverdueNoticeIssued,
    RecordLinked,
    ReferralDeadlineChanged,
    ReferralIssued,
    ReferralWithdrawn,
    ReminderIssued,
)
from shared.dependency import Injects
from shared.http import Access, Caller, api, json_response, parse_body, parse_query, referral_id_in_path
from shared.messaging.consumer import MessageSender, handles
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.runtime.dependencies import Database, PlatformProvider
from shared.runtime.service_base import PlatformService


def agency_officers(*also: Role) -> Access:
    """The officers of one of this service's agency's units, and callers holding one of `also` whatever their units.

    Anyone else (an officer of another agency's units only) is turned away with a 403 before the request's body or
    query is read; which of its own units an officer acts for is the handlers' to check, after the body is read."""

    def admits(caller: Principal) -> None:
        if not caller.has_any(frozenset(also)):
            handlers.require_officer_of_agency(caller, Platform.from_settings(current_settings()))

    return Access(frozenset({Role.OFFICER, *also}), admits)


# Only an agency's officers, and each only for their own units (checked by the handlers).
OFFICERS = agency_officers()

# Mobile numbers past their retention period are dropped hourly; `wuyuan privacy purge` does it at once.
PURGE_INTERVAL_SECONDS = 3600


class AgencyService(PlatformService):
    """An agency's service: subclasses set `name`, and `RECORDS` when their records carry details of their own."""

    RECORDS: ClassVar[RecordKind[Any]] = NO_DETAILS
    uow: Injects[UnitOfWork[AgencyStore]] = Database(PostgresAgencyStore)
    platform = PlatformProvider()
    caller = Caller()
    sender = MessageSender()  # who published the message a worker handles, as RabbitMQ checked

    @handles(ReferralIssued)
    def on_referral_issued(self, message: ReferralIssued) -> None:
        handlers.handle_referral_issued(message, self.sender, self.uow, self.platform)

    @timer(interval=PURGE_INTERVAL_SECONDS)
    def purge_phones(self) -> None:
        handlers.purge_phones(self.uow, self.platform, current_settings().personal_data_retention_days)

    @handles(ReminderIssued)
    def on_reminder_issued(self, message: ReminderIssued) -> None:
        handlers.handle_letter(message, "reminder", self.sender, self.uow, self.platform)

    @handles(OverdueNoticeIssued)
    def on_overdue_notice_issued(self, message: OverdueNoticeIssued) -> None:
        handlers.handle_letter(message, "overdue_notice", self.sender, self.uow, self.platform)

    @handles(NoticeCirculated)
    def on_notice_circulated(self, message: NoticeCirculated) -> None:
        handlers.handle_notice_circulated(message, self.sender, self.uow, self.platform)

    @handles(ReferralDeadlineChanged)
    def on_referral_deadline_changed(self, message: ReferralDeadlineChanged) -> None:
        handlers.handle_deadline_changed(message, self.sender, self.uow, self.platform)

    @handles(ReferralWithdrawn)
    def on_referral_withdrawn(self, message: ReferralWithdrawn) -> None:
        handlers.handle_referral_withdrawn(message, self.sender, self.uow, self.platform)

    @handles(MessageRejected)
    def on_message_rejected(self, message: MessageRejected) -> None:
        handlers.handle_message_rejected(message, self.sender, self.uow, self.platform)

    @handles(RecordLinked)
    def on_record_linked(self, message: RecordLinked) -> None:
        handlers.handle_record_linked(message, self.sender, self.uow, self.platform)

    @api("GET", "/api/v1/rejections", access=OFFICERS, takes_query=True)
    def list_rejections(self, request: Request) -> Response:
        return json_response(
            200, handlers.list_rejections(parse_query(request, ListRejections), self.caller, self.uow, self.platform)
        )

    @api("GET", "/api/v1/referrals", access=OFFICERS, takes_query=True)
    def list_referrals(self, request: Request) -> Response:
        return json_response(
            200, handlers.list_referrals(parse_query(request, ListReferrals), self.caller, self.uow, self.platform)
        )

    @api("GET", "/api/v1/referrals/<referral_id>", access=OFFICERS)
    def show_referral(self, request: Request, referral_id: str) -> Response:
        return json_response(
            200, handlers.show_referral(referral_id_in_path(referral_id), self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/referrals/<referral_id>/accept", access=OFFICERS)
    def accept(self, request: Request, referral_id: str) -> Response:
        command = parse_body(request, AcceptReferral)
        return json_response(
            202,
            handlers.accept_referral(referral_id_in_path(referral_id), command, self.caller, self.uow, self.platform),
        )

    @api("POST", "/api/v1/referrals/<referral_id>/decline", access=OFFICERS)
    def decline(self, request: Request, referral_id: str) -> Response:
        command = parse_body(request, DeclineReferral)
        return json_response(
            202,
            handlers.decline_referral(referral_id_in_path(referral_id), command, self.caller, self.uow, self.platform),
        )

    @api("POST", "/api/v1/referrals/<referral_id>/progress", access=OFFICERS)
    def progress(self, request: Request, referral_id: str) -> Response:
        command = parse_body(request, ReportProgress)
        return json_response(
            202,
            handlers.report_referral_progress(
                referral_id_in_path(referral_id), command, self.caller, self.uow, self.platform
            ),
        )

    @api("POST", "/api/v1/referrals/<referral_id>/result", access=OFFICERS)
    def result(self, request: Request, referral_id: str) -> Response:
        command = parse_body(request, ReportResult, self.platform.now())
        return json_response(
            202,
            handlers.report_referral_result(
                referral_id_in_path(referral_id), command, self.caller, self.uow, self.platform
            ),
        )

    @api("POST", "/api/v1/referrals/<referral_id>/pause", access=OFFICERS)
    def pause(self, request: Request, referral_id: str) -> Response:
        command = parse_body(request, PauseClock)
        return json_response(
            202, handlers.pause_clock(referral_id_in_path(referral_id), command, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/referrals/<referral_id>/resume", access=OFFICERS)
    def resume(self, request: Request, referral_id: str) -> Response:
        command = parse_body(request, ResumeClock)
        return json_response(
            202, handlers.resume_clock(referral_id_in_path(referral_id), command, self.caller, self.uow, self.platform)
        )

    @api("POST", "/api/v1/records", access=OFFICERS)
    def feed_record(self, request: Request) -> Response:
        record = parse_body(request, AgencyRecord, self.platform.now())
        return json_response(202, handlers.feed_record(record, self.RECORDS, self.caller, self.uow, self.platform))
