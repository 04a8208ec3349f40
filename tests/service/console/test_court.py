"""诉调对接 in the console: a court officer registers filings, reads the year's figures, and records what came of a
diverted one; the court's own API answers, its refusals read in Chinese, and no one else opens the pages."""

import re
from urllib.parse import quote

import pytest

from services.console.handlers.court import action_body, filing_from_form
from services.console.pages import PageNotFound, StaleForm
from services.court_link.commands import DecideConfirmation, RegisterFiling, RequestConfirmation
from shared.auth.principal import Forbidden, Principal, Role
from tests.service.console.visitors import (
    LIU,
    answer_refusal,
    console_knowing,
    error_beside,
    form_key_of,
    text_of,
    token_of,
)

ZHAO = Principal("zhao.li", "赵丽", frozenset({Role.OFFICER}), frozenset({"court:430426"}))
COURT = "court_link"
LOAN = "(2026)湘0426民初123号"
LINK = "/court/filings/" + quote(LOAN, safe="")
API = "/api/v1/filings/" + quote(LOAN, safe="")
TERMS = "周海波于2027年1月31日前归还借款五万元。"
AGREEMENT = {"number": "祁司调〔2026〕第88号", "signed_on": "2026-11-23", "terms": TERMS}
# As the court answers for a loan it diverted this morning (09:30 on Monday 23 November 2026 in Beijing).
DIVERTED = {
    "filing_number": LOAN,
    "unit": "court:430426",
    "case_type": "civil",
    "administrative_matter": None,
    "filed_on": "2026-11-20",
    "category": "debt",
    "division_code": "430426101",
    "summary": "原告诉请被告归还借款五万元。",
    "parties": [
        {"role": "applicant", "kind": "person", "name": "陈立新", "phone": None},
        {"role": "respondent", "kind": "person", "name": "周海波", "phone": None},
    ],
    "claim_amount_yuan": "50000.00",
    "legal_relation_clear": True,
    "facts_clear": True,
    "parties_consent": True,
    "decision": "diverted",
    "reasons": [],
    "status": "in_mediation",
    "diverted_on": "2026-11-23",
    "mediation_due_on": "2026-12-23",
    "agreement": None,
    "mediated_on": None,
    "returned_on": None,
    "return_reason": None,
    "litigation_number": None,
    "message_id": "7d3f0c1e-2b4a-4f6d-9e8c-1a2b3c4d5e6f",
    "registered_by": "zhao.li",
    "registered_at": "2026-11-23T01:30:00+00:00",
    "updated_at": "2026-11-23T01:30:00+00:00",
    "mediation_overdue": False,
    "confirmations": [],
    "confirmation": None,
    "referrals": [],
    "log": [
        {"kind": "registered", "officer": "zhao.li", "detail": {}, "at": "2026-11-23T01:30:00+00:00"},
    ],
}
FILED = {
    **DIVERTED,
    "filing_number": "(2026)湘0426民初124号",
    "facts_clear": False,
    "parties_consent": False,
    "decision": "filed",
    "reasons": ["facts_unclear", "no_consent"],
    "status": "filed",
    "diverted_on": None,
    "mediation_due_on": None,
    "message_id": None,
}
PENDING = {
    "seq": 1,
    "agreement": AGREEMENT,
    "effective_on": "2026-11-23",
    "applied_on": "2026-11-23",
    "application_due_on": "2026-12-23",
    "accepted_on": "2026-11-23",
    "decision_due_on": "2026-12-08",
    "status": "pending",
    "extended": False,
    "extension_reason": None,
    "decided_on": None,
    "decision_reason": None,
    "decision_overdue": False,
}
# Mediated, and its application for 司法确认 accepted today.
APPLIED = {
    **DIVERTED,
    "status": "mediated",
    "agreement": AGREEMENT,
    "confirmations": [PENDING],
    "confirmation": PENDING,
}
FORM = {
    "filing_number": LOAN,
    "case_type": "civil",
    "administrative_matter": "",
    "filed_on": "2026-11-20",
    "category": "debt",
    "division_code": "430426101",
    "summary": "原告诉请被告归还借款五万元。",
    "claim_amount_yuan": "50,000",
    "parties.0.role": "applicant",
    "parties.0.kind": "person",
    "parties.0.name": "陈立新",
    "parties.0.id_number": "",
    "parties.0.phone": "13807341234",
    "parties.1.role": "respondent",
    "parties.1.kind": "person",
    "parties.1.name": "周海波",
    "parties.1.phone": "",
    "parties.2.role": "applicant",
    "parties.2.kind": "person",
    "parties.2.name": "",
    "legal_relation_clear": "yes",
    "facts_clear": "yes",
    "parties_consent": "yes",
}


@pytest.fixture
def console(uow, apis, console_platform):
    return console_knowing(uow, apis, console_platform, ZHAO)


@pytest.fixture
def zhao(staff) -> Principal:
    staff.signed_in(ZHAO)
    return ZHAO


def open_filing(console, browser, apis, filing: dict, query: str = "") -> str:
    apis.answer(COURT, "GET", API, 200, filing)
    request = browser.get(f"{LINK}{query}", as_=ZHAO)
    response = console.court_filing(request, LOAN)
    assert response.status_code == 200
    return text_of(response)


def post_action(console, browser, action: str, form: dict):
    request = browser.post(f"{LINK}/{action}", {"csrf": form_key_of(ZHAO), **form}, as_=ZHAO)
    return console.act_on_court_filing(request, LOAN, action)


def figures(**rates) -> dict:
    return {
        "from": "2026-01-01",
        "to": "2026-11-23",
        "filings": {
            "registered": 2438,
            "by_type": {"civil": 2100, "commercial": 300, "administrative": 38},
            "diverted": 1907,
            "filed": 531,
            "diversion_rate": 0.7822,
            "not_diverted_because": {},
        },
        "mediation": {
            "in_mediation": 100,
            "mediated": 1407,
            "returned_to_litigation": 400,
            "ended": 1807,
            "success_rate": 0.7786,
            "mediated_share_of_diverted": 0.7378,
            **rates,
        },
        "confirmations": {"requested": 120, "pending": 5, "confirmed": 110, "refused": 5},
    }


# --- who sees and opens 诉调对接 -------------------------------------------------------------------------


def test_a_court_officer_has_the_filings_in_the_navigation_and_lists_them_with_the_years_figures(
    console, apis, browser, zhao
):
    apis.answer(COURT, "GET", "/api/v1/filings", 200, {"filings": [DIVERTED, FILED]})
    apis.answer(COURT, "GET", "/api/v1/filings/figures", 200, figures())

    page = text_of(console.court_filings(browser.get("/court/filings?decision=diverted&status=", as_=zhao)))

    assert '<a href="/court/filings" aria-current="page">诉调对接</a>' in page
    listing, year = apis.calls
    assert (listing.token, listing.params) == (token_of(ZHAO), {"decision": "diverted", "limit": "100"})
    # The year so far, in Beijing: from 1 January to today.
    assert year.params == {"from": "2026-01-01", "to": "2026-11-23"}
    assert f'<a href="{LINK}">{LOAN}</a>' in page
    assert "<td>立案（事实不清楚、当事人不同意调解）</td>" in page
    assert "<td>分流诉前调解</td>" in page
    assert "<td>砖塘镇</td>" in page
    assert '<span class="due due-ok">剩余30天</span>' in page
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page))
    assert rows == {
        "登记立案审查": "2438件",
        "其中民事": "2100件",
        "其中商事": "300件",
        "其中行政": "38件",
        "分流诉前调解": "1907件",
        "分流率": "78.2%",
        "诉前调解中": "100件",
        "调解成功": "1407件",
        "诉前调解成功率（占分流）": "73.8%",  # as the leaders' report and Shandan's published figure count it
        "已结束调解的成功率": "77.9%",
        "调解不成转立案": "400件",
        "申请司法确认": "120件",
        "裁定确认有效": "110件",
        "裁定驳回申请": "5件",
    }
    assert '<a href="/court/filings/new" class="button-link">登记立案审查</a>' in page
    assert "<caption>收案日期 2026-01-01 至 2026-11-23</caption>" in page
    assert '<th scope="col">收案日期</th>' in page


def test_a_rate_with_nothing_to_divide_reads_as_a_dash(console, apis, browser, zhao):
    apis.answer(COURT, "GET", "/api/v1/filings", 200, {"filings": []})
    apis.answer(
        COURT, "GET", "/api/v1/filings/figures", 200, figures(success_rate=None, mediated_share_of_diverted=None)
    )

    page = text_of(console.court_filings(browser.get("/court/filings", as_=zhao)))

    assert '<th scope="row">诉前调解成功率（占分流）</th><td>—</td>' in page
    assert '<th scope="row">已结束调解的成功率</th><td>—</td>' in page


def test_an_officer_of_another_agency_does_not_see_the_filings_in_the_navigation(console, apis, browser, staff):
    staff.signed_in(LIU)
    apis.answer("police_link", "GET", "/api/v1/referrals", 200, {"referrals": []})

    page = text_of(console.referrals(browser.get("/referrals", as_=LIU)))

    assert "本单位交办" in page
    assert "诉调对接" not in page and "/court/filings" not in page


@pytest.mark.parametrize(
    "visit",
    [
        lambda console, browser: console.court_filings(browser.get("/court/filings", as_=LIU)),
        lambda console, browser: console.new_court_filing(browser.get("/court/filings/new", as_=LIU)),
        lambda console, browser: console.court_filing(browser.get(LINK, as_=LIU), LOAN),
        lambda console, browser: console.register_court_filing(
            browser.post("/court/filings/new", {"csrf": form_key_of(LIU), **FORM}, as_=LIU)
        ),
        lambda console, browser: console.act_on_court_filing(
            browser.post(f"{LINK}/return", {"csrf": form_key_of(LIU), "return_reason": "调解不成"}, as_=LIU),
            LOAN,
            "return",
        ),
    ],
    ids=["list", "form", "filing", "register", "return"],
)
def test_a_police_officer_is_forbidden_every_court_page_and_the_court_is_never_asked(
    console, apis, browser, staff, visit
):
    staff.signed_in(LIU)

    with pytest.raises(Forbidden):
        visit(console, browser)

    assert apis.calls == []


def test_a_path_that_is_no_filing_number_is_not_found_without_asking(console, apis, browser, zhao):
    with pytest.raises(PageNotFound):
        console.court_filing(browser.get("/court/filings/..%2Fadmin", as_=zhao), "../admin")
    with pytest.raises(PageNotFound):
        post_action(console, browser, "delete", {})

    assert apis.calls == []


# --- registering a filing --------------------------------------------------------------------------------


def test_the_register_form_asks_the_three_findings_as_yes_or_no(console, apis, browser, zhao):
    page = text_of(console.new_court_filing(browser.get("/court/filings/new", as_=zhao)))

    assert re.findall(r"<legend>([^<]*)</legend>\s*<label class=\"check\">", page) == [
        "法律关系是否明确",
        "事实是否清楚",
        "当事人是否同意调解",
    ]
    assert re.findall(r'<input type="radio" name="facts_clear" value="(yes|no)"> (.)</label>', page) == [
        ("yes", "是"),
        ("no", "否"),
    ]
    assert re.search(r'<input id="filed_on" name="filed_on" type="date" max="2026-11-23" value="2026-11-23"', page)
    # A filing screened here is a pre-litigation one: received, not yet filed (立案), and its parties not yet 原告/被告.
    assert '<label for="filed_on">收案日期</label>' in page
    assert 'placeholder="（2026）湘0426民诉前调123号"' in page
    assert "<legend>当事人（至少一名申请人和一名被申请人）</legend>" in page
    assert "立案日期" not in page and "原告" not in page
    assert '<option value="civil" selected>民事</option>' in page
    assert '<option value="compensation">行政赔偿</option>' in page
    assert 'name="parties.5.phone"' in page
    assert apis.calls == []


def test_a_filing_is_posted_to_the_court_as_its_api_takes_it_and_its_decision_is_shown(console, apis, browser, zhao):
    apis.answer(COURT, "POST", "/api/v1/filings", 201, {**DIVERTED, "first_time": True})

    request = browser.post("/court/filings/new", {"csrf": form_key_of(ZHAO), **FORM}, as_=zhao)
    response = console.register_court_filing(request)

    assert (response.status_code, response.headers["Location"]) == (303, f"{LINK}?done=registered")
    [call] = apis.posts()
    assert (call.service, call.token) == (COURT, token_of(ZHAO))
    assert call.body == {
        "filing_number": LOAN,
        "case_type": "civil",
        "filed_on": "2026-11-20",
        "category": "debt",
        "division_code": "430426101",
        "summary": "原告诉请被告归还借款五万元。",
        "claim_amount_yuan": "50000",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "陈立新", "phone": "13807341234"},
            {"role": "respondent", "kind": "person", "name": "周海波"},
        ],
        "legal_relation_clear": True,
        "facts_clear": True,
        "parties_consent": True,
    }
    RegisterFiling.model_validate(call.body)  # what the court will accept

    page = open_filing(console, browser, apis, DIVERTED, "?done=registered")
    assert '<p class="notice" role="status">已登记：分流至综治中心诉前调解（期限至 2026-12-23）。</p>' in page


def test_a_filed_filing_says_why_it_was_not_diverted(console, apis, browser, zhao):
    number = FILED["filing_number"]
    apis.answer(COURT, "GET", "/api/v1/filings/" + quote(number, safe=""), 200, FILED)

    request = browser.get(f"/court/filings/{quote(number, safe='')}?done=registered", as_=zhao)
    page = text_of(console.court_filing(request, number))

    assert "已登记：立案（事实不清楚、当事人不同意调解）。" in page
    assert '<dd class="filing-status">立案</dd>' in page
    assert "<form" not in page.split("<main", 1)[1]  # nothing further to do with a filed filing


def test_a_filing_registered_before_says_so(console, apis, browser, zhao):
    apis.answer(COURT, "POST", "/api/v1/filings", 200, {**DIVERTED, "first_time": False})

    response = console.register_court_filing(
        browser.post("/court/filings/new", {"csrf": form_key_of(ZHAO), **FORM}, as_=zhao)
    )

    assert response.headers["Location"] == f"{LINK}?done=repeat"
    page = open_filing(console, browser, apis, DIVERTED, "?done=repeat")
    assert "此案号已于2026-11-23 09:30登记过，未重复登记；以下是首次登记时的审查结果：分流至综治中心诉前调解" in page


def test_a_form_without_the_session_key_reaches_no_court(console, apis, browser, zhao):
    with pytest.raises(StaleForm):
        console.register_court_filing(browser.post("/court/filings/new", FORM, as_=zhao))

    assert apis.calls == []


def test_the_courts_refusal_is_shown_in_chinese_beside_each_field_and_the_form_kept(console, apis, browser, zhao):
    form = {
        **FORM,
        "filing_number": "湘0426民初123号",
        "case_type": "administrative",
        "claim_amount_yuan": "五万",
        "parties.1.name": "",
        "parties.2.name": "周海波",
        "parties.2.role": "respondent",
        "parties.2.phone": "1390734",
        "facts_clear": "",
    }
    body = filing_from_form({key: [value] for key, value in form.items()})
    answer_refusal(apis, COURT, "/api/v1/filings", RegisterFiling, body)

    response = console.register_court_filing(
        browser.post("/court/filings/new", {"csrf": form_key_of(ZHAO), **form}, as_=zhao)
    )

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "filing_number") == "案号格式不正确，应如（2026）湘0426民诉前调123号"
    assert error_beside(page, "administrative_matter") == "行政案件须选择行政事项"
    assert error_beside(page, "claim_amount_yuan") == "请填写金额（元），最多两位小数，如50000或50000.50"
    assert error_beside(page, "facts_clear") == "请选择是或否"
    # The respondent typed on the form's third row is the second party sent: its error stays on row three.
    assert error_beside(page, "parties.2.phone") == "手机号应为11位，以13至19开头"
    assert 'value="湘0426民初123号" aria-invalid="true"' in page
    assert '<input type="radio" name="legal_relation_clear" value="yes" checked>' in page


def test_a_filing_day_after_today_says_so_with_the_day(console, apis, browser, zhao):
    refusal = {"field": "filed_on", "message": "is after today (2026-11-23)", "type": "date_future"}
    apis.answer(COURT, "POST", "/api/v1/filings", 400, {"error": "invalid_input", "fields": [refusal]})

    response = console.register_court_filing(
        browser.post("/court/filings/new", {"csrf": form_key_of(ZHAO), **FORM, "filed_on": "2026-11-24"}, as_=zhao)
    )

    assert error_beside(text_of(response), "filed_on") == "不能晚于今天（2026-11-23）"


# --- a diverted filing: what its status allows --------------------------------------------------------------


def forms_on(page: str) -> list[str]:
    return re.findall(r'<form method="post" action="[^"]*/(\w+)" class="action"', page)


def test_a_filing_in_mediation_shows_its_term_and_offers_an_agreement_a_confirmation_or_a_return(
    console, apis, browser, zhao
):
    page = open_filing(console, browser, apis, DIVERTED)

    assert forms_on(page) == ["agreement", "confirmation", "return"]
    assert f'action="{LINK}/confirmation"' in page
    assert '<dd class="filing-decision">分流至综治中心诉前调解（期限至 2026-12-23）</dd>' in page
    assert '<span class="due due-ok">剩余30天</span>' in page
    assert "申请人：陈立新" in page and "被申请人：周海波" in page
    assert "<dd>祁东县人民法院</dd>" in page
    assert "<dd>砖塘镇</dd>" in page
    assert "<dd>50000.00元</dd>" in page
    assert "<dt>收案日期</dt>" in page and "立案日期" not in page  # received, not filed: it is being mediated
    assert "登记立案审查" in page  # the log, by name


def test_a_mediation_term_counted_into_an_unknown_year_is_marked_provisional(console, apis, browser, zhao):
    into_2027 = {**DIVERTED, "mediation_due_on": "2027-01-04", "mediation_due_provisional": True}

    page = open_filing(console, browser, apis, into_2027)

    assert '至 2027-01-04）</span><span class="provisional"' in page


def test_a_term_counted_again_once_the_years_holidays_were_published_says_from_what_to_what(
    console, apis, browser, zhao
):
    recounted = {
        "kind": "term_recounted",
        "officer": "yunwei.wang",
        "detail": {"term": "mediation", "year": 2027, "was": "2027-02-09", "now": "2027-02-15"},
        "at": "2026-12-10T02:00:00+00:00",
    }
    into_2027 = {**DIVERTED, "mediation_due_on": "2027-02-15", "log": [*DIVERTED["log"], recounted]}

    page = open_filing(console, browser, apis, into_2027)

    # No 经办: the operator who loaded the year did not handle the filing.
    told = "（2027年节假日安排已载入，诉前调解期限由 2027-02-09 重算为 2027-02-15）</li>"
    assert f"<strong>按节假日安排重新计算期限</strong>{told}" in page


def test_a_filing_registered_after_its_record_says_it_joined_that_case_and_what_the_screening_found(
    console, apis, browser, zhao
):
    joined = {
        "kind": "record_joined",
        "officer": "zhao.li",
        "detail": {
            "record_id": "FY-2026-000123",
            "fed_on": "2026-11-20",
            "screened": "filed",
            "screened_reasons": ["facts_unclear", "no_consent"],
        },
        "at": "2026-11-23T02:00:00+00:00",
    }
    fed_before = {**DIVERTED, "facts_clear": False, "log": [*DIVERTED["log"], joined]}

    page = open_filing(console, browser, apis, fed_before)

    told = (
        "（本院已于 2026-11-20 以 FY-2026-000123 报送综治中心调解，按已分流登记；"
        "本次立案审查结论为立案：事实不清楚、当事人不同意调解）"
    )
    assert f"<strong>并入此前报送综治中心的案件</strong>{told}，经办：" in page


JOINED_CASE = {
    "case_id": "430426-20261120-00004",
    "reason": "same parties and category within 30 days",
    "linked_at": "2026-11-23T01:31:00+00:00",
    "result": None,
    "outcome": None,
    "mediated": None,
    "result_by": None,
}
LED_REFERRAL = {
    "referral_id": "33333333-3333-4333-8333-333333333333",
    "case_id": "430426-20261120-00004",
    "unit": "court:430426",
    "role": "lead",
    "round": 1,
    "status": "reported",
    "result": "mediated",
    "outcome": "resolved",
    "received_at": "2026-11-20T02:00:00+00:00",
}


def test_a_filing_the_centre_joined_to_a_case_the_court_leads_names_that_case_and_its_referral_in_chinese(
    console, apis, browser, zhao
):
    joined = {**DIVERTED, "joined_case": JOINED_CASE, "referrals": [LED_REFERRAL]}

    page = open_filing(console, browser, apis, joined)

    told = "综治中心已将本案并入已有案件 430426-20261120-00004（30日内同一当事人、同类纠纷），未另立新案"
    assert f"{told}，该案件的交办件见下。" in page
    assert "430426-20261120-00004</a>：祁东县人民法院（牵头单位，第1轮），已办结（调解成功）" in page


def test_a_filing_joined_to_a_case_the_court_holds_no_referral_of_says_so(console, apis, browser, zhao):
    page = open_filing(console, browser, apis, {**DIVERTED, "joined_case": JOINED_CASE})

    assert "综治中心已将本案并入已有案件 430426-20261120-00004" in page
    assert "；本院未收到该案件的交办件。" in page
    assert "综治中心案件</h2>" not in page


def test_a_mediation_past_its_term_is_marked_overdue(console, apis, browser, zhao):
    late = {**DIVERTED, "diverted_on": "2026-10-20", "mediation_due_on": "2026-11-19", "mediation_overdue": True}

    page = open_filing(console, browser, apis, late)

    assert '<span class="due due-overdue">已超期4天</span>' in page


def test_a_pending_application_offers_the_ruling_and_the_one_extension(console, apis, browser, zhao):
    page = open_filing(console, browser, apis, APPLIED)

    assert forms_on(page) == ["decision", "extension"]
    assert '<td class="confirmation-status">待裁定</td>' in page
    assert '<span class="due due-ok">剩余15天</span>' in page

    extended = {**PENDING, "extended": True, "extension_reason": "需核实协议履行能力", "decision_due_on": "2026-12-18"}
    page = open_filing(console, browser, apis, {**APPLIED, "confirmations": [extended], "confirmation": extended})
    assert forms_on(page) == ["decision"]
    assert "已延长十日：需核实协议履行能力" in page


def test_an_agreement_recorded_without_an_application_may_still_be_applied_for_and_starts_filled_in(
    console, apis, browser, zhao
):
    page = open_filing(console, browser, apis, {**DIVERTED, "status": "mediated", "agreement": AGREEMENT})

    assert forms_on(page) == ["confirmation"]
    assert 'name="confirmation_signed_on" type="date" value="2026-11-23"' in page
    assert f"{TERMS}</textarea>" in page


def test_a_confirmed_agreement_leaves_nothing_to_do(console, apis, browser, zhao):
    confirmed = {**PENDING, "status": "confirmed", "decided_on": "2026-11-23"}

    page = open_filing(console, browser, apis, {**APPLIED, "confirmations": [confirmed], "confirmation": confirmed})

    assert forms_on(page) == []
    assert '<td class="confirmation-status">裁定确认有效（2026-11-23）</td>' in page


# --- the actions ---------------------------------------------------------------------------------------------


def test_an_application_is_posted_with_its_agreement_and_the_days_filled_in(console, apis, browser, zhao):
    apis.answer(COURT, "POST", f"{API}/confirmation", 201, APPLIED)
    form = {
        "confirmation_number": "",
        "confirmation_signed_on": "2026-11-23",
        "confirmation_terms": TERMS,
        "effective_on": "",
        "applied_on": "",
        "accepted_on": "2026-11-23",
    }

    response = post_action(console, browser, "confirmation", form)

    assert response.headers["Location"] == f"{LINK}?done=confirmation"
    [call] = apis.posts()
    assert call.body == {"agreement": {"signed_on": "2026-11-23", "terms": TERMS}, "accepted_on": "2026-11-23"}
    RequestConfirmation.model_validate(call.body)


@pytest.mark.parametrize(
    ("reported", "said"),
    [
        ({"referral_id": "5b0c6f0e-3d2a-4c1b-9f8e-7a6d5c4b3a21", "status": "reported"}, "已自动向综治中心反馈"),
        (None, "本院尚无此案已签收的交办单，未自动反馈办理结果"),
    ],
)
def test_a_confirmation_says_whether_the_centre_was_told_the_result(console, apis, browser, zhao, reported, said):
    confirmed = {**PENDING, "status": "confirmed", "decided_on": "2026-11-23"}
    decided = {**APPLIED, "confirmations": [confirmed], "confirmation": confirmed, "reported": reported}
    apis.answer(COURT, "POST", f"{API}/confirmation/decision", 200, decided)

    response = post_action(console, browser, "decision", {"decision": "confirmed", "decision_reason": ""})

    flag = "1" if reported else "0"
    assert response.headers["Location"] == f"{LINK}?done=confirmed&reported={flag}"
    assert apis.posts()[0].body == {"decision": "confirmed"}
    page = open_filing(console, browser, apis, decided, f"?done=confirmed&reported={flag}")
    assert "已裁定确认调解协议有效。" in page and said in page


def test_a_refusal_without_its_reason_asks_for_one_beside_the_reason(console, apis, browser, zhao):
    form = {"decision": "refused", "decision_reason": " "}
    answer_refusal(
        apis, COURT, f"{API}/confirmation/decision", DecideConfirmation, action_body("decision", _lists(form))
    )
    apis.answer(COURT, "GET", API, 200, APPLIED)

    response = post_action(console, browser, "decision", form)

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "decision.reason") == "驳回申请须写明理由"
    assert '<input type="radio" name="decision" value="refused" required checked>' in page


def test_a_return_reports_whether_the_centre_was_told(console, apis, browser, zhao):
    returned = {**DIVERTED, "status": "returned", "returned_on": "2026-11-23", "return_reason": "被告拒绝调解"}
    apis.answer(COURT, "POST", f"{API}/return", 200, {**returned, "reported": None})

    response = post_action(
        console, browser, "return", {"return_reason": "被告拒绝调解", "litigation_number": "(2026)湘0426民初9号"}
    )

    assert response.headers["Location"] == f"{LINK}?done=return&reported=0"
    assert apis.posts()[0].body == {"reason": "被告拒绝调解", "litigation_number": "(2026)湘0426民初9号"}
    page = open_filing(console, browser, apis, returned, "?done=return&reported=0")
    assert "已调解不成转立案。本院尚无此案已签收的交办单" in page
    assert forms_on(page) == []


def test_an_agreement_signed_before_the_diversion_names_the_day_it_must_follow(console, apis, browser, zhao):
    refusal = {
        "field": "agreement.signed_on",
        "message": "must not be before diverted_on (2026-11-23)",
        "type": "date_order",
    }
    apis.answer(COURT, "POST", f"{API}/agreement", 400, {"error": "invalid_input", "fields": [refusal]})
    apis.answer(COURT, "GET", API, 200, DIVERTED)

    response = post_action(
        console, browser, "agreement", {"agreement_signed_on": "2026-11-01", "agreement_terms": TERMS}
    )

    assert apis.posts()[0].body == {"agreement": {"signed_on": "2026-11-01", "terms": TERMS}}
    assert error_beside(text_of(response), "agreement.agreement.signed_on") == "不能早于分流之日（2026-11-23）"


@pytest.mark.parametrize(
    ("action", "code", "sentence"),
    [
        ("agreement", "already_mediated", "此案已记录调解协议"),
        ("return", "confirmation_pending", "司法确认申请尚待裁定：请先作出裁定。"),
        ("confirmation", "already_confirmed", "调解协议已经司法确认，不能再申请或转立案。"),
        ("extension", "already_extended", "审查期限已延长过一次（十日），不能再次延长。"),
        ("decision", "no_pending_confirmation", "没有待裁定的司法确认申请。"),
        ("return", "already_returned", "此案已调解不成转立案，不能再办理此项。"),
        ("agreement", "not_diverted", "此案已立案，未分流诉前调解，不能办理此项。"),
        ("return", "something_new", "此案当前的状态不允许此项操作，请刷新后查看。"),
    ],
)
def test_the_courts_refusal_is_read_in_chinese_by_its_code(console, apis, browser, zhao, action, code, sentence):
    path = {"agreement": "/agreement", "return": "/return", "confirmation": "/confirmation"}.get(
        action, f"/confirmation/{action}"
    )
    apis.answer(COURT, "POST", API + path, 409, {"error": "conflict", "message": f"{code}: filing {LOAN} …"})
    apis.answer(COURT, "GET", API, 200, APPLIED)

    response = post_action(console, browser, action, {"return_reason": "调解不成", "extension_reason": "特殊情况"})

    assert response.status_code == 409
    refusal = re.search(r'<p class="error" role="alert" id="refusal">([^<]*)</p>', text_of(response))
    assert refusal and sentence in refusal.group(1)
    assert code not in text_of(response)


def test_a_late_application_names_the_days_it_was_due_by(console, apis, browser, zhao):
    message = (
        f"application_late: the application for judicial confirmation of filing {LOAN}'s agreement was due by"
        " 2026-11-20, within 30 days of the agreement taking effect on 2026-10-21 (民事诉讼法 第二百零五条);"
        " it was made on 2026-11-23"
    )
    apis.answer(COURT, "POST", f"{API}/confirmation", 409, {"error": "conflict", "message": message})
    apis.answer(COURT, "GET", API, 200, DIVERTED)

    form = {"confirmation_signed_on": "2026-10-21", "confirmation_terms": TERMS}
    page = text_of(post_action(console, browser, "confirmation", form))

    assert "申请已超过期限：应自调解协议生效之日起三十日内申请司法确认" in page
    assert "本协议于2026-10-21生效，申请期限至2026-11-20。" in page
    assert 'name="confirmation_signed_on" type="date" value="2026-10-21"' in page  # what was typed is kept


def _lists(form: dict[str, str]) -> dict[str, list[str]]:
    return {key: [value] for key, value in form.items()}


def test_the_officer_who_registered_and_logged_reads_by_name(uow, apis, console_platform, browser, zhao):
    named = console_knowing(uow, apis, console_platform, ZHAO, people={"zhao.li": "赵丽"})

    page = open_filing(named, browser, apis, DIVERTED)

    assert "经办：赵丽（zhao.li）" in page
    assert page.count("赵丽（zhao.li）") == 2  # the registration, and the log's first line
