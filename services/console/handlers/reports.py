"""The leaders' report on the overview page (日小结/周调度/月总结), and its CSV and JSON downloads, from supervision."""

import json
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from services.console import domain
from services.console.dependencies import Answer, Apis
from services.console.handlers.common import (
    Names,
    Visitor,
    choices_with,
    clean_params,
    errors_clearer,
    expect,
    field_errors,
    today_in_beijing,
)
from services.console.pages import error_page
from shared import wording
from shared.downloads import DownloadName, report_file
from shared.platform import Platform
from shared.report_periods import period_dates

# The report's query parameters supervision takes (and checks, naming each wrong one).
REPORT_PARAMS = ("from", "to", "period", "date", "level", "division", "unit")
LEVELS = {"county": "全县", "township": "乡镇", "unit": "单位"}
TOWNSHIP_DIGITS = 9  # a township report's scope: a 9-digit division code
# Per source and per category: the counts charted side by side.
SERIES = {"cases_received": "受理", "cases_handled": "办结", "cases_resolved": "化解"}
# The counts shown first, each with what it counts: a leader sees at once what came in, what is still being handled,
# and what is registered but waits for staff to assign a unit (待人工分流). A figure an older supervision does not
# give yet is left out.
HEADLINE_COUNTS = {
    "cases_received": "本期受理登记的案件（含待人工分流的案件）",
    "cases_open_at_end": "截至期末仍在办理的案件（含待人工分流的案件）",
    "cases_awaiting_triage_at_end": (
        "截至本期最后一日日终，已受理登记、尚待综合协调组人工分派单位的案件（本期含今天的，即目前的数）"
    ),
}
# The published rates shown as figures at the top of the section, in this order.
HEADLINE_RATES = (
    "resolution_rate",
    "court_diversion_rate",
    "court_mediation_success_rate",
    "police_mediation_success_rate",
    "petition_mediation_success_rate",
    "on_time_rate",
    "satisfaction_rate",
    "reopened_rate",
    "litigation_share",
)
# The report's inputs as the form names them, for a download refused by supervision.
REPORT_FIELDS = {
    "from": "起始日期",
    "to": "截止日期",
    "period": "时段",
    "date": "日期",
    "level": "范围",
    "division": "乡镇",
    "unit": "单位",
}
# Supervision's reasons for refusing a report query (services/supervision/report_handlers.py), by the input and
# the refusal's code, as a leader should read them beside that input on this form.
REPORT_ERRORS = {
    ("from", "range_or_period"): "起止日期与今日、本周、本月只能选一种",
    ("to", "range_or_period"): "起止日期与今日、本周、本月只能选一种",
    ("from", "range_missing"): "请填写起始日期，如2026-12-01",
    ("to", "range_missing"): "请填写截止日期，如2026-12-31",
    ("to", "to_before_from"): "截止日期不能早于起始日期",
    ("to", "period_too_long"): "查询时段最长一年（366天）",
    ("period", "period_missing"): "请选择今日、本周或本月",
    ("date", "date_missing"): "请填写日期，如2026-12-04",
    ("division", "division_not_with_unit"): "范围为“单位”时不选乡镇",
    ("division", "division_not_with_county"): "范围为“全县”时不选乡镇",
    ("division", "township_missing"): "范围为“乡镇”时请选择乡镇",
    ("unit", "unit_missing"): "范围为“单位”时请选择单位",
    ("unit", "unit_outside_county"): "请选择本县的单位",
    ("division", "unknown_township"): "请从列表中选择本县的乡镇",
    ("unit", "unknown_unit"): "请从列表中选择本县的单位",
    ("unit", "unknown_agency"): "请从列表中选择本县的单位",
    ("unit", "no_centre"): "该地未设综治中心，请从列表中选择本县的单位",
    ("unit", "unit_level_only"): "范围为“单位”时才选单位",
}
DOWNLOADS = {"csv": ("text/csv; charset=utf-8", "csv"), "json": ("application/json; charset=utf-8", "json")}


def report_params(args: Mapping[str, str], platform: Platform, visitor: Visitor | None = None) -> dict[str, str]:
    """The filters the person chose; this month when they chose no period; when they chose no scope, their own
    township for a township or village centre's staff (a village's cases are its township's), else the county."""
    params = clean_params(args, REPORT_PARAMS)
    if not {"from", "to", "period", "date"} & params.keys():
        params |= {"period": "month", "date": today_in_beijing(platform).isoformat()}
    own = domain.own_centre_place(visitor.principal.units, platform.county) if visitor is not None else None
    if own is not None and not {"level", "division", "unit"} & params.keys():
        params |= {"level": "township", "division": own[:TOWNSHIP_DIGITS]}
    return params


def _shortcuts(platform: Platform) -> dict[str, str]:
    today = today_in_beijing(platform).isoformat()
    return {
        name: urlencode({"period": period, "date": today})
        for name, period in (("今日", "day"), ("本周", "week"), ("本月", "month"))
    }


def _chart(breakdown: Mapping[str, Mapping[str, Any]], vocabulary: Mapping[str, str]) -> dict[str, Any]:
    return {
        "labels": [wording.label(vocabulary, code) for code in breakdown],
        "series": [
            {"label": name, "values": [tally[key] for tally in breakdown.values()]} for key, name in SERIES.items()
        ],
    }


def report_errors(answer: Answer) -> dict[str, str]:
    """Supervision's refusal of a query: each input's reason in Chinese."""
    return errors_clearer({str(e.get("field")): [e] for e in field_errors(answer)}, _report_clearer)


def _report_clearer(key: str, error: Mapping[str, Any]) -> str | None:
    return REPORT_ERRORS.get((key, str(error.get("type", ""))))


def report_context(visitor: Visitor, args: Mapping[str, str], apis: Apis, platform: Platform) -> dict[str, Any]:
    """What overview.html's report section needs; a query supervision refuses shows the reasons by the form."""
    params = report_params(args, platform, visitor)
    names = Names.of(platform)
    townships = [(code, name) for code, name in names.place_choices() if len(code) == TOWNSHIP_DIGITS]
    context: dict[str, Any] = {
        "report": None,
        "report_errors": {},
        "report_params": params,
        "report_query": urlencode(params),
        "report_shortcuts": _shortcuts(platform),
        "report_levels": LEVELS,
        "report_headlines": HEADLINE_RATES,
        "report_counts": HEADLINE_COUNTS,
        "report_charts": {},
        # The scope chosen by name; the codes are the values supervision takes.
        "report_townships": choices_with(townships, params.get("division"), names.place(params.get("division"))),
        "report_units": choices_with(names.unit_choices(), params.get("unit"), names.unit(params.get("unit"))),
    }
    answer = apis.call("supervision", "GET", "/api/v1/reports", token=visitor.token, params=params)
    if answer.status == 400:
        context["report_errors"] = report_errors(answer)
        return context
    report = expect(answer, service="supervision")
    charts = {
        "sources": _chart(report.get("by_source", {}), wording.SOURCES),
        "categories": _chart(report.get("by_category", {}), wording.CATEGORIES),
    }
    # Read by charts.js from a JSON block (`tojson`, which escapes <, > and &, so no label can end the block): no
    # inline script, so the page's CSP stays strict.
    context |= {"report": report, "report_charts": charts}
    return context


def report_download(visitor: Visitor, kind: str, args: Mapping[str, str], apis: Apis, platform: Platform) -> Response:
    """The report as a file, fetched with the visitor's own token: the browser never holds one."""
    visitor.require("/overview")
    params = {**report_params(args, platform, visitor), "format": kind}
    answer = apis.call("supervision", "GET", "/api/v1/reports", token=visitor.token, params=params)
    if answer.status == 400:
        wrong = "；".join(f"{REPORT_FIELDS.get(key, key)}：{text}" for key, text in report_errors(answer).items())
        return error_page(400, "查询条件有误", f"请返回总览页修改。{wrong}。")
    body = expect(answer, service="supervision")
    mimetype, suffix = DOWNLOADS[kind]
    # A byte-order mark lets a spreadsheet opened by double-click read the Chinese as UTF-8.
    text = "\ufeff" + str(body) if kind == "csv" else json.dumps(body, ensure_ascii=False, indent=2)
    response = Response(text, status=200, content_type=mimetype)
    file = _file_name(body if isinstance(body, dict) else None, params, suffix, Names.of(platform))
    response.headers["Content-Disposition"] = file.disposition()
    response.headers["Cache-Control"] = "no-store"
    return response


def _file_name(report: Mapping[str, Any] | None, params: Mapping[str, str], suffix: str, names: Names) -> DownloadName:
    """五源共治报表_2026-11-01至2026-11-30.csv: the report's own period and scope; for the CSV, which carries
    neither, those supervision just accepted, worked out as it does (a period and a date → the period's days)."""
    if report is not None and isinstance(report.get("period"), dict) and isinstance(report.get("scope"), dict):
        period, scope = report["period"], report["scope"]
        start, end, level, code = period["from"], period["to"], scope["level"], scope["code"]
    else:
        start, end = _period_asked(params)
        level = params.get("level", "county")
        code = params.get("unit" if level == "unit" else "division", "")
    scope_name = wording.report_scope_name(str(level), str(code), names.platform.registry, names.places)
    return report_file(str(start), str(end), suffix, scope_name)


def _period_asked(params: Mapping[str, str]) -> tuple[str, str]:
    if "from" in params and "to" in params:
        return params["from"], params["to"]
    try:
        start, end = period_dates(params.get("period", ""), date.fromisoformat(params.get("date", "")))
    except ValueError:  # not a date as the form writes it: named as asked (the helper makes any text safe)
        return params.get("period", ""), params.get("date", "")
    return start.isoformat(), end.isoformat()
