"""三色预警 through the committee's own API (stability): the case-level risk register, which the centre's
coordinators and leaders read too, and the committee officers' person-level file (一人一档): each person's colour
and its reasons, the facts recorded, and the leader who answers for a red person (包案领导, 一人一案)."""

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from services.console.dependencies import Apis
from services.console.domain import typed_count
from services.console.handlers.common import (
    UUID_TEXT,
    Names,
    Visitor,
    clean_params,
    errors_clearer,
    errors_in_chinese,
    expect,
    field_errors,
    first_value,
    page_context,
    page_offset,
    posted_form,
    service_of,
)
from services.console.pages import PageNotFound, redirect, render
from shared import wording
from shared.platform import Platform

PAGE = "/stability/register"
PERSONS = "/stability/persons"  # the person file: the committee's own officers only, as stability allows
AGENCY = "plc"
PERSON_FILTERS = ("colour", "missing_leader")
LIST_LIMIT = 100
REGISTER_FILTERS = ("colour", "status")
REGISTER_PAGE_SIZE = 100
REGISTER_DEEPEST = 10_000_000  # the deepest offset stability serves (services/stability/commands.py)
_LOCAL_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")  # what <input type=datetime-local> sends
_SEPARATORS = re.compile(r"[\s、，,；;]+")
PERSON_INPUTS = ("name", "id_number", "mobile", "division_code")
# Each action on a person's file: the form's inputs, by the API field each fills in.
ACTIONS: dict[str, dict[str, str]] = {
    "events": {
        "kind": "kind",
        "case_id": "case_id",
        "at": "at",
        "detail": "detail",
        "size": "size",
        "criminal_risk": "criminal_risk",
    },
    "leader": {"name": "leader_name", "post": "leader_post", "plan": "leader_plan"},
}
DONE = {
    "added": "已建档。",
    "existing": "此人已在档（身份证号或姓名加手机号相同），未重复建档；填写的案件已并入其档案。",
    "events": "已记录。颜色已按最新情况重新评定。",
    "leader": "已明确包案领导和稳控方案。",
}
CLEARER_ERRORS = {
    ("name", "missing"): "请填写姓名",
    ("name", "string_too_short"): "请填写姓名",
    ("division_code", "missing"): "请选择所在地",
    ("events.kind", "missing"): "请选择情况类型",
    ("events.kind", "enum"): "请选择情况类型",
    ("events.at", "missing"): "请填写发生时间",
    ("events.at", "datetime_future"): "发生时间不能晚于现在",
    ("events.at", "date_out_of_range"): "请填写1900年至2100年之间的时间",
    ("events.detail", "missing"): "请填写具体情况",
    ("events.detail", "string_too_short"): "请填写具体情况",
    ("events.size", "int_parsing"): "人数请填写阿拉伯数字，如 12",
    ("events.size", "int_type"): "人数请填写阿拉伯数字，如 12",
    ("events.size", "greater_than_equal"): "群体性纠纷须填写人数（2人以上）",
    ("events.size", "less_than_equal"): "人数不能超过100000",
    ("events.size", "int_parsing_size"): "人数不能超过100000",  # digits beyond any integer the committee reads
    ("leader.name", "missing"): "请填写包案领导姓名",
    ("leader.post", "missing"): "请填写包案领导职务",
    ("leader.plan", "missing"): "请填写稳控方案",
}
# The API's rules across fields (its model's own check): the input each belongs beside. The API names the field;
# an answer from before it did named the body, with the field in the message, and is placed by its message.
CROSS_FIELD_ERRORS = (
    ("a group needs its size", "events.size", "群体性纠纷须填写人数（2人以上）"),
    ("only a group has a size", "events.size", "只有群体性纠纷才填写人数"),
    ("only violence carries", "events.criminal_risk", "只有暴力倾向才能标记民转刑风险"),
)
DATE_TIME_ERROR = "请填写日期和时间，如2026-11-23 09:30"


# --- the register (三色预警, case level) ----------------------------------------------------------------


def register_page(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    service = service_of(platform, AGENCY)
    filters = clean_params(request.args.to_dict(), REGISTER_FILTERS)
    if filters.get("colour") not in wording.WARNING_COLOURS:
        filters.pop("colour", None)
    if filters.get("status") not in wording.REGISTER_STATUSES:
        filters.pop("status", None)
    offset = page_offset(request.args.get("offset"), REGISTER_DEEPEST)
    register = expect(
        apis.call(
            service,
            "GET",
            "/api/v1/risk-register",
            token=visitor.token,
            params={**filters, "limit": str(REGISTER_PAGE_SIZE), "offset": str(offset)},
        ),
        service=service,
    )
    chosen = filters.get("colour")
    status = filters.get("status")
    cases = [c for c in register.get("cases") or [] if isinstance(c, dict)]
    counts = register.get("counts")
    status_counts = register.get("status_counts")
    counted_whole = isinstance(counts, dict)
    if not isinstance(counts, dict):
        # A committee service from before it counted the register and read it in pages (a console upgraded first):
        # its latest entries, whatever was asked, counted and filtered here and said to be only what it listed.
        counts = {colour: sum(1 for c in cases if c.get("colour") == colour) for colour in wording.WARNING_COLOURS}
        cases = [c for c in cases if chosen is None or c.get("colour") == chosen]
    total = register.get("total") if isinstance(register.get("total"), int) else len(cases)
    return render(
        "stability_register.html",
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        cases=cases,
        counts={colour: _count(counts.get(colour)) for colour in wording.WARNING_COLOURS},
        # A committee service from before it heard of closings knows none: the page shows no state at all.
        status_counts=_status_counts(status_counts, chosen) if isinstance(status_counts, dict) else None,
        colour=chosen,
        register_status=status,
        counted_whole=counted_whole,
        total=total,
        offset=offset,
        page_size=REGISTER_PAGE_SIZE,
        page_link=lambda at, colour=chosen, status=status: f"{PAGE}?{urlencode(_register_query(colour, status, at))}",
        may_keep_files=visitor.may_open(PERSONS),
    )


def _status_counts(counts: dict[str, Any], colour: str | None) -> dict[str, int]:
    """How many of the register's cases (of the colour shown) are open, closed, and of unknown state."""
    return {
        status: sum(
            _count(by_colour.get(shown)) if isinstance(by_colour := counts.get(status), dict) else 0
            for shown in ([colour] if colour else wording.WARNING_COLOURS)
        )
        for status in wording.REGISTER_STATUSES
    }


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _register_query(colour: str | None, status: str | None, offset: int) -> dict[str, str]:
    chosen = {"colour": colour, "status": status, "offset": str(offset) if offset else None}
    return {name: value for name, value in chosen.items() if value}


# --- the person file (一人一档) -------------------------------------------------------------------------


def persons_page(
    visitor: Visitor,
    request: Request,
    apis: Apis,
    platform: Platform,
    *,
    errors: dict[str, str] | None = None,
    form: Mapping[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    visitor.require(PERSONS)
    service = service_of(platform, AGENCY)
    filters = clean_params(request.args.to_dict(), PERSON_FILTERS)
    if filters.get("missing_leader") not in (None, "true"):
        filters.pop("missing_leader")
    answer = apis.call(
        service, "GET", "/api/v1/persons", token=visitor.token, params={**filters, "limit": str(LIST_LIMIT)}
    )
    filter_errors = (
        errors_in_chinese({f"filter.{e.get('field')}": [e] for e in field_errors(answer)})
        if answer.status == 400
        else {}
    )
    listing = expect(answer, service=service) if not filter_errors else {"persons": []}
    names = Names.of(platform)
    values = form or {}
    return render(
        "stability_persons.html",
        status=status,
        **page_context(visitor, PAGE, names, platform.now()),
        filters=filters,
        persons=listing.get("persons") or [],
        # How many the query matches, and whether the list stops short of them (an answer from before the API
        # counted them says neither).
        total=listing.get("total"),
        truncated=listing.get("truncated") is True,
        limit=LIST_LIMIT,
        errors={**filter_errors, **(errors or {})},
        value=lambda name: (values.get(name) or [""])[0],
        places=names.place_choices(),
        reason_text=reason_text,
    )


def add_person(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PERSONS)
    form = posted_form(request, visitor)
    service = service_of(platform, AGENCY)
    answer = apis.call(service, "POST", "/api/v1/persons", token=visitor.token, body=person_from_form(form))
    if answer.status == 400:
        placed: dict[str, list[dict[str, Any]]] = {}
        for error in field_errors(answer):
            field = str(error.get("field", "")).split(".")[0]  # case_ids.1 stands beside the cases
            placed.setdefault(field if field in (*PERSON_INPUTS, "case_ids") else "person", []).append(error)
        return persons_page(visitor, request, apis, platform, errors=in_chinese(placed), form=form, status=400)
    added = expect(answer, service=service)
    done = "added" if added.get("first_time", answer.status == 201) else "existing"
    return redirect(f"/stability/persons/{person_in_path(str(added.get('person_id')))}?done={done}")


def person_from_form(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """The 建档 form as the body the committee validates: blank inputs left out; the cases typed on one line."""
    body: dict[str, Any] = {name: value for name in PERSON_INPUTS if (value := first_value(form, name))}
    cases = [case for case in _SEPARATORS.split(first_value(form, "case_ids")) if case]
    if cases:
        body["case_ids"] = cases
    return body


def person_page(
    visitor: Visitor,
    person_id: str,
    apis: Apis,
    platform: Platform,
    *,
    done: str | None = None,
    errors: dict[str, str] | None = None,
    form: Mapping[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    visitor.require(PERSONS)
    person_id = person_in_path(person_id)
    service = service_of(platform, AGENCY)
    person = expect(apis.call(service, "GET", f"/api/v1/persons/{person_id}", token=visitor.token), service=service)
    values = form or {}
    leader: dict[str, Any] = person.get("leader") if isinstance(person.get("leader"), dict) else {}
    starting: dict[str, str] = (
        {} if form else {"leader_name": leader.get("name", ""), "leader_post": leader.get("post", "")}
    )
    return render(
        "stability_person.html",
        status=status,
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        person=person,
        leader=leader,
        link=f"/stability/persons/{person_id}",
        notice=DONE.get(done or "", ""),
        errors=errors or {},
        value=lambda name: (values.get(name) or [starting.get(name, "")])[0],
        checked=lambda name: bool(values.get(name)),
        reason_text=reason_text,
        history=person_history(person),
    )


def person_history(person: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Officers' facts and the facts the platform drew from the person's cases, in one list by time."""
    facts = [*(person.get("events") or []), *(person.get("case_facts") or [])]
    return sorted(facts, key=lambda fact: datetime.fromisoformat(str(fact["at"])))


def act(visitor: Visitor, person_id: str, action: str, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PERSONS)
    person_id = person_in_path(person_id)
    if action not in ACTIONS:
        raise PageNotFound()
    form = posted_form(request, visitor)
    service = service_of(platform, AGENCY)
    path = f"/api/v1/persons/{person_id}/{action}"
    answer = apis.call(service, "POST", path, token=visitor.token, body=action_body(action, form))
    if answer.status == 400:
        placed: dict[str, list[dict[str, Any]]] = {}
        for error in field_errors(answer):
            placed.setdefault(_key_of(action, error), []).append(error)
        return person_page(visitor, person_id, apis, platform, errors=in_chinese(placed), form=form, status=400)
    expect(answer, service=service)
    return redirect(f"/stability/persons/{person_id}?done={action}")


def action_body(action: str, form: Mapping[str, list[str]]) -> dict[str, Any]:
    """An action's API body: inputs filled in, a moment typed in Beijing time sent with its offset, a group's
    size as a number, and 民转刑 as true when ticked."""
    body: dict[str, Any] = {}
    for field, name in ACTIONS[action].items():
        value = first_value(form, name)
        if not value:
            continue
        if field == "at" and _LOCAL_MINUTE.fullmatch(value):
            value = value + (":00" if len(value) == 16 else "") + "+08:00"
        if field == "size":
            body[field] = typed_count(value)
        elif field == "criminal_risk":
            body[field] = True
        else:
            body[field] = value
    return body


def _key_of(action: str, error: Mapping[str, Any]) -> str:
    field = str(error.get("field", ""))
    if field in ("", "(body)"):
        message = str(error.get("message", ""))
        for said, key, _ in CROSS_FIELD_ERRORS:
            if said in message:
                return key
        return action
    return f"{action}.{field.split('.')[0]}"


def in_chinese(placed: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    return errors_clearer(placed, _clearer)


def _clearer(key: str, error: Mapping[str, Any]) -> str | None:
    kind, message = str(error.get("type", "")), str(error.get("message", ""))
    clearer = CLEARER_ERRORS.get((key, kind))
    if key == "events.at" and clearer is None:  # a time it could not read, whatever the parser called it
        clearer = DATE_TIME_ERROR
    for said, where, text in CROSS_FIELD_ERRORS:
        if where == key and said in message:
            clearer = text
    if key == "person" and kind == "config":
        clearer = "稳源服务尚未配置身份信息加密密钥，暂时无法建档；请联系运维人员。"
    return clearer


def reason_text(reason: Mapping[str, Any]) -> str:
    """A reason as the committee words it ('90日内信访3次，涉及6人群体纠纷'), else by its code."""
    text = str(reason.get("text") or "")
    return text if re.search(r"[\u4e00-\u9fff]", text) else wording.label(wording.PERSON_REASONS, reason.get("code"))


# --- paths ---------------------------------------------------------------------------------------------


def person_in_path(value: str) -> str:
    if not UUID_TEXT.fullmatch(value):
        raise PageNotFound()
    return value
