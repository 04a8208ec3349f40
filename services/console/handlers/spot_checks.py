"""回访抽查 (检查督导组): the closed cases drawn for a second visit and still to be visited, a draw over a period, the
finding of a visit, and the figures of a period, through supervision's API (services/supervision/README.md)."""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from services.console import domain
from services.console.dependencies import Apis
from services.console.handlers.common import (
    Names,
    Visitor,
    clean_params,
    errors_clearer,
    expect,
    field_errors,
    first_value,
    page_context,
    period_errors,
    posted_form,
    today_in_beijing,
)
from services.console.pages import redirect, render
from shared import wording
from shared.contracts.identifiers import CASE_ID_PATTERN
from shared.platform import Platform

PATH = "/spot-checks"
_CASE_ID = re.compile(CASE_ID_PATTERN)
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# How a spot check was drawn (supervision's `trigger`).
TRIGGERS = {"scheduled": "按期自动抽取", "on_demand": "督导员即时抽取"}
# The finding form's refusals, beside its inputs.
FINDING_ERRORS = {
    ("finding.rating", "missing"): "请选择一项抽查结果",
    ("finding.rating", "enum"): "请选择一项抽查结果",
    ("finding.rating", "literal_error"): "请选择一项抽查结果",
}
FINDING_INPUTS = ("rating", "comment")


def spot_checks_page(
    visitor: Visitor,
    args: Mapping[str, str],
    apis: Apis,
    platform: Platform,
    *,
    errors: dict[str, str] | None = None,
    form: Mapping[str, list[str]] | None = None,
    finding_case: str = "",
    refusal: str = "",
    status: int = 200,
) -> Response:
    """The pending spot checks with their cases, the figures of a period (this month so far unless asked), and for
    a supervisor the draw and each visit's finding form; after a refused form, its errors beside its inputs."""
    visitor.require(PATH)
    names = Names.of(platform)
    pending = expect(
        apis.call("supervision", "GET", "/api/v1/spot-checks", token=visitor.token, params={"pending": "true"}),
        service="supervision",
    )
    period = _summary_period(args, platform)
    answer = apis.call("supervision", "GET", "/api/v1/spot-checks/summary", token=visitor.token, params=period)
    summary_errors = period_errors(answer, "summary") if answer.status == 400 else {}
    summary = None if summary_errors else expect(answer, service="supervision")
    values = form or {}
    today = today_in_beijing(platform)
    starting = {"draw_from": today.replace(day=1).isoformat(), "draw_to": today.isoformat()}
    return render(
        "spot_checks.html",
        status=status,
        **page_context(visitor, PATH, names, platform.now()),
        spot_checks=[c for c in pending.get("spot_checks") or [] if isinstance(c, dict)],
        spot_checks_truncated=pending.get("truncated") is True,
        summary=summary,
        period=period,
        errors={**summary_errors, **(errors or {})},
        value=lambda name: (values.get(name) or [starting.get(name, "")])[0],
        finding_case=finding_case,
        refusal=refusal,
        notice=done_text(args),
        may_act="supervisor" in visitor.roles,
        triggers=TRIGGERS,
        ratings=list(wording.RATINGS.items()),
        today=today.isoformat(),  # the latest day a draw's period may end
    )


def _summary_period(args: Mapping[str, str], platform: Platform) -> dict[str, str]:
    """The figures' period as typed (supervision names what is wrong with it); this month so far when none is."""
    period = clean_params(args, ("from", "to"))
    if period:
        return period
    today = today_in_beijing(platform)
    return {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}


def done_text(args: Mapping[str, str]) -> str:
    """What the last action did, from the address it led to (numbers and a case number only, each checked)."""
    done = args.get("done")
    if done == "drawn":
        drawn, closed = args.get("drawn", ""), args.get("closed", "")
        if not (domain.ascii_digits(drawn) and domain.ascii_digits(closed)):
            return "已抽取。"
        start, end = args.get("from", ""), args.get("to", "")
        period = f"{start}至{end}" if _DAY.fullmatch(start) and _DAY.fullmatch(end) else "所选期间"
        if int(drawn) == 0:
            return f"{period}结案且未抽查过的案件共{int(closed)}件，本次未抽到案件。"
        return f"已从{period}结案且未抽查过的{int(closed)}件案件中随机抽取{int(drawn)}件，列在待回访抽查中。"
    case_id = args.get("case", "")
    if done in ("found", "reopened") and _CASE_ID.fullmatch(case_id):
        if done == "reopened":
            return f"已录入案件 {case_id} 的回访抽查结果：不满意，案件将重新交原牵头单位办理。"
        return f"已录入案件 {case_id} 的回访抽查结果，案件保持结案。"
    return ""


def draw(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    """A draw on demand over a period of Beijing dates: supervision draws its share of the cases closed then."""
    visitor.require_supervisor(PATH)
    form = posted_form(request, visitor)
    body = {field: value for field in ("from", "to") if (value := first_value(form, f"draw_{field}"))}
    answer = apis.call("supervision", "POST", "/api/v1/spot-checks/draw", token=visitor.token, body=body)
    if answer.status == 400:
        errors = period_errors(answer, "draw")
        return spot_checks_page(visitor, request.args, apis, platform, errors=errors, form=form, status=400)
    drawn = expect(answer, service="supervision")
    shown = {
        "from": str(drawn.get("from") or body.get("from", "")),
        "to": str(drawn.get("to") or body.get("to", "")),
        "done": "drawn",
        "drawn": str(len(drawn.get("drawn") or [])),
        "closed": str(drawn.get("closed") or 0),
    }
    return redirect(f"{PATH}?{urlencode(shown)}")


def record_finding(visitor: Visitor, case_id: str, request: Request, apis: Apis, platform: Platform) -> Response:
    """The second visit's finding (满意, 基本满意 or 不满意, and a comment); 不满意 reopens the case."""
    visitor.require_supervisor(PATH)
    form = posted_form(request, visitor)
    body = {field: value for field in FINDING_INPUTS if (value := first_value(form, field))}
    path = f"/api/v1/spot-checks/{case_id}/finding"
    answer = apis.call("supervision", "POST", path, token=visitor.token, body=body)
    if answer.status == 400:
        placed: dict[str, list[Mapping[str, Any]]] = {}
        for error in field_errors(answer):
            field = str(error.get("field", ""))
            placed.setdefault(f"finding.{field}" if field in FINDING_INPUTS else "finding", []).append(error)
        errors = errors_clearer(placed, lambda key, error: FINDING_ERRORS.get((key, str(error.get("type", "")))))
        return spot_checks_page(
            visitor, request.args, apis, platform, errors=errors, form=form, finding_case=case_id, status=400
        )
    if answer.status in (404, 409):
        refusal = (
            f"案件 {case_id} 不在回访抽查名单中，无法录入抽查结果。"
            if answer.status == 404
            else f"案件 {case_id} 的回访抽查结果已经录入，不能重复录入。"
        )
        return spot_checks_page(visitor, request.args, apis, platform, refusal=refusal, status=answer.status)
    found = expect(answer, service="supervision")
    done = "reopened" if found.get("case_will") == "reopen" else "found"
    return redirect(f"{PATH}?{urlencode({'done': done, 'case': case_id})}")
