"""Agency officers: their own units' referrals in tabs, and the forms to accept, decline and report on them."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from services.console import domain
from services.console.dependencies import Apis, ApiUnavailable
from services.console.handlers.common import (
    UUID_TEXT,
    Names,
    Visitor,
    errors_in_chinese,
    expect,
    field_errors,
    first_value,
    mapping_of,
    page_context,
    posted_form,
    refusal_code,
)
from services.console.pages import PageNotFound, redirect, render
from shared import wording
from shared.auth.principal import Forbidden
from shared.centres import CentresError, county_centres
from shared.contracts.disputes import ORAL_NOT_CONFIRMABLE
from shared.platform import Platform

# The officer's actions, each with the fields its form sends (the agency API validates them).
ACTIONS = {
    "accept": (),
    "decline": ("reason", "reason_code"),  # reason_code: 超出本级处置能力 sends the case up a level
    "progress": ("note",),
    "result": ("result", "summary"),
    "pause": (),  # its inputs are PAUSE_INPUTS
    "resume": (),
}
# The result form's agreement inputs, by the field of the API's `agreement` each fills in.
# `form` is sent only for an oral agreement (its choice for a written one is blank: the contract's default), so that a
# result without an agreement sends none.
AGREEMENT_INPUTS = {
    "number": "agreement_number",
    "signed_on": "agreement_signed_on",
    "terms": "agreement_terms",
    "form": "agreement_form",
}
# The pause form's inputs, by the API field each fills in: named apart from the other forms' `reason` and `note`.
PAUSE_INPUTS = {"reason": "pause_reason", "note": "pause_note"}
# Where the API's general sentence would leave an officer guessing what to change on the result form.
RESULT_ERRORS = {
    ("result", "missing"): "请选择办理结果",
    ("agreement", "missing"): "调解成功、司法确认须填写调解协议：签订日期和协议内容",
    ("agreement", "value_error"): "只有调解成功、司法确认才填写调解协议；请改选结果，或清空协议各项",
    ("agreement.form", ORAL_NOT_CONFIRMABLE): "口头协议不能申请司法确认（人民调解法第三十三条，须为书面调解协议）；"
    "请改选“调解成功”，或改为书面协议",
}
CONFLICTS = {
    "accept": "此交办单已签收或已办结，不能再签收。",
    "decline": "此交办单已办结或已退回，不能退回。",
    "progress": "请先签收，再报告进展。",
    "result": "请先签收，再反馈结果；已办结的不能再次反馈。",
    "pause": "只有办理中、正在计时的交办单才能暂停计时。",
    "resume": "此交办单没有暂停计时，无需恢复。",
}
# Whatever was asked, once the referral is done with (the agency base's and the example's `already_finished`).
FINISHED_CONFLICT = "此交办单已办结、已退回或已由上级接办，不能再办理。"
# The justice bureau's: an agreement (调解成功、司法确认) is reported under the mediator assigned, who made it.
NOT_ASSIGNED_CONFLICT = (
    "调解成功、司法确认须先指派调解员：请在“人民调解”中指派主持调解、在协议上签名的调解员，再反馈结果。"
)
# What an action did, said on the referral's page once it is shown again (a decline: `decline_done`).
DONE = {
    "accept": "已签收。",
    "progress": "进展已报告。",
    "result": "结果已反馈综合协调组。",
    "pause": "已暂停计时。",
    "resume": "已恢复计时，期限将按暂停时间顺延。",
}
# A lead's decline: the coordinator always fills the role again, with the next fall-back lead or by staff.
LEAD_DECLINED = "已退回，由综合协调组重新分派。"
# A co-unit's decline: the coordinator replaces it only while the lead has not settled the case (its rule: a
# co-unit declining after the lead reported a settling result is neither replaced nor a gap), which the agency's
# referral cannot tell, so nothing is promised.
CO_UNIT_DECLINED = "已退回综合协调组。是否另行指派配合单位，由综合协调组根据案件办理情况确定。"


def agencies_of(visitor: Visitor, platform: Platform) -> list[str]:
    """The agencies the officer works for, from the units their account is bound to, in the registry's order
    (config/agencies.toml: 法院, 公安局, 司法局, 信访局, 政法委, then those joined later), as the navigation lists
    their pages."""
    held = {unit.partition(":")[0] for unit in visitor.principal.units}
    return [code for code in platform.registry.agencies if code in held and code != "centre"]


def _service_of(agency: str, visitor: Visitor, platform: Platform) -> str:
    if agency not in agencies_of(visitor, platform):
        raise Forbidden(f"{visitor.principal.subject} is no officer of {agency}")
    return platform.registry.get(agency).service


def referrals_page(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require("/referrals")
    agencies = agencies_of(visitor, platform)
    if not agencies:
        raise Forbidden(f"{visitor.principal.subject} is bound to no agency's unit")
    agency = request.args.get("agency", agencies[0])
    service = _service_of(agency, visitor, platform)
    tab = request.args.get("tab", "received")
    if tab not in domain.REFERRAL_TABS:
        tab = "received"
    _, statuses = domain.REFERRAL_TABS[tab]
    referrals = []
    for status in statuses:
        listing = expect(
            apis.call(service, "GET", "/api/v1/referrals", token=visitor.token, params={"status": status}),
            service=service,
        )
        referrals.extend(listing.get("referrals", []))
    return render(
        "referrals.html",
        **page_context(visitor, "/referrals", Names.of(platform), platform.now()),
        agency=agency,
        agencies=[(code, platform.registry.get(code).name_zh) for code in agencies],
        tab=tab,
        tabs=[(code, label) for code, (label, _) in domain.REFERRAL_TABS.items()],
        referrals=referrals,
    )


def referral_page(
    visitor: Visitor,
    agency: str,
    referral_id: str,
    apis: Apis,
    platform: Platform,
    errors: dict[str, str] | None = None,
    form: dict[str, list[str]] | None = None,
    status: int = 200,
    done: str | None = None,
    conflict: str | None = None,
    went_up_to: str | None = None,
) -> Response:
    """`went_up_to`: the division of the centre a decline as beyond the level sent the case to (`act`)."""
    visitor.require("/referrals")
    if not UUID_TEXT.fullmatch(referral_id):
        raise PageNotFound()
    service = _service_of(agency, visitor, platform)
    referral = expect(
        apis.call(service, "GET", f"/api/v1/referrals/{referral_id}", token=visitor.token), service=service
    )
    values = form or {}
    centre = at_the_centre(apis, visitor, referral)
    upper = centre.above
    names = Names.of(platform)
    return render(
        "referral.html",
        status=status,
        **page_context(visitor, "/referrals", names, platform.now()),
        agency=agency,
        referral=referral,
        issued_because=wording.issue_reason_text(centre.issued_because, platform.registry, names.places),
        other_parts=centre.other_parts,
        earlier_round=centre.earlier_round,
        tab=domain.tab_of(str(referral.get("status"))),
        result_groups=wording.RESULT_GROUPS,
        reported=_reported_summary(referral),
        log=log_with_deadlines(referral.get("log")),
        errors=errors or {},
        value=lambda name: (values.get(name) or [""])[0],
        done=done_text(done, referral, upper_centre_named(platform, went_up_to)),
        conflict=conflict,
        # 超出本级处置能力 is offered only where there is a level above to take the case (`AtTheCentre.above`).
        decline_reasons=[
            (code, text) for code, text in wording.DECLINE_REASONS.items() if code != BEYOND or upper is not None
        ],
        centre_above=upper or "上一级综治中心",
    )


def act(
    visitor: Visitor, agency: str, referral_id: str, action: str, request: Request, apis: Apis, platform: Platform
) -> Response:
    visitor.require("/referrals")
    if action not in ACTIONS or not UUID_TEXT.fullmatch(referral_id):
        raise PageNotFound()
    service = _service_of(agency, visitor, platform)
    form = dict(posted_form(request, visitor))
    # Where a decline as beyond the level will send the case, asked before the decline: once the coordinator has
    # taken it, the case is held above and nothing is above that any more. With nothing above (the county's centre)
    # the coordinator takes it as an ordinary decline, and the page says so.
    going_up = action == "decline" and first_value(form, "reason_code") == BEYOND
    above = _above_before_decline(apis, visitor, service, referral_id) if going_up else None
    answer = apis.call(
        service,
        "POST",
        f"/api/v1/referrals/{referral_id}/{action}",
        token=visitor.token,
        body=body_of(action, form),
    )
    if answer.status == 400:
        placed: dict[str, list[dict[str, Any]]] = {}
        for error in field_errors(answer):
            placed.setdefault(f"{action}.{error.get('field')}", []).append(error)
        errors = errors_in_chinese(placed)
        if action == "result":
            errors.update(_clearer_result_errors(placed))
        return referral_page(visitor, agency, referral_id, apis, platform, errors, form, 400)
    if answer.status == 409:
        code = refusal_code(answer)[0]
        conflict = {"already_finished": FINISHED_CONFLICT, "not_assigned": NOT_ASSIGNED_CONFLICT}.get(
            code, CONFLICTS[action]
        )
        return referral_page(visitor, agency, referral_id, apis, platform, None, form, 409, conflict=conflict)
    expect(answer, service=service)
    # 超出本级处置能力 sends the case up a level, to the centre named before the decline.
    if going_up and above is not None:
        up = f"&up={above.above_division}" if CENTRE_DIVISION.fullmatch(above.above_division) else ""
        return redirect(f"/referrals/{agency}/{referral_id}?done=decline_up{up}")
    done = "decline" if going_up else action
    return redirect(f"/referrals/{agency}/{referral_id}?done={done}")


def _above_before_decline(apis: Apis, visitor: Visitor, service: str, referral_id: str) -> "AtTheCentre | None":
    """The centre above the case's, as the coordinator says it now: None when none is above (the county's centre);
    unnamed when it cannot be asked now, as the form offered the choice only where a level was above."""
    try:
        referral = expect(
            apis.call(service, "GET", f"/api/v1/referrals/{referral_id}", token=visitor.token), service=service
        )
    except ApiUnavailable:
        return AtTheCentre("", None)
    at = at_the_centre(apis, visitor, referral)
    return at if at.above is not None else None


def upper_centre_named(platform: Platform, division: str | None) -> str:
    """The name of the centre a declined case went up to, by its division as the redirect carries it."""
    if not division or not CENTRE_DIVISION.fullmatch(division):
        return ""
    try:
        centre = county_centres(platform.config_dir, platform.county).get(division)
    except CentresError:
        return ""
    return centre.name if centre is not None else ""


BEYOND = "beyond_level"
CENTRE_DIVISION = re.compile(r"^[0-9]{6}(?:[0-9]{3}){0,2}$")


def done_text(done: str | None, referral: Mapping[str, Any], went_up_to: str = "") -> str:
    """What the officer's action did, as the coordinator will take it: a decline as beyond the level sends the case
    up to the centre above (named as the coordinator said before the decline, or 上一级综治中心 when it could not
    say; where nothing was above, `act` took it as the ordinary decline it is); any other decline goes back to the
    coordination group, which fills a lead's role again and a co-unit's only while the case still needs one."""
    if done == "decline_up":
        return f"已退回，案件将上报{went_up_to or '上一级综治中心'}处理。"
    if done in ("decline", "decline_up"):
        return decline_done(referral)
    return DONE.get(done or "", "")


def decline_done(referral: Mapping[str, Any]) -> str:
    return LEAD_DECLINED if referral.get("role") == "lead" else CO_UNIT_DECLINED


@dataclass(frozen=True)
class AtTheCentre:
    """What the coordinator says of a referral to its unit's officers (they may not read the case itself)."""

    # The centre a case goes up to when this unit declines it as beyond its level (超出本级处置能力): the one above
    # the centre holding the case, which is the lead's (or where the case went up to), not necessarily the unit's
    # own. None where nothing is above (the county's centre): the coordinator then takes such a decline as an
    # ordinary one and routes the case again, so it is not offered. '' (offered, the centre unnamed) when the
    # coordinator cannot say now: it still decides when the decline reaches it.
    above: str | None
    # Why the unit was handed the case, when not as its first designation (the coordinator's `issued_because`).
    issued_because: Mapping[str, Any] | None
    # The division of the centre above, when the coordinator named one (`above`).
    above_division: str = ""
    # The other units' parts of the round the unit may read (共同办): the lead the co-units', a co-unit the lead's.
    other_parts: tuple[Mapping[str, Any], ...] = ()
    # For the lead of a reopened round, every unit's part of the round before: what the case came back against.
    earlier_round: tuple[Mapping[str, Any], ...] = ()


def at_the_centre(apis: Apis, visitor: Visitor, referral: Mapping[str, Any]) -> AtTheCentre:
    case_id, referral_id = str(referral.get("case_id") or ""), str(referral.get("referral_id") or "")
    path = f"/api/v1/cases/{quote(case_id, safe='')}/referrals/{quote(referral_id, safe='')}"
    try:
        answer = apis.call("coordinator", "GET", path, token=visitor.token)
    except ApiUnavailable:
        return AtTheCentre("", None)
    if answer.status != 200 or not isinstance(answer.body, dict):
        return AtTheCentre("", None)
    above, why = answer.body.get("above"), answer.body.get("issued_because")
    return AtTheCentre(
        str(above.get("name") or "") if isinstance(above, dict) else None,
        why if isinstance(why, dict) else None,
        str(above.get("division") or "") if isinstance(above, dict) else "",
        _parts(answer.body.get("other_parts")),
        _parts(answer.body.get("earlier_round")),
    )


def _parts(listed: Any) -> tuple[Mapping[str, Any], ...]:
    """Units' parts as the coordinator lists them; none from a coordinator of before it listed them."""
    return tuple(part for part in listed if isinstance(part, dict)) if isinstance(listed, list) else ()


def body_of(action: str, form: Mapping[str, list[str]]) -> dict[str, Any]:
    """The API body of an action: the fields filled in, and for a result the agreement if any of its
    inputs is filled (the API then names what is missing, or refuses an agreement the result has none of)."""
    body: dict[str, Any] = {name: value for name in ACTIONS[action] if (value := _first(form, name))}
    if action == "pause":
        body.update({field: value for field, name in PAUSE_INPUTS.items() if (value := _first(form, name))})
    if action == "result":
        agreement = {field: value for field, name in AGREEMENT_INPUTS.items() if (value := _first(form, name))}
        if agreement:
            body["agreement"] = agreement
    return body


def _first(form: Mapping[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def _clearer_result_errors(placed: Mapping[str, list[dict[str, Any]]]) -> dict[str, str]:
    clearer = {}
    for key, errors in placed.items():
        field = key.removeprefix("result.")
        for error in errors:
            sentence = RESULT_ERRORS.get((field, str(error.get("type"))))
            if sentence:
                clearer[key] = sentence
    return clearer


def log_with_deadlines(log: object) -> list[dict[str, Any]]:
    """The referral's log, each `deadline_changed` line with the deadline it replaced (`previous_due_at`: the one
    the referral was received with, or the last change's), so that a resume that moved nothing (a pause over a
    weekend, for a working-day term) is not said to have changed the deadline."""
    lines: list[dict[str, Any]] = []
    due: object = None
    for entry in log if isinstance(log, list) else []:
        if not isinstance(entry, dict):
            continue
        detail = mapping_of(entry.get("detail"))
        if entry.get("kind") == "deadline_changed":
            entry = {**entry, "previous_due_at": due, "unchanged": _same_time(due, detail.get("due_at"))}
        if entry.get("kind") in ("received", "deadline_changed") and detail.get("due_at"):
            due = detail["due_at"]
        lines.append(entry)
    return lines


def _same_time(before: object, after: object) -> bool:
    try:
        return before is not None and datetime.fromisoformat(str(before)) == datetime.fromisoformat(str(after))
    except ValueError:
        return False


def _reported_summary(referral: Mapping[str, Any]) -> str:
    """What the officer wrote with the result (办理情况), from the referral's log: the agency keeps it there."""
    for entry in reversed(referral.get("log") or []):
        if isinstance(entry, dict) and entry.get("kind") == "result" and isinstance(entry.get("detail"), dict):
            return str(entry["detail"].get("summary") or "")
    return ""
