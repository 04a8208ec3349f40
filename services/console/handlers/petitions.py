"""访调对接 for the petition bureau's officers: petitions registered, decided (受理, and to mediation), extended once
and replied to under the 信访工作条例's terms, their 复查 and 复核 recorded after the reply, and the year's figures,
through the bureau's own API (petition_link).

The first page lists the officer's petitions what is due first (the 15-day 受理 and 60-day 办理 terms), finds one by
its number, and shows the year's figures."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request, Response

from services.console.dependencies import Answer, Apis
from services.console.domain import ascii_digits, typed_count
from services.console.handlers.common import (
    Names,
    Visitor,
    by_field_and_type,
    clean_params,
    count_text,
    errors_clearer,
    errors_in_chinese,
    errors_off_the_form,
    expect,
    field_errors,
    figures_this_year,
    first_value,
    mapping_of,
    page_context,
    page_offset,
    posted_form,
    refusal_code,
    service_of,
    taken_number,
    today_in_beijing,
)
from services.console.handlers.court import term_left
from services.console.handlers.referrals import at_the_centre
from services.console.pages import PageNotFound, redirect, render
from shared import wording
from shared.platform import Platform

PAGE = "/petitions"
AGENCY = "petition"
MAX_NUMBER = 64
LIST_FILTERS = ("status", "overdue", "order")
PAGE_SIZE = 50
MAX_OFFSET = 100_000  # the deepest page the bureau's API serves (services/petition_link/commands.py)
TERM_NAMES = {"acceptance": "受理期限", "handling": "办理期限", "review": "复查意见期限", "re_review": "复核意见期限"}
# A replied petition is overdue when the body above has not given its 复查 or 复核 opinion in its 30 days: said so by
# name, as it is not the bureau's own term; an overdue 受理 or 办理 term reads 已超期.
OVERDUE_WORDS = {"review": "复查逾期", "re_review": "复核逾期"}
ORDERS = {"due": "超期的和期限最近的在前，已办结的在后", "received": "最近收到的在前"}
PETITIONER_ROWS = 5  # a visit names at most five representatives (信访工作条例 第二十条)
RESPONDENT_ROWS = 3
PETITION_INPUTS = ("number", "received_on", "form", "category", "division_code", "summary", "repeat_of")
PETITIONER_FIELDS = ("name", "id_number", "phone")
RESPONDENT_FIELDS = ("kind", "name", "phone")
# Each action on a petition: its path under the petition.
ACTIONS = {
    "acceptance": "/acceptance",
    "extension": "/extension",
    "reply": "/reply",
    "review": "/review",
    "review_opinion": "/review/opinion",
    "re_review": "/re-review",
    "re_review_opinion": "/re-review/opinion",
}
# 复查 and 复核 (第三十五条、第三十六条): each stage's name and the answer it reviews; its forms' inputs.
REVIEW_STAGES = {"review": ("复查", "答复"), "re_review": ("复核", "复查意见")}
REQUEST_INPUTS = {"body": "review_body", "answer_received_on": "answer_received_on", "requested_on": "requested_on"}
OPINION_INPUTS = {"result": "review_result", "summary": "review_summary", "given_on": "given_on"}
AGREEMENT_INPUTS = {"number": "agreement_number", "signed_on": "agreement_signed_on", "terms": "agreement_terms"}
CLEARER_ERRORS = {
    ("number", "value_error"): "编号不能含有 / \\ ? # % 或空格，且须含数字，如XF430426-2026-0312",
    ("repeat_of", "value_error"): "编号不能含有 / \\ ? # % 或空格，且须含数字；也不能是本件的编号",
    ("repeat_of", "unknown_petition"): "没有找到此编号的在先信访事项（须已在本系统登记，且收到日期不晚于本件）",
    ("received_on", "date_future"): "不能晚于今天",
    ("group_size", "value_error"): "人数不能少于列出的信访人",
    ("litigation_reason", "value_error"): "涉法涉诉的须写明理由；不涉法涉诉的不填",
    ("acceptance.accepted", "missing"): "请选择是否受理",
    ("acceptance.reason", "missing"): "请写明受理或不予受理的理由",
    ("acceptance.to_mediation", "value_error"): "不予受理的事项不能转调解",
    ("acceptance.to_mediation", "no_respondents"): "此事项没有登记被反映人，不能转调解",
    ("extension.days", "missing"): "请填写延长天数（1至30日）",
    ("extension.reason", "missing"): "请写明延期理由（将告知信访人）",
    ("reply.result", "missing"): "请选择办理结果",
    ("reply.summary", "missing"): "请填写答复意见",
    ("reply.agreement", "missing"): "调解成功、司法确认须填写调解协议：签订日期和协议内容",
    ("reply.agreement", "value_error"): "只有调解成功、司法确认才填写调解协议；请改选结果，或清空协议各项",
}
CLEARER_ERRORS.update(
    {
        entry: sentence
        for stage, (name, answer) in REVIEW_STAGES.items()
        for entry, sentence in {
            (f"{stage}.body", "missing"): f"请填写受理{name}的机关（上一级机关的名称）",
            (f"{stage}.requested_on", "missing"): f"请填写信访人请求{name}的日期",
            (f"{stage}.requested_on", "date_future"): "不能晚于今天",
            (f"{stage}.requested_on", "date_before_start"): f"不能早于信访人收到{answer}的日期",
            (f"{stage}.answer_received_on", "date_future"): "不能晚于今天",
            (f"{stage}.answer_received_on", "date_before_start"): f"不能早于{answer}的日期",
            (f"{stage}_opinion.result", "missing"): f"请选择{name}结论：维持、变更或撤销",
            (f"{stage}_opinion.summary", "missing"): f"请填写{name}意见的内容",
            (f"{stage}_opinion.given_on", "missing"): f"请填写{name}意见的日期",
            (f"{stage}_opinion.given_on", "date_future"): "不能晚于今天",
            (f"{stage}_opinion.given_on", "date_before_start"): f"不能早于请求{name}的日期",
        }.items()
    }
)
REFUSED = "此信访事项当前的状态不允许此项操作，请刷新后查看。"
DONE = {
    "registered": "已登记。",
    "repeat": "此编号已登记过，内容相同，未重复登记。",
    "separated": "已登记：涉法涉诉，已诉访分离，导入诉讼程序并答复。",
    "accepted": "已受理。",
    "to_mediation": "已受理，并转综治中心调解（访调对接）。",
    "not_accepted": "已决定不予受理。",
    "extension": "办理期限已延长。",
    "reply": "已答复信访人，事项办结。",
    "review": "已登记复查请求。",
    "review_opinion": "已登记复查意见。",
    "re_review": "已登记复核请求。",
    "re_review_opinion": "已登记复核意见：此事项已终结，信访人以同一事实和理由再提出的，不再受理。",
}


# --- the figures, and a petition by its number --------------------------------------------------------------


def petitions_page(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    looked_for = request.args.get("number", "").strip()
    errors: dict[str, str] = {}
    if looked_for:
        if _addressable(looked_for):
            return redirect(petition_link(looked_for))
        errors["number"] = CLEARER_ERRORS[("number", "value_error")]
    service = service_of(platform, AGENCY)
    filters = clean_params(request.args.to_dict(), LIST_FILTERS)
    offset = page_offset(request.args.get("offset"), MAX_OFFSET)
    answer = apis.call(
        service,
        "GET",
        "/api/v1/petitions",
        token=visitor.token,
        params={**filters, "limit": str(PAGE_SIZE), "offset": str(offset)},
    )
    if answer.status == 400:
        errors.update(errors_in_chinese({str(e.get("field")): [e] for e in field_errors(answer)}))
        listing: Mapping[str, Any] = {}
    else:
        listing = mapping_of(expect(answer, service=service))
    year = figures_this_year(apis, visitor, platform, service, "/api/v1/petitions/figures")
    today = today_in_beijing(platform)
    petitions = listing.get("petitions")
    return render(
        "petitions.html",
        status=400 if errors else 200,
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        errors=errors,
        looked_for=looked_for,
        filters=filters,
        petitions=petitions if isinstance(petitions, list) else [],
        total=listing.get("total") if isinstance(listing.get("total"), int) else 0,
        offset=offset,
        page_size=PAGE_SIZE,
        page_link=lambda at: f"{PAGE}?{urlencode({**filters, 'offset': str(at)})}",
        statuses=list(wording.PETITION_STATUSES.items()),
        orders=list(ORDERS.items()),
        order_text=ORDERS.get(filters.get("order", "due"), ORDERS["due"]),
        term_names=TERM_NAMES,
        overdue_words=OVERDUE_WORDS,
        link=petition_link,
        term=lambda due_on, overdue=False: term_left(due_on, today, overdue),
        period=year.period,
        figures=figure_rows(year.figures),
    )


def figure_rows(figures: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The year's figures as (what, how many) rows: 批次 and 人次 first, as the bureau reports them."""
    by_form = mapping_of(figures.get("by_form"))
    collective = mapping_of(figures.get("collective_visits"))
    repeats = mapping_of(figures.get("repeats"))
    litigation = mapping_of(figures.get("litigation_related"))
    acceptance = mapping_of(figures.get("acceptance"))
    handling = mapping_of(figures.get("handling"))
    reviews = mapping_of(figures.get("reviews"))
    re_reviews = mapping_of(figures.get("re_reviews"))
    return [
        ("信访事项（批次）", count_text(figures.get("batches"), "批")),
        ("信访人次", count_text(figures.get("persons"), "人次")),
        ("信访人（去重）", count_text(figures.get("petitioners"), "人")),
        *[(f"其中{text}", count_text(by_form.get(code), "批")) for code, text in wording.PETITION_FORMS.items()],
        ("集体访（五人以上）", count_text(collective.get("batches"), "批")),
        ("重复信访", count_text(repeats.get("batches"), "批")),
        ("涉法涉诉（诉访分离）", count_text(litigation.get("batches"), "批")),
        ("受理", count_text(acceptance.get("accepted"), "件")),
        ("不予受理", count_text(acceptance.get("not_accepted"), "件")),
        ("待决定是否受理", count_text(acceptance.get("awaiting"), "件")),
        ("转调解（访调对接）", count_text(figures.get("to_mediation"), "件")),
        ("办理中", count_text(handling.get("open"), "件")),
        ("按期答复", count_text(handling.get("replied_on_time"), "件")),
        ("逾期答复", count_text(handling.get("replied_late"), "件")),
        ("延期办理", count_text(handling.get("extended"), "件")),
        ("超期未办", count_text(figures.get("overdue"), "件")),
        ("请求复查", count_text(reviews.get("requested"), "件")),
        ("复查已出意见", count_text(reviews.get("answered"), "件")),
        ("复查意见按期作出", count_text(reviews.get("answered_on_time"), "件")),
        ("请求复核", count_text(re_reviews.get("requested"), "件")),
        ("复核已出意见", count_text(re_reviews.get("answered"), "件")),
        ("复核意见按期作出", count_text(re_reviews.get("answered_on_time"), "件")),
        ("已终结（不再受理）", count_text(figures.get("final"), "件")),
        ("重复信访中事项已终结的", count_text(repeats.get("on_final_matter"), "批")),
    ]


# --- registering a petition ---------------------------------------------------------------------------------


def new_petition_page(
    visitor: Visitor,
    platform: Platform,
    form: Mapping[str, list[str]] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    visitor.require(PAGE)
    names = Names.of(platform)
    values = form or {}
    shown = errors or {}
    return render(
        "petition_new.html",
        status=status,
        **page_context(visitor, PAGE, names, platform.now()),
        forms=list(wording.PETITION_FORMS.items()),
        categories=list(wording.CATEGORIES.items()),
        places=names.place_choices(),
        petitioner_rows=range(PETITIONER_ROWS),
        respondent_rows=range(RESPONDENT_ROWS),
        today=today_in_beijing(platform).isoformat(),
        value=lambda name, default="": (values.get(name) or [default])[0],
        ticked=lambda name: bool(values.get(name)),
        errors=shown,
        refusal=refusal,
        elsewhere=errors_off_the_form(shown, _on_the_form),
    )


def register(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    form = posted_form(request, visitor)
    service = service_of(platform, AGENCY)
    answer = apis.call(service, "POST", "/api/v1/petitions", token=visitor.token, body=petition_from_form(form))
    if answer.status == 400:
        return new_petition_page(visitor, platform, form, in_chinese(place_errors(answer, form)), status=400)
    if taken := taken_number(answer):
        return new_petition_page(visitor, platform, form, taken, status=409)
    if answer.status == 409:
        return new_petition_page(visitor, platform, form, refusal=refusal_text(answer), status=409)
    petition = expect(answer, service=service)
    if not petition.get("first_time", answer.status == 201):
        done = "repeat"
    else:
        done = "separated" if petition.get("status") == "separated" else "registered"
    return redirect(f"{petition_link(str(petition['number']))}?done={done}")


def petition_from_form(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """The register form as the body the bureau validates: blank inputs and blank rows left out, so that the API
    names what is missing; the group size a number when it is one."""
    body: dict[str, Any] = {name: value for name in PETITION_INPUTS if (value := first_value(form, name))}
    body["petitioners"] = [
        {key: value for key, value in row.items() if value} for _, row in _rows(form, "petitioners", PETITIONER_ROWS)
    ]
    body["respondents"] = [
        {key: value for key, value in row.items() if value} for _, row in _rows(form, "respondents", RESPONDENT_ROWS)
    ]
    if size := first_value(form, "group_size"):
        body["group_size"] = typed_count(size)
    related = first_value(form, "litigation_related") == "yes"
    body["litigation_related"] = related
    reason = first_value(form, "litigation_reason")
    if reason:
        body["litigation_reason"] = reason
    return body


def _rows(form: Mapping[str, list[str]], prefix: str, count: int) -> list[tuple[int, dict[str, str]]]:
    """The form's rows of a list that were filled in (a name, an ID number or a mobile), with their row numbers."""
    fields = PETITIONER_FIELDS if prefix == "petitioners" else RESPONDENT_FIELDS
    rows = []
    for row in range(count):
        values = {key: first_value(form, f"{prefix}.{row}.{key}") for key in fields}
        if any(values.get(key) for key in ("name", "id_number", "phone")):
            rows.append((row, values))
    return rows


def place_errors(answer: Answer, form: Mapping[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    """API field errors keyed by the form input they belong beside: a petitioner the API numbers among those sent
    (blank rows skipped) is put beside the form's row where that person was typed."""
    rows = {
        prefix: {sent: row for sent, (row, _) in enumerate(_rows(form, prefix, count))}
        for prefix, count in (("petitioners", PETITIONER_ROWS), ("respondents", RESPONDENT_ROWS))
    }
    placed: dict[str, list[dict[str, Any]]] = {}
    for error in field_errors(answer):
        parts = str(error.get("field", "")).split(".")
        if len(parts) >= 2 and parts[0] in rows and ascii_digits(parts[1]):
            parts[1] = str(rows[parts[0]].get(int(parts[1]), int(parts[1])))
        placed.setdefault(".".join(parts), []).append(error)
    return placed


def _on_the_form(key: str) -> bool:
    return (
        key in PETITION_INPUTS
        or key in {"group_size", "litigation_related", "litigation_reason"}
        or key.startswith(("petitioners", "respondents"))
    )


# --- a petition and what its status allows -------------------------------------------------------------------


def petition_page(
    visitor: Visitor,
    raw_number: str,
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
    number = petition_number_in_path(raw_number)
    service = service_of(platform, AGENCY)
    petition = expect(apis.call(service, "GET", api_path(number), token=visitor.token), service=service)
    today = today_in_beijing(platform)
    values = form or {}
    # 访调对接: what the other units of each case came to, the mediators' signed agreement above all, which the reply to
    # the petitioner is made with (the coordinator gives a lead its co-units' parts, a co-unit the lead's).
    parts = {
        str(r.get("referral_id")): at_the_centre(apis, visitor, r).other_parts
        for r in petition.get("case_referrals") or []
        if isinstance(r, Mapping)
    }
    signed = next((p["agreement"] for ps in parts.values() for p in ps if isinstance(p.get("agreement"), dict)), None)
    if signed is not None and not values:
        values = {
            "agreement_number": [str(signed.get("number") or "")],
            "agreement_signed_on": [str(signed.get("signed_on") or "")],
            "agreement_terms": [str(signed.get("terms") or "")],
        }
    unreported = [
        r
        for r in petition.get("case_referrals") or []
        if isinstance(r, Mapping) and r.get("status") in ("received", "accepted")
    ]
    return render(
        "petition.html",
        status=status,
        **page_context(visitor, PAGE, Names.of(platform), platform.now()),
        petition=petition,
        acceptance=mapping_of(petition.get("acceptance")),
        handling=mapping_of(petition.get("handling")),
        reply=mapping_of(petition.get("reply")),
        reviews=[(stage, name, mapping_of(petition.get(stage))) for stage, (name, _) in REVIEW_STAGES.items()],
        final=mapping_of(petition.get("final")),
        final_matter=mapping_of(petition.get("final_matter")),
        answered_on=answered_on(petition),
        earlier=mapping_of(petition.get("earlier_petitions")),
        link=petition_link(number),
        actions=actions_allowed(petition),
        result_groups=wording.RESULT_GROUPS,
        notice=DONE.get(done or "", ""),
        refusal=refusal,
        errors=errors or {},
        value=lambda name, default="": (values.get(name) or [default])[0],
        ticked=lambda name: bool(values.get(name)),
        term=lambda due_on, overdue=False: term_left(due_on, today, overdue),
        overdue_words=OVERDUE_WORDS,
        yes_no=lambda fact: "是" if fact is True else "否" if fact is False else "—",
        parts=parts,
        agreement_prefilled=signed is not None and not form,
        unreported=unreported,
    )


def actions_allowed(petition: Mapping[str, Any]) -> list[str]:
    """The actions the petition's status allows, as the bureau's rules do (services/petition_link/domain)."""
    if petition.get("status") == "registered":
        return ["acceptance"]
    if petition.get("status") == "accepted":
        handling = mapping_of(petition.get("handling"))
        # Extended once only, and only while the term runs (第三十四条): the bureau refuses it after (term_ended).
        ended = handling.get("overdue") is True
        return ["reply"] if handling.get("extension") or ended else ["reply", "extension"]
    if petition.get("status") == "replied":
        # 复查 of the reply, then 复核 of the 复查意见, each asked once and answered once, in that order.
        for stage in REVIEW_STAGES:
            review = mapping_of(petition.get(stage))
            if not review:
                return [stage]
            if not review.get("opinion"):
                return [f"{stage}_opinion"]
    return []


def answered_on(petition: Mapping[str, Any]) -> str:
    """The day of the written answer a request for review would dispute: the 复查意见's once given, else the reply's;
    the day the petitioner received it unless the officer says otherwise."""
    opinion = mapping_of(mapping_of(petition.get("review")).get("opinion"))
    return str(opinion.get("given_on") or mapping_of(petition.get("reply")).get("replied_on") or "")


def act(visitor: Visitor, raw_number: str, action: str, request: Request, apis: Apis, platform: Platform) -> Response:
    visitor.require(PAGE)
    number = petition_number_in_path(raw_number)
    if action not in ACTIONS:
        raise PageNotFound()
    form = posted_form(request, visitor)
    service = service_of(platform, AGENCY)
    body = action_body(action, form)
    answer = apis.call(service, "POST", api_path(number) + ACTIONS[action], token=visitor.token, body=body)
    if answer.status == 400:
        placed: dict[str, list[dict[str, Any]]] = {}
        for error in field_errors(answer):
            placed.setdefault(f"{action}.{error.get('field')}", []).append(error)
        return petition_page(visitor, number, apis, platform, errors=in_chinese(placed), form=form, status=400)
    if answer.status == 409:
        return petition_page(visitor, number, apis, platform, form=form, refusal=refusal_text(answer), status=409)
    petition = expect(answer, service=service)
    done = action
    if action == "acceptance":
        if petition.get("status") != "accepted":
            done = "not_accepted"
        else:
            done = "to_mediation" if petition.get("fed_to_centre") else "accepted"
    return redirect(f"{petition_link(number)}?done={done}")


def action_body(action: str, form: Mapping[str, list[str]]) -> dict[str, Any]:
    """An action's API body: the inputs filled in; yes/no as JSON booleans, days as a number."""
    body: dict[str, Any] = {}
    if action == "acceptance":
        accepted = first_value(form, "accepted")
        if accepted in ("yes", "no"):
            body["accepted"] = accepted == "yes"
        if reason := first_value(form, "acceptance_reason"):
            body["reason"] = reason
        if first_value(form, "to_mediation") == "yes":
            body["to_mediation"] = True
    elif action == "extension":
        if days := first_value(form, "extension_days"):
            body["days"] = typed_count(days)
        if reason := first_value(form, "extension_reason"):
            body["reason"] = reason
    elif action in REVIEW_STAGES:
        body = {field: value for field, name in REQUEST_INPUTS.items() if (value := first_value(form, name))}
    elif action.removesuffix("_opinion") in REVIEW_STAGES:
        body = {field: value for field, name in OPINION_INPUTS.items() if (value := first_value(form, name))}
    else:
        if result := first_value(form, "result"):
            body["result"] = result
        if summary := first_value(form, "reply_summary"):
            body["summary"] = summary
        agreement = {field: value for field, name in AGREEMENT_INPUTS.items() if (value := first_value(form, name))}
        if agreement:
            body["agreement"] = agreement
    return body


def refusal_text(answer: Answer) -> str:
    """The bureau's 409, by its code ('already_extended: …' opens the message), as the officer should read it."""
    code, message = refusal_code(answer)
    if "registered already" in message:
        code = "duplicate_number"
    return wording.PETITION_REFUSALS.get(code, REFUSED)


def in_chinese(placed: Mapping[str, Any]) -> dict[str, str]:
    return errors_clearer(placed, by_field_and_type(CLEARER_ERRORS))


# --- the bureau, its petitions' numbers and today ------------------------------------------------------------


def _addressable(value: str) -> bool:
    """A petition number as the bureau's API takes it (services/petition_link/commands.py)."""
    return (
        0 < len(value) <= MAX_NUMBER
        and not any(c in value for c in "/\\?#%")
        and not any(c.isspace() or not c.isprintable() for c in value)
        and any(c.isdigit() for c in value)
    )


def petition_number_in_path(value: str) -> str:
    """A petition number from the console's own path; any other text names no petition (never sent on)."""
    if not _addressable(value):
        raise PageNotFound()
    return value


def petition_link(number: str) -> str:
    return f"{PAGE}/{quote(number, safe='')}"


def api_path(number: str) -> str:
    return f"/api/v1/petitions/{quote(number, safe='')}"
