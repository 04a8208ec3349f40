"""The window's form: sent to intake as the clerk who typed it, and intake's refusals shown beside the fields."""

import re

import pytest
from pydantic import ValidationError

from services.console.api_client import key_for
from services.console.dependencies import ApiUnavailable
from services.console.domain import report_from_form
from services.console.pages import PageNotFound, StaleForm
from shared.auth.principal import Forbidden
from shared.contracts.disputes import DisputeReport
from shared.http import field_errors
from tests.service.console.visitors import LIU, WANG, form_key_of, token_of

CASE_ID = "430426-20261123-00007"
FORM = {
    "csrf": form_key_of(WANG),
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",
    "summary": "邻居翻修房屋，占用了共用通道",
    "flags": ["group"],
    "parties.0.role": "applicant",
    "parties.0.kind": "person",
    "parties.0.name": "张秀英",
    "parties.0.id_number": "430426198503120023",
    "parties.0.phone": "13907341234",
    # The clerk skipped the second row and typed the respondent into the third.
    "parties.1.role": "respondent",
    "parties.1.kind": "person",
    "parties.1.name": "",
    "parties.2.role": "respondent",
    "parties.2.kind": "person",
    "parties.2.name": "李建国",
    "parties.2.phone": "13807345678",
}
BAD_PHONE = {**FORM, "parties.2.phone": "1380734"}


def intake_refuses(apis, form: dict) -> None:
    """Intake's own 400 for what the form sends: the report validated as intake's API validates it."""
    multi = {key: value if isinstance(value, list) else [value] for key, value in form.items()}
    with pytest.raises(ValidationError) as refused:
        DisputeReport.model_validate(report_from_form(multi))
    body = {"error": "invalid_input", "message": "invalid input", "fields": field_errors(refused.value)}
    apis.answer("intake", "POST", "/api/v1/disputes", 400, body)


def test_a_registration_is_sent_to_intake_as_the_clerk_who_typed_it(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("intake", "POST", "/api/v1/disputes", 201, {"case_id": CASE_ID, "linked": False})

    response = console.register(browser.post("/window", FORM, as_=WANG))

    assert (response.status_code, response.headers["Location"]) == (303, f"/window/cases/{CASE_ID}?linked=0")
    [call] = apis.calls
    assert (call.service, call.method, call.path, call.token) == ("intake", "POST", "/api/v1/disputes", token_of(WANG))
    assert call.body is not None
    assert [party["name"] for party in call.body["parties"]] == ["张秀英", "李建国"]
    assert call.body["flags"] == ["group"]
    assert "csrf" not in call.body
    DisputeReport.model_validate(call.body)  # what the window sends is what intake accepts


REPORT = "5b1f9a52-3c1e-4d7a-9a57-2f4f0c1d6e21"


def test_a_repeat_report_linked_to_an_earlier_case_says_so_and_which_report_it_was(console, apis, browser, staff):
    staff.signed_in(WANG)
    linked = {"case_id": CASE_ID, "linked": True, "reason": "repeat", "report_id": REPORT}
    apis.answer("intake", "POST", "/api/v1/disputes", 200, linked)

    response = console.register(browser.post("/window", FORM, as_=WANG))

    assert response.headers["Location"] == f"/window/cases/{CASE_ID}?linked=1&report={REPORT}"


@pytest.mark.parametrize("report", [None, "../cases", "1 OR 1=1"], ids=["none", "a path", "not a uuid"])
def test_a_repeat_answered_without_a_usable_report_id_still_says_it_was_linked(console, apis, browser, staff, report):
    staff.signed_in(WANG)  # an answer intake kept for an Idempotency-Key before it named reports has none
    linked = {"case_id": CASE_ID, "linked": True, "reason": "repeat", "report_id": report}
    apis.answer("intake", "POST", "/api/v1/disputes", 200, linked)

    response = console.register(browser.post("/window", FORM, as_=WANG))

    assert response.headers["Location"] == f"/window/cases/{CASE_ID}?linked=1"


def test_a_refused_report_is_shown_again_with_the_reason_beside_the_row_it_was_typed_in(console, apis, browser, staff):
    staff.signed_in(WANG)
    intake_refuses(apis, BAD_PHONE)

    response = console.register(browser.post("/window", BAD_PHONE, as_=WANG))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    beside = re.search(r'<p class="error" id="parties\.2\.phone-error" role="alert">([^<]*)</p>', page)
    assert beside is not None and beside.group(1) == "手机号应为11位，以13至19开头"
    assert 'id="parties.1.phone-error"' not in page  # not beside the blank row intake never saw
    assert 'aria-describedby="parties.2.phone-error"' in page
    assert "有 1 处需要修改" in page
    assert 'value="1380734"' in page and "邻居翻修房屋，占用了共用通道" in page  # nothing typed is lost


def test_a_report_without_an_applicant_is_explained_above_the_parties(console, apis, browser, staff):
    staff.signed_in(WANG)
    no_applicant = {**FORM, "parties.0.role": "respondent"}
    intake_refuses(apis, no_applicant)

    response = console.register(browser.post("/window", no_applicant, as_=WANG))

    assert response.status_code == 400
    assert '<p class="error" id="parties-error" role="alert">至少需要一名申请人</p>' in response.get_data(as_text=True)


def test_a_form_with_a_bad_mobile_and_no_respondent_is_told_both_at_once(console, apis, browser, staff):
    """Intake judges the sides only once each party is valid: the console says the missing respondent beside the
    bad number, not on the clerk's second try."""
    staff.signed_in(WANG)
    no_respondent = {**BAD_PHONE, "parties.2.role": "applicant"}
    intake_refuses(apis, no_respondent)

    page = console.register(browser.post("/window", no_respondent, as_=WANG)).get_data(as_text=True)

    assert 'id="parties.2.phone-error"' in page
    assert '<p class="error" id="parties-error" role="alert">至少需要一名被申请人</p>' in page


def test_an_error_with_no_input_to_stand_beside_is_listed_above_the_form_naming_what_it_is_about(
    console, apis, browser, staff
):
    staff.signed_in(WANG)
    body = {
        "error": "invalid_input",
        "message": "invalid input",
        "fields": [
            {"field": "(input)", "message": "value out of range", "type": "invalid_value"},
            {"field": "source_record_id", "message": "too long", "type": "string_too_long", "limit": 64},
        ],
    }
    apis.answer("intake", "POST", "/api/v1/disputes", 400, body)

    response = console.register(browser.post("/window", FORM, as_=WANG))

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "有 2 处需要修改" in page
    assert "另：提交的内容：填写的值无效（超出范围或格式不对）；原始编号：不能超过64字" in page


@pytest.mark.parametrize("key", ["form-key-of-liu.yang", ""])
def test_a_form_without_the_sessions_key_is_stale_and_nothing_is_registered(console, apis, browser, staff, key):
    staff.signed_in(WANG)

    with pytest.raises(StaleForm):
        console.register(browser.post("/window", {**FORM, "csrf": key}, as_=WANG))

    assert apis.posts() == []


def test_an_officer_may_not_register_at_the_window(console, apis, browser, staff):
    staff.signed_in(LIU)

    with pytest.raises(Forbidden):
        console.register(browser.post("/window", {**FORM, "csrf": form_key_of(LIU)}, as_=LIU))

    assert apis.calls == []


def test_intake_refusing_the_clerk_is_forbidden(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("intake", "POST", "/api/v1/disputes", 403, {"error": "forbidden"})

    with pytest.raises(Forbidden):
        console.register(browser.post("/window", FORM, as_=WANG))


def test_intake_not_answering_is_unavailable_not_an_error(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.down("intake", "POST", "/api/v1/disputes")

    with pytest.raises(ApiUnavailable) as unavailable:
        console.register(browser.post("/window", FORM, as_=WANG))

    assert unavailable.value.service == "intake"


def test_the_form_offers_the_countys_places_by_name(console, browser, staff):
    staff.signed_in(WANG)

    page = console.window(browser.get("/window", as_=WANG)).get_data(as_text=True)

    assert '<option value="430426101203">　　砖塘镇新塘村</option>' in page
    assert '<option value="hotline">12345热线</option>' in page


def test_each_rendering_of_the_form_carries_an_action_key_that_its_post_acts_under(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("intake", "POST", "/api/v1/disputes", 201, {"case_id": CASE_ID, "linked": False})
    pages = [console.window(browser.get("/window", as_=WANG)).get_data(as_text=True) for _ in range(2)]
    keys = [re.search(r'name="action_key" value="([0-9a-f]{32})"', page) for page in pages]
    assert keys[0] and keys[1] and keys[0].group(1) != keys[1].group(1)

    console.register(browser.post("/window", {**FORM, "action_key": keys[0].group(1)}, as_=WANG))
    sent = key_for("POST", "/api/v1/disputes")
    console.register(browser.post("/window", {**FORM, "action_key": keys[0].group(1)}, as_=WANG))

    assert key_for("POST", "/api/v1/disputes") == sent, "the same form posted again must send the same key"


# --- where the case went (the registration result page) ------------------------------------------------------

NOT_THERE = {"error": "not_found", "message": f"no case {CASE_ID}"}


def open_result(console, browser, case_id: str = CASE_ID):
    return console.registered(browser.get(f"/window/cases/{case_id}", as_=WANG), case_id)


def test_a_case_intake_never_registered_is_not_found_rather_than_waited_for(console, apis, browser, staff):
    staff.signed_in(WANG)
    missing = "430426-20261206-99999"
    apis.answer("coordinator", "GET", f"/api/v1/cases/{missing}", 404, NOT_THERE)
    apis.answer("intake", "GET", f"/api/v1/disputes/{missing}", 404, NOT_THERE)

    with pytest.raises(PageNotFound):
        open_result(console, browser, missing)

    assert [(call.service, call.token) for call in apis.calls] == [
        ("coordinator", token_of(WANG)),
        ("intake", token_of(WANG)),
    ]


def not_yet_triaged(apis, registered_at: str) -> None:
    """The coordinator has not the case yet; intake registered it at `registered_at`."""
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 404, NOT_THERE)
    body = {"case_id": CASE_ID, "registered_at": registered_at}
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 200, body)


def test_a_case_registered_a_moment_ago_waits_for_triage_and_looks_again(console, apis, browser, staff):
    staff.signed_in(WANG)
    not_yet_triaged(apis, "2026-11-23T01:29:50+00:00")

    response = open_result(console, browser)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "正在分流，请稍候……（页面会自动刷新）" in page and CASE_ID in page


def test_a_case_still_not_triaged_after_a_minute_says_so_and_stops_looking(console, apis, browser, staff):
    staff.signed_in(WANG)
    not_yet_triaged(apis, "2026-11-23T01:20:00+00:00")

    page = open_result(console, browser).get_data(as_text=True)

    assert 'http-equiv="refresh"' not in page and "正在分流，请稍候" not in page
    assert "分流比平时慢：案件已登记，编号有效" in page
    assert f"请稍后在“案件”中按编号 {CASE_ID} 查询分流结果" in page


def test_a_case_settled_on_the_spot_names_no_unit_as_its_lead(console, apis, browser, staff):
    staff.signed_in(WANG)
    settled = {"case_id": CASE_ID, "mode": "on_the_spot", "status": "resolved", "lead_unit": None, "co_units": []}
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, settled)

    page = open_result(console, browser).get_data(as_text=True)

    assert "<dt>牵头单位</dt><dd>无（现场办，由综治中心当场办结）</dd>" in page
    assert [call.service for call in apis.calls] == ["coordinator"]  # intake is asked only about a case not triaged
