"""三级 on the console: the decline form's 超出本级处置能力, the case's level and steps up, and the 吹哨报到 form."""

import re

import pytest

from services.console.handlers.referrals import body_of
from shared.agency.commands import DeclineReferral
from shared.auth.principal import Principal, Role
from tests.service.console.test_referrals import ACCEPTED, REFERRAL_ID, open_page, text_of
from tests.service.console.visitors import STAFF, form_key_of, token_of

CASE_ID = "430426-20261123-00007"
COORDINATOR = Principal("chen.zhuren", "陈主任", frozenset({Role.COORDINATOR}))
CASE = {
    "case_id": CASE_ID,
    "status": "assigned",
    "round": 1,
    "mode": "joint",
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",
    "flags": [],
    "summary": "两村交界处宅基地边界纠纷",
    "registered_by": "demo.window",
    "lead_unit": "police:430426",
    "co_units": ["justice:430426101"],
    "referrals": [],
    "gaps": [],
    "result": None,
    "rating": None,
    "repeat_reports": 0,
    "centre": "430426",
    "level": "county",
    "escalations": [
        {
            "at": "2026-11-24T02:00:00+00:00",
            "cause": "beyond_level",
            "from_centre": "430426101",
            "to_centre": "430426",
            "unit": "police:430426101",
            "referral_id": REFERRAL_ID,
            "new_unit": "police:430426",
            "overdue_working_days": None,
        }
    ],
    "timeline": [
        {
            "seq": 5,
            "at": "2026-11-24T02:00:00+00:00",
            "kind": "case_escalated",
            "detail": {
                "unit": "police:430426101",
                "role": "lead",
                "cause": "beyond_level",
                "from_centre": "430426101",
                "to_centre": "430426",
                "new_unit": "police:430426",
                "overdue_working_days": None,
            },
        }
    ],
    "trace_id": None,
}


@pytest.fixture(autouse=True)
def coordinator_signs_in(monkeypatch):
    """A member of the coordination group among the staff whose tokens the console trusts."""
    monkeypatch.setitem(STAFF, token_of(COORDINATOR), COORDINATOR)


def case_page(console, browser, staff, apis) -> str:
    staff.signed_in(COORDINATOR)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, CASE)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    response = console.case(browser.get(f"/cases/{CASE_ID}", as_=COORDINATOR), CASE_ID)
    assert response.status_code == 200
    return text_of(response)


def test_the_decline_form_offers_beyond_the_unit_s_level_and_sends_its_code(console, browser, staff, apis):
    page = open_page(console, browser, staff, apis, {**ACCEPTED, "status": "received"})

    assert 'value="beyond_level"' in page and "超出本级处置能力" in page
    body = body_of("decline", {"reason": ["跨乡镇土地权属"], "reason_code": ["beyond_level"]})
    assert DeclineReferral.model_validate(body).reason_code.value == "beyond_level"


def test_the_case_shows_its_level_and_how_it_went_up(console, browser, staff, apis):
    page = case_page(console, browser, staff, apis)

    assert "县级（祁东县综治中心）" in page
    assert "因超出本级处置能力，由砖塘镇综治中心上报至祁东县综治中心，由祁东县公安局接办" in page
    assert "<h2>吹哨报到</h2>" in page


def test_a_call_in_is_sent_with_its_units_and_note(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    apis.answer("coordinator", "POST", f"/api/v1/cases/{CASE_ID}/call-in", 200, CASE)
    form = {"csrf": form_key_of(COORDINATOR), "units": "petition:430426", "note": "请信访局报到"}

    response = console.call_in(browser.post(f"/cases/{CASE_ID}/call-in", form, as_=COORDINATOR), CASE_ID)

    assert (response.status_code, response.headers["Location"]) == (303, f"/cases/{CASE_ID}?done=called_in")
    [call] = apis.posts()
    assert (call.token, call.body) == (token_of(COORDINATOR), {"units": ["petition:430426"], "note": "请信访局报到"})


def test_a_report_the_centre_refused_reads_on_the_case_page_as_one_sentence(console, browser, staff, apis, monkeypatch):
    refused = {
        "seq": 6,
        "at": "2026-11-25T02:00:00+00:00",
        "kind": "report_rejected",
        "detail": {"unit": "court:430426", "rejected_type": "ResultReported", "reason": "referral_closed"},
    }
    monkeypatch.setitem(CASE, "timeline", [*CASE["timeline"], refused])

    page = case_page(console, browser, staff, apis)

    line = page[page.index("<strong>拒收反馈</strong>") :].split("</li>")[0]
    # one sentence names the unit, what it sent and why; no second part repeats the unit
    assert re.findall(r'<span class="part">([^<]*)</span>', line) == [
        "拒收祁东县人民法院的反馈结果：该交办件已结束 (referral_closed)"
    ]
