"""A township centre's coordinator is offered assigning and 吹哨报到 on its own township's cases only: another
centre's case says whose it is instead of a form the coordinator would refuse."""

import pytest

from shared.auth.principal import Principal, Role
from tests.service.console.test_levels import CASE, CASE_ID
from tests.service.console.test_referrals import text_of
from tests.service.console.visitors import STAFF, token_of

ZHUANTANG = Principal("tang.li", "唐莉", frozenset({Role.COORDINATOR}), frozenset({"centre:430426101"}))
JIANGJIAQIAO = Principal("jiang.bo", "蒋波", frozenset({Role.COORDINATOR}), frozenset({"centre:430426102"}))
HELD_AT_ZHUANTANG = {**CASE, "status": "in_progress", "centre": "430426101", "level": "township", "escalations": []}
WAITING_AT_ZHUANTANG = {**HELD_AT_ZHUANTANG, "status": "awaiting_manual_triage", "gaps": [], "declined_units": []}
HELD_BY_THE_COUNTY = {**HELD_AT_ZHUANTANG, "case_id": "430426-20261123-00008", "centre": None, "level": None}


@pytest.fixture(autouse=True)
def township_staff(monkeypatch):
    for principal in (ZHUANTANG, JIANGJIAQIAO):
        monkeypatch.setitem(STAFF, token_of(principal), principal)


def case_page(console, browser, staff, apis, visitor: Principal, case: dict) -> str:
    staff.signed_in(visitor)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    response = console.case(browser.get(f"/cases/{CASE_ID}", as_=visitor), CASE_ID)
    assert response.status_code == 200
    return text_of(response)


def test_the_holding_township_s_coordinator_may_call_units_in(console, browser, staff, apis):
    page = case_page(console, browser, staff, apis, ZHUANTANG, HELD_AT_ZHUANTANG)

    assert "<h2>吹哨报到</h2>" in page and 'action="/cases/' in page
    assert 'id="held-elsewhere"' not in page


def test_another_township_s_coordinator_reads_whose_case_it_is_and_is_offered_no_form(console, browser, staff, apis):
    page = case_page(console, browser, staff, apis, JIANGJIAQIAO, HELD_AT_ZHUANTANG)

    assert "<h2>吹哨报到</h2>" not in page and "/call-in" not in page
    assert "此案件由砖塘镇综治中心办理，只有该中心或其上级中心的工作人员可以指派单位或吹哨报到。" in page


def test_another_township_s_coordinator_is_offered_no_assignment_of_a_waiting_case(console, browser, staff, apis):
    page = case_page(console, browser, staff, apis, JIANGJIAQIAO, WAITING_AT_ZHUANTANG)

    assert "<h2>人工分派</h2>" not in page and "/assign" not in page
    assert "此案件由砖塘镇综治中心办理" in page


def test_the_triage_queue_offers_a_township_s_coordinator_the_form_for_its_own_cases_only(
    console, browser, staff, apis
):
    staff.signed_in(ZHUANTANG)
    county_case = {**HELD_BY_THE_COUNTY, "status": "awaiting_manual_triage", "gaps": [], "declined_units": []}
    listing = {"cases": [WAITING_AT_ZHUANTANG, county_case], "counts": {}, "total": 2}
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, listing)

    page = text_of(console.triage(browser.get("/triage", as_=ZHUANTANG)))

    assert f'action="/cases/{CASE_ID}/assign"' in page
    assert f'action="/cases/{county_case["case_id"]}/assign"' not in page
    assert "由祁东县综治中心指派" in page
