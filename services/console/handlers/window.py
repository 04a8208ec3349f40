"""The one window (窗口): registering a dispute, telling the citizen where it went, and the receipt (回执) they take."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from werkzeug.wrappers import Request, Response

from services.console import domain, receipt
from services.console.dependencies import Apis, ApiUnavailable
from services.console.handlers.common import (
    Names,
    Visitor,
    errors_in_chinese,
    errors_off_the_form,
    expect,
    field_errors,
    page_context,
    posted_form,
)
from services.console.pages import PageNotFound, redirect, render
from shared import wording
from shared.centres import Centre, CentresError, county_centres
from shared.platform import Platform
from shared.registry import CENTRE

# Rows the form starts with: the applicant, the respondent, and room for more.
DEFAULT_ROLES = ("applicant", "respondent", "applicant", "respondent", "third_party", "third_party")


def window_page(
    visitor: Visitor,
    platform: Platform,
    form: Mapping[str, list[str]] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    visitor.require("/window")
    names = Names.of(platform)
    values = form or {}
    return render(
        "window.html",
        status=status,
        **page_context(visitor, "/window", names, platform.now()),
        sources=[(code, wording.SOURCES[code]) for code in domain.WINDOW_SOURCES],
        categories=list(wording.CATEGORIES.items()),
        flags=[(code, text) for code, text in wording.FLAGS.items()],
        places=names.place_choices(),
        party_rows=range(domain.MAX_PARTIES_ON_FORM),
        default_roles=DEFAULT_ROLES,
        value=lambda name, default="": (values.get(name) or [default])[0],
        checked=lambda name, code: code in values.get(name, []),
        errors=errors or {},
        elsewhere=errors_off_the_form(errors or {}, _on_the_form),
    )


# The register form's inputs (window.html); an error about anything else is listed above the form.
WINDOW_INPUTS = ("source", "category", "division_code", "summary", "flags")


def _on_the_form(key: str) -> bool:
    return key in WINDOW_INPUTS or key.startswith("parties")


def register(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require("/window")
    form = posted_form(request, visitor)
    report = domain.report_from_form(form)
    answer = apis.call("intake", "POST", "/api/v1/disputes", token=visitor.token, body=report)
    if answer.status == 400:
        reported = field_errors(answer)
        reported = [*reported, *domain.sides_missing(report, reported)]
        placed = domain.errors_by_form_field(reported, domain.party_rows_for_errors(form))
        return window_page(visitor, platform, form, errors_in_chinese(placed), status=400)
    registered = expect(answer, service="intake")
    if not registered.get("linked"):
        return redirect(f"/window/cases/{registered['case_id']}?linked=0")
    # A repeat: its receipt is this report's, so the page carries which one it was (an answer intake stored before
    # it named its reports has none: the page then offers the case's receipt as before).
    this_report = receipt.report_id(registered.get("report_id"))
    return redirect(
        f"/window/cases/{registered['case_id']}?linked=1" + (f"&report={this_report}" if this_report else "")
    )


# How long the page waits for triage, looking again every two seconds, before it says it takes longer than usual:
# triage takes a moment once the coordinator has the case, so a case still not there is waiting on something
# (the coordinator down, its queue backed up) that staff need not watch happen.
TRIAGE_WAIT = timedelta(minutes=1)


def registered_page(visitor: Visitor, case_id: str, request: Request, apis: Apis, platform: Platform) -> Response:
    """The case number, and where triage sent it: 现场办 / 马上办 / 共同办 with its lead and co-units.

    Triage happens when the coordinator receives the case, a moment after intake numbered it: until then the page
    says so and looks again by itself, for a minute (TRIAGE_WAIT), then says it takes longer than usual and where
    to find the case. A number intake never gave is no case: 404.
    """
    visitor.require("/window")
    answer = apis.call("coordinator", "GET", f"/api/v1/cases/{case_id}", token=visitor.token)
    case = expect(answer, service="coordinator") if answer.status != 404 else None
    waited_long = False
    if case is None:
        # Not at the coordinator: registered and on its way, or never registered at all (intake answers 404).
        dispute = expect(
            apis.call("intake", "GET", f"/api/v1/disputes/{case_id}", token=visitor.token), service="intake"
        )
        registered_at = _moment(dispute.get("registered_at") if isinstance(dispute, dict) else None)
        waited_long = registered_at is None or platform.now() - registered_at > TRIAGE_WAIT
    centre = _window_centre(visitor, platform)
    linked = request.args.get("linked") == "1"
    report = receipt.report_id(request.args.get("report")) if linked else None
    return render(
        "registered.html",
        **page_context(visitor, "/window", Names.of(platform), platform.now()),
        case_id=case_id,
        case=case,
        waited_long=waited_long,
        linked=linked,
        # The page itself, to look again, and the receipt: of this repeat report when the page knows which it was.
        again=f"?linked=1&report={report}" if report else ("?linked=1" if linked else ""),
        receipt_query=f"?report={report}" if report else "",
        follow_up=receipt.staff_note(centre.phone if centre else None),
    )


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def receipt_page(visitor: Visitor, case_id: str, request: Request, apis: Apis, platform: Platform) -> Response:
    """受理回执, one A4 page the window prints for the citizen: the case as intake registered it (the applicants'
    names, never their ID or mobile numbers), who handles it and by when as the coordinator holds it (待综治中心分派
    before triage), and how to follow it up at the window's centre. A number intake never gave is no case: 404.
    With `report`, the receipt of that report of the case: for a repeat linked to it, when it came and that it
    joined the case. A report the case does not hold is no receipt: 404."""
    visitor.require("/window")
    asked_for = request.args.get("report")
    report = receipt.report_id(asked_for) if asked_for is not None else None
    if asked_for is not None and report is None:
        raise PageNotFound()
    dispute = expect(apis.call("intake", "GET", f"/api/v1/disputes/{case_id}", token=visitor.token), service="intake")
    dispute = dispute if isinstance(dispute, dict) else {}
    repeat = receipt.repeat_report(dispute, report) if report else None
    if report and repeat is None:
        raise PageNotFound()
    answer = apis.call("coordinator", "GET", f"/api/v1/cases/{case_id}", token=visitor.token)
    case = expect(answer, service="coordinator") if answer.status != 404 else None
    names = Names.of(platform)
    centre = _window_centre(visitor, platform)
    centre_name = centre.name if centre else names.unit(f"{CENTRE}:{platform.county}")
    return render(
        "receipt.html",
        **page_context(visitor, "/window", names, platform.now()),
        receipt=receipt.receipt_of(case_id, dispute, case, centre, centre_name, names.unit, repeat or None),
        report=report,
        printed_at=wording.local_time_words(platform.now()),
        progress=_progress_qr(case_id, visitor, apis),
    )


def _progress_qr(case_id: str, visitor: Visitor, apis: Apis) -> receipt.ProgressQr | None:
    """The QR code to the case's progress page, from the link supervision signs, asked with the window's own token
    (one call: the code printed is the address printed under it); None when supervision does not give it (down, or
    refusing): the receipt prints without it, never fails for it."""
    try:
        link = apis.call("supervision", "GET", f"/api/v1/cases/{case_id}/progress-link", token=visitor.token)
    except ApiUnavailable:
        return None
    return receipt.progress_qr(case_id, link.body) if link.ok else None


def _window_centre(visitor: Visitor, platform: Platform) -> Centre | None:
    """The centre the visitor's window works for (config/centres.toml); None when the file cannot be read here: the
    pages then name the county centre, and the window alone for following a case up."""
    try:
        return receipt.window_centre(visitor.principal.units, county_centres(platform.config_dir, platform.county))
    except (CentresError, OSError):
        return None
