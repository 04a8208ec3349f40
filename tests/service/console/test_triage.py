"""待人工分派: the queue says why each case waits and marks the units that already turned it down."""

import re

import pytest

from shared.auth.principal import Principal, Role
from tests.service.console.test_levels import CASE, CASE_ID
from tests.service.console.test_referrals import text_of
from tests.service.console.visitors import STAFF, token_of

COORDINATOR = Principal("chen.zhuren", "陈主任", frozenset({Role.COORDINATOR}))
STATION, OTHER_STATION = "police:430426101", "police:430426102"
GAP = {"role": "lead", "code": "lead_declined", "unit": OTHER_STATION, "result": None, "reason": "declined"}
WAITING = {
    **CASE,
    "status": "awaiting_manual_triage",
    "escalations": [],
    "timeline": [],
    "gaps": [GAP],
    "declined_units": [STATION, OTHER_STATION],
}


@pytest.fixture(autouse=True)
def coordinator_signs_in(monkeypatch):
    monkeypatch.setitem(STAFF, token_of(COORDINATOR), COORDINATOR)


def options(page: str) -> dict[str, str]:
    """The unit list of the page's first assignment form: code → what it reads."""
    select = page[page.index('name="unit"') :].split("</select>")[0]
    return dict(re.findall(r'<option value="([^"]+)">([^<]*)</option>', select))


def test_the_queue_says_why_a_case_waits_and_which_units_declined_it(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    listing = {"cases": [{**WAITING, "summary": "两村交界处宅基地边界纠纷"}], "counts": {}, "total": 1}
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, listing)

    page = text_of(console.triage(browser.get("/triage", as_=COORDINATOR)))

    assert "牵头单位退回，已无可替补的牵头单位（蒋家桥镇派出所）" in page
    assert "已退回本案：砖塘镇派出所、蒋家桥镇派出所" in page
    offered = options(page)
    assert offered[STATION] == "砖塘镇派出所（已退回本案）"
    assert offered[OTHER_STATION] == "蒋家桥镇派出所（已退回本案）"
    assert offered["court:430426"] == "祁东县人民法院"  # one that never had it reads as it is


def test_a_case_from_a_coordinator_without_the_two_fields_still_lists(console, browser, staff, apis):
    """During an upgrade the console may meet a coordinator that does not send them yet."""
    staff.signed_in(COORDINATOR)
    row = {k: v for k, v in WAITING.items() if k not in ("gaps", "declined_units")}
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [row], "counts": {}, "total": 1})

    page = text_of(console.triage(browser.get("/triage", as_=COORDINATOR)))

    assert CASE_ID in page and "（已退回本案）" not in page


def test_the_case_page_says_why_before_its_assignment_form(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, WAITING)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = text_of(console.case(browser.get(f"/cases/{CASE_ID}", as_=COORDINATOR), CASE_ID))

    assert "待分派原因：牵头单位退回，已无可替补的牵头单位（蒋家桥镇派出所）" in page
    assert options(page)[STATION] == "砖塘镇派出所（已退回本案）"
