"""Coordination (综合协调组): the case list, a case's page, and the manual-triage queue."""

import re
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from services.console.dependencies import Apis, console_settings
from services.console.handlers.common import (
    Names,
    Visitor,
    clean_params,
    errors_in_chinese,
    expect,
    field_errors,
    page_context,
    posted_form,
)
from services.console.handlers.documents import case_documents
from services.console.pages import redirect, render
from shared import wording
from shared.platform import Platform

CASE_FILTERS = ("status", "source", "category", "unit", "place", "registered_from", "registered_to", "overdue", "q")
PAGE_SIZE = 50


def cases_page(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require("/cases")
    names = Names.of(platform)
    filters = clean_params(request.args.to_dict(), CASE_FILTERS)
    offset = _offset(request.args.get("offset"))
    answer = apis.call(
        "coordinator",
        "GET",
        "/api/v1/cases",
        token=visitor.token,
        params={**filters, "limit": str(PAGE_SIZE), "offset": str(offset)},
    )
    errors = errors_in_chinese({str(e.get("field")): [e] for e in field_errors(answer)}) if answer.status == 400 else {}
    listing = expect(answer, service="coordinator") if not errors else {"cases": [], "counts": {}, "total": 0}
    return render(
        "cases.html",
        **page_context(visitor, "/cases", names, platform.now()),
        filters=filters,
        errors=errors,
        cases=listing.get("cases", []),
        counts=listing.get("counts", {}),
        total=listing.get("total", 0),
        offset=offset,
        page_size=PAGE_SIZE,
        statuses=list(wording.CASE_STATUSES.items()),
        sources=list(wording.SOURCES.items()),
        categories=list(wording.CATEGORIES.items()),
        places=names.place_choices(),
        units=names.unit_choices(),
        query_without_offset=urlencode(filters),
    )


def _offset(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 9 else 0


def case_page(
    visitor: Visitor, case_id: str, apis: Apis, platform: Platform, errors: dict[str, str] | None = None
) -> Response:
    visitor.require("/cases")
    names = Names.of(platform)
    case = expect(
        apis.call("coordinator", "GET", f"/api/v1/cases/{case_id}", token=visitor.token), service="coordinator"
    )
    # The parties as intake lets this role see them (ID and mobile numbers masked).
    dispute_answer = apis.call("intake", "GET", f"/api/v1/disputes/{case_id}", token=visitor.token)
    dispute = dispute_answer.body if dispute_answer.ok else None
    trace_url = console_settings().trace_url
    return render(
        "case.html",
        status=400 if errors else 200,
        **page_context(visitor, "/cases", names, platform.now()),
        case=case,
        report=(dispute or {}).get("report"),
        trace_link=trace_url.replace("{trace_id}", case["trace_id"]) if trace_url and case.get("trace_id") else None,
        may_assign="coordinator" in visitor.roles and case["status"] == "awaiting_manual_triage",
        units=names.unit_choices(),
        errors=errors or {},
        **levels_context(case, visitor, names),
        documents=case_documents(visitor, case_id, apis),  # the case's 提醒函 and 督办函, with their 文号
    )


def levels_context(case: dict[str, Any], visitor: Visitor, names: Names) -> dict[str, Any]:
    """三级 on the case page: the holding centre, its steps up in Chinese, and whether the 吹哨报到 form shows
    (the coordinator API checks the caller's centre and the agencies the centre may call in)."""
    registry, places = names.platform.registry, names.places
    return {
        "centre_name": wording.centre_name(case.get("centre"), registry, places),
        "escalation_text": lambda step: wording.escalation_text(step, registry, places),
        "called_in_text": lambda detail: wording.called_in_text(detail, registry, places),
        "report_rejected_text": lambda detail: wording.report_rejected_text(detail, registry, places),
        "may_call_in": "coordinator" in visitor.roles
        and case["status"] in ("assigned", "in_progress", "awaiting_manual_triage"),
    }


def call_in(visitor: Visitor, case_id: str, request: Request, apis: Apis, platform: Platform) -> Response:
    """吹哨报到 from the case page: the units chosen and the note, as the coordinator's API takes them."""
    visitor.require("/triage")
    form = posted_form(request, visitor)
    body = {"units": [u for u in form.get("units") or [] if u], "note": (form.get("note") or [""])[0].strip()}
    answer = apis.call("coordinator", "POST", f"/api/v1/cases/{case_id}/call-in", token=visitor.token, body=body)
    if answer.status == 400:
        return case_page(visitor, case_id, apis, platform, errors_in_chinese({"call_in": field_errors(answer)}))
    if answer.status in (403, 409):
        message = str((answer.body or {}).get("message") or "")
        return case_page(visitor, case_id, apis, platform, {"call_in": f"不能吹哨报到：{names_in(message, platform)}"})
    expect(answer, service="coordinator")
    return redirect(f"/cases/{case_id}?done=called_in")


def names_in(message: str, platform: Platform) -> str:
    """The API's sentence with unit codes by name; it says which centre or agency stood in the way."""
    names = Names.of(platform)
    return re.sub(r"[a-z_]+:[0-9]{6,12}", lambda found: names.unit(found.group(0)), message)


def assign(visitor: Visitor, case_id: str, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require("/triage")
    form = posted_form(request, visitor)
    unit = (form.get("unit") or [""])[0]
    answer = apis.call(
        "coordinator", "POST", f"/api/v1/cases/{case_id}/assign", token=visitor.token, body={"unit": unit}
    )
    if answer.status == 400:
        errors = errors_in_chinese({"unit": field_errors(answer)})
        return case_page(visitor, case_id, apis, platform, errors)
    if answer.status == 409:
        return case_page(visitor, case_id, apis, platform, {"unit": "此案件当前不需要人工分派，请刷新后查看。"})
    expect(answer, service="coordinator")
    return redirect(f"/cases/{case_id}?done=assigned")


def triage_page(visitor: Visitor, apis: Apis, platform: Platform) -> Response:
    visitor.require("/triage")
    names = Names.of(platform)
    listing = expect(
        apis.call(
            "coordinator",
            "GET",
            "/api/v1/cases",
            token=visitor.token,
            params={"status": "awaiting_manual_triage", "limit": "200"},
        ),
        service="coordinator",
    )
    return render(
        "triage.html",
        **page_context(visitor, "/triage", names, platform.now()),
        cases=listing.get("cases", []),
        units=names.unit_choices(),
    )
