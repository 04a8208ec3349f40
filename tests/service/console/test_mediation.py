"""人民调解 in the console: a justice officer reads the year's figures per organisation and mediator, and on a
referral assigns the proposed mediator, records sessions and legal aid; the bureau's own API answers, its
refusals read in Chinese beside the fields, and no officer of another agency opens the pages."""

import re

import pytest

from services.console.handlers.mediation import action_body
from services.console.pages import PageNotFound, StaleForm
from services.justice_link.commands import RecordSession, ReferToLegalAid
from shared.auth.principal import Forbidden, Principal, Role
from tests.service.console.test_referrals import ACCEPTED, MEDIATED_FORM
from tests.service.console.visitors import (
    LIU,
    agency_shows,
    answer_refusal,
    console_knowing,
    error_beside,
    form_key_of,
    text_of,
    token_of,
)

TANG = Principal("tang.min", "唐敏", frozenset({Role.OFFICER}), frozenset({"justice:430426"}))
JUSTICE = "justice_link"
RID = "3f2b8c1e-5d4a-4b6c-9e8f-0a1b2c3d4e5f"
LINK = f"/justice/referrals/{RID}/mediation"
API = f"/api/v1/referrals/{RID}/mediation"
# As the bureau answers for a neighbours' dispute at 新塘村, accepted, with nobody assigned yet.
MEDIATION = {
    "referral_id": RID,
    "unit": "justice:430426101",
    "category": "neighbour",
    "division_code": "430426101203",
    "status": "accepted",
    "proposal": {
        "organisation": "zt-xintang",
        "organisation_name": "砖塘镇新塘村人民调解委员会",
        "mediator": "zt-xintang-01",
        "mediator_name": "陈国平",
        "place_digits": 12,
    },
    "assignment": None,
    "sessions": [],
    "legal_aid": [],
    "result": None,
    "outcome": None,
    "agreement": None,
    "guidance": None,
}
ASSIGNED = {
    **MEDIATION,
    "assignment": {
        "referral_id": RID,
        "organisation": "zt-xintang",
        "mediator": "zt-xintang-01",
        "as_proposed": True,
        "assigned_by": "tang.min",
        "assigned_at": "2026-11-23T01:00:00+00:00",
    },
    "sessions": [
        {
            "organisation": "zt-xintang",
            "mediator": "zt-xintang-01",
            "held_on": "2026-11-22",
            "attendees": ["李大山", "王小河"],
            "note": "双方同意重新划定排水沟。",
            "recorded_by": "tang.min",
            "recorded_at": "2026-11-23T01:10:00+00:00",
        }
    ],
    "legal_aid": [{"party": "李大山", "reason": "经济困难", "recorded_by": "tang.min", "recorded_at": "2026-11-23"}],
}
FAILED = {
    **ASSIGNED,
    "category": "wages",
    "status": "reported",
    "result": "mediation_failed",
    "outcome": "unresolved",
    "guidance": {
        "text": "对调解不成功的，及时引导当事人通过仲裁、行政裁决、行政复议等途径解决；",
        "routes": [
            {
                "code": "labour_arbitration",
                "name": "劳动争议仲裁（向劳动人事争议仲裁委员会申请）",
                "basis": "劳动争议调解仲裁法 第五条",
            },
            {"code": "litigation", "name": "向人民法院提起诉讼", "basis": "人民调解法 第二十六条"},
        ],
        "taken": None,
    },
}


@pytest.fixture
def console(uow, apis, console_platform):
    return console_knowing(uow, apis, console_platform, TANG)


@pytest.fixture
def tang(staff) -> Principal:
    staff.signed_in(TANG)
    return TANG


def open_mediation(console, browser, apis, mediation: dict, query: str = "") -> str:
    apis.answer(JUSTICE, "GET", API, 200, mediation)
    response = console.referral_mediation(browser.get(f"{LINK}{query}", as_=TANG), RID)
    assert response.status_code == 200
    return text_of(response)


def post_action(console, browser, action: str, form: dict):
    request = browser.post(f"{LINK}/{action}", {"csrf": form_key_of(TANG), **form}, as_=TANG)
    return console.act_on_mediation(request, RID, action)


def test_a_justice_officer_has_mediation_in_the_navigation_and_the_years_figures(console, apis, browser, tang):
    tally = {
        "assigned": 12,
        "mediated": 7,
        "failed": 2,
        "referred_on": 1,
        "open": 2,
        "success_rate": 0.7778,
        "sessions": 20,
    }
    apis.answer(
        JUSTICE,
        "GET",
        "/api/v1/mediation/figures",
        200,
        {
            "from": "2026-01-01",
            "to": "2026-11-23",
            "total": tally,
            "organisations": [{"organisation": "zt-xintang", "name": "砖塘镇新塘村人民调解委员会", **tally}],
            "mediators": [{"organisation": "zt-xintang", "mediator": "zt-xintang-01", "name": "陈国平", **tally}],
        },
    )

    page = text_of(console.mediation_figures(browser.get("/justice/mediation", as_=tang)))

    assert '<a href="/justice/mediation" aria-current="page">人民调解</a>' in page
    (call,) = apis.calls
    assert (call.token, call.params) == (token_of(TANG), {"from": "2026-01-01", "to": "2026-11-23"})
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page))
    assert rows["指派"] == "12件" and rows["调解成功率"] == "77.8%" and rows["调解次数"] == "20次"
    assert rows["导入法定途径"] == "1件" and "不计入，与综治中心统计口径一致" in page
    assert '<th scope="row">砖塘镇新塘村人民调解委员会</th>' in page
    assert "<td>村（居）人民调解委员会</td>" in page
    assert '<th scope="row">陈国平</th>' in page


@pytest.mark.parametrize(
    "visit",
    [
        lambda console, browser: console.mediation_figures(browser.get("/justice/mediation", as_=LIU)),
        lambda console, browser: console.referral_mediation(browser.get(LINK, as_=LIU), RID),
        lambda console, browser: console.act_on_mediation(
            browser.post(f"{LINK}/assign", {"csrf": form_key_of(LIU), "organisation": "zt-town"}, as_=LIU),
            RID,
            "assign",
        ),
    ],
    ids=["figures", "mediation", "assign"],
)
def test_a_police_officer_is_forbidden_every_mediation_page_and_the_bureau_is_never_asked(
    console, apis, browser, staff, visit
):
    staff.signed_in(LIU)

    with pytest.raises(Forbidden):
        visit(console, browser)

    assert apis.calls == []


def test_a_path_that_is_no_referral_or_action_is_not_found_without_asking(console, apis, browser, tang):
    with pytest.raises(PageNotFound):
        console.referral_mediation(browser.get("/justice/referrals/x/mediation", as_=tang), "../admin")
    with pytest.raises(PageNotFound):
        post_action(console, browser, "delete", {})

    assert apis.calls == []


def test_the_assignment_form_starts_with_the_proposal(console, apis, browser, tang):
    page = open_mediation(console, browser, apis, MEDIATION)

    assert "砖塘镇新塘村人民调解委员会（村（居）人民调解委员会） · 调解员 陈国平" in page
    assert '<option value="zt-xintang" selected>砖塘镇新塘村人民调解委员会</option>' in page
    assert '<option value="zt-xintang-01" selected>陈国平</option>' in page
    assert "尚未指派" in page
    assert 'action="/justice/referrals/' + RID + '/mediation/sessions"' not in page  # nobody to record for yet


def test_a_request_for_legal_aid_made_with_the_mediation_request_is_shown_until_a_party_is_referred(
    console, apis, browser, tang
):
    asked = {
        **MEDIATION,
        "request": {"record_id": "SQ-2026-0088", "committee": "新塘村人民调解委员会", "legal_aid_requested": True},
    }
    referred = {
        **asked,
        "legal_aid": [
            {
                "party": "张三",
                "reason": "经济困难",
                "recorded_by": "tang.min",
                "recorded_at": "2026-11-23T01:00:00+00:00",
            }
        ],
    }

    page = open_mediation(console, browser, apis, asked)
    assert "SQ-2026-0088，申请由新塘村人民调解委员会调解，<strong>当事人申请法律援助</strong>" in page
    assert "当事人在调解申请中申请了法律援助" in page
    assert "当事人在调解申请中申请了法律援助" not in open_mediation(console, browser, apis, referred)
    assert "调解申请" not in open_mediation(console, browser, apis, MEDIATION)


def test_an_assignment_is_posted_and_the_page_says_so(console, apis, browser, tang):
    apis.answer(JUSTICE, "POST", API, 200, {"referral_id": RID, "assignment": ASSIGNED["assignment"]})

    response = post_action(console, browser, "assign", {"organisation": "zt-xintang", "mediator": "zt-xintang-01"})

    assert (response.status_code, response.headers["Location"]) == (303, f"{LINK}?done=assign")
    (call,) = apis.calls
    assert (call.body, call.token) == ({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}, token_of(TANG))
    page = open_mediation(console, browser, apis, ASSIGNED, "?done=assign")
    assert "已指派调解组织和调解员。" in page
    assert "砖塘镇新塘村人民调解委员会 · 调解员 陈国平（按建议指派" in page
    assert "<td>李大山、王小河</td>" in page and "经济困难" in page


def test_a_session_is_posted_with_its_attendees_as_a_list(console, apis, browser, tang):
    apis.answer(JUSTICE, "POST", f"{API}/sessions", 201, {"referral_id": RID, "sessions": []})
    form = {"held_on": "2026-11-22", "attendees": "李大山、王小河, 陈国平", "note": "双方各退一步。"}

    response = post_action(console, browser, "sessions", form)

    assert response.headers["Location"] == f"{LINK}?done=sessions"
    assert apis.calls[0].body == {
        "held_on": "2026-11-22",
        "attendees": ["李大山", "王小河", "陈国平"],
        "note": "双方各退一步。",
    }


def test_a_legal_aid_referral_is_posted(console, apis, browser, tang):
    apis.answer(JUSTICE, "POST", f"{API}/legal-aid", 201, {"referral_id": RID, "legal_aid": []})

    response = post_action(console, browser, "legal-aid", {"party": "李大山", "reason": "经济困难"})

    assert response.headers["Location"] == f"{LINK}?done=legal-aid"
    assert apis.calls[0].body == {"party": "李大山", "reason": "经济困难"}


def test_the_bureaus_refusal_is_shown_beside_each_field_in_chinese(console, apis, browser, tang):
    body = action_body("sessions", {"held_on": ["2026-11-2x"], "note": [""]})
    answer_refusal(apis, JUSTICE, f"{API}/sessions", RecordSession, body)
    apis.answer(JUSTICE, "GET", API, 200, ASSIGNED)

    response = post_action(console, browser, "sessions", {"held_on": "2026-11-2x", "note": ""})

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "sessions.held_on") == "请填写日期，如2026-12-04"
    assert error_beside(page, "sessions.note") == "请填写调解情况"


def test_a_session_before_the_case_was_registered_says_so_beside_the_day(console, apis, browser, tang):
    message = "is before the case was registered (2026-11-22)"
    refused = {
        "error": "invalid_input",
        "fields": [{"field": "held_on", "message": message, "type": "date_before_start"}],
    }
    apis.answer(JUSTICE, "POST", f"{API}/sessions", 400, refused)
    apis.answer(JUSTICE, "GET", API, 200, ASSIGNED)

    response = post_action(console, browser, "sessions", {"held_on": "2026-11-21", "note": "补录"})

    assert response.status_code == 400
    assert error_beside(text_of(response), "sessions.held_on") == "不能早于案件登记（或信访事项收到）的日期"


def test_a_referral_not_yet_accepted_offers_no_session_to_record(console, apis, browser, tang):
    page = open_mediation(console, browser, apis, {**ASSIGNED, "status": "received"})

    assert f'action="{LINK}/assign"' in page and f'action="{LINK}/sessions"' not in page


def test_a_day_after_today_and_a_mediator_of_another_organisation_say_what_to_change(console, apis, browser, tang):
    late = {"field": "held_on", "message": "is after today (2026-11-23)", "type": "date_future"}
    apis.answer(JUSTICE, "POST", f"{API}/sessions", 400, {"error": "invalid_input", "fields": [late]})
    apis.answer(JUSTICE, "GET", API, 200, ASSIGNED)
    page = text_of(post_action(console, browser, "sessions", {"held_on": "2026-11-24", "note": "约谈"}))
    assert error_beside(page, "sessions.held_on") == "不能晚于今天（2026-11-23）"
    assert 'value="2026-11-24" aria-invalid="true"' in page

    other = {"field": "mediator", "message": "zt-town-01 mediates for zt-town, not zt-xintang", "type": "other"}
    apis.answer(JUSTICE, "POST", API, 400, {"error": "invalid_input", "fields": [other]})
    page = text_of(post_action(console, browser, "assign", {"organisation": "zt-xintang", "mediator": "zt-town-01"}))
    assert error_beside(page, "assign.mediator") == "该调解员不属于所选调解组织，请重新选择"
    assert '<option value="zt-town-01" selected>' in page  # what was chosen is kept


def test_a_legal_aid_referral_without_a_reason_asks_for_one(console, apis, browser, tang):
    answer_refusal(apis, JUSTICE, f"{API}/legal-aid", ReferToLegalAid, action_body("legal-aid", {"party": ["李大山"]}))
    apis.answer(JUSTICE, "GET", API, 200, ASSIGNED)

    page = text_of(post_action(console, browser, "legal-aid", {"party": "李大山", "reason": ""}))

    assert error_beside(page, "legal-aid.reason") == "请写明转介理由"


@pytest.mark.parametrize(
    ("action", "code", "sentence"),
    [
        ("sessions", "not_assigned", "尚未指派调解员：请先指派，再记录调解情况。"),
        ("assign", "already_finished", "此交办单已办结或已退回，不能再办理此项。"),
        ("legal-aid", "something_new", "此交办单当前的状态不允许此项操作，请刷新后查看。"),
    ],
)
def test_the_bureaus_409_is_read_in_chinese_by_its_code(console, apis, browser, tang, action, code, sentence):
    path = {"assign": API, "sessions": f"{API}/sessions", "legal-aid": f"{API}/legal-aid"}[action]
    apis.answer(JUSTICE, "POST", path, 409, {"error": "conflict", "message": f"{code}: referral {RID} …"})
    apis.answer(JUSTICE, "GET", API, 200, MEDIATION)

    response = post_action(console, browser, action, {"organisation": "zt-town", "held_on": "2026-11-22", "note": "x"})

    assert response.status_code == 409
    refusal = re.search(r'<p class="error" role="alert" id="refusal">([^<]*)</p>', text_of(response))
    assert refusal and refusal.group(1) == sentence


def test_a_failed_mediation_shows_the_routes_onward_and_offers_no_assignment(console, apis, browser, tang):
    page = open_mediation(console, browser, apis, FAILED)

    assert "调解不成的分流引导" in page
    assert "劳动争议仲裁（向劳动人事争议仲裁委员会申请）" in page and "依据：劳动争议调解仲裁法 第五条" in page
    assert '<dd class="result-code">调解不成</dd>' in page
    assert f'action="{LINK}/assign"' not in page and f'action="{LINK}/sessions"' not in page
    assert f'action="{LINK}/legal-aid"' in page


def test_a_form_without_the_session_key_reaches_no_bureau(console, apis, browser, tang):
    with pytest.raises(StaleForm):
        console.act_on_mediation(browser.post(f"{LINK}/assign", {"organisation": "zt-town"}, as_=tang), RID, "assign")

    assert apis.calls == []


def test_the_justice_referral_links_to_its_mediation(console, apis, browser, tang):
    referral = {
        "referral_id": RID,
        "case_id": "430426-20261123-00001",
        "unit": "justice:430426101",
        "role": "lead",
        "round": 1,
        "status": "accepted",
        "category": "neighbour",
        "division_code": "430426101203",
        "log": [],
    }
    agency_shows(apis, JUSTICE, referral)

    page = text_of(console.referral(browser.get(f"/referrals/justice/{RID}", as_=tang), "justice", RID))

    assert f'<a href="{LINK}">人民调解：指派调解员、调解记录、法律援助</a>' in page


def test_an_agreement_reported_before_a_mediator_is_assigned_says_where_to_assign_one(console, apis, browser, tang):
    referral = {**ACCEPTED, "referral_id": RID, "unit": "justice:430426101"}
    apis.answer(
        JUSTICE, "POST", f"/api/v1/referrals/{RID}/result", 409, {"error": "conflict", "message": "not_assigned: …"}
    )
    agency_shows(apis, JUSTICE, referral)
    form = {**MEDIATED_FORM, "csrf": form_key_of(TANG)}

    response = console.act_on_referral(
        browser.post(f"/referrals/justice/{RID}/result", form, as_=TANG), "justice", RID, "result"
    )

    assert response.status_code == 409
    page = text_of(response)
    assert "调解成功、司法确认须先指派调解员：请在“人民调解”中指派主持调解、在协议上签名的调解员，再反馈结果。" in page
    assert f'<a href="/justice/referrals/{RID}/mediation">' in page


@pytest.mark.parametrize(
    ("result", "said", "not_said"),
    [
        ("mediated", "三十日内共同向人民法院申请司法确认", "已裁定确认"),
        ("judicially_confirmed", "人民法院已裁定确认此调解协议有效", "三十日内"),
    ],
)
def test_an_agreement_already_confirmed_is_not_offered_confirmation_again(
    console, apis, browser, tang, result, said, not_said
):
    agreement = {"number": "砖新调〔2026〕第3号", "signed_on": "2026-11-23", "terms": "双方共同清理排水沟。"}
    reported = {**ASSIGNED, "status": "reported", "result": result, "outcome": "resolved", "agreement": agreement}

    hint = re.search(r'<p class="hint confirmation">([^<]*)</p>', open_mediation(console, browser, apis, reported))

    assert hint and said in hint.group(1) and not_said not in hint.group(1)
