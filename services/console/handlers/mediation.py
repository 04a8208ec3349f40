"""人民调解 for the justice offices' officers: the year's figures per organisation and mediator, and on each
referral the proposed mediator, the assignment, 调解记录, 法律援助, the result and, when mediation failed,
where the parties may go next, through the justice bureau's own API (justice_link)."""

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from services.console.dependencies import Answer, Apis
from services.console.handlers.common import (
    UUID_TEXT,
    Names,
    Visitor,
    errors_clearer,
    expect,
    field_errors,
    figures_this_year,
    first_value,
    future_day_text,
    mapping_of,
    page_context,
    percent_text,
    posted_form,
    refusal_code,
    service_of,
    today_in_beijing,
)
from services.console.pages import PageNotFound, redirect, render
from shared import wording
from shared.platform import Platform

PAGE = "/justice/mediation"
AGENCY = "justice"
DIRECTORY_FILE = "mediation_organisations.toml"
# Each action on a referral's mediation: its path under `…/mediation`, and its inputs (named as the API's fields).
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "assign": ("", ("organisation", "mediator")),
    "sessions": ("/sessions", ("held_on", "attendees", "note")),
    "legal-aid": ("/legal-aid", ("party", "reason")),
}
DONE = {
    "assign": "已指派调解组织和调解员。",
    "sessions": "已记录本次调解情况。",
    "legal-aid": "已转介法律援助。",
}
# Where the API's general sentence would leave an officer guessing: (form key, error type) -> what to change.
CLEARER_ERRORS = {
    ("assign.organisation", "missing"): "请选择调解组织",
    ("assign.organisation", "string_too_short"): "请选择调解组织",
    ("assign.organisation", "unknown"): "请选择在册、仍在工作的调解组织",
    ("assign.mediator", "missing"): "请选择调解员",
    ("assign.mediator", "string_too_short"): "请选择调解员",
    ("assign.mediator", "unknown"): "请选择在册、仍在工作的调解员",
    ("assign.mediator", "other"): "该调解员不属于所选调解组织，请重新选择",
    ("sessions.held_on", "missing"): "请填写调解日期",
    ("sessions.note", "missing"): "请填写调解情况",
    ("sessions.note", "string_too_short"): "请填写调解情况",
    ("legal-aid.party", "missing"): "请填写当事人姓名",
    ("legal-aid.party", "string_too_short"): "请填写当事人姓名",
    ("legal-aid.reason", "missing"): "请写明转介理由",
    ("legal-aid.reason", "string_too_short"): "请写明转介理由",
}
REFUSED = "此交办单当前的状态不允许此项操作，请刷新后查看。"
_ATTENDEES = re.compile(r"[、，,；;\n]+")


# --- the county's mediation organisations and mediators, as the justice bureau registers them ---------------


@dataclass(frozen=True)
class Directory:
    """Names by code, and the active organisations with their active mediators (for the assignment form)."""

    organisations: tuple[tuple[str, str, str], ...]  # (code, name, kind), active only
    mediators: tuple[tuple[str, str, str], ...]  # (code, name, organisation), active only
    names: Mapping[str, str]  # every code listed, active or not
    kinds: Mapping[str, str]

    def mediators_of(self, organisation: str) -> list[tuple[str, str]]:
        return [(code, name) for code, name, of in self.mediators if of == organisation]


@cache
def _directory(path: Path) -> Directory:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return Directory((), (), {}, {})  # justice_link refuses to start on a bad file; the page still shows codes
    organisations = [o for o in raw.get("organisations", []) if isinstance(o, dict) and o.get("code")]
    mediators = [m for m in raw.get("mediators", []) if isinstance(m, dict) and m.get("code")]
    names = {str(e["code"]): str(e.get("name") or e["code"]) for e in (*organisations, *mediators)}
    kinds = {str(o["code"]): str(o.get("kind") or "") for o in organisations}
    active = {str(o["code"]) for o in organisations if o.get("active", True)}
    return Directory(
        tuple((code, names[code], kinds[code]) for o in organisations if (code := str(o["code"])) in active),
        tuple(
            (str(m["code"]), names[str(m["code"])], str(m.get("organisation")))
            for m in mediators
            if m.get("active", True) and m.get("organisation") in active
        ),
        names,
        kinds,
    )


def directory_of(platform: Platform) -> Directory:
    return _directory(Path(platform.config_dir) / DIRECTORY_FILE)


# --- the year's figures --------------------------------------------------------------------------------


def figures_page(visitor: Visitor, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    service = service_of(platform, AGENCY)
    year = figures_this_year(apis, visitor, platform, service, "/api/v1/mediation/figures")
    directory = directory_of(platform)
    return render(
        "mediation_figures.html",
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        period=year.period,
        total=mapping_of(year.figures.get("total")),
        organisations=[mapping_of(row) for row in year.figures.get("organisations") or []],
        mediators=[mapping_of(row) for row in year.figures.get("mediators") or []],
        name_of=lambda code, given=None: given or directory.names.get(str(code), str(code or "")),
        kind_of=lambda code: wording.label(wording.ORGANISATION_KINDS, directory.kinds.get(str(code))),
        percent=percent_text,
    )


# --- a referral's mediation --------------------------------------------------------------------------


def mediation_page(
    visitor: Visitor,
    referral_id: str,
    apis: Apis,
    platform: Platform,
    *,
    done: str | None = None,
    errors: dict[str, str] | None = None,
    form: Mapping[str, list[str]] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    visitor.require(PAGE)
    referral_id = referral_in_path(referral_id)
    service = service_of(platform, AGENCY)
    mediation = expect(apis.call(service, "GET", api_path(referral_id), token=visitor.token), service=service)
    directory = directory_of(platform)
    proposal = mapping_of(mediation.get("proposal"))
    assignment = mapping_of(mediation.get("assignment"))
    # The assignment form starts with the proposal (the rule's advice), else with whom it is assigned to now.
    starting = {
        "organisation": proposal.get("organisation") or assignment.get("organisation") or "",
        "mediator": proposal.get("mediator") or assignment.get("mediator") or "",
    }
    values = form or {}
    open_ = mediation.get("status") in ("received", "accepted")
    return render(
        "mediation_referral.html",
        status=status,
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        m=mediation,
        proposal=proposal,
        assignment=assignment,
        link=f"/justice/referrals/{referral_id}/mediation",
        referral_link=f"/referrals/justice/{referral_id}",
        directory=directory,
        name_of=lambda code: directory.names.get(str(code), str(code or "")),
        kind_of=lambda code: wording.label(wording.ORGANISATION_KINDS, directory.kinds.get(str(code))),
        may_assign=open_,
        may_record=mediation.get("status") == "accepted" and bool(assignment),  # sessions follow acceptance
        may_refer=mediation.get("status") != "declined",
        notice=DONE.get(done or "", ""),
        refusal=refusal,
        errors=errors or {},
        value=lambda name: (values.get(name) or [starting.get(name, "")])[0],
        today=today_in_beijing(platform).isoformat(),
    )


def act(visitor: Visitor, referral_id: str, action: str, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    referral_id = referral_in_path(referral_id)
    if action not in ACTIONS:
        raise PageNotFound()
    form = posted_form(request, visitor)
    service = service_of(platform, AGENCY)
    tail, _ = ACTIONS[action]
    answer = apis.call(
        service, "POST", api_path(referral_id) + tail, token=visitor.token, body=action_body(action, form)
    )
    if answer.status == 400:
        placed: dict[str, list[dict[str, Any]]] = {}
        for error in field_errors(answer):
            field = str(error.get("field", "")).split(".")[0]  # attendees.2 stands beside the attendees
            placed.setdefault(f"{action}.{field}", []).append(error)
        errors = in_chinese(placed)
        return mediation_page(visitor, referral_id, apis, platform, errors=errors, form=form, status=400)
    if answer.status == 409:
        refusal = refusal_text(answer)
        return mediation_page(visitor, referral_id, apis, platform, form=form, refusal=refusal, status=409)
    expect(answer, service=service)
    return redirect(f"/justice/referrals/{referral_id}/mediation?done={action}")


def action_body(action: str, form: Mapping[str, list[str]]) -> dict[str, Any]:
    """An action's API body: the inputs filled in (blank ones left out, so the API names what is missing);
    the attendees typed on one line, separated by 、 or commas, as the list the API takes."""
    body: dict[str, Any] = {}
    for name in ACTIONS[action][1]:
        value = first_value(form, name)
        if not value:
            continue
        if name == "attendees":
            body[name] = [person.strip() for person in _ATTENDEES.split(value) if person.strip()]
        else:
            body[name] = value
    return body


def refusal_text(answer: Answer) -> str:
    """The justice bureau's 409, by its code ('not_assigned: …' opens the message), in Chinese."""
    code, _ = refusal_code(answer)
    return wording.MEDIATION_REFUSALS.get(code, REFUSED)


def in_chinese(placed: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    return errors_clearer(placed, _clearer)


def _clearer(key: str, error: Mapping[str, Any]) -> str | None:
    kind = str(error.get("type", ""))
    if kind == "date_future":
        return future_day_text(str(error.get("message", "")))
    return CLEARER_ERRORS.get((key, kind))


# --- paths --------------------------------------------------------------------------------------------------


def referral_in_path(value: str) -> str:
    """A referral id from the console's own path; any other text names no referral (never sent on)."""
    if not UUID_TEXT.fullmatch(value):
        raise PageNotFound()
    return value


def api_path(referral_id: str) -> str:
    return f"/api/v1/referrals/{referral_id}/mediation"
