"""The supervision nameko service (检查督导组): deadlines, letters, follow-up visits and ratings."""

from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from services.supervision import (
    alerts_handlers,
    documents_handlers,
    escalation_handlers,
    handlers,
    progress_handlers,
    report_handlers,
    spot_checks_handlers,
)
from services.supervision.calendar_warning import CalendarWarningProvider, mark_provisional
from services.supervision.dependencies import RatingLinksProvider
from services.supervision.documents_settings import DocumentsProvider
from services.supervision.metrics import ReferralsByDeadline, ReportRecountBacklog
from services.supervision.periods import DateRange, FinishedPeriod
from services.supervision.spot_checks_settings import SpotCheckRulesProvider
from services.supervision.store import PostgresSupervisionStore
from shared.auth.principal import Role
from shared.calendar_store import keep_calendar_year
from shared.contracts.messages import (
    CalendarYearLoaded,
    CaseAssigned,
    CaseAwaitingManualTriage,
    CaseClosed,
    CaseReopened,
    CaseResolved,
    DeadlineChanged,
    HighFrequencyAlertRaised,
    LinkRecordNoted,
    ReferralClosed,
    UnitDesignated,
)
from shared.http import PUBLIC, Caller, allow, api, case_id_in_path, json_response, parse_body, parse_query
from shared.messaging.consumer import MessageSender, SentAgain, handles
from shared.runtime.calendar import CalendarYears
from shared.runtime.dependencies import Database, PlatformProvider
from shared.runtime.service_base import PlatformService

TICK_SECONDS = 5
SPOT_CHECK_TICK_SECONDS = 60  # is the previous period drawn yet? (once: spot_check_draws)
# The inspection group's readers: who chases late units, who watches every case, and the leaders.
READERS = allow(Role.SUPERVISOR, Role.COORDINATOR, Role.LEADER)
# Documents: the centre's readers, and officers for their own units' documents (checked by the handlers).
DOCUMENT_READERS = allow(Role.SUPERVISOR, Role.COORDINATOR, Role.LEADER, Role.OFFICER)
# The window's roles, who print the receipt and its progress link (办理进度查询).
WINDOW = allow(Role.INTAKE_STAFF, Role.COORDINATOR, Role.SUPERVISOR)
CALENDAR_CHECK_SECONDS = 3600  # next year's calendar still unknown? (logged once a day)
NOTICE_CHECK_SECONDS = 300  # whether the monthly 通报 is due; the period's lock makes it once across instances
REPORT_RECOUNT_SECONDS = 1  # how far behind the facts the report's counters may be between reads
REPORT_REBUILD_SECONDS = 10  # while the report's read model is being rebuilt; one row read once it is complete


class Supervision(PlatformService):
    name = "supervision"
    # GET /metrics: referrals near and past their deadline, by unit; the report recount's backlog.
    scraped_gauges = (ReferralsByDeadline(), ReportRecountBacklog())
    uow = Database(PostgresSupervisionStore)
    platform = PlatformProvider()
    caller = Caller()
    rating_links = RatingLinksProvider()
    documents = DocumentsProvider()  # the 文号 prefix, the 通报 schedule, units' Chinese names
    sender = MessageSender()  # who published the case fact a worker handles, as RabbitMQ checked
    sent_again = SentAgain()  # when `wuyuan reconcile` sent that fact again after this database was restored
    spot_check_rules = SpotCheckRulesProvider()  # 回访抽查: share, period, minimum
    calendar = CalendarYears()  # the official calendar's loaded years, from the table CalendarYearLoaded fills
    calendar_warning = CalendarWarningProvider()  # next year's calendar still unknown near the year end

    @handles(CaseAssigned)
    def on_case_assigned(self, message: CaseAssigned) -> None:
        handlers.handle_case_assigned(message, self.sender, self.uow, self.platform, self.sent_again)

    @handles(UnitDesignated)
    def on_unit_designated(self, message: UnitDesignated) -> None:
        handlers.handle_unit_designated(message, self.sender, self.uow, self.platform, self.sent_again)

    @handles(ReferralClosed)
    def on_referral_closed(self, message: ReferralClosed) -> None:
        handlers.handle_referral_closed(message, self.sender, self.uow, self.platform)

    @handles(DeadlineChanged)
    def on_deadline_changed(self, message: DeadlineChanged) -> None:
        handlers.handle_deadline_changed(message, self.sender, self.uow, self.platform, self.sent_again)

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

    @handles(CalendarYearLoaded)
    def on_calendar_year_loaded(self, message: CalendarYearLoaded) -> None:
        keep_calendar_year(message, self.sender, self.uow, self.platform)

    @timer(interval=CALENDAR_CHECK_SECONDS)
    def warn_of_unknown_calendar(self) -> None:
        self.calendar_warning.log_once_a_day(self.platform.now())

    @timer(interval=TICK_SECONDS)
    def send_due_letters(self) -> None:
        handlers.send_due_letters(self.uow, self.platform, self.documents)

    # 逾期提级: a unit overdue past its level's threshold sends its case up one level (once per referral).
    @timer(interval=TICK_SECONDS)
    def escalate_overdue_cases(self) -> None:
        escalation_handlers.send_escalations(self.uow, self.platform)

    @api("GET", "/api/v1/follow-ups", access=READERS, takes_query=True)
    def list_follow_ups(self, request: Request) -> Response:
        query = parse_query(request, handlers.FollowUpsQuery)
        return json_response(200, handlers.list_follow_ups(query, self.uow))

    @api("GET", "/api/v1/board", access=READERS, takes_query=True)
    def board(self, request: Request) -> Response:
        board = handlers.board(parse_query(request, handlers.BoardQuery), self.uow, self.platform)
        board["watches"] = mark_provisional(board["watches"])  # type: ignore[arg-type]
        return json_response(200, {**board, "calendar_warning": self.calendar_warning.text(self.platform.now())})

    @api("GET", "/api/v1/link-facts/counts", access=READERS, takes_query=True)
    def link_fact_counts(self, request: Request) -> Response:
        return json_response(200, handlers.count_link_facts(parse_query(request, handlers.LinkFactsQuery), self.uow))

    @api("GET", "/api/v1/reports", access=READERS, takes_query=True)
    def report(self, request: Request) -> Response:
        query = parse_query(request, report_handlers.ReportQuery)
        if query.format == "csv":
            csv_text, file = report_handlers.report_csv(query, self.uow, self.platform)
            disposition = {"Content-Disposition": file.disposition()}
            return Response(csv_text, status=200, mimetype="text/csv", headers=disposition)
        return json_response(200, report_handlers.report(query, self.uow, self.platform))

    # The report's read model: the cases whose facts changed since the last tick, recounted in batches.
    @timer(interval=REPORT_RECOUNT_SECONDS)
    def recount_stale_reports(self) -> None:
        report_handlers.recount_stale_reports(self.uow)

    # The report's read model: counts the facts kept before it existed (or under older definitions), then idles.
    @timer(interval=REPORT_REBUILD_SECONDS)
    def rebuild_report_model(self) -> None:
        report_handlers.rebuild_read_model(self.uow)

    @api("GET", "/api/v1/letters", access=READERS, takes_query=True)
    def letters(self, request: Request) -> Response:
        return json_response(
            200, handlers.list_letters(parse_query(request, handlers.LettersQuery), self.uow, self.platform)
        )

    @api("GET", "/api/v1/cases/<case_id>/watches", access=READERS)
    def case_watches(self, request: Request, case_id: str) -> Response:
        watches = handlers.watches_of_case(case_id_in_path(case_id), self.uow)
        return json_response(200, {**watches, "watches": mark_provisional(watches["watches"])})  # type: ignore[arg-type]

    @api("POST", "/api/v1/follow-ups/<case_id>/rating", access=allow(Role.SUPERVISOR))
    def rate(self, request: Request, case_id: str) -> Response:
        case_id = case_id_in_path(case_id)
        command = parse_body(request, handlers.RateFollowUp)
        return json_response(
            202, handlers.rate_follow_up(case_id, command, self.caller.subject, self.uow, self.platform)
        )

    @api("GET", "/api/v1/follow-ups/<case_id>/rating-link", access=allow(Role.SUPERVISOR), takes_query=True)
    def rating_link(self, request: Request, case_id: str) -> Response:
        case_id = case_id_in_path(case_id)
        if parse_query(request, handlers.RatingLinkQuery).format == "svg":
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

    # --- 办理进度查询: the receipt's QR code; the link itself is the credential, for a year --------------------

    @api("GET", "/api/v1/cases/<case_id>/progress-link", access=WINDOW, takes_query=True)
    def progress_link(self, request: Request, case_id: str) -> Response:
        query, case_id = parse_query(request, progress_handlers.ProgressLinkQuery), case_id_in_path(case_id)
        return progress_handlers.progress_link_response(case_id, query, self.rating_links, self.platform)

    @api("GET", "/api/v1/progress/<token>", access=PUBLIC)
    def show_progress(self, request: Request, token: str) -> Response:
        return json_response(200, progress_handlers.show_progress(token, self.uow, self.rating_links, self.platform))

    # --- 两函一通报 as documents ---------------------------------------------------------------

    @timer(interval=NOTICE_CHECK_SECONDS)
    def issue_scheduled_notice(self) -> None:
        documents_handlers.issue_scheduled_notice(self.uow, self.platform, self.documents)

    @api("POST", "/api/v1/notices", access=allow(Role.SUPERVISOR))
    def issue_notice(self, request: Request) -> Response:
        command = parse_body(request, documents_handlers.IssueNotice, self.platform.now())
        caller = self.caller
        issued = documents_handlers.issue_notice(
            command, caller.subject, self.uow, self.platform, self.documents, issued_by_name=caller.name
        )
        return json_response(201, issued)

    @api("GET", "/api/v1/documents", access=DOCUMENT_READERS, takes_query=True)
    def list_documents(self, request: Request) -> Response:
        query = parse_query(request, documents_handlers.DocumentsQuery)
        return json_response(200, documents_handlers.list_documents(query, self.caller, self.uow, self.platform))

    @api("GET", "/api/v1/documents/<document_id>", access=DOCUMENT_READERS)
    def show_document(self, request: Request, document_id: str) -> Response:
        document = documents_handlers.document_id_in_path(document_id)
        return json_response(200, documents_handlers.show_document(document, self.caller, self.uow))

    @api("GET", "/api/v1/documents/<document_id>/html", access=DOCUMENT_READERS)
    def document_html(self, request: Request, document_id: str) -> Response:
        document = documents_handlers.document_id_in_path(document_id)
        html = documents_handlers.document_html(document, self.caller, self.uow)
        return Response(html, status=200, mimetype="text/html")

    @api("GET", "/api/v1/documents/<document_id>/pdf", access=DOCUMENT_READERS)
    def document_pdf(self, request: Request, document_id: str) -> Response:
        document = documents_handlers.document_id_in_path(document_id)
        named, pdf = documents_handlers.document_pdf(document, self.caller, self.uow, self.documents.font)
        return documents_handlers.pdf_response(named, pdf)

    # --- 回访抽查: closed cases drawn at random for a second follow-up ----------------------------

    @timer(interval=SPOT_CHECK_TICK_SECONDS)
    def draw_spot_checks(self) -> None:
        spot_checks_handlers.draw_due(self.uow, self.platform, self.spot_check_rules)

    @api("POST", "/api/v1/spot-checks/draw", access=allow(Role.SUPERVISOR))
    def draw_spot_checks_now(self, request: Request) -> Response:
        command = parse_body(request, FinishedPeriod, self.platform.now())
        drawn = spot_checks_handlers.draw_on_demand(
            command, self.caller.subject, self.uow, self.platform, self.spot_check_rules
        )
        return json_response(201, drawn)

    @api("GET", "/api/v1/spot-checks", access=READERS, takes_query=True)
    def list_spot_checks(self, request: Request) -> Response:
        query = parse_query(request, spot_checks_handlers.SpotChecksQuery)
        return json_response(200, spot_checks_handlers.list_spot_checks(query, self.uow))

    @api("GET", "/api/v1/spot-checks/summary", access=READERS, takes_query=True)
    def spot_check_summary(self, request: Request) -> Response:
        query = parse_query(request, DateRange)
        return json_response(200, spot_checks_handlers.summary(query, self.uow))

    @api("POST", "/api/v1/spot-checks/<case_id>/finding", access=allow(Role.SUPERVISOR))
    def record_spot_check_finding(self, request: Request, case_id: str) -> Response:
        case_id = case_id_in_path(case_id)
        command = parse_body(request, spot_checks_handlers.RecordFinding)
        found = spot_checks_handlers.record_finding(case_id, command, self.caller.subject, self.uow, self.platform)
        return json_response(202, found)

    # --- 高频线索预警: raised by intake --------------------------------------------------------------

    @handles(HighFrequencyAlertRaised)
    def on_high_frequency_alert_raised(self, message: HighFrequencyAlertRaised) -> None:
        alerts_handlers.handle_alert_raised(message, self.sender, self.uow, self.platform)

    @api("GET", "/api/v1/alerts", access=READERS, takes_query=True)
    def list_alerts(self, request: Request) -> Response:
        query = parse_query(request, alerts_handlers.AlertsQuery)
        return json_response(200, alerts_handlers.list_alerts(query, self.uow))

    @api("POST", "/api/v1/alerts/<alert_id>/handled", access=allow(Role.SUPERVISOR))
    def mark_alert_handled(self, request: Request, alert_id: str) -> Response:
        alert = alerts_handlers.alert_id_in_path(alert_id)
        command = parse_body(request, alerts_handlers.HandleAlert)
        handled = alerts_handlers.mark_handled(alert, command, self.caller.subject, self.uow, self.platform)
        return json_response(200, handled)


SERVICE = Supervision
