"""An officer's result on the referral page: codes in three groups, the agreement, errors beside their inputs."""

import re

import pytest
from pydantic import ValidationError

from services.console.handlers.referrals import body_of
from shared import wording
from shared.agency.commands import ReportResult
from shared.contracts.vocabulary import AGREEMENT_RESULTS
from shared.http import field_errors
from tests.service.console.visitors import LIU, agency_shows, error_beside, form_key_of, text_of, token_of

REFERRAL_ID = "5b0c6f0e-3d2a-4c1b-9f8e-7a6d5c4b3a21"
PAGE = f"/api/v1/referrals/{REFERRAL_ID}"
RESULT = f"/api/v1/referrals/{REFERRAL_ID}/result"
ACCEPTED = {
    "referral_id": REFERRAL_ID,
    "case_id": "430426-20261123-00007",
    "unit": "police:430426101",
    "role": "lead",
    "round": 1,
    "status": "accepted",
    "outcome": None,
    "result": None,
    "agreement": None,
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",
    "summary": "邻居翻修房屋，占用了共用通道",
    "parties": [{"role": "applicant", "name": "张秀英", "phone": "13907341234"}],
    "due_at": "2026-11-30T01:30:00+00:00",
    "received_at": "2026-11-23T01:00:00+00:00",
    "log": [],
}
TERMS = "李某三日内拆除占道围墙，恢复通道原状。"
MEDIATED_FORM = {
    "result": "mediated",
    "summary": "司法所组织双方现场调解。",
    "agreement_number": "",
    "agreement_signed_on": "2026-11-23",
    "agreement_terms": TERMS,
}
AGREEMENT = {"number": "砖司调〔2026〕第7号", "signed_on": "2026-11-23", "terms": TERMS}
REPORTED = {
    **ACCEPTED,
    "status": "reported",
    "outcome": "resolved",
    "result": "mediated",
    "agreement": AGREEMENT,
    "log": [
        {
            "kind": "result",
            "officer": "liu.yang",
            "detail": {"result": "mediated", "summary": "司法所组织双方现场调解。"},
            "at": "2026-11-23T02:00:00+00:00",
        }
    ],
}


def open_page(console, browser, staff, apis, referral: dict) -> str:
    staff.signed_in(LIU)
    agency_shows(apis, "police_link", referral)
    response = console.referral(browser.get(f"/referrals/police/{REFERRAL_ID}", as_=LIU), "police", REFERRAL_ID)
    assert response.status_code == 200
    return text_of(response)


def post_result(console, browser, staff, form: dict):
    staff.signed_in(LIU)
    request = browser.post(f"/referrals/police/{REFERRAL_ID}/result", {"csrf": form_key_of(LIU), **form}, as_=LIU)
    return console.act_on_referral(request, "police", REFERRAL_ID, "result")


def agency_refuses(apis, form: dict) -> None:
    """The agency's own 400 for what the form sends: the body validated as the agency's API validates it."""
    with pytest.raises(ValidationError) as refused:
        ReportResult.model_validate(body_of("result", {key: [value] for key, value in form.items()}))
    body = {"error": "invalid_input", "message": "invalid input", "fields": field_errors(refused.value)}
    apis.answer("police_link", "POST", RESULT, 400, body)
    agency_shows(apis, "police_link", ACCEPTED)


# --- the form -------------------------------------------------------------------------------------


def test_the_result_form_states_what_it_requires_so_it_is_checked_before_it_asks(console, browser, staff, apis):
    """console.js checks these before the dialog: a result, what was done, and the agreement of a 调解成功 or 司法确认
    (the codes the contract gives an agreement to), each with its own words."""
    page = open_page(console, browser, staff, apis, ACCEPTED)

    form = page.split('action="/referrals/police/' + REFERRAL_ID + '/result"')[1].split("</form>")[0]
    assert 'data-confirm="确认反馈办理结果？' in page
    assert form.count('name="result"') == form.count('name="result" value="') == len(wording.RESULT_CODES)
    assert all(" required" in radio for radio in re.findall(r'<input type="radio" name="result"[^>]*>', form))
    assert 'data-field="result.result" data-missing="请选择办理结果"' in form
    summary = re.search(r'<textarea id="result-summary"[^>]*>', form)
    assert summary and " required" in summary.group(0)
    for name in ("agreement_signed_on", "agreement_terms"):
        tag = re.search(rf'<(?:input|textarea) [^>]*name="{name}"[^>]*>', form)
        assert tag and " required" not in tag.group(0)  # only with an agreement's result
        required_if = re.search(r'data-required-if="result=([a-z_ ]+)"', tag.group(0))
        assert required_if and set(required_if.group(1).split()) == {code.value for code in AGREEMENT_RESULTS}


def test_the_result_form_offers_every_code_in_its_group_under_a_legend(console, browser, staff, apis):
    page = open_page(console, browser, staff, apis, ACCEPTED)

    legends = re.findall(r"<legend>([^<]*)</legend>", page)
    assert legends == ["办理结果", "化解", "导入法定途径", "未化解", "调解协议（调解成功、司法确认时必填）"]
    offered = re.findall(r'<input type="radio" name="result" value="([a-z_]+)" required> (\S+)</label>', page)
    assert offered == [(code, wording.RESULT_CODES[code]) for _, codes in wording.RESULT_GROUPS for code in codes]
    assert len(offered) == len(wording.RESULT_CODES)
    assert 'name="outcome"' not in page


def test_the_result_form_asks_for_the_summary_and_the_agreement_with_a_date_input(console, browser, staff, apis):
    page = open_page(console, browser, staff, apis, ACCEPTED)

    assert '<label for="result-summary">办理情况</label>' in page
    assert '<label for="agreement-number">协议编号（选填）</label>' in page
    assert '<label for="agreement-signed-on">签订日期</label>' in page
    assert re.search(r'<input id="agreement-signed-on" name="agreement_signed_on" type="date"', page)
    assert '<label for="agreement-terms">协议内容</label>' in page
    assert "口头协议：签订日期填达成协议的日期，协议内容填调解员记录的内容。" in page
    # A written agreement is the default: its choice sends nothing, so a result without an agreement sends none.
    assert '<option value="" selected>书面协议（当事人、调解员签名）</option>' in page
    assert '<option value="oral">口头协议（调解员记录协议内容，不能申请司法确认）</option>' in page


# --- what is sent -------------------------------------------------------------------------------------


def test_a_mediated_result_is_sent_with_its_agreement_and_no_empty_number(console, apis, browser, staff):
    apis.answer("police_link", "POST", RESULT, 202, {"status": "reported"})

    response = post_result(console, browser, staff, MEDIATED_FORM)

    assert (response.status_code, response.headers["Location"]) == (303, f"/referrals/police/{REFERRAL_ID}?done=result")
    [call] = apis.posts()
    assert (call.token, call.body) == (
        token_of(LIU),
        {
            "result": "mediated",
            "summary": "司法所组织双方现场调解。",
            "agreement": {"signed_on": "2026-11-23", "terms": TERMS},
        },
    )
    ReportResult.model_validate(call.body)  # what the agency will accept


def test_a_result_handled_by_the_units_own_procedure_is_sent_without_an_agreement(console, apis, browser, staff):
    apis.answer("police_link", "POST", RESULT, 202, {"status": "reported"})
    form = {"result": "handled", "summary": "依法作出治安调解。", "agreement_signed_on": "", "agreement_terms": " "}

    post_result(console, browser, staff, form)

    [call] = apis.posts()
    assert call.body == {"result": "handled", "summary": "依法作出治安调解。"}


def test_an_oral_agreement_is_sent_as_oral_with_the_content_the_mediator_recorded(console, apis, browser, staff):
    apis.answer("police_link", "POST", RESULT, 202, {"status": "reported"})

    post_result(console, browser, staff, {**MEDIATED_FORM, "agreement_form": "oral"})

    [call] = apis.posts()
    assert call.body["agreement"] == {"signed_on": "2026-11-23", "terms": TERMS, "form": "oral"}
    assert ReportResult.model_validate(call.body).agreement.form.value == "oral"


# --- refusals, beside their inputs --------------------------------------------------------------------


def test_a_mediated_result_without_an_agreement_says_so_beside_the_agreement_and_keeps_what_was_typed(
    console, apis, browser, staff
):
    form = {"result": "mediated", "summary": "双方口头同意和解。"}
    agency_refuses(apis, form)

    response = post_result(console, browser, staff, form)

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "result.agreement") == "调解成功、司法确认须填写调解协议：签订日期和协议内容"
    assert '<input type="radio" name="result" value="mediated" required checked>' in page
    assert "双方口头同意和解。</textarea>" in page
    # Said at the top too, where the page opens (the form is far below), and where the keyboard starts.
    summary = page.index('id="form-errors"')
    assert summary < page.index("<h2>当事人</h2>") and "有 1 处需要修改" in page[summary : summary + 200]


def test_an_agreement_without_its_signing_day_is_marked_on_the_date_input(console, apis, browser, staff):
    form = {**MEDIATED_FORM, "agreement_signed_on": ""}
    agency_refuses(apis, form)

    page = text_of(post_result(console, browser, staff, form))

    assert error_beside(page, "result.agreement.signed_on") == "必填"
    assert re.search(r'name="agreement_signed_on" type="date" value=""\s*aria-invalid="true"', page)
    assert f"{TERMS}</textarea>" in page


def test_an_oral_agreement_reported_as_judicially_confirmed_is_refused_beside_its_form(console, apis, browser, staff):
    form = {**MEDIATED_FORM, "result": "judicially_confirmed", "agreement_form": "oral"}
    agency_refuses(apis, form)

    page = text_of(post_result(console, browser, staff, form))

    assert error_beside(page, "result.agreement.form").startswith("口头协议不能申请司法确认")
    assert '<option value="oral" selected>' in page


def test_an_agreement_given_with_a_result_that_has_none_asks_to_change_one_or_the_other(console, apis, browser, staff):
    form = {**MEDIATED_FORM, "result": "mediation_failed"}
    agency_refuses(apis, form)

    page = text_of(post_result(console, browser, staff, form))

    assert error_beside(page, "result.agreement") == "只有调解成功、司法确认才填写调解协议；请改选结果，或清空协议各项"


def test_a_result_not_chosen_asks_for_one(console, apis, browser, staff):
    form = {"summary": "已办理。"}
    agency_refuses(apis, form)

    page = text_of(post_result(console, browser, staff, form))

    assert error_beside(page, "result.result") == "请选择办理结果"


# --- the result once reported -------------------------------------------------------------------------


def test_a_reported_referral_shows_its_result_and_the_agreement_in_chinese(console, browser, staff, apis):
    page = open_page(console, browser, staff, apis, REPORTED)

    assert '<dd class="referral-status">已办结（调解成功）</dd>' in page
    assert '<dd class="result-code">调解成功</dd>' in page
    assert "<dt>办理情况</dt><dd>司法所组织双方现场调解。</dd>" in page
    assert "<dt>协议编号</dt><dd>砖司调〔2026〕第7号</dd>" in page
    assert "<dt>签订日期</dt><dd>2026-11-23</dd>" in page
    assert f'<dd class="agreement-terms">{TERMS}</dd>' in page
    assert 'name="result"' not in page  # nothing more to report
    assert "mediated" not in re.sub(r"<[^>]*>", "", page)  # codes are never shown as they are


def test_a_referral_reported_before_result_codes_shows_the_outcome(console, browser, staff, apis):
    legacy = {**REPORTED, "result": None, "agreement": None, "log": []}

    page = open_page(console, browser, staff, apis, legacy)

    assert '<dd class="referral-status">已办结（化解成功）</dd>' in page
    assert "协议内容" not in page


def test_the_finished_tab_shows_each_referrals_result(console, apis, browser, staff):
    staff.signed_in(LIU)
    declined = {**ACCEPTED, "referral_id": "6c1d7f1f-4e3b-4d2c-8a9f-8b7e6d5c4b32", "status": "declined"}
    apis.answer("police_link", "GET", "/api/v1/referrals", 200, {"referrals": [REPORTED, declined]})

    page = text_of(console.referrals(browser.get("/referrals?tab=finished", as_=LIU)))

    assert '<th scope="col">办理结果</th>' in page
    # The tab asks once each for reported, declined and withdrawn; the fake answers all alike.
    assert re.findall(r'<td class="result-code">([^<]*)</td>', page) == ["调解成功", "—"] * 3


def test_a_deadline_counted_past_the_known_calendar_is_marked_provisional_for_the_officer(
    console, apis, browser, staff
):
    provisional = {**ACCEPTED, "due_at": "2027-01-05T09:30:00+00:00", "due_provisional": True}

    page = open_page(console, browser, staff, apis, provisional)
    apis.answer("police_link", "GET", "/api/v1/referrals", 200, {"referrals": [provisional, ACCEPTED]})
    listed = text_of(console.referrals(browser.get("/referrals?tab=doing", as_=LIU)))

    assert page.count('<span class="provisional"') == 1
    assert listed.count('<span class="provisional"') == 1
