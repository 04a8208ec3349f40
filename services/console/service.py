"""The console nameko service: the staff console in Chinese, and the citizen's rating and progress pages, as HTML."""

import re

from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from services.console.dependencies import PlatformApis, StaffNames, TokenCheck, console_settings
from services.console.handlers import (
    alerts,
    cases,
    citizens,
    court,
    documents,
    held_forms,
    mediation,
    password,
    petitions,
    police,
    referrals,
    reports,
    sessions,
    spot_checks,
    stability,
    supervision,
    window,
)
from services.console.handlers.assets import FAVICON, static_file
from services.console.handlers.common import Visitor as SignedIn
from services.console.handlers.common import visitor_of
from services.console.handlers.held_forms import form_paths, page_paths
from services.console.pages import PageNotFound, SignInNeeded, page
from services.console.store import PostgresSessionStore
from shared.contracts.identifiers import CASE_ID_PATTERN
from shared.runtime.dependencies import Database, PlatformProvider
from shared.runtime.service_base import PlatformService
from shared.telemetry.case_scope import name_the_case

SWEEP_SECONDS = 3600  # ended sessions are forgotten hourly
_CASE_ID = re.compile(CASE_ID_PATTERN)


def case_in_path(case_id: str) -> str:
    """The case a page is about; its span, and so its access line, names it as the services' do."""
    if not _CASE_ID.fullmatch(case_id):
        raise PageNotFound()
    name_the_case(case_id)
    return case_id


class Console(PlatformService):
    name = "console"
    uow = Database(PostgresSessionStore)
    platform = PlatformProvider()
    apis = PlatformApis()
    check_token = TokenCheck()
    people = StaffNames()

    def visitor(self, request: Request) -> SignedIn:
        return visitor_of(request, self.uow, self.check_token, self.platform.now(), self.people)

    @page("GET", "/login")
    def sign_in_page(self, request: Request) -> Response:
        return sessions.sign_in_page(request, self.platform)

    @page("POST", "/login")
    def sign_in(self, request: Request) -> Response:
        settings = console_settings()
        held_check = sessions.HeldFormCheck(FORM_PATHS, PAGE_PATHS, self.check_token)
        return sessions.sign_in(
            request, self.uow, self.apis, self.platform, settings.secure_cookies, settings.trusted_proxies, held_check
        )

    # A form posted once the session had ended, kept by the session that signed in after it (handlers.held_forms).
    @page("GET", "/held-form")
    def held_form(self, request: Request) -> Response:
        return held_forms.held_form_page(request, self.visitor(request), self.platform)

    @page("POST", "/held-form/discard")
    def discard_held_form(self, request: Request) -> Response:
        return held_forms.discard(request, self.visitor(request), self.uow, self.platform)

    @page("POST", "/logout")
    def sign_out(self, request: Request) -> Response:
        secure_cookie = console_settings().secure_cookies
        try:
            visitor = self.visitor(request)
        except SignInNeeded:
            return sessions.sign_out_ended(request, self.uow, secure_cookie)
        return sessions.sign_out(request, visitor, self.uow, secure_cookie)

    @page("GET", "/password")
    def password_page(self, request: Request) -> Response:
        return password.password_page(self.visitor(request), self.platform, done=request.args.get("done") == "1")

    @page("POST", "/password")
    def change_password(self, request: Request) -> Response:
        settings = console_settings()
        return password.change_password(
            self.visitor(request),
            request,
            self.uow,
            self.apis,
            self.platform,
            settings.trusted_proxies,
            settings.secure_cookies,
        )

    @page("GET", "/")
    def home(self, request: Request) -> Response:
        return sessions.home(self.visitor(request))

    @page("GET", "/window")
    def window(self, request: Request) -> Response:
        return window.window_page(self.visitor(request), self.platform)

    @page("POST", "/window")
    def register(self, request: Request) -> Response:
        return window.register(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/window/cases/<case_id>")
    def registered(self, request: Request, case_id: str) -> Response:
        return window.registered_page(self.visitor(request), case_in_path(case_id), request, self.apis, self.platform)

    @page("GET", "/window/cases/<case_id>/receipt")
    def receipt(self, request: Request, case_id: str) -> Response:
        return window.receipt_page(self.visitor(request), case_in_path(case_id), request, self.apis, self.platform)

    @page("GET", "/cases")
    def cases(self, request: Request) -> Response:
        return cases.cases_page(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/cases/<case_id>")
    def case(self, request: Request, case_id: str) -> Response:
        return cases.case_page(
            self.visitor(request), case_in_path(case_id), self.apis, self.platform, done=request.args.get("done")
        )

    @page("POST", "/cases/<case_id>/assign")
    def assign(self, request: Request, case_id: str) -> Response:
        return cases.assign(self.visitor(request), case_in_path(case_id), request, self.apis, self.platform)

    # 吹哨报到: the holding centre's coordinator calls departments in.
    @page("POST", "/cases/<case_id>/call-in")
    def call_in(self, request: Request, case_id: str) -> Response:
        return cases.call_in(self.visitor(request), case_in_path(case_id), request, self.apis, self.platform)

    @page("GET", "/triage")
    def triage(self, request: Request) -> Response:
        return cases.triage_page(self.visitor(request), self.apis, self.platform)

    @page("GET", "/referrals")
    def referrals(self, request: Request) -> Response:
        return referrals.referrals_page(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/referrals/<agency>/<referral_id>")
    def referral(self, request: Request, agency: str, referral_id: str) -> Response:
        done, up = request.args.get("done"), request.args.get("up")
        visitor = self.visitor(request)
        return referrals.referral_page(visitor, agency, referral_id, self.apis, self.platform, done=done, went_up_to=up)

    @page("POST", "/referrals/<agency>/<referral_id>/<action>")
    def act_on_referral(self, request: Request, agency: str, referral_id: str, action: str) -> Response:
        visitor = self.visitor(request)
        return referrals.act(visitor, agency, referral_id, action, request, self.apis, self.platform)

    @page("GET", "/court/filings")
    def court_filings(self, request: Request) -> Response:
        return court.filings_page(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/court/filings/new")
    def new_court_filing(self, request: Request) -> Response:
        return court.new_filing_page(self.visitor(request), self.platform)

    @page("POST", "/court/filings/new")
    def register_court_filing(self, request: Request) -> Response:
        return court.register(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/court/filings/<filing_number>")
    def court_filing(self, request: Request, filing_number: str) -> Response:
        done, reported = request.args.get("done"), request.args.get("reported")
        visitor = self.visitor(request)
        return court.filing_page(visitor, filing_number, self.apis, self.platform, done=done, reported=reported)

    @page("POST", "/court/filings/<filing_number>/<action>")
    def act_on_court_filing(self, request: Request, filing_number: str, action: str) -> Response:
        return court.act(self.visitor(request), filing_number, action, request, self.apis, self.platform)

    @page("GET", "/police/calls")
    def police_calls(self, request: Request) -> Response:
        return police.calls_page(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/police/calls/new")
    def new_police_call(self, request: Request) -> Response:
        return police.new_call_page(self.visitor(request), self.platform)

    @page("POST", "/police/calls/new")
    def record_police_call(self, request: Request) -> Response:
        return police.record(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/police/calls/<call_number>")
    def police_call(self, request: Request, call_number: str) -> Response:
        done = request.args.get("done")
        return police.call_page(self.visitor(request), call_number, self.apis, self.platform, done=done)

    @page("GET", "/petitions")
    def petitions(self, request: Request) -> Response:
        return petitions.petitions_page(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/petitions/new")
    def new_petition(self, request: Request) -> Response:
        return petitions.new_petition_page(self.visitor(request), self.platform)

    @page("POST", "/petitions/new")
    def register_petition(self, request: Request) -> Response:
        return petitions.register(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/petitions/<number>")
    def petition(self, request: Request, number: str) -> Response:
        done = request.args.get("done")
        return petitions.petition_page(self.visitor(request), number, self.apis, self.platform, done=done)

    @page("POST", "/petitions/<number>/<action>")
    def act_on_petition(self, request: Request, number: str, action: str) -> Response:
        return petitions.act(self.visitor(request), number, action, request, self.apis, self.platform)

    @page("GET", "/justice/mediation")
    def mediation_figures(self, request: Request) -> Response:
        return mediation.figures_page(self.visitor(request), self.apis, self.platform)

    @page("GET", "/justice/referrals/<referral_id>/mediation")
    def referral_mediation(self, request: Request, referral_id: str) -> Response:
        done = request.args.get("done")
        return mediation.mediation_page(self.visitor(request), referral_id, self.apis, self.platform, done=done)

    @page("POST", "/justice/referrals/<referral_id>/mediation/<action>")
    def act_on_mediation(self, request: Request, referral_id: str, action: str) -> Response:
        return mediation.act(self.visitor(request), referral_id, action, request, self.apis, self.platform)

    @page("GET", "/stability/register")
    def risk_register(self, request: Request) -> Response:
        return stability.register_page(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/stability/persons")
    def stability_persons(self, request: Request) -> Response:
        return stability.persons_page(self.visitor(request), request, self.apis, self.platform)

    @page("POST", "/stability/persons")
    def add_stability_person(self, request: Request) -> Response:
        return stability.add_person(self.visitor(request), request, self.apis, self.platform)

    @page("GET", "/stability/persons/<person_id>")
    def stability_person(self, request: Request, person_id: str) -> Response:
        done = request.args.get("done")
        return stability.person_page(self.visitor(request), person_id, self.apis, self.platform, done=done)

    @page("POST", "/stability/persons/<person_id>/<action>")
    def act_on_stability_person(self, request: Request, person_id: str, action: str) -> Response:
        return stability.act(self.visitor(request), person_id, action, request, self.apis, self.platform)

    @page("GET", "/board")
    def board(self, request: Request) -> Response:
        return supervision.board_page(self.visitor(request), self.apis, self.platform, request.args.to_dict())

    @page("POST", "/board/alerts/<alert_id>/handled")
    def mark_alert_handled(self, request: Request, alert_id: str) -> Response:
        return alerts.mark_handled(self.visitor(request), alert_id, request, self.apis)

    @page("GET", "/follow-ups/<case_id>")
    def follow_up(self, request: Request, case_id: str) -> Response:
        return supervision.follow_up_page(self.visitor(request), case_in_path(case_id), self.apis, self.platform)

    @page("POST", "/follow-ups/<case_id>/rating")
    def rate_follow_up(self, request: Request, case_id: str) -> Response:
        return supervision.rate(self.visitor(request), case_in_path(case_id), request, self.apis, self.platform)

    @page("GET", "/follow-ups/<case_id>/qr.svg")
    def rating_qr(self, request: Request, case_id: str) -> Response:
        return supervision.rating_qr(self.visitor(request), case_in_path(case_id), self.apis)

    @page("GET", "/documents")
    def documents(self, request: Request) -> Response:
        return documents.documents_page(self.visitor(request), request.args, self.apis, self.platform)

    @page("POST", "/documents/notices")
    def issue_notice(self, request: Request) -> Response:
        return documents.issue_notice(self.visitor(request), request, self.apis, self.platform)

    # 回访抽查: closed cases drawn for a second visit.
    @page("GET", "/spot-checks")
    def spot_checks(self, request: Request) -> Response:
        return spot_checks.spot_checks_page(self.visitor(request), request.args, self.apis, self.platform)

    @page("POST", "/spot-checks/draw")
    def draw_spot_checks(self, request: Request) -> Response:
        return spot_checks.draw(self.visitor(request), request, self.apis, self.platform)

    @page("POST", "/spot-checks/<case_id>/finding")
    def record_spot_check_finding(self, request: Request, case_id: str) -> Response:
        visitor = self.visitor(request)
        return spot_checks.record_finding(visitor, case_in_path(case_id), request, self.apis, self.platform)

    @page("GET", "/documents/<document_id>/print")
    def print_document(self, request: Request, document_id: str) -> Response:
        return documents.print_view(self.visitor(request), document_id, self.apis)

    @page("GET", "/documents/<document_id>.pdf")
    def document_pdf(self, request: Request, document_id: str) -> Response:
        return documents.pdf_download(self.visitor(request), document_id, self.apis)

    @page("GET", "/overview")
    def overview(self, request: Request) -> Response:
        return supervision.overview_page(self.visitor(request), self.apis, self.platform, request.args)

    @page("GET", "/overview/report.csv")
    def report_csv(self, request: Request) -> Response:
        return reports.report_download(self.visitor(request), "csv", request.args, self.apis, self.platform)

    @page("GET", "/overview/report.json")
    def report_json(self, request: Request) -> Response:
        return reports.report_download(self.visitor(request), "json", request.args, self.apis, self.platform)

    # The citizen's phone: no account, the single-use link is the credential.
    @page("GET", "/rate/<token>")
    def rating_page(self, request: Request, token: str) -> Response:
        return citizens.rating_page(token, request, self.apis, self.platform)

    @page("POST", "/rate/<token>")
    def rate(self, request: Request, token: str) -> Response:
        return citizens.rate(token, request, self.apis, self.platform)

    # 办理进度查询, from the receipt's QR code: no account, the link is the credential.
    @page("GET", "/track/<token>")
    def progress_page(self, request: Request, token: str) -> Response:
        return citizens.progress_page(token, self.apis, self.platform)

    @page("GET", "/static/<path:name>")
    def static(self, request: Request, name: str) -> Response:
        return static_file(name)

    @page("GET", "/favicon.ico")
    def favicon(self, request: Request) -> Response:
        return static_file(FAVICON)

    @timer(interval=SWEEP_SECONDS)
    def forget_expired_sessions(self) -> None:
        sessions.forget_expired_sessions(self.uow, self.platform)


# The paths a form held through signing in may be sent on to: the POST pages above (handlers.held_forms).
FORM_PATHS = form_paths(Console)
# The pages 放弃 may lead back to (handlers.held_forms).
PAGE_PATHS = page_paths(Console)
SERVICE = Console
