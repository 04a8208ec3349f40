"""访调对接 in the console: a petition officer registers petitions, reads the year's figures, finds a petition by its
number, and decides, extends and replies to it; the bureau's own API answers, its refusals read in Chinese."""

import re
from urllib.parse import quote

import pytest

from services.console.handlers.petitions import action_body, petition_from_form
from services.console.pages import PageNotFound, StaleForm
from services.petition_link.commands import (
    DecideAcceptance,
    GiveReviewOpinion,
    RegisterPetition,
    ReplyPetition,
    RequestReview,
)
from shared.auth.principal import Forbidden, Principal, Role
from shared.contracts.dates import request_context
from tests.service.console.visitors import (
    LIU,
    NOW,
    agency_shows,
    answer_refusal,
    console_knowing,
    error_beside,
    form_key_of,
    text_of,
    token_of,
)

XU = Principal("xu.min", "许敏", frozenset({Role.OFFICER}), frozenset({"petition:430426"}))
BUREAU = "petition_link"
NUMBER = "XF430426-2026-0312"
LINK = f"/petitions/{NUMBER}"
API = f"/api/v1/petitions/{NUMBER}"
REFERRAL_ID = "5b0c6a5e-8f2e-4c55-9a5e-0c1f0d7a9b11"  # the bureau's, of the case its petition became
REGISTERED = {
    "number": NUMBER,
    "unit": "petition:430426",
    "status": "registered",
    "received_on": "2026-11-20",
    "form": "visit",
    "petitioners": [
        {"name": "邓小勇", "phone": "137****3210", "identified_by": "id_number"},
        {"name": "邓小军", "phone": None, "identified_by": None},
    ],
    "group_size": 6,
    "collective_visit": True,
    "category": "wages",
    "division_code": "430426101",
    "summary": "六名务工人员集体来访，反映某建筑公司拖欠工资共计十二万元。",
    "respondents": [{"kind": "organisation", "name": "祁东县某建筑有限公司", "phone": None}],
    "litigation_related": False,
    "litigation_reason": None,
    "separated_to_court": False,
    "repeat_of": None,
    "matter": NUMBER,
    "acceptance": {
        "due_on": "2026-12-05",
        "decided_on": None,
        "accepted": None,
        "reason": None,
        "on_time": None,
        "overdue": False,
    },
    "handling": None,
    "reply": None,
    "overdue": False,
    "fed_to_centre": None,
    "case_referrals": [],
    "earlier_petitions": {
        "window_days": 365,
        "petitioners": [
            {"name": "邓小勇", "identified": True, "petitions": 2, "on_same_matter": 1},
            {"name": "邓小军", "identified": False, "petitions": 0, "on_same_matter": 0},
        ],
    },
    "registered_by": "xu.min",
    "registered_at": "2026-11-23T01:30:00+00:00",
}
ACCEPTED = {
    **REGISTERED,
    "status": "accepted",
    "acceptance": {**REGISTERED["acceptance"], "decided_on": "2026-11-23", "accepted": True, "reason": "予以受理"},
    "handling": {
        "accepted_on": "2026-11-23",
        "due_on": "2027-01-22",
        "extension": None,
        "on_time": None,
        "overdue": False,
    },
    "fed_to_centre": {"record_id": NUMBER, "message_id": "7d3f0c1e-2b4a-4f6d-9e8c-1a2b3c4d5e6f"},
    "case_referrals": [
        {
            "referral_id": REFERRAL_ID,
            "case_id": "C-20261123-0002",
            "unit": "petition:430426",
            "role": "lead",
            "round": 1,
            "status": "received",
            "result": None,
            "received_at": "2026-11-23T01:31:00+00:00",
        }
    ],
}
FORM = {
    "number": NUMBER,
    "received_on": "2026-11-20",
    "form": "visit",
    "group_size": "6",
    "category": "wages",
    "division_code": "430426101",
    "summary": "六名务工人员集体来访，反映某建筑公司拖欠工资共计十二万元。",
    "repeat_of": "",
    "petitioners.0.name": "邓小勇",
    "petitioners.0.id_number": "430426198507120012",
    "petitioners.0.phone": "13786543210",
    "petitioners.1.name": "",
    "petitioners.2.name": "邓小军",
    "respondents.0.kind": "organisation",
    "respondents.0.name": "祁东县某建筑有限公司",
    "respondents.1.kind": "person",
    "respondents.1.name": "",
    "litigation_reason": "",
}


@pytest.fixture
def console(uow, apis, console_platform):
    return console_knowing(uow, apis, console_platform, XU)


@pytest.fixture
def xu(staff) -> Principal:
    staff.signed_in(XU)
    return XU


CENTRE_VIEW = f"/api/v1/cases/C-20261123-0002/referrals/{REFERRAL_ID}"


@pytest.fixture(autouse=True)
def centre_knows_the_referral(apis) -> None:
    """The coordinator's answer on the bureau's referral: no other unit's part yet, unless a test says otherwise."""
    apis.answer("coordinator", "GET", CENTRE_VIEW, 200, {"case_id": "C-20261123-0002", "other_parts": []})


def listed(form: dict) -> dict:
    return {key: [value] for key, value in form.items()}


def post_action(console, browser, action: str, form: dict):
    request = browser.post(f"{LINK}/{action}", {"csrf": form_key_of(XU), **form}, as_=XU)
    return console.act_on_petition(request, NUMBER, action)


# --- who sees and opens 信访事项 -------------------------------------------------------------------------


def test_a_petition_officer_sees_the_years_figures_and_a_lookup(console, apis, browser, xu):
    apis.answer(BUREAU, "GET", "/api/v1/petitions", 200, {"petitions": [], "total": 0, "as_of": "2026-11-23"})
    apis.answer(
        BUREAU,
        "GET",
        "/api/v1/petitions/figures",
        200,
        {
            "batches": 40,
            "persons": 95,
            "petitioners": 52,
            "by_form": {"letter": 10, "visit": 25, "online": 5},
            "collective_visits": {"batches": 4, "persons": 30},
            "repeats": {"batches": 6, "persons": 8, "petitioners": 5},
            "litigation_related": {"batches": 3, "persons": 3},
            "acceptance": {"accepted": 30, "not_accepted": 2, "awaiting": 5, "decided_late": 0, "overdue": 1},
            "handling": {"open": 12, "replied_on_time": 17, "replied_late": 1, "extended": 2, "overdue": 0},
            "to_mediation": 21,
            "overdue": 1,
            "reviews": {"requested": 3, "answered": 2, "answered_on_time": 2},
            "re_reviews": {"requested": 1, "answered": 1, "answered_on_time": 0},
            "final": 1,
        },
    )

    page = text_of(console.petitions(browser.get("/petitions", as_=xu)))

    assert '<a href="/petitions" aria-current="page">信访事项</a>' in page
    [year] = [call for call in apis.calls if call.path == "/api/v1/petitions/figures"]
    assert (year.token, year.params) == (token_of(XU), {"from": "2026-01-01", "to": "2026-11-23"})
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page))
    assert rows["信访事项（批次）"] == "40批"
    assert rows["信访人次"] == "95人次"
    assert rows["其中来访"] == "25批"
    assert rows["转调解（访调对接）"] == "21件"
    assert rows["超期未办"] == "1件"
    assert (rows["请求复查"], rows["复查已出意见"], rows["复查意见按期作出"]) == ("3件", "2件", "2件")
    assert (rows["请求复核"], rows["复核意见按期作出"], rows["已终结（不再受理）"]) == ("1件", "0件", "1件")
    assert rows["重复信访中事项已终结的"] == "0批"  # a bureau that does not count it yet counts none
    assert '<form method="get" action="/petitions" class="filters" role="search">' in page
    assert "没有符合条件的信访事项。" in page


def test_a_number_looked_up_opens_its_petition_and_a_number_that_cannot_be_one_says_so(console, apis, browser, xu):
    found = console.petitions(browser.get(f"/petitions?number={NUMBER}", as_=xu))
    assert (found.status_code, found.headers["Location"]) == (303, LINK)
    assert apis.calls == []

    apis.answer(BUREAU, "GET", "/api/v1/petitions", 200, {"petitions": [], "total": 0})
    apis.answer(BUREAU, "GET", "/api/v1/petitions/figures", 200, {})
    wrong = console.petitions(browser.get("/petitions?number=abc%2Fdef", as_=xu))
    assert wrong.status_code == 400
    assert error_beside(text_of(wrong), "number").startswith("编号不能含有")


# --- the list: what is due first ------------------------------------------------------------------------------

LISTED = {
    "petitions": [
        {
            "number": "XF430426-2026-0301",
            "status": "registered",
            "received_on": "2026-11-01",
            "form": "letter",
            "group_size": 1,
            "category": "wages",
            "division_code": "430426101",
            "term": "acceptance",
            "due_on": "2026-11-16",
            "overdue": True,
        },
        {
            "number": "XF430426-2026-0302",
            "status": "accepted",
            "received_on": "2026-11-02",
            "form": "visit",
            "group_size": 6,
            "category": "land",
            "division_code": "430426101",
            "term": "handling",
            "due_on": "2027-01-04",
            "overdue": False,
        },
        {
            "number": "XF430426-2026-0288",
            "status": "replied",
            "received_on": "2026-09-01",
            "form": "letter",
            "group_size": 2,
            "category": "wages",
            "division_code": "430426101",
            "term": "review",
            "due_on": "2026-11-20",
            "overdue": True,
        },
        {
            "number": "祁信〔2026〕303号",
            "status": "replied",
            "received_on": "2026-10-20",
            "form": "online",
            "group_size": 1,
            "category": "debt",
            "division_code": "430426101",
            "term": None,
            "due_on": None,
            "overdue": False,
        },
    ],
    "total": 4,
    "as_of": "2026-11-23",
}


def list_rows(page: str) -> list[str]:
    """Each row of the list, its cells' text run together (tags dropped)."""
    table = page.split('<table class="list petitions">')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>")[:-1]]


def test_the_petitions_page_lists_what_is_due_first_each_row_opening_its_petition_with_its_term_in_days(
    console, apis, browser, xu
):
    apis.answer(BUREAU, "GET", "/api/v1/petitions", 200, LISTED)
    apis.answer(BUREAU, "GET", "/api/v1/petitions/figures", 200, {})

    page = text_of(console.petitions(browser.get("/petitions", as_=xu)))

    [listing] = [call for call in apis.calls if call.path == "/api/v1/petitions"]
    assert (listing.token, listing.params) == (token_of(XU), {"limit": "50", "offset": "0"})
    assert list_rows(page) == [
        "XF430426-2026-0301 2026-11-01 劳资欠薪纠纷 砖塘镇 1人次 待决定是否受理 受理期限 已超期7天 （至 2026-11-16）",
        "XF430426-2026-0302 2026-11-02 土地山林纠纷 砖塘镇 6人次 已受理，办理中 办理期限 剩余42天 （至 2027-01-04）",
        "XF430426-2026-0288 2026-09-01 劳资欠薪纠纷 砖塘镇 2人次 已答复办结 复查逾期"
        " 复查意见期限 已超期3天 （至 2026-11-20）",
        "祁信〔2026〕303号 2026-10-20 民间借贷纠纷 砖塘镇 1人次 已答复办结 —",
    ]
    assert '<tr class="row-overdue">' in page
    assert '<a href="/petitions/XF430426-2026-0301">XF430426-2026-0301</a>' in page
    assert f'<a href="/petitions/{quote("祁信〔2026〕303号")}">祁信〔2026〕303号</a>' in page
    assert page.count('<tr class="row-overdue">') == 2
    assert "共 4 件，显示第 1–4 件" in page


def test_the_list_is_asked_for_as_filtered_and_paged_and_offers_the_pages_around(console, apis, browser, xu):
    apis.answer(BUREAU, "GET", "/api/v1/petitions", 200, {**LISTED, "total": 120})
    apis.answer(BUREAU, "GET", "/api/v1/petitions/figures", 200, {})
    query = "/petitions?status=accepted&overdue=true&order=received&offset=50&page=3&number="

    page = text_of(console.petitions(browser.get(query, as_=xu)))

    [listing] = [call for call in apis.calls if call.path == "/api/v1/petitions"]
    assert listing.params == {
        "status": "accepted",
        "overdue": "true",
        "order": "received",
        "limit": "50",
        "offset": "50",
    }
    assert "共 120 件，显示第 51–54 件；最近收到的在前" in page
    assert '<a href="/petitions?status=accepted&amp;overdue=true&amp;order=received&amp;offset=0">上一页</a>' in page
    assert '<a href="/petitions?status=accepted&amp;overdue=true&amp;order=received&amp;offset=100">下一页</a>' in page
    assert '<option value="accepted" selected>已受理，办理中</option>' in page


@pytest.mark.parametrize("offset", ["abc", "５", "-1", "100001"])
def test_an_offset_that_is_no_page_of_the_list_asks_for_the_first(console, apis, browser, xu, offset):
    apis.answer(BUREAU, "GET", "/api/v1/petitions", 200, LISTED)
    apis.answer(BUREAU, "GET", "/api/v1/petitions/figures", 200, {})

    console.petitions(browser.get(f"/petitions?offset={offset}", as_=xu))

    [listing] = [call for call in apis.calls if call.path == "/api/v1/petitions"]
    assert listing.params == {"limit": "50", "offset": "0"}


def test_a_filter_the_bureau_refuses_is_said_beside_it_and_the_figures_still_show(console, apis, browser, xu):
    apis.answer(
        BUREAU,
        "GET",
        "/api/v1/petitions",
        400,
        {
            "error": "invalid_input",
            "fields": [{"field": "status", "message": "Input should be 'registered', …", "type": "enum"}],
        },
    )
    apis.answer(BUREAU, "GET", "/api/v1/petitions/figures", 200, {"batches": 40})

    response = console.petitions(browser.get("/petitions?status=lost", as_=xu))

    page = text_of(response)
    assert response.status_code == 400
    assert error_beside(page, "status")
    assert "没有符合条件的信访事项。" in page
    assert dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page))["信访事项（批次）"] == "40批"


@pytest.mark.parametrize(
    "visit",
    [
        lambda console, browser: console.petitions(browser.get("/petitions", as_=LIU)),
        lambda console, browser: console.new_petition(browser.get("/petitions/new", as_=LIU)),
        lambda console, browser: console.petition(browser.get(LINK, as_=LIU), NUMBER),
        lambda console, browser: console.register_petition(
            browser.post("/petitions/new", {"csrf": form_key_of(LIU), **FORM}, as_=LIU)
        ),
        lambda console, browser: console.act_on_petition(
            browser.post(f"{LINK}/acceptance", {"csrf": form_key_of(LIU), "accepted": "yes"}, as_=LIU),
            NUMBER,
            "acceptance",
        ),
    ],
    ids=["figures", "form", "petition", "register", "acceptance"],
)
def test_a_police_officer_is_forbidden_every_petition_page_and_the_bureau_is_never_asked(
    console, apis, browser, staff, visit
):
    staff.signed_in(LIU)

    with pytest.raises(Forbidden):
        visit(console, browser)

    assert apis.calls == []


def test_a_path_that_is_no_petition_number_is_not_found_without_asking(console, apis, browser, xu):
    with pytest.raises(PageNotFound):
        console.petition(browser.get("/petitions/abc", as_=xu), "a b")
    with pytest.raises(PageNotFound):
        post_action(console, browser, "delete", {})

    assert apis.calls == []


# --- registering a petition ----------------------------------------------------------------------------------


def test_a_petition_is_posted_as_the_bureaus_api_takes_it(console, apis, browser, xu):
    apis.answer(BUREAU, "POST", "/api/v1/petitions", 201, {**REGISTERED, "first_time": True})

    response = console.register_petition(browser.post("/petitions/new", {"csrf": form_key_of(XU), **FORM}, as_=xu))

    assert (response.status_code, response.headers["Location"]) == (303, f"{LINK}?done=registered")
    [call] = apis.posts()
    assert (call.service, call.token) == (BUREAU, token_of(XU))
    assert call.body == {
        "number": NUMBER,
        "received_on": "2026-11-20",
        "form": "visit",
        "category": "wages",
        "division_code": "430426101",
        "summary": "六名务工人员集体来访，反映某建筑公司拖欠工资共计十二万元。",
        "petitioners": [
            {"name": "邓小勇", "id_number": "430426198507120012", "phone": "13786543210"},
            {"name": "邓小军"},
        ],
        "respondents": [{"kind": "organisation", "name": "祁东县某建筑有限公司"}],
        "group_size": 6,
        "litigation_related": False,
    }
    assert RegisterPetition.model_validate(call.body).persons == 6


def test_a_form_without_the_session_key_reaches_no_bureau(console, apis, browser, xu):
    with pytest.raises(StaleForm):
        console.register_petition(browser.post("/petitions/new", FORM, as_=xu))

    assert apis.calls == []


def test_the_bureaus_refusal_is_shown_beside_each_field_and_rows_where_they_were_typed(console, apis, browser, xu):
    form = {**FORM, "petitioners.2.phone": "1378654", "litigation_related": "yes"}
    answer_refusal(apis, BUREAU, "/api/v1/petitions", RegisterPetition, petition_from_form(listed(form)))

    response = console.register_petition(browser.post("/petitions/new", {"csrf": form_key_of(XU), **form}, as_=xu))

    assert response.status_code == 400
    page = text_of(response)
    assert "petitioners.2.phone-error" in page  # the second sent, typed in the third row
    assert error_beside(page, "litigation_reason") == "涉法涉诉的须写明理由；不涉法涉诉的不填"
    assert 'value="1378654"' in page


def test_a_petition_received_tomorrow_and_missing_its_summary_shows_both_mistakes_at_once(console, apis, browser, xu):
    form = {**FORM, "received_on": "2026-11-24", "summary": ""}  # the bureau's clock, as the console's: 23 November
    answer_refusal(apis, BUREAU, "/api/v1/petitions", RegisterPetition, petition_from_form(listed(form)))

    response = console.register_petition(browser.post("/petitions/new", {"csrf": form_key_of(XU), **form}, as_=xu))

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "received_on") == "不能晚于今天"
    assert error_beside(page, "summary") == "必填"
    assert 'value="2026-11-24"' in page  # kept to correct, with everything else typed
    assert len([call for call in apis.calls if (call.method, call.path) == ("POST", "/api/v1/petitions")]) == 1


def test_a_group_smaller_than_the_petitioners_named_says_so(console, apis, browser, xu):
    form = {**FORM, "group_size": "1"}
    answer_refusal(apis, BUREAU, "/api/v1/petitions", RegisterPetition, petition_from_form(listed(form)))

    response = console.register_petition(browser.post("/petitions/new", {"csrf": form_key_of(XU), **form}, as_=xu))

    assert error_beside(text_of(response), "group_size") == "人数不能少于列出的信访人"


def test_a_petition_without_a_petitioner_asks_for_a_name(console, apis, browser, xu):
    form = {key: value for key, value in FORM.items() if not key.startswith("petitioners.")}
    answer_refusal(apis, BUREAU, "/api/v1/petitions", RegisterPetition, petition_from_form(listed(form)))

    response = console.register_petition(browser.post("/petitions/new", {"csrf": form_key_of(XU), **form}, as_=xu))

    assert error_beside(text_of(response), "petitioners") == "请至少填写一名信访人的姓名"


def test_another_petition_under_a_known_number_reads_in_chinese(console, apis, browser, xu):
    apis.answer(
        BUREAU,
        "POST",
        "/api/v1/petitions",
        409,
        {"error": "conflict", "message": f"petition {NUMBER} is registered already, with other details"},
    )

    response = console.register_petition(browser.post("/petitions/new", {"csrf": form_key_of(XU), **FORM}, as_=xu))

    assert response.status_code == 409
    assert "此编号已登记过另一件信访事项，内容不同：请核对编号。" in text_of(response)


# --- a petition and its actions ------------------------------------------------------------------------------


def test_a_registered_petition_shows_its_acceptance_term_and_earlier_petitions_and_offers_the_decision(
    console, apis, browser, xu
):
    apis.answer(BUREAU, "GET", API, 200, REGISTERED)

    page = text_of(console.petition(browser.get(f"{LINK}?done=registered", as_=xu), NUMBER))

    assert '<p class="notice" role="status">已登记。</p>' in page
    assert '<dd class="petition-status">待决定是否受理</dd>' in page
    assert '<span class="due due-ok">剩余12天</span> <span class="when">（至 2026-12-05）</span>' in page
    assert "<tr><td>邓小勇</td><td>2件</td><td>1件</td></tr>" in page
    assert "无法识别" in page
    assert re.findall(r'<h2 id="[a-z-]+">([^<]+)</h2>', page)[-1] == "受理决定"
    assert "答复信访人" not in page


MEDIATORS = {
    "referral_id": "0b7a3c52-9d41-4e0f-8a6b-2c5d7e9f1a30",
    "unit": "justice:430426105",
    "role": "co_unit",
    "status": "reported",
    "result": "mediated",
    "outcome": "resolved",
    "agreement": {
        "number": "蒋司调字〔2026〕第7号",
        "signed_on": "2026-11-28",
        "terms": "公司七日内付清拖欠工资四万元。",
    },
    "reported_at": "2026-11-28T07:30:00+00:00",
    "summary": "经调解，双方签订调解协议。",
}


def test_the_mediators_agreement_shows_under_the_bureaus_referral_and_fills_the_reply(console, apis, browser, xu):
    """访调对接: the reply to the petitioner is made with the agreement the township's mediators had signed."""
    apis.answer("coordinator", "GET", CENTRE_VIEW, 200, {"case_id": "C-20261123-0002", "other_parts": [MEDIATORS]})
    apis.answer(BUREAU, "GET", API, 200, ACCEPTED)

    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    parts = page[page.index('<ul class="other-parts">') :]
    assert "双桥镇司法所（配合单位）：已办结（调解成功）" in parts
    assert "蒋司调字〔2026〕第7号，2026-11-28 签订：公司七日内付清拖欠工资四万元。" in parts
    assert 'name="agreement_number" maxlength="50" value="蒋司调字〔2026〕第7号"' in page
    assert 'name="agreement_signed_on" type="date" value="2026-11-28"' in page
    assert "公司七日内付清拖欠工资四万元。</textarea>" in page and "已按上方配合单位签订的调解协议预填" in page


def test_a_replied_petition_whose_referral_is_still_open_says_to_report_its_result(console, apis, browser, xu):
    replied = {**ACCEPTED, "status": "replied"}
    replied["case_referrals"] = [{**ACCEPTED["case_referrals"][0], "status": "accepted"}]
    apis.answer(BUREAU, "GET", API, 200, replied)

    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    assert "本局在综治中心的交办件仍未反馈结果" in page
    assert f'<a href="/referrals/petition/{REFERRAL_ID}">交办单 C-20261123-0002</a>' in page


def test_a_petition_that_joined_a_case_the_bureau_holds_no_referral_of_names_that_case_in_chinese(
    console, apis, browser, xu
):
    joined = {
        **ACCEPTED,
        "case_referrals": [],
        "joined_case": {
            "case_id": "430426-20261101-00003",
            "reason": "same parties and category within 30 days",
            "linked_at": "2026-11-23T01:31:00+00:00",
        },
    }
    apis.answer(BUREAU, "GET", API, 200, joined)

    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    assert "综治中心已将本信访事项并入已有案件 430426-20261101-00003（30日内同一当事人、同类纠纷），未另立新案" in page
    assert "本局未收到该案件的交办件" in page


def test_a_petition_that_joined_a_case_the_bureau_leads_names_it_above_its_referral(console, apis, browser, xu):
    joined = {
        **ACCEPTED,
        "joined_case": {"case_id": "C-20261123-0002", "reason": "same source record", "linked_at": "2026-11-23"},
    }
    apis.answer(BUREAU, "GET", API, 200, joined)

    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    assert "并入已有案件 C-20261123-0002（同一原始记录），未另立新案，该案件的交办件见下" in page
    assert '<a href="/referrals/petition/5b0c6a5e-8f2e-4c55-9a5e-0c1f0d7a9b11">C-20261123-0002</a>' in page


def test_an_accepted_petition_offers_the_reply_and_the_one_extension_and_links_its_referrals(
    console, apis, browser, xu
):
    apis.answer(BUREAU, "GET", API, 200, ACCEPTED)

    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    assert "已转综治中心调解" in page
    assert '<a href="/referrals/petition/5b0c6a5e-8f2e-4c55-9a5e-0c1f0d7a9b11">C-20261123-0002</a>' in page
    assert "答复信访人" in page and "延长办理期限" in page
    assert '<input type="radio" name="result" value="mediated" required> 调解成功</label>' in page

    extended = {
        **ACCEPTED,
        "handling": {
            **ACCEPTED["handling"],
            "extension": {"days": 30, "reason": "情况复杂", "granted_on": "2026-11-23"},
        },
    }
    apis.answer(BUREAU, "GET", API, 200, extended)
    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))
    assert '<form method="post" action="/petitions/XF430426-2026-0312/extension"' not in page
    assert "批准延长30日：情况复杂" in page


def test_an_accepted_petition_past_its_sixty_days_offers_the_reply_but_no_extension(console, apis, browser, xu):
    # 第三十四条: an extension is approved while the term runs; the bureau refuses one after it (term_ended).
    overdue = {**ACCEPTED, "overdue": True, "handling": {**ACCEPTED["handling"], "overdue": True}}
    apis.answer(BUREAU, "GET", API, 200, overdue)

    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    assert '<form method="post" action="/petitions/XF430426-2026-0312/reply"' in page
    assert '<form method="post" action="/petitions/XF430426-2026-0312/extension"' not in page


def test_an_acceptance_to_mediation_is_posted_with_booleans(console, apis, browser, xu):
    apis.answer(BUREAU, "POST", f"{API}/acceptance", 200, ACCEPTED)

    response = post_action(
        console,
        browser,
        "acceptance",
        {"accepted": "yes", "acceptance_reason": "予以受理，转人民调解。", "to_mediation": "yes"},
    )

    assert response.headers["Location"] == f"{LINK}?done=to_mediation"
    [call] = apis.posts()
    assert call.body == {"accepted": True, "reason": "予以受理，转人民调解。", "to_mediation": True}
    DecideAcceptance.model_validate(call.body)


def test_an_acceptance_without_its_reason_asks_for_one_beside_the_reason(console, apis, browser, xu):
    answer_refusal(
        apis, BUREAU, f"{API}/acceptance", DecideAcceptance, action_body("acceptance", listed({"accepted": "yes"}))
    )
    apis.answer(BUREAU, "GET", API, 200, REGISTERED)

    response = post_action(console, browser, "acceptance", {"accepted": "yes"})

    assert response.status_code == 400
    assert error_beside(text_of(response), "acceptance.reason") == "请写明受理或不予受理的理由"


def test_a_mediated_reply_is_posted_with_its_agreement(console, apis, browser, xu):
    apis.answer(BUREAU, "POST", f"{API}/reply", 200, {**ACCEPTED, "status": "replied"})
    form = {
        "result": "mediated",
        "reply_summary": "经调解，公司同意分两期支付欠薪。",
        "agreement_signed_on": "2026-11-23",
        "agreement_terms": "公司于2026年12月31日前付清欠薪十二万元。",
    }

    response = post_action(console, browser, "reply", form)

    assert response.headers["Location"] == f"{LINK}?done=reply"
    [call] = apis.posts()
    assert call.body == {
        "result": "mediated",
        "summary": "经调解，公司同意分两期支付欠薪。",
        "agreement": {"signed_on": "2026-11-23", "terms": "公司于2026年12月31日前付清欠薪十二万元。"},
    }
    ReplyPetition.model_validate(call.body)


@pytest.mark.parametrize(
    ("action", "form", "code", "sentence"),
    [
        (
            "extension",
            {"extension_days": "30", "extension_reason": "情况复杂"},
            "already_extended",
            "办理期限已延长过一次",
        ),
        ("extension", {"extension_days": "10", "extension_reason": "情况复杂"}, "term_ended", "六十日办理期限已届满"),
        ("reply", {"result": "handled", "reply_summary": "已办结"}, "already_replied", "此事项已答复办结"),
        ("acceptance", {"accepted": "yes", "acceptance_reason": "受理"}, "separated", "诉访分离"),
    ],
)
def test_the_bureaus_refusal_is_read_in_chinese_by_its_code(console, apis, browser, xu, action, form, code, sentence):
    apis.answer(BUREAU, "POST", f"{API}/{action}", 409, {"error": "conflict", "message": f"{code}: petition refused"})
    apis.answer(BUREAU, "GET", API, 200, ACCEPTED)

    response = post_action(console, browser, action, form)

    assert response.status_code == 409
    refusal = re.search(r'<p class="error" role="alert" id="refusal">([^<]*)</p>', text_of(response))
    assert refusal and sentence in refusal.group(1)
    [posted] = apis.posts()
    if action == "extension":
        assert posted.body == {"days": int(form["extension_days"]), "reason": "情况复杂"}


def test_the_bureaus_referral_page_leads_back_to_its_petition(console, apis, browser, xu):
    referral = {
        **ACCEPTED["case_referrals"][0],
        "source": "petition",
        "source_record_id": NUMBER,
        "category": "wages",
        "division_code": "430426105",
        "summary": "三名务工人员反映拖欠工资",
        "parties": [],
        "flags": [],
        "due_at": "2027-01-22T09:30:00+00:00",
        "outcome": None,
        "agreement": None,
        "log": [],
    }
    agency_shows(apis, BUREAU, referral)

    page = text_of(console.referral(browser.get(f"/referrals/petition/{REFERRAL_ID}", as_=xu), "petition", REFERRAL_ID))

    assert f'<a href="/petitions/{NUMBER}">信访事项 {NUMBER}：受理、答复信访人</a>' in page


# --- 复查 and 复核 after the reply (信访工作条例 第三十五条、第三十六条) ---------------------------------------------

REPLIED = {
    **ACCEPTED,
    "status": "replied",
    "case_referrals": [],
    "reply": {
        "replied_on": "2026-11-20",
        "result": "handled",
        "outcome": "resolved",
        "summary": "已责成公司支付工资。",
        "agreement": None,
    },
    "review": None,
    "re_review": None,
    "final": None,
    "final_matter": None,
}
REVIEW_ASKED = {
    "body": "衡阳市信访局",
    "answer_received_on": "2026-11-20",
    "requested_on": "2026-11-22",
    "request_due_on": "2026-12-20",
    "due_on": "2026-12-22",
    "on_time": None,
    "overdue": False,
    "opinion": None,
}
REVIEWED = {
    **REVIEW_ASKED,
    "on_time": True,
    "opinion": {"result": "upheld", "summary": "维持原处理意见。", "given_on": "2026-11-23"},
}
RE_REVIEWED = {
    **REVIEWED,
    "body": "湖南省信访局",
    "opinion": {"result": "revoked", "summary": "撤销复查意见，责令重新办理。", "given_on": "2026-11-23"},
}


def forms_offered(page: str) -> list[str]:
    return re.findall(rf'<form method="post" action="{re.escape(LINK)}/([a-z_]+)"', page)


def test_a_replied_petition_offers_only_the_review_request_the_reply_day_as_the_day_received(
    console, apis, browser, xu
):
    apis.answer(BUREAU, "GET", API, 200, REPLIED)

    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    assert forms_offered(page) == ["review"]
    assert "登记复查请求" in page and "信访工作条例第三十五条" in page
    assert 'name="answer_received_on" type="date" value="2026-11-20"' in page
    assert "复查、复核" not in page  # nothing asked yet


def test_each_step_of_review_offers_the_next_form_and_shows_what_was_recorded(console, apis, browser, xu):
    steps = [
        ({"review": REVIEW_ASKED}, ["review_opinion"], "2026-11-22 向衡阳市信访局请求复查（2026-11-20 收到书面答复"),
        ({"review": REVIEWED}, ["re_review"], "2026-11-23 维持：维持原处理意见。"),
        (
            {"review": REVIEWED, "re_review": {**REVIEW_ASKED, "body": "湖南省信访局"}},
            ["re_review_opinion"],
            "剩余29天",
        ),
        (
            {
                "review": REVIEWED,
                "re_review": RE_REVIEWED,
                "final": {"number": NUMBER, "since": "2026-11-23", "by": "re_review"},
            },
            [],
            "2026-11-23 起终结（复核意见已作出）：以同一事实和理由再提出的，不再受理",
        ),
    ]
    for shown, offered, sentence in steps:
        apis.answer(BUREAU, "GET", API, 200, {**REPLIED, **shown})

        page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

        assert forms_offered(page) == offered
        assert sentence in page
    assert "撤销：撤销复查意见，责令重新办理。" in page


def test_an_overdue_review_opinion_shows_the_days_past_its_term_and_the_petition_reads_review_overdue(
    console, apis, browser, xu
):
    overdue = {**REVIEW_ASKED, "due_on": "2026-11-21", "overdue": True}
    apis.answer(
        BUREAU,
        "GET",
        API,
        200,
        {**REPLIED, "review": overdue, "term": "review", "due_on": "2026-11-21", "overdue": True},
    )

    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    assert '<span class="due due-overdue">已超期2天</span> <span class="when">（复查意见至 2026-11-21）</span>' in page
    assert '<dd class="petition-status">已答复办结 <span class="due due-overdue">复查逾期</span></dd>' in page


def test_an_overdue_re_review_reads_re_review_overdue_and_an_overdue_handling_term_overdue(console, apis, browser, xu):
    re_review = {**REVIEW_ASKED, "body": "湖南省信访局", "due_on": "2026-11-21", "overdue": True}
    shown = {**REPLIED, "review": REVIEWED, "re_review": re_review, "term": "re_review", "overdue": True}
    apis.answer(BUREAU, "GET", API, 200, shown)
    re_reviewed = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))
    apis.answer(BUREAU, "GET", API, 200, {**ACCEPTED, "term": "handling", "overdue": True})
    handled = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    assert '<span class="due due-overdue">复核逾期</span>' in re_reviewed
    assert '<span class="due due-overdue">已超期</span>' in handled and "逾期</span>" not in handled


def test_a_review_request_and_its_opinion_are_posted_as_the_bureaus_api_takes_them(console, apis, browser, xu):
    apis.answer(BUREAU, "POST", f"{API}/review", 200, {**REPLIED, "review": REVIEW_ASKED})
    apis.answer(BUREAU, "POST", f"{API}/re-review/opinion", 200, {**REPLIED, "review": REVIEWED})
    asked = {"review_body": "衡阳市信访局", "answer_received_on": "2026-11-20", "requested_on": "2026-11-22"}
    opinion = {"review_result": "changed", "review_summary": "变更为足额支付。", "given_on": "2026-11-23"}

    first = post_action(console, browser, "review", asked)
    second = post_action(console, browser, "re_review_opinion", opinion)

    assert first.headers["Location"] == f"{LINK}?done=review"
    assert second.headers["Location"] == f"{LINK}?done=re_review_opinion"
    request, answer = apis.posts()
    assert (request.path, answer.path) == (f"{API}/review", f"{API}/re-review/opinion")
    assert request.body == {"body": "衡阳市信访局", "answer_received_on": "2026-11-20", "requested_on": "2026-11-22"}
    assert answer.body == {"result": "changed", "summary": "变更为足额支付。", "given_on": "2026-11-23"}
    RequestReview.model_validate(request.body, context=request_context(NOW))
    GiveReviewOpinion.model_validate(answer.body, context=request_context(NOW))


def test_a_review_request_without_its_body_or_day_says_so_beside_each(console, apis, browser, xu):
    answer_refusal(apis, BUREAU, f"{API}/review", RequestReview, action_body("review", listed({})))
    apis.answer(BUREAU, "GET", API, 200, REPLIED)

    response = post_action(console, browser, "review", {})

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "review.body") == "请填写受理复查的机关（上一级机关的名称）"
    assert error_beside(page, "review.requested_on") == "请填写信访人请求复查的日期"


def test_a_review_asked_too_late_is_refused_in_chinese_naming_the_articles(console, apis, browser, xu):
    message = "request_late: 信访工作条例第三十五条: 复查 is asked within 30 days"
    apis.answer(BUREAU, "POST", f"{API}/review", 409, {"error": "conflict", "message": message})
    apis.answer(BUREAU, "GET", API, 200, REPLIED)

    response = post_action(console, browser, "review", {"review_body": "衡阳市信访局", "requested_on": "2026-11-23"})

    assert response.status_code == 409
    refusal = re.search(r'<p class="error" role="alert" id="refusal">([^<]*)</p>', text_of(response))
    assert refusal and "第三十五条、第三十六条" in refusal.group(1)


def test_a_repeat_of_a_final_matter_says_it_is_not_accepted_again(console, apis, browser, xu):
    final = {"number": "XF430426-2026-0100", "since": "2026-11-01", "by": "no_re_review"}
    apis.answer(BUREAU, "GET", API, 200, {**REGISTERED, "repeat_of": "XF430426-2026-0100", "final_matter": final})

    page = text_of(console.petition(browser.get(LINK, as_=xu), NUMBER))

    assert "已于 2026-11-01 终结（复查意见作出后三十日内未请求复核），本件收到时已终结" in page
    assert "不再受理（信访工作条例第三十六条）" in page
    assert forms_offered(page) == ["acceptance"]  # registered all the same: the bureau still decides
