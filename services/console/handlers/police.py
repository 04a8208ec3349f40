"""警调对接 for the police's officers: dispute calls recorded and decided (handed to mediation, or kept by the police),
the year's figures, and what mediation made of each handed call, through the police's own API (police_link)."""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from services.console import domain
from services.console.dependencies import Apis
from services.console.handlers.common import (
    Names,
    Visitor,
    by_field_and_type,
    clean_params,
    count_text,
    errors_clearer,
    errors_off_the_form,
    expect,
    field_errors,
    figures_this_year,
    filtered_list,
    first_value,
    mapping_of,
    page_context,
    percent_text,
    posted_form,
    service_of,
    taken_number,
)
from services.console.handlers.window import DEFAULT_ROLES
from services.console.pages import PageNotFound, redirect, render
from shared import wording
from shared.agency.joined import joins_another_case
from shared.platform import Platform
from shared.workdays import CHINA_TZ

PAGE = "/police/calls"
AGENCY = "police"
CALL_FILTERS = ("decision",)
LIST_LIMIT = 100
# 警情编号 as the police's API takes it (services/police_link/commands.py): any other path names no call.
_CALL_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")

# The record form's own inputs, sent as they are when filled in (received_at, parties and the scene read apart).
CALL_INPUTS = ("call_number", "unit", "classification", "category", "division_code", "summary", "offence")
# The scene as ticked boxes: each sent as a JSON true or false.
SCENE_FACTS = (
    ("violence", "有暴力行为（殴打、推搡、毁物）"),
    ("injury", "有人身伤害"),
    ("weapon_or_threat", "持械或扬言报复"),
    ("civil_to_criminal_risk", "有民转刑风险"),
)
CLEARER_ERRORS = {
    ("call_number", "string_pattern_mismatch"): "警情编号只能包含字母、数字和 - _ .，如JQ4304262026112100017",
    ("received_at", "datetime_future"): "接警时间不能晚于现在",
    ("received_at", "date_out_of_range"): "请填写1900年至2100年之间的接警时间",
    ("received_at", "datetime_parsing"): "请填写接警时间，如2026-11-23 09:10",
    ("received_at", "datetime_from_date_parsing"): "请填写接警时间，如2026-11-23 09:10",
    ("received_at", "timezone_aware"): "请填写接警时间，如2026-11-23 09:10",
    ("unit", "unit"): "请选择本人所在的派出所或公安局",
    ("category", "value_error"): "所选纠纷类别与警情类别不符",
    ("division_code", "division_outside_unit"): "发生地不在所选派出所的辖区内",
    ("repeat_calls", "int_type"): "请填写0到999之间的整数",
    ("repeat_calls", "int_parsing"): "请填写0到999之间的整数",
    ("suitable_for_mediation", "missing"): "请选择是或否",
}
DONE = {"recorded": "已登记警情。", "repeat": "此警情编号已登记过，未重复登记；以下是首次登记的情况。"}


# --- the list and the year's figures -----------------------------------------------------------------


def calls_page(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    service = service_of(platform, AGENCY)
    filters = clean_params(request.args.to_dict(), CALL_FILTERS)
    listed, errors = filtered_list(apis, visitor, service, "/api/v1/calls", filters, LIST_LIMIT, "calls")
    year = figures_this_year(apis, visitor, platform, service, "/api/v1/calls/figures")
    return render(
        "police_calls.html",
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        filters=filters,
        errors=errors,
        calls=listed,
        limit=LIST_LIMIT,
        decisions=list(wording.CALL_DECISIONS.items()),
        period=year.period,
        figures=figure_rows(year.figures),
        link=call_link,
        decision_text=decision_text,
        mediation_text=mediation_text,
    )


def figure_rows(figures: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The year's figures as (what, how many) rows, as the counties publish 警调对接."""
    calls = mapping_of(figures.get("calls"))
    mediation = mapping_of(figures.get("mediation"))
    risk = mapping_of(figures.get("risk"))
    return [
        ("登记纠纷警情", count_text(calls.get("recorded"), "起")),
        ("转调解", count_text(calls.get("handed_to_mediation"), "起")),
        # A call joined to a case already at the centre is one dispute with it: its mediation is not counted again.
        ("其中并入已有案件", count_text(mediation.get("joined_existing_case"), "起")),
        ("公安处置", count_text(calls.get("kept_by_police"), "起")),
        ("转调解率", percent_text(calls.get("handover_rate"))),
        ("调处化解", count_text(mediation.get("resolved"), "起")),
        ("其中调解成功", count_text(mediation.get("mediated"), "起")),
        ("等待调解结果", count_text(mediation.get("awaiting_result"), "起")),
        ("化解率", percent_text(mediation.get("resolution_rate"))),
        ("调解成功率", percent_text(mediation.get("success_rate"))),
        ("有暴力或伤害", count_text(risk.get("violence_or_injury"), "起")),
        ("有民转刑风险", count_text(risk.get("civil_to_criminal_risk"), "起")),
        ("其中转调解", count_text(risk.get("civil_to_criminal_risk_handed_to_mediation"), "起")),
    ]


# --- recording a call ------------------------------------------------------------------------------------


def unit_choices(visitor: Visitor, names: Names) -> list[tuple[str, str]]:
    """The police units the officer acts for: their own, and for the county's bureau every station of the county."""
    units: list[str] = []
    for unit in sorted(str(u) for u in visitor.principal.units):
        agency, _, division = unit.partition(":")
        if agency != AGENCY:
            continue
        units.append(unit)
        if len(division) == 6:
            units.extend(f"{AGENCY}:{code}" for code, _ in names.place_choices() if len(code) == 9)
    return [(unit, names.unit(unit)) for unit in dict.fromkeys(units)]


def new_call_page(
    visitor: Visitor,
    platform: Platform,
    form: Mapping[str, list[str]] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    visitor.require(PAGE)
    names = Names.of(platform)
    values = form or {}
    shown = errors or {}
    now = platform.now().astimezone(CHINA_TZ)
    return render(
        "police_new.html",
        status=status,
        **page_context(visitor, PAGE, names, platform.now()),
        units=unit_choices(visitor, names),
        classifications=list(wording.CALL_CLASSIFICATIONS.items()),
        categories=[(code, text) for code, text in wording.CATEGORIES.items() if code != "consultation"],
        offences=list(wording.CALL_OFFENCES.items()),
        places=names.place_choices(),
        party_rows=range(domain.MAX_PARTIES_ON_FORM),
        default_roles=DEFAULT_ROLES,
        scene=SCENE_FACTS,
        latest=now.strftime("%Y-%m-%dT%H:%M"),
        value=lambda name, default="": (values.get(name) or [default])[0],
        ticked=lambda name: bool(values.get(name)),
        errors=shown,
        elsewhere=errors_off_the_form(shown, _on_the_form),
    )


def record(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    form = posted_form(request, visitor)
    service = service_of(platform, AGENCY)
    answer = apis.call(service, "POST", "/api/v1/calls", token=visitor.token, body=call_from_form(form))
    if answer.status == 400:
        placed = domain.errors_by_form_field(field_errors(answer), domain.party_rows_for_errors(form))
        return new_call_page(visitor, platform, form, in_chinese(placed), status=400)
    if taken := taken_number(answer):
        return new_call_page(visitor, platform, form, taken, status=409)
    call = expect(answer, service=service)
    first_time = call.get("first_time", answer.status == 201)
    return redirect(f"{call_link(str(call['call_number']))}?done={'recorded' if first_time else 'repeat'}")


def call_from_form(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """The record form as the body the police validate: blank inputs left out, so that the API names what is
    missing; 接警时间 typed in Beijing time sent as an aware time; the scene's facts as JSON booleans."""
    body: dict[str, Any] = {name: value for name in CALL_INPUTS if (value := first_value(form, name))}
    received = first_value(form, "received_at")
    if received:
        body["received_at"] = beijing_time(received)
    body["parties"] = domain.report_from_form(form).get("parties", [])
    for name, _ in SCENE_FACTS:
        body[name] = first_value(form, name) == "yes"
    body["repeat_calls"] = domain.typed_count(first_value(form, "repeat_calls")) or 0
    suitable = first_value(form, "suitable_for_mediation")
    if suitable in ("yes", "no"):
        body["suitable_for_mediation"] = suitable == "yes"
    return body


def beijing_time(typed: str) -> str:
    """'2026-11-23T09:10' (a datetime-local input, Beijing time) as '2026-11-23T09:10:00+08:00'; any other text
    is sent as typed, for the API to name."""
    try:
        moment = datetime.fromisoformat(typed.replace(" ", "T"))
    except ValueError:
        return typed
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TZ)
    return moment.isoformat()


def _on_the_form(key: str) -> bool:
    return (
        key in CALL_INPUTS
        or key in {"received_at", "repeat_calls", "suitable_for_mediation"}
        or key in {name for name, _ in SCENE_FACTS}
        or key.startswith("parties")
    )


def in_chinese(placed: Mapping[str, Any]) -> dict[str, str]:
    return errors_clearer(placed, by_field_and_type(CLEARER_ERRORS))


# --- a call ------------------------------------------------------------------------------------------------


def call_page(
    visitor: Visitor, raw_number: str, apis: Apis, platform: Platform, *, done: str | None = None
) -> Response:
    visitor.require(PAGE)
    number = call_number_in_path(raw_number)
    service = service_of(platform, AGENCY)
    call = expect(apis.call(service, "GET", api_path(number), token=visitor.token), service=service)
    return render(
        "police_call.html",
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        call=call,
        scene=mapping_of(call.get("scene")),
        mediation=mapping_of(call.get("mediation")),
        joined_elsewhere=joined_elsewhere(call),
        joined_pending_text=joined_pending_text,
        decision_text=decision_text(call),
        mediation_text=mediation_text,
        notice=DONE.get(done or "", ""),
        yes_no=lambda fact: "是" if fact is True else "否" if fact is False else "—",
    )


def joined_elsewhere(call: Mapping[str, Any]) -> bool:
    """Whether a handed call joined a case another call or report opened, and has no result of its own: its page
    reads that case's result from the station's referrals, and its figures count the dispute once, with that case."""
    joined = mapping_of(call.get("joined_case"))
    return (
        bool(joined)
        and joins_another_case(str(joined.get("reason")))
        and not mapping_of(call.get("mediation")).get("result")
    )


def decision_text(call: Mapping[str, Any]) -> str:
    """'转调解（警调对接）', or '公安处置：治安案件程序（涉嫌犯罪、民警判断不宜调解）'."""
    if call.get("decision") == "mediation":
        return "转调解（警调对接）"
    procedure = wording.label(wording.CALL_PROCEDURES, call.get("procedure")) if call.get("procedure") else ""
    reasons = "、".join(wording.label(wording.CALL_KEPT_BECAUSE, code) for code in call.get("reasons") or [])
    text = "公安处置" + (f"：{procedure}" if procedure else "")
    return text + (f"（{reasons}）" if reasons else "")


def mediation_text(call: Mapping[str, Any]) -> str:
    """What mediation made of a handed call so far: the case's result, else the mediators', else waiting; for a call
    that joined another case, that case and what the station's referrals of it came to, as the call's page says."""
    mediation = mapping_of(call.get("mediation"))
    if call.get("decision") != "mediation":
        return "—"
    if joined_elsewhere(call):
        return joined_text(mapping_of(call.get("joined_case")))
    if mediation.get("result"):
        return wording.label(wording.RESULT_CODES, mediation["result"])
    mediators = mapping_of(mediation.get("mediators"))
    if mediators.get("result"):
        return f"调解员反馈：{wording.label(wording.RESULT_CODES, mediators['result'])}"
    return "等待调解结果"


def joined_text(joined: Mapping[str, Any]) -> str:
    """'并入已有案件 430426-20261121-00009：调解成功' once the station's referral of that case reports a result; else,
    as the call's page says it, that the case is not finished or that the station holds no referral of it."""
    text = f"并入已有案件 {joined.get('case_id')}"
    if joined.get("result"):
        return f"{text}：{wording.label(wording.RESULT_CODES, joined['result'])}"
    pending = joined_pending_text(joined)
    return f"{text}：{pending}" if pending else text


# Why a joined case has no result on a call's page and its line: the station's referral of it has not ended it, or
# the station holds no referral of it and the centre alone knows how it ended.
JOINED_NOT_FINISHED = "尚未办结"
JOINED_NOT_HELD = "本单位未收到该案件的交办件，办理结果由综治中心掌握"


def joined_pending_text(joined: Mapping[str, Any], referrals: object = None) -> str:
    """Which of the two a joined case without a result is, by its `referral_held`; a police_link of an earlier release
    does not say, and then the page judges by the referrals it lists (`referrals`), the list says nothing more ("")."""
    held = joined.get("referral_held")
    if held is None and referrals is not None:
        held = bool(referrals)
    if held is None:
        return ""
    return JOINED_NOT_FINISHED if held else JOINED_NOT_HELD


# --- the police, their calls' numbers and today -------------------------------------------------------------


def call_number_in_path(value: str) -> str:
    """A call number from the console's own path; any other text names no call (never sent on)."""
    if not _CALL_NUMBER.fullmatch(value):
        raise PageNotFound()
    return value


def call_link(number: str) -> str:
    return f"{PAGE}/{quote(number, safe='')}"


def api_path(number: str) -> str:
    return f"/api/v1/calls/{quote(number, safe='')}"
