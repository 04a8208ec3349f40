"""诉调对接 for the court's officers: filings registered and screened, the year's figures, and each diverted one's
司法确认 or return to litigation, through the court's own API (court_link)."""

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from services.console import domain
from services.console.dependencies import Answer, Apis
from services.console.handlers.common import (
    Names,
    Visitor,
    clean_params,
    count_text,
    errors_clearer,
    errors_off_the_form,
    expect,
    field_errors,
    figures_this_year,
    filtered_list,
    first_value,
    future_day_text,
    mapping_of,
    page_context,
    percent_text,
    posted_form,
    refusal_code,
    service_of,
    taken_number,
    today_in_beijing,
)
from services.console.handlers.window import DEFAULT_ROLES
from services.console.pages import PageNotFound, redirect, render
from shared import wording
from shared.platform import Platform

PAGE = "/court/filings"
AGENCY = "court"
FILING_FILTERS = ("decision", "status")
LIST_LIMIT = 100
# 案号 as the court's API takes it (services/court_link/commands.py): any other path names no filing.
_FILING_NUMBER = re.compile(r"^[(（][0-9]{4}[)）][^\s/()（）]{1,50}号$")
MAX_FILING_NUMBER = 64

# The register form's own inputs, sent as they are when filled in (parties and the screening are read apart).
FILING_INPUTS = (
    "filing_number",
    "case_type",
    "administrative_matter",
    "filed_on",
    "category",
    "division_code",
    "summary",
    "claim_amount_yuan",
)
# 立案审查's three findings, as the form asks them (yes/no radios sent as JSON booleans).
SCREENING_QUESTIONS = (
    ("legal_relation_clear", "法律关系是否明确"),
    ("facts_clear", "事实是否清楚"),
    ("parties_consent", "当事人是否同意调解"),
)
# Each action on a filing: its path under the filing, and the form's inputs by the API field each fills in
# (named apart, since one page carries every form the filing's status allows).
ACTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "agreement": (
        "/agreement",
        {
            "agreement.number": "agreement_number",
            "agreement.signed_on": "agreement_signed_on",
            "agreement.terms": "agreement_terms",
        },
    ),
    "confirmation": (
        "/confirmation",
        {
            "agreement.number": "confirmation_number",
            "agreement.signed_on": "confirmation_signed_on",
            "agreement.terms": "confirmation_terms",
            "effective_on": "effective_on",
            "applied_on": "applied_on",
            "accepted_on": "accepted_on",
        },
    ),
    "extension": ("/confirmation/extension", {"reason": "extension_reason"}),
    "decision": ("/confirmation/decision", {"decision": "decision", "reason": "decision_reason"}),
    "return": ("/return", {"reason": "return_reason", "litigation_number": "litigation_number"}),
}
# The days an officer gives, as the court's "must not be before <field>" names them.
DAY_NAMES = {
    "diverted_on": "分流之日",
    "agreement.signed_on": "协议签订日期",
    "effective_on": "协议生效日期",
    "applied_on": "申请日期",
    "accepted_on": "受理日期",
}
# Where the API's general sentence would leave an officer guessing: (input's key, error type) -> what to change.
# A form's key is the API's field, after its action's name on a filing's page ('decision.reason').
# A filing is registered under its pre-litigation 案号 (民诉前调); the one it is filed under on its return is 民初.
CLEARER_ERRORS = {
    ("filing_number", "string_pattern_mismatch"): "案号格式不正确，应如（2026）湘0426民诉前调123号",
    ("administrative_matter", "missing"): "行政案件须选择行政事项",
    ("administrative_matter", "value_error"): "只有行政案件才选择行政事项；民事、商事案件请选“不适用”",
    ("legal_relation_clear", "missing"): "请选择是或否",
    ("facts_clear", "missing"): "请选择是或否",
    ("parties_consent", "missing"): "请选择是或否",
    ("agreement.agreement", "missing"): "请填写调解协议：签订日期和协议内容",
    ("confirmation.agreement", "missing"): "请填写申请确认的调解协议：签订日期和协议内容",
    ("extension.reason", "missing"): "请写明需要延长的特殊情况",
    ("decision.decision", "missing"): "请选择裁定结果",
    ("decision.decision", "literal_error"): "请选择裁定结果",
    ("decision.reason", "missing"): "驳回申请须写明理由",
    ("return.reason", "missing"): "请写明调解不成的原因",
    ("return.litigation_number", "string_pattern_mismatch"): "案号格式不正确，应如（2026）湘0426民初123号",
}
CLAIM_AMOUNT_ERROR = "请填写金额（元），最多两位小数，如50000或50000.50"
REFUSED = "此案当前的状态不允许此项操作，请刷新后查看。"
# What a finished action says on the filing's page (a registration and a ruling say more: `_notice`).
DONE = {
    "agreement": "已记录调解协议。当事人不申请司法确认的，请在“本单位交办”中反馈“调解成功”。",
    "confirmation": "已受理司法确认申请，审查期限见下。",
    "extension": "审查期限已延长十日。",
    "refused": "已裁定驳回申请。当事人可以变更协议或达成新协议后重新申请，也可以调解不成转立案。",
}
REPORTED = {
    "confirmed": ("已裁定确认调解协议有效。", "司法确认"),
    "return": ("已调解不成转立案。", "导入诉讼"),
}


# --- the list and the year's figures -----------------------------------------------------------------


def filings_page(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    service = service_of(platform, AGENCY)
    filters = clean_params(request.args.to_dict(), FILING_FILTERS)
    listed, errors = filtered_list(apis, visitor, service, "/api/v1/filings", filters, LIST_LIMIT, "filings")
    year = figures_this_year(apis, visitor, platform, service, "/api/v1/filings/figures")
    return render(
        "court_filings.html",
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        filters=filters,
        errors=errors,
        filings=listed,
        limit=LIST_LIMIT,
        decisions=list(wording.FILING_DECISIONS.items()),
        statuses=list(wording.FILING_STATUSES.items()),
        period=year.period,
        figures=figure_rows(year.figures),
        link=filing_link,
        decision_text=decision_text,
        term=lambda due_on, overdue=False: term_left(due_on, year.last, overdue),
    )


def figure_rows(figures: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The year's figures as (what, how many) rows, in the order the counties publish them."""
    filings = figures.get("filings") or {}
    mediation = figures.get("mediation") or {}
    confirmations = figures.get("confirmations") or {}
    by_type = filings.get("by_type") or {}
    return [
        ("登记立案审查", count_text(filings.get("registered"))),
        *[(f"其中{text}", count_text(by_type.get(code))) for code, text in wording.COURT_CASE_TYPES.items()],
        ("分流诉前调解", count_text(filings.get("diverted"))),
        ("分流率", percent_text(filings.get("diversion_rate"))),
        ("诉前调解中", count_text(mediation.get("in_mediation"))),
        ("调解成功", count_text(mediation.get("mediated"))),
        # The share the leaders' report and the counties' published figures give (山丹 1407÷1907 = 73.8%) first;
        # the rate over ended mediations beside it, which leaves out the filings still being mediated.
        ("诉前调解成功率（占分流）", percent_text(mediation.get("mediated_share_of_diverted"))),
        ("已结束调解的成功率", percent_text(mediation.get("success_rate"))),
        ("调解不成转立案", count_text(mediation.get("returned_to_litigation"))),
        ("申请司法确认", count_text(confirmations.get("requested"))),
        ("裁定确认有效", count_text(confirmations.get("confirmed"))),
        ("裁定驳回申请", count_text(confirmations.get("refused"))),
    ]


# --- registering a filing --------------------------------------------------------------------------------


def new_filing_page(
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
    return render(
        "court_new.html",
        status=status,
        **page_context(visitor, PAGE, names, platform.now()),
        case_types=list(wording.COURT_CASE_TYPES.items()),
        matters=list(wording.ADMINISTRATIVE_MATTERS.items()),
        categories=list(wording.CATEGORIES.items()),
        places=names.place_choices(),
        party_rows=range(domain.MAX_PARTIES_ON_FORM),
        default_roles=DEFAULT_ROLES,
        screening=SCREENING_QUESTIONS,
        today=today_in_beijing(platform).isoformat(),
        value=lambda name, default="": (values.get(name) or [default])[0],
        errors=shown,
        elsewhere=errors_off_the_form(shown, _on_the_form),
    )


def register(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    form = posted_form(request, visitor)
    service = service_of(platform, AGENCY)
    answer = apis.call(service, "POST", "/api/v1/filings", token=visitor.token, body=filing_from_form(form))
    if answer.status == 400:
        placed = domain.errors_by_form_field(field_errors(answer), domain.party_rows_for_errors(form))
        return new_filing_page(visitor, platform, form, in_chinese(placed), status=400)
    if taken := taken_number(answer):
        return new_filing_page(visitor, platform, form, taken, status=409)
    filing = expect(answer, service=service)
    first_time = filing.get("first_time", answer.status == 201)
    return redirect(f"{filing_link(str(filing['filing_number']))}?done={'registered' if first_time else 'repeat'}")


def filing_from_form(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """The register form as the body the court validates: blank inputs left out, so that it names what is
    missing; the parties read as the window reads them; each finding a JSON true or false once answered."""
    body: dict[str, Any] = {name: value for name in FILING_INPUTS if (value := first_value(form, name))}
    if "claim_amount_yuan" in body:
        body["claim_amount_yuan"] = re.sub(r"[,，\s]", "", body["claim_amount_yuan"]).removesuffix("元")
    body["parties"] = domain.report_from_form(form).get("parties", [])
    for name, _ in SCREENING_QUESTIONS:
        answer = first_value(form, name)
        if answer in ("yes", "no"):
            body[name] = answer == "yes"
    return body


def _on_the_form(key: str) -> bool:
    """Whether an error has an input of the register form to stand beside."""
    return key in FILING_INPUTS or key in {name for name, _ in SCREENING_QUESTIONS} or key.startswith("parties")


# --- a filing and what its status allows -----------------------------------------------------------------


def filing_page(
    visitor: Visitor,
    raw_number: str,
    apis: Apis,
    platform: Platform,
    *,
    done: str | None = None,
    reported: str | None = None,
    errors: dict[str, str] | None = None,
    form: Mapping[str, list[str]] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    visitor.require(PAGE)
    number = filing_number_in_path(raw_number)
    service = service_of(platform, AGENCY)
    filing = expect(apis.call(service, "GET", api_path(number), token=visitor.token), service=service)
    today = today_in_beijing(platform)
    values = form or {}
    starting = {} if form else _recorded_agreement(filing)
    return render(
        "court_filing.html",
        status=status,
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        filing=filing,
        link=filing_link(number),
        actions=actions_allowed(filing),
        decision_text=decision_text(filing),
        notice=_notice(done, reported, filing),
        refusal=refusal,
        errors=errors or {},
        value=lambda name: (values.get(name) or [starting.get(name, "")])[0],
        term=lambda due_on, overdue=False: term_left(due_on, today, overdue),
        yes_no=lambda fact: "是" if fact is True else "否" if fact is False else "—",
    )


def _recorded_agreement(filing: Mapping[str, Any]) -> dict[str, str]:
    """Applying for 司法确认 of the agreement already recorded is the usual case: its inputs start filled in."""
    recorded = mapping_of(filing.get("agreement"))
    return {
        "confirmation_number": recorded.get("number") or "",
        "confirmation_signed_on": recorded.get("signed_on") or "",
        "confirmation_terms": recorded.get("terms") or "",
    }


def act(visitor: Visitor, raw_number: str, action: str, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    number = filing_number_in_path(raw_number)
    if action not in ACTIONS:
        raise PageNotFound()
    form = posted_form(request, visitor)
    service = service_of(platform, AGENCY)
    tail, _ = ACTIONS[action]
    answer = apis.call(service, "POST", api_path(number) + tail, token=visitor.token, body=action_body(action, form))
    if answer.status == 400:
        placed: dict[str, list[dict[str, Any]]] = {}
        for error in field_errors(answer):
            placed.setdefault(f"{action}.{error.get('field')}", []).append(error)
        return filing_page(visitor, number, apis, platform, errors=in_chinese(placed), form=form, status=400)
    if answer.status == 409:
        return filing_page(visitor, number, apis, platform, form=form, refusal=refusal_text(answer), status=409)
    filing = expect(answer, service=service)
    done = action
    if action == "decision":
        latest = mapping_of(filing.get("confirmation"))
        done = "confirmed" if latest.get("status") == "confirmed" else "refused"
    query = f"done={done}"
    if done in REPORTED:
        query += f"&reported={'1' if filing.get('reported') else '0'}"
    return redirect(f"{filing_link(number)}?{query}")


def action_body(action: str, form: Mapping[str, list[str]]) -> dict[str, Any]:
    """An action's API body: the inputs filled in, each at its field ('agreement.terms' inside `agreement`)."""
    body: dict[str, Any] = {}
    for field, name in ACTIONS[action][1].items():
        value = first_value(form, name)
        if not value:
            continue
        *parents, leaf = field.split(".")
        target = body
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return body


def actions_allowed(filing: Mapping[str, Any]) -> list[str]:
    """The actions the filing's status allows, as the court's rules do (services/court_link/domain/filings.py)."""
    latest = filing.get("confirmation") if isinstance(filing.get("confirmation"), dict) else None
    if filing.get("status") == "in_mediation":
        return ["agreement", "confirmation", "return"]
    if filing.get("status") != "mediated":
        return []  # filed, or returned: nothing further here
    if latest is None:
        return ["confirmation"]  # an agreement recorded without an application stands: no return
    if latest.get("status") == "pending":
        return ["decision"] if latest.get("extended") else ["decision", "extension"]
    if latest.get("status") == "refused":
        return ["confirmation", "return"]
    return []  # confirmed


def refusal_text(answer: Answer) -> str:
    """The court's 409, by its code ('application_late: …' opens the message), as the officer should read it."""
    code, message = refusal_code(answer)
    text = wording.FILING_REFUSALS.get(code, REFUSED)
    if code == "application_late":
        days = re.search(r"due by (\d{4}-\d{2}-\d{2}).*taking effect on (\d{4}-\d{2}-\d{2})", message)
        if days:
            text += f"本协议于{days.group(2)}生效，申请期限至{days.group(1)}。"
    return text


def decision_text(filing: Mapping[str, Any]) -> str:
    """'分流至综治中心诉前调解（期限至 2027-01-04）', or '立案（事实不清楚、当事人不同意调解）'."""
    if filing.get("decision") == "diverted":
        return f"分流至综治中心诉前调解（期限至 {filing.get('mediation_due_on')}）"
    reasons = "、".join(wording.label(wording.NOT_DIVERTED, code) for code in filing.get("reasons") or [])
    return f"立案（{reasons}）" if reasons else "立案"


def _notice(done: str | None, reported: str | None, filing: Mapping[str, Any]) -> str:
    if done == "registered":
        return f"已登记：{decision_text(filing)}。"
    if done == "repeat":
        when = wording.local_time(filing.get("registered_at"))
        return f"此案号已于{when}登记过，未重复登记；以下是首次登记时的审查结果：{decision_text(filing)}。"
    if done in REPORTED:
        said, result = REPORTED[done]
        if reported == "1":
            return f"{said}已自动向综治中心反馈本院交办单的办理结果（{result}）。"
        return f"{said}本院尚无此案已签收的交办单，未自动反馈办理结果；请在“本单位交办”中签收后反馈。"
    return DONE.get(done or "", "")


def term_left(due_on: object, today: date, overdue: bool = False) -> wording.Countdown:
    """A term counted in days to its last day (on time up to and including it); overdue as the court says."""
    try:
        due = date.fromisoformat(str(due_on))
    except ValueError:
        return wording.Countdown("", "none")
    left = (due - today).days
    if overdue or left < 0:
        return wording.Countdown(f"已超期{max(-left, 1)}天", "overdue")
    if left == 0:
        return wording.Countdown("今天到期", "near")
    return wording.Countdown(f"剩余{left}天", "near" if left <= 3 else "ok")


# --- errors in Chinese -----------------------------------------------------------------------------------


def in_chinese(placed: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    """Each error beside its input, clearer than the general sentence where the court's own rule says more."""
    return errors_clearer(placed, _clearer)


def _clearer(key: str, error: Mapping[str, Any]) -> str | None:
    kind, message = str(error.get("type", "")), str(error.get("message", ""))
    if kind == "date_future":
        return future_day_text(message)
    if kind == "date_order":
        before = re.search(r"before (\S+) \((\d{4}-\d{2}-\d{2})\)", message)
        if before:
            return f"不能早于{DAY_NAMES.get(before.group(1), before.group(1))}（{before.group(2)}）"
        return "日期先后不对"
    if key == "claim_amount_yuan":
        return CLAIM_AMOUNT_ERROR
    return CLEARER_ERRORS.get((key, kind))


# --- the court, its filings' numbers and today ------------------------------------------------------------


def filing_number_in_path(value: str) -> str:
    """A filing number from the console's own path; any other text names no filing (never sent on)."""
    if len(value) > MAX_FILING_NUMBER or not _FILING_NUMBER.fullmatch(value):
        raise PageNotFound()
    return value


def filing_link(number: str) -> str:
    """The filing's page: its number has brackets and Chinese, so it is always sent encoded."""
    return f"{PAGE}/{quote(number, safe='')}"


def api_path(number: str) -> str:
    return f"/api/v1/filings/{quote(number, safe='')}"
