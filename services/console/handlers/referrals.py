"""Agency officers: their own units' referrals in tabs, and the forms to accept, decline and report on them."""

import re

from werkzeug.wrappers import Request, Response

from services.console import domain
from services.console.dependencies import Apis
from services.console.handlers.common import (
    Names,
    Visitor,
    errors_in_chinese,
    expect,
    field_errors,
    page_context,
    posted_form,
)
from services.console.pages import PageNotFound, redirect, render
from shared import wording
from shared.auth.principal import Forbidden
from shared.platform import Platform

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The officer's actions, each with the fields its form sends (the agency API validates them).
ACTIONS = {"accept": (), "decline": ("reason",), "progress": ("note",), "result": ("outcome", "summary")}
CONFLICTS = {
    "accept": "此交办单已签收或已办结，不能再签收。",
    "decline": "此交办单已办结或已退回，不能退回。",
    "progress": "请先签收，再报告进展。",
    "result": "请先签收，再反馈结果；已办结的不能再次反馈。",
}


def agencies_of(visitor: Visitor, platform: Platform) -> list[str]:
    """The agencies the officer works for, from the units their account is bound to."""
    codes = sorted({unit.partition(":")[0] for unit in visitor.principal.units})
    return [code for code in codes if code in platform.registry.agencies and code != "centre"]


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
) -> Response:
    visitor.require("/referrals")
    if not _UUID.fullmatch(referral_id):
        raise PageNotFound()
    service = _service_of(agency, visitor, platform)
    referral = expect(
        apis.call(service, "GET", f"/api/v1/referrals/{referral_id}", token=visitor.token), service=service
    )
    values = form or {}
    return render(
        "referral.html",
        status=status,
        **page_context(visitor, "/referrals", Names.of(platform), platform.now()),
        agency=agency,
        referral=referral,
        tab=domain.tab_of(str(referral.get("status"))),
        outcomes=list(wording.OUTCOMES.items()),
        errors=errors or {},
        value=lambda name: (values.get(name) or [""])[0],
        done=done,
        conflict=conflict,
    )


def act(
    visitor: Visitor, agency: str, referral_id: str, action: str, request: Request, apis: Apis, platform: Platform
) -> Response:
    visitor.require("/referrals")
    if action not in ACTIONS or not _UUID.fullmatch(referral_id):
        raise PageNotFound()
    service = _service_of(agency, visitor, platform)
    form = dict(posted_form(request, visitor))
    body = {name: (form.get(name) or [""])[0].strip() for name in ACTIONS[action]}
    answer = apis.call(
        service,
        "POST",
        f"/api/v1/referrals/{referral_id}/{action}",
        token=visitor.token,
        body={name: value for name, value in body.items() if value},
    )
    if answer.status == 400:
        placed = {f"{action}.{e.get('field')}": [e] for e in field_errors(answer)}
        return referral_page(visitor, agency, referral_id, apis, platform, errors_in_chinese(placed), form, 400)
    if answer.status == 409:
        return referral_page(visitor, agency, referral_id, apis, platform, None, form, 409, conflict=CONFLICTS[action])
    expect(answer, service=service)
    return redirect(f"/referrals/{agency}/{referral_id}?done={action}")
