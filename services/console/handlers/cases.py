"""Coordination (综合协调组): the case list, a case's page, and the manual-triage queue."""

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from services.console import case_text, domain
from services.console.dependencies import Answer, Apis, console_settings
from services.console.handlers.common import (
    Names,
    Visitor,
    choices_with,
    clean_params,
    errors_clearer,
    errors_in_chinese,
    expect,
    field_errors,
    first_value,
    page_context,
    page_offset,
    posted_form,
    refusal_code,
)
from services.console.handlers.documents import KINDS as DOCUMENT_KINDS
from services.console.handlers.documents import case_documents
from services.console.pages import redirect, render
from shared import wording
from shared.centres import Centres, CentresError, county_centres
from shared.known_filters import NO_CENTRE
from shared.platform import Platform
from shared.registry import AgencyRegistry
from shared.timeline_wording import timeline_parts

CASE_FILTERS = (
    "status",
    "source",
    "category",
    "unit",
    "place",
    "centre",  # 三级: the cases a centre holds
    "registered_from",
    "registered_to",
    "leaders",  # 提请领导督办: still being handled, flagged for the leaders (coordinator README, "Levels" rule 3)
    "overdue",
    "q",
)
PAGE_SIZE = 50
CASES_DEEPEST = 10_000_000  # the deepest offset the coordinator serves (its MAX_OFFSET)


def _no_centre_at(error: dict[str, Any], field: str) -> bool:
    return error.get("type") == NO_CENTRE and error.get("field") == field


def cases_page(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require("/cases")
    names = Names.of(platform)
    filters = clean_params(request.args.to_dict(), CASE_FILTERS)
    offset = page_offset(request.args.get("offset"), CASES_DEEPEST)
    answer = apis.call(
        "coordinator",
        "GET",
        "/api/v1/cases",
        token=visitor.token,
        params={**filters, "limit": str(PAGE_SIZE), "offset": str(offset)},
    )
    refused = field_errors(answer) if answer.status == 400 else []
    errors = errors_in_chinese({str(e.get("field")): [e] for e in refused})
    centres = _county_centres(platform)
    # Which centre holds the place's cases, and which are set up below it: what to choose instead. A centre filter,
    # or a unit filter naming a centre (`centre:<division>`), where none is set up.
    asked_centre = filters.get("centre")
    asked = {"centre": asked_centre, "unit": (filters.get("unit") or "").partition(":")[2]}
    for field, division in asked.items():
        if division and centres is not None and any(_no_centre_at(e, field) for e in refused):
            errors[field] = wording.no_centre_text(division, centres, names.places)
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
        # What was asked stays chosen, even a code the county does not have, beside why it was refused.
        places=choices_with(names.place_choices(), filters.get("place"), names.place(filters.get("place"))),
        units=choices_with(names.unit_choices(), filters.get("unit"), names.unit(filters.get("unit"))),
        centres=choices_with(
            [(c.division, c.name) for c in centres.centres] if centres is not None else [],
            asked_centre,
            names.place(asked_centre),
        ),
        query_without_offset=urlencode(filters),
    )


def _county_centres(platform: Platform) -> Centres | None:
    """The county's centres, for the list's centre filter; None when the file cannot be read here (the filter then
    offers none, and the coordinator still judges one asked for)."""
    try:
        return county_centres(platform.config_dir, platform.county)
    except (CentresError, OSError):
        return None


# What the coordinator's actions on a case page did, said once the page is shown again.
CASE_ACTIONS_DONE = {
    "assigned": "已指派，交办单已发给所选单位。",
    "called_in": "已吹哨，交办单已发给所选单位。",
}


def case_page(
    visitor: Visitor,
    case_id: str,
    apis: Apis,
    platform: Platform,
    errors: dict[str, str] | None = None,
    form: Mapping[str, list[str]] | None = None,
    done: str | None = None,
    status: int | None = None,
) -> Response:
    """A case's page; after a refused form, the errors beside its fields and what was typed in them (400, or
    `status`); after an action (`done`), what it did."""
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
        status=status or (400 if errors else 200),
        **page_context(visitor, "/cases", names, platform.now()),
        case=case,
        report=(dispute or {}).get("report"),
        trace_link=trace_url.replace("{trace_id}", case["trace_id"]) if trace_url and case.get("trace_id") else None,
        done=CASE_ACTIONS_DONE.get(done or ""),
        may_assign="coordinator" in visitor.roles
        and case["status"] == "awaiting_manual_triage"
        and _acts_for(visitor, case, platform),
        units=names.unit_choices(),
        errors=errors or {},
        gap_text=gap_wording(names),
        **levels_context(case, visitor, names, form or {}),
        documents=case_documents(visitor, case_id, apis),  # the case's 提醒函 and 督办函, with their 文号
        document_kinds=DOCUMENT_KINDS,
        timeline_parts=timeline_wording(case, names, visitor.people),
    )


def gap_wording(names: Names) -> Callable[[Mapping[str, Any]], str]:
    """Why a case waits for staff, the unit that returned it named as the one that did (case_text.gap_text)."""
    return lambda gap: case_text.gap_text(gap, names.unit, names.platform.registry, names.places)


def timeline_wording(
    case: Mapping[str, Any], names: Names, people: Mapping[str, str]
) -> Callable[[Mapping[str, Any]], list[str]]:
    """A timeline line's detail, part by part, worded as `wuyuan case show` words it (shared.timeline_wording)."""
    units = {str(r.get("referral_id")): str(r.get("unit")) for r in case.get("referrals") or [] if isinstance(r, dict)}
    return lambda entry: timeline_parts(
        str(entry.get("kind")), entry.get("detail") or {}, names.platform.registry, names.places, units, people
    )


def levels_context(
    case: dict[str, Any], visitor: Visitor, names: Names, form: Mapping[str, list[str]]
) -> dict[str, Any]:
    """三级 on the case page: the holding centre, its steps up in Chinese, and the 吹哨报到 form with the units
    the holding centre may call in (the coordinator API checks the caller's centre and those units again)."""
    registry, places = names.platform.registry, names.places
    referrals = [r for r in case.get("referrals") or [] if isinstance(r, dict)]
    holding = str(case.get("centre") or f"centre:{names.platform.county}")
    choices = domain.nearest_first(
        domain.callable_units(names.unit_choices(), referrals, _callable_agencies(names.platform, case.get("centre"))),
        holding.partition(":")[2],
    )
    return {
        "centre_name": wording.centre_name(case.get("centre"), registry, places),
        "escalation_text": lambda step: wording.escalation_text(step, registry, places),
        "may_call_in": "coordinator" in visitor.roles
        and case["status"] in ("assigned", "in_progress", "awaiting_manual_triage")
        and _acts_for(visitor, case, names.platform),
        # A coordinator of another centre reads the case but neither assigns nor calls units in: say whose it is (a
        # case stored before levels is the county centre's).
        "held_elsewhere": wording.centre_name(case.get("centre") or names.platform.county, registry, places)
        if "coordinator" in visitor.roles
        and case["status"] in ("assigned", "in_progress", "awaiting_manual_triage")
        and not _acts_for(visitor, case, names.platform)
        else None,
        "call_in_choices": choices,
        # Checkboxes under each agency's name, in the registry's order: the county bureau, then the holding centre's
        # own township's station, then the other townships'.
        "call_in_groups": _by_agency(choices, registry),
        "call_in_chosen": frozenset(form.get("units") or []),
        "call_in_note": first_value(form, "note"),
    }


def _acts_for(visitor: Visitor, case: Mapping[str, Any], platform: Platform) -> bool:
    return domain.acts_for_centre(visitor.principal.units, case.get("centre"), platform.county)


def _by_agency(units: list[tuple[str, str]], registry: AgencyRegistry) -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name in units:
        groups.setdefault(code.partition(":")[0], []).append((code, name))
    return [(_agency_name(agency, registry), choices) for agency, choices in groups.items()]


def _agency_name(agency: str, registry: AgencyRegistry) -> str:
    try:
        return registry.get(agency).name_zh
    except KeyError:
        return agency


def _callable_agencies(platform: Platform, centre: object) -> tuple[str, ...] | None:
    """The agencies the centre holding the case may call in (config/centres.toml, as the coordinator reads it); a
    case with no centre is the county centre's. None, offering every agency, when the file cannot be read: the
    coordinator still refuses an agency its centre may not call in."""
    try:
        centres = county_centres(platform.config_dir, platform.county)
    except (CentresError, OSError):
        return None
    holding = (centres.get(centre) if isinstance(centre, str) and centre else None) or centres.county
    return holding.call_in


def call_in(visitor: Visitor, case_id: str, request: Request, apis: Apis, platform: Platform) -> Response:
    """吹哨报到 from the case page: the units chosen and the note, as the coordinator's API takes them; a refusal
    comes back in Chinese beside the form, with the units and note as chosen."""
    visitor.require("/triage")
    form = posted_form(request, visitor)
    body = {"units": [u for u in form.get("units") or [] if u], "note": first_value(form, "note")}
    answer = apis.call("coordinator", "POST", f"/api/v1/cases/{case_id}/call-in", token=visitor.token, body=body)
    if answer.status == 400:
        placed: dict[str, list[dict[str, Any]]] = {}
        for error in field_errors(answer):
            placed.setdefault(_call_in_key(str(error.get("field", ""))), []).append(error)
        return case_page(visitor, case_id, apis, platform, errors_clearer(placed, _call_in_clearer), form)
    if answer.status in (403, 409):
        code, message = refusal_code(answer)
        names = Names.of(platform)
        reason = message.partition(":")[2] if message.startswith(f"{code}:") else message
        detail = answer.body.get("detail") if isinstance(answer.body, dict) else None
        text = wording.call_in_refusal_text(
            code, detail if isinstance(detail, dict) else {}, reason, platform.registry, names.places
        )
        key = "call_in.units" if code in _REFUSALS_OF_UNITS else "call_in"
        return case_page(visitor, case_id, apis, platform, {key: text}, form)
    expect(answer, service="coordinator")
    return redirect(f"/cases/{case_id}?done=called_in")


# Refusals about the units chosen, shown beside the list; the others (the case's state, another centre's case)
# concern the whole form.
_REFUSALS_OF_UNITS = frozenset({"not_callable", "unit_already_on_case", "bad_unit", "below_agency_level"})
_CALL_IN_ERRORS = {
    ("call_in.units", "missing"): "请至少选择一个单位",
    ("call_in.units", "too_short"): "请至少选择一个单位",
    ("call_in.units", "too_long"): "一次最多选择10个单位",
    ("call_in.units", "unknown_agency"): "请从列表中选择单位",
    ("call_in.note", "missing"): "请填写请报到单位办理的事项",
    ("call_in.note", "string_too_short"): "请填写请报到单位办理的事项",
}


def _call_in_key(field: str) -> str:
    """The form's input an API field error belongs beside: 'units.0' and 'units' by the list, 'note' by the note."""
    head = field.split(".")[0]
    return f"call_in.{head}" if head in ("units", "note") else "call_in"


def _call_in_clearer(key: str, error: Mapping[str, Any]) -> str | None:
    if key == "call_in.units" and "same unit twice" in str(error.get("message", "")):
        return "每个单位只能选一次"
    return _CALL_IN_ERRORS.get((key, str(error.get("type", ""))))


# Why the coordinator refused a manual assignment (409, by its rules' codes), as the coordinator reads it; the
# ones about the unit chosen stand beside the list, the others above the page (case.html).
ASSIGN_REFUSALS = {
    "wrong_status": "此案件当前不需要人工分派（可能已由其他工作人员指派），下面是案件的最新情况。",
    "bad_unit": "所选单位不是本县的单位，请从列表中选择。",
    "unit_already_on_case": "所选单位已在办理此案，请选择其他单位。",
    "below_agency_level": wording.CALL_IN_REFUSALS["below_agency_level"],
}
ASSIGN_REFUSED = "暂时不能指派，下面是案件的最新情况；如仍需指派，请重新选择单位。"
_REFUSALS_OF_THE_UNIT = frozenset({"bad_unit", "unit_already_on_case", "below_agency_level"})
# The holding centre, as the coordinator's refusal of another centre's case names it ('… is held by centre:430426101').
_CENTRE_UNIT = re.compile(r"\bcentre:[0-9]{6}(?:[0-9]{3}){0,2}\b")


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
    if answer.status in (403, 409):
        return case_page(visitor, case_id, apis, platform, _assign_refusal(answer, platform), status=answer.status)
    expect(answer, service="coordinator")
    return redirect(f"/cases/{case_id}?done=assigned")


def _assign_refusal(answer: Answer, platform: Platform) -> dict[str, str]:
    """The coordinator's refusal of an assignment, in Chinese, under the key of where the page shows it: another
    centre's case (403) and a case no longer awaiting triage above the page, a unit refused beside the list."""
    names = Names.of(platform)
    code, message = refusal_code(answer)
    detail = answer.body.get("detail") if isinstance(answer.body, dict) else None
    named = detail.get("unit") if isinstance(detail, dict) else None
    unit_name = names.unit(str(named)) if named else ""
    if answer.status == 403:  # the page's own check let a coordinator in: the case is another centre's
        held = _CENTRE_UNIT.search(message)
        centre = names.unit(held.group(0)) if held else "其他综治中心"
        return {"assign": f"此案件由{centre}办理，只有该中心或其上级中心的工作人员可以指派单位。"}
    if code == "unit_already_on_case" and unit_name:
        return {"unit": f"{unit_name}已在办理此案，请选择其他单位。"}
    if code == "bad_unit" and unit_name:
        return {"unit": f"{unit_name}不是本县的单位，请从列表中选择。"}
    if code == "below_agency_level" and named:
        return {"unit": wording.below_level_text(str(named), platform.registry, names.places)}
    text = ASSIGN_REFUSALS.get(code, ASSIGN_REFUSED)
    return {"unit" if code in _REFUSALS_OF_THE_UNIT else "assign": text}


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
        # Another centre's case is listed, but only its own centre's staff (or those above) assign it.
        ours=lambda case: _acts_for(visitor, case, platform),
        centre_name=lambda code: wording.centre_name(code or platform.county, platform.registry, names.places),
        units=names.unit_choices(),
        gap_text=gap_wording(names),
    )
