"""The coordinator nameko service (综合协调组): triage, lead and co-units, re-routing, and each case until closed."""

from werkzeug.wrappers import Request, Response

from services.coordinator import calendar_handlers, handlers, reconcile_handlers
from services.coordinator.calendar_handlers import year_in_path
from services.coordinator.dependencies import CoordinationProvider
from services.coordinator.metrics import CasesByStatus
from services.coordinator.reconcile_handlers import ReconcileAgency, reconcile_agency
from services.coordinator.reconcile_store import PostgresReconcileStore
from services.coordinator.store import PostgresCaseStore
from shared.auth.principal import Role
from shared.contracts.messages import (
    CaseRegistered,
    ClockPaused,
    ClockResumed,
    EscalateCase,
    FollowUpRated,
    LeadContactsProvided,
    ProgressReported,
    ReferralAccepted,
    ReferralDeclined,
    RepeatReportLinked,
    ResultReported,
    SpotCheckFound,
)
from shared.http import (
    SIGNED_IN,
    Caller,
    allow,
    api,
    case_id_in_path,
    json_response,
    parse_body,
    parse_query,
    referral_id_in_path,
)
from shared.messaging.consumer import MessageSender, handles
from shared.runtime.calendar import CalendarYears
from shared.runtime.dependencies import Database
from shared.runtime.refusals import OnRefusal
from shared.runtime.service_base import PlatformService

# The centre reads every case; agencies read their referrals at their own services instead.
READS_CASES = allow(Role.COORDINATOR, Role.INTAKE_STAFF, Role.SUPERVISOR, Role.LEADER)
# The county's figures are for those who answer for them; the window registers cases, it is not graded here.
READS_FIGURES = allow(Role.COORDINATOR, Role.SUPERVISOR, Role.LEADER)


class Coordinator(PlatformService):
    name = "coordinator"
    scraped_gauges = (CasesByStatus(),)  # GET /metrics: cases by status
    uow = Database(PostgresCaseStore)
    reconciling = Database(PostgresReconcileStore)
    desk = CoordinationProvider()
    sender = MessageSender()
    caller = Caller()
    calendar = CalendarYears()
    # A refused report about a case it holds goes on the case's timeline, beside its agency's notice.
    refusals = OnRefusal(PostgresCaseStore, handlers.note_refusal)

    @handles(CaseRegistered)
    def on_case_registered(self, message: CaseRegistered) -> None:
        handlers.handle_case_registered(message, self.sender, self.uow, self.desk)

    @handles(RepeatReportLinked)
    def on_repeat_report_linked(self, message: RepeatReportLinked) -> None:
        handlers.handle_repeat_report_linked(message, self.sender, self.uow, self.desk)

    @handles(ReferralAccepted)
    def on_referral_accepted(self, message: ReferralAccepted) -> None:
        handlers.handle_referral_accepted(message, self.sender, self.uow, self.desk)

    @handles(ProgressReported)
    def on_progress_reported(self, message: ProgressReported) -> None:
        handlers.handle_progress_reported(message, self.sender, self.uow, self.desk)

    @handles(ReferralDeclined)
    def on_referral_declined(self, message: ReferralDeclined) -> None:
        handlers.handle_referral_declined(message, self.sender, self.uow, self.desk)

    @handles(ResultReported)
    def on_result_reported(self, message: ResultReported) -> None:
        handlers.handle_result_reported(message, self.sender, self.uow, self.desk)

    @handles(ClockPaused)
    def on_clock_paused(self, message: ClockPaused) -> None:
        handlers.handle_clock_paused(message, self.sender, self.uow, self.desk)

    @handles(ClockResumed)
    def on_clock_resumed(self, message: ClockResumed) -> None:
        handlers.handle_clock_resumed(message, self.sender, self.uow, self.desk)

    @handles(FollowUpRated)
    def on_follow_up_rated(self, message: FollowUpRated) -> None:
        handlers.handle_follow_up_rated(message, self.sender, self.uow, self.desk)

    @handles(SpotCheckFound)
    def on_spot_check_found(self, message: SpotCheckFound) -> None:
        handlers.handle_spot_check_found(message, self.sender, self.uow, self.desk)

    @handles(EscalateCase)
    def on_escalate_case(self, message: EscalateCase) -> None:
        handlers.handle_escalate_case(message, self.sender, self.uow, self.desk)

    # Intake gave back the parties' numbers a lead's referral, sent again by `wuyuan reconcile`, waited for.
    @handles(LeadContactsProvided)
    def on_lead_contacts_provided(self, message: LeadContactsProvided) -> None:
        reconcile_handlers.handle_lead_contacts_provided(message, self.sender, self.uow, self.desk)

    @api("GET", "/api/v1/cases/<case_id>", access=READS_CASES)
    def show_case(self, request: Request, case_id: str) -> Response:
        return json_response(200, handlers.show_case(case_id_in_path(case_id), self.uow))

    @api("GET", "/api/v1/cases", access=READS_CASES, takes_query=True)
    def list_cases(self, request: Request) -> Response:
        return json_response(200, handlers.list_cases(parse_query(request, handlers.ListCases), self.uow, self.desk))

    # An officer's console asks why one of its unit's referrals was issued and where its case is held (the handler
    # checks the unit).
    @api("GET", "/api/v1/cases/<case_id>/referrals/<referral_id>", access=allow(Role.OFFICER))
    def referral_at_the_centre(self, request: Request, case_id: str, referral_id: str) -> Response:
        case_id, referral = case_id_in_path(case_id), referral_id_in_path(referral_id)
        return json_response(200, handlers.referral_at_the_centre(case_id, referral, self.caller, self.uow, self.desk))

    @api("GET", "/api/v1/overview", access=READS_FIGURES)
    def overview(self, request: Request) -> Response:
        return json_response(200, handlers.overview(self.uow, self.desk))

    @api("POST", "/api/v1/cases/<case_id>/assign", access=allow(Role.COORDINATOR))
    def assign(self, request: Request, case_id: str) -> Response:
        case_id = case_id_in_path(case_id)
        command = parse_body(request, handlers.AssignByHand)
        return json_response(200, handlers.assign_unit(case_id, command, self.caller, self.uow, self.desk))

    # 吹哨报到: the holding centre's coordinators (the handler checks the caller's centre).
    @api("POST", "/api/v1/cases/<case_id>/call-in", access=allow(Role.COORDINATOR))
    def call_in(self, request: Request, case_id: str) -> Response:
        case_id = case_id_in_path(case_id)
        command = parse_body(request, handlers.CallIn)
        return json_response(200, handlers.call_in_units(case_id, command, self.caller, self.uow, self.desk))

    @api("PUT", "/api/v1/calendar/<year>", access=allow(Role.OPERATOR))
    def load_calendar_year(self, request: Request, year: str) -> Response:
        body = parse_body(request, calendar_handlers.YearBody)
        return json_response(
            200, calendar_handlers.load_calendar_year(year_in_path(year), body, self.caller, self.uow, self.desk)
        )

    # After an agency's database was restored (`wuyuan reconcile`): its referral documents go out again.
    @api("POST", "/api/v1/reconcile", access=allow(Role.OPERATOR))
    def reconcile(self, request: Request) -> Response:
        command = parse_body(request, ReconcileAgency)
        return json_response(200, reconcile_agency(command, self.caller, self.reconciling, self.desk))

    @api("GET", "/api/v1/calendar", access=SIGNED_IN)
    def list_calendar(self, request: Request) -> Response:
        return json_response(200, calendar_handlers.list_calendar(self.uow, self.desk))

    @api("GET", "/api/v1/calendar/<year>", access=SIGNED_IN)
    def show_calendar_year(self, request: Request, year: str) -> Response:
        return json_response(200, calendar_handlers.show_calendar_year(year_in_path(year), self.uow))


SERVICE = Coordinator
