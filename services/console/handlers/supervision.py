"""Inspection (检查督导组) and leaders: the deadline board, letters, follow-ups with rating entry, and the overview."""

from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from services.console import domain
from services.console.dependencies import Apis
from services.console.handlers import reports
from services.console.handlers.common import (
    Names,
    Visitor,
    errors_clearer,
    expect,
    field_errors,
    first_value,
    page_context,
    posted_form,
    refusal_code,
)
from services.console.pages import error_page, redirect, render
from shared import wording
from shared.downloads import rating_qr_file
from shared.platform import Platform

# The statuses a case is in once a round is settled and its follow-up (回访) is open.
FOLLOW_UP_STATUSES = frozenset({"resolved"})


def board_page(visitor: Visitor, apis: Apis, platform: Platform, args: Mapping[str, str] | None = None) -> Response:
    """The board, of the place asked (`place`), else of the visitor's own township or village centre, else the county's:
    a township centre's staff watch the units of their township first (小事不出村、大事不出乡镇)."""
    visitor.require("/board")
    names = Names.of(platform)
    own = domain.own_centre_place(visitor.principal.units, platform.county)
    place = (args or {}).get("place") or own or platform.county
    scope = {"place": place}
    answer = apis.call("supervision", "GET", "/api/v1/board", token=visitor.token, params=scope)
    if answer.status == 400:  # a place typed into the address that the county does not have
        shown = place if len(place) <= 20 else place[:20] + "…"  # typed into the address: echoed short
        return error_page(400, "看板范围有误", f"范围：“{shown}”不是本县的乡镇或村，请从督办看板页的链接选择范围。")
    board = expect(answer, service="supervision")
    letters = expect(
        apis.call("supervision", "GET", "/api/v1/letters", token=visitor.token, params={"limit": "50", **scope}),
        service="supervision",
    )
    follow_ups = expect(
        apis.call("supervision", "GET", "/api/v1/follow-ups", token=visitor.token, params={"pending": "true"}),
        service="supervision",
    )
    alerts = expect(  # 高频线索预警 not yet handled
        apis.call("supervision", "GET", "/api/v1/alerts", token=visitor.token, params={"open": "true"}),
        service="supervision",
    )
    return render(
        "board.html",
        alerts=alerts.get("alerts", []),
        alerts_truncated=alerts.get("truncated") is True,
        **page_context(visitor, "/board", names, platform.now()),
        board=board,
        # The scope by name, and the other one to switch to: the county's, or back to the visitor's own centre's.
        board_scope=_board_scope(place, platform.county, names),
        board_county=None if place == platform.county else (platform.county, names.place(platform.county)),
        board_own=(own, names.place(own)) if own and own != place else None,
        letters=letters.get("letters", []),
        follow_ups=follow_ups.get("follow_ups", []),
        follow_ups_truncated=follow_ups.get("truncated") is True,
        may_rate="supervisor" in visitor.roles,
    )


def _board_scope(place: str, county: str, names: Names) -> str:
    """Whose units the board lists: '祁东县全县', '砖塘镇及其所辖村（社区）的各单位', '新塘村的各单位'."""
    if place == county:
        return f"{names.place(place)}全县"
    return f"{names.place(place)}{'及其所辖村（社区）' if len(place) == reports.TOWNSHIP_DIGITS else ''}的各单位"


def follow_up_page(
    visitor: Visitor,
    case_id: str,
    apis: Apis,
    platform: Platform,
    errors: dict[str, str] | None = None,
    status: int = 200,
    form: Mapping[str, list[str]] | None = None,
) -> Response:
    """A follow-up with its rating link; after a refused rating, the errors and what was chosen and typed."""
    visitor.require("/board")
    case = expect(
        apis.call("coordinator", "GET", f"/api/v1/cases/{case_id}", token=visitor.token), service="coordinator"
    )
    # A visit follows a settled round: before that (or once it is closed) supervision has no link to give.
    ready = case.get("status") in FOLLOW_UP_STATUSES
    link = None
    if "supervisor" in visitor.roles and ready:
        answer = apis.call("supervision", "GET", f"/api/v1/follow-ups/{case_id}/rating-link", token=visitor.token)
        link = answer.body if answer.ok else None
    return render(
        "follow_up.html",
        status=status,
        **page_context(visitor, "/board", Names.of(platform), platform.now()),
        case=case,
        not_settled=case.get("status") not in (*FOLLOW_UP_STATUSES, "closed"),  # says why there is no visit yet
        link=link,
        ratings=list(wording.RATINGS.items()),
        errors=errors or {},
        may_rate="supervisor" in visitor.roles,
        chosen_rating=first_value(form or {}, "rating"),
        comment=first_value(form or {}, "comment"),
    )


def rate(visitor: Visitor, case_id: str, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require("/board")
    form = posted_form(request, visitor)
    body = {"rating": first_value(form, "rating")}
    comment = first_value(form, "comment")
    if comment:
        body["comment"] = comment
    answer = apis.call("supervision", "POST", f"/api/v1/follow-ups/{case_id}/rating", token=visitor.token, body=body)
    if answer.status == 400:
        errors = errors_clearer({str(e.get("field")): [e] for e in field_errors(answer)}, _rating_clearer)
        return follow_up_page(visitor, case_id, apis, platform, errors, 400, form)
    if answer.status == 409:
        code, _ = refusal_code(answer)
        said = _RATING_CONFLICTS.get(code, _RATING_CONFLICTS["already_rated"])
        return follow_up_page(visitor, case_id, apis, platform, {"rating": said}, 409)
    expect(answer, service="supervision")
    return redirect(f"/follow-ups/{case_id}?done=rated")


# Why supervision took no rating (its RatingRefusal codes): rated already, or the visit called off by a petition.
_RATING_CONFLICTS = {
    "already_rated": "此次回访已评价。",
    "visit_called_off": "群众再次信访，案件已重新办理，本轮回访已取消；新一轮办结后再回访。",
}


def _rating_clearer(key: str, error: Mapping[str, Any]) -> str | None:
    return "请选择一项评价" if key == "rating" and error.get("type") in ("missing", "enum", "literal_error") else None


def rating_qr(visitor: Visitor, case_id: str, apis: Apis) -> Response:
    """The rating link's QR code, fetched with the supervisor's own token and served from the console."""
    visitor.require("/board")
    answer = apis.call(
        "supervision", "GET", f"/api/v1/follow-ups/{case_id}/rating-link", token=visitor.token, params={"format": "svg"}
    )
    svg = expect(answer, service="supervision")
    response = Response(svg, status=200, mimetype="image/svg+xml")
    # Shown on the page; a supervisor who saves it to print gets it named for its case.
    response.headers["Content-Disposition"] = rating_qr_file(case_id).disposition(inline=True)
    response.headers["Cache-Control"] = "no-store"
    return response


# Who reads the cases flagged for the leaders (提请领导督办) on the overview: the leaders, and the coordinators
# who bring the cases to them.
LEADERS_LIST_ROLES = frozenset({"leader", "coordinator"})
LEADERS_LIST_SIZE = 10


def awaiting_the_leaders(visitor: Visitor, apis: Apis) -> dict[str, Any] | None:
    """提请领导督办: the cases still being handled that a county-level unit let run past its level's threshold, as
    the coordinator lists them (`leaders=true`, the latest changed first; the whole list is /cases?leaders=true);
    None for a visitor who does not read them here, and no rows (`unavailable`) when the coordinator refuses the
    filter (one from before it)."""
    if not visitor.roles & LEADERS_LIST_ROLES:
        return None
    params = {"leaders": "true", "limit": str(LEADERS_LIST_SIZE)}
    answer = apis.call("coordinator", "GET", "/api/v1/cases", token=visitor.token, params=params)
    if answer.status == 400:
        return {"cases": [], "total": 0, "unavailable": True}
    listing = expect(answer, service="coordinator")
    return {"cases": listing.get("cases") or [], "total": listing.get("total") or 0, "unavailable": False}


def overview_page(visitor: Visitor, apis: Apis, platform: Platform, args: Mapping[str, str] | None = None) -> Response:
    visitor.require("/overview")
    overview = expect(apis.call("coordinator", "GET", "/api/v1/overview", token=visitor.token), service="coordinator")
    names = Names.of(platform)
    by_source = overview.get("by_source", {})
    by_status = overview.get("by_status", {})
    ratings = overview.get("ratings", {})
    results = overview.get("results", {})
    charts = {
        "sources": {
            "labels": [wording.label(wording.SOURCES, code) for code in by_source],
            "values": list(by_source.values()),
        },
        "statuses": {
            "labels": [wording.label(wording.CASE_STATUSES, code) for code in by_status],
            "values": list(by_status.values()),
        },
        "ratings": {
            "labels": [wording.RATINGS[code] for code in wording.RATINGS],
            "values": [ratings.get(code, 0) for code in wording.RATINGS],
        },
        "results": {
            "labels": [wording.RESULT_CODES[code] for code in wording.RESULT_CODES],
            "values": [results.get(code, 0) for code in wording.RESULT_CODES],
        },
    }
    return render(
        "overview.html",
        **page_context(visitor, "/overview", names, platform.now()),
        overview=overview,
        leaders=awaiting_the_leaders(visitor, apis),
        # Read by the chart script from a JSON block (`tojson`, which escapes <, > and &, so no label can end the
        # block): no inline script, so the page's CSP stays strict.
        chart_data=charts,
        # The leaders' report for the period and scope chosen (this month by default), from supervision.
        **reports.report_context(visitor, args or {}, apis, platform),
    )
