"""待人工分派: the queue says why each case waits and marks the units that already turned it down."""

import re

import pytest

from shared.auth.principal import Principal, Role
from tests.service.console.test_levels import CASE, CASE_ID
from tests.service.console.test_referrals import text_of
from tests.service.console.visitors import STAFF, error_beside, form_key_of, token_of

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

    assert "蒋家桥镇派出所退回牵头，已无可替补的牵头单位" in page
    assert "已退回本案：砖塘镇派出所、蒋家桥镇派出所" in page
    offered = options(page)
    assert offered[STATION] == "砖塘镇派出所（已退回本案）"
    assert offered[OTHER_STATION] == "蒋家桥镇派出所（已退回本案）"
    assert offered["court:430426"] == "祁东县人民法院"  # one that never had it reads as it is


def test_a_unit_at_work_on_the_case_is_offered_only_as_such_and_cannot_be_chosen(console, browser, staff, apis):
    """The co-unit still mediating is no unit to hand the lead's role to by hand: the coordinator refuses it."""
    staff.signed_in(COORDINATOR)
    at_work = {**WAITING, "open_units": ["justice:430426101"]}
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [at_work], "counts": {}, "total": 1})

    page = text_of(console.triage(browser.get("/triage", as_=COORDINATOR)))

    assert '<option value="justice:430426101" disabled>砖塘镇司法所（正在办理本案）</option>' in page
    assert options(page)["court:430426"] == "祁东县人民法院"


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

    assert "待分派原因：蒋家桥镇派出所退回牵头，已无可替补的牵头单位" in page
    assert options(page)[STATION] == "砖塘镇派出所（已退回本案）"


# --- a lead that returned the case is not shown as the lead ----------------------------------------------------

COURT = "court:430426"
COURT_DECLINED = {
    **WAITING,
    "lead_unit": COURT,
    "gaps": [{"role": "lead", "code": "lead_declined", "unit": COURT, "result": None, "reason": "declined"}],
    "declined_units": [COURT],
    "referrals": [
        {
            "referral_id": "0b6f3c1e-8a2d-4e5f-9a1b-2c3d4e5f6a7b",
            "unit": COURT,
            "role": "lead",
            "round": 1,
            "status": "declined",
            "issued_at": "2026-11-23T01:00:00+00:00",
            "due_at": "2026-12-23T09:30:00+00:00",
        }
    ],
}


def open_case(console, browser, staff, apis, case: dict) -> str:
    staff.signed_in(COORDINATOR)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    return text_of(console.case(browser.get(f"/cases/{CASE_ID}", as_=COORDINATOR), CASE_ID))


def test_a_lead_that_declined_is_not_shown_as_the_current_lead(console, browser, staff, apis):
    page = open_case(console, browser, staff, apis, COURT_DECLINED)

    assert '<dd class="lead-unit">待指派（祁东县人民法院已退回）</dd>' in page
    assert "待分派原因：祁东县人民法院退回牵头，已无可替补的牵头单位" in page


def test_a_case_settled_on_the_spot_has_no_lead_and_says_why(console, browser, staff, apis):
    settled = {
        **CASE,
        "mode": "on_the_spot",
        "status": "resolved",
        "lead_unit": None,
        "co_units": [],
        "escalations": [],
    }

    page = open_case(console, browser, staff, apis, settled)

    assert '<dd class="lead-unit">无（现场办，由综治中心当场办结）</dd>' in page


# --- a refused assignment is said where it is seen ---------------------------------------------------------------


def assign_refused(console, browser, staff, apis, status: int, body: dict, case: dict):
    staff.signed_in(COORDINATOR)
    apis.answer("coordinator", "POST", f"/api/v1/cases/{CASE_ID}/assign", status, body)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    form = {"csrf": form_key_of(COORDINATOR), "unit": "court:430426"}
    return console.assign(browser.post(f"/cases/{CASE_ID}/assign", form, as_=COORDINATOR), CASE_ID)


def test_a_case_another_coordinator_assigned_first_says_so_at_the_top_of_its_page(console, browser, staff, apis):
    """Two coordinators on the triage list: the second's assignment comes back refused, and the case page, whose
    assignment form is gone, says why above everything else."""
    refusal = {"error": "conflict", "code": "wrong_status", "message": "wrong_status: nothing awaits manual triage"}
    assigned_meanwhile = {**CASE, "status": "assigned", "escalations": []}

    response = assign_refused(console, browser, staff, apis, 409, refusal, assigned_meanwhile)

    page = text_of(response)
    assert response.status_code == 409
    notice = page.split("<dl")[0]  # above the case's facts
    assert (
        '<p class="error" role="alert" id="assign-error">未能指派：'
        "此案件当前不需要人工分派（可能已由其他工作人员指派），下面是案件的最新情况。</p>"
    ) in notice
    assert "<h2>人工分派</h2>" not in page


def test_a_unit_already_on_the_case_is_refused_beside_the_list_naming_it(console, browser, staff, apis):
    refusal = {
        "error": "conflict",
        "code": "unit_already_on_case",
        "message": "unit_already_on_case: court:430426 already holds an open referral",
        "detail": {"unit": "court:430426"},
    }

    page = text_of(assign_refused(console, browser, staff, apis, 409, refusal, WAITING))

    assert error_beside(page, "unit") == "祁东县人民法院已在办理此案，请选择其他单位。"
    assert 'id="assign-error"' not in page  # the form is there, and the error beside it


def test_a_unit_below_its_agencys_level_is_refused_beside_the_list_saying_why(console, browser, staff, apis):
    """A court unit at a township (a link typed by hand, or a page of an earlier release): the coordinator refuses it,
    and the coordinator reads which unit, why no one could accept it, and which unit handles that place."""
    refusal = {
        "error": "conflict",
        "code": "below_agency_level",
        "message": "below_agency_level: court:430426101 (砖塘镇人民法院) is below court's units",
        "detail": {"unit": "court:430426101", "agency": "court", "unit_for_place": "court:430426"},
    }

    page = text_of(assign_refused(console, browser, staff, apis, 409, refusal, WAITING))

    assert error_beside(page, "unit") == (
        "砖塘镇人民法院（court:430426101）不能交办：法院的单位只设到县级，没有乡镇级的单位，不能为它开设办理人员账号，"
        "交办件无人签收；该地由祁东县人民法院（court:430426）办理。"
    )


def test_the_assignment_form_offers_no_unit_below_its_agencys_level(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [WAITING], "counts": {}, "total": 1})

    offered = options(text_of(console.triage(browser.get("/triage", as_=COORDINATOR))))

    assert "court:430426" in offered and "police:430426101" in offered
    assert not [unit for unit in offered if unit.startswith(("court:4304261", "petition:4304261"))]
    assert not [unit for unit in offered if unit.startswith("police:") and len(unit) > len("police:430426101")]


def test_another_centres_case_is_refused_naming_the_centre_that_holds_it(console, browser, staff, apis):
    refusal = {
        "error": "forbidden",
        "message": f"not_this_centre: case {CASE_ID} is held by centre:430426101; the caller acts for 430426102",
    }

    page = text_of(assign_refused(console, browser, staff, apis, 403, refusal, {**WAITING, "centre": "430426101"}))

    assert "未能指派：此案件由砖塘镇综治中心办理，只有该中心或其上级中心的工作人员可以指派单位。" in page


def test_the_case_list_names_no_declined_unit_and_no_empty_lead(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    settled = {**CASE, "case_id": "430426-20261206-00004", "mode": "on_the_spot", "lead_unit": None, "co_units": []}
    listing = {"cases": [COURT_DECLINED, settled], "counts": {}, "total": 2}
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, listing)

    page = text_of(console.cases(browser.get("/cases", as_=COORDINATOR)))

    assert "<td>待指派（祁东县人民法院已退回）</td>" in page
    assert "<td>无（现场办）</td>" in page


def test_a_case_settled_at_the_window_reads_as_settled_on_the_spot_not_as_waiting(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    on_the_spot = {**CASE, "mode": "on_the_spot", "status": "resolved", "referrals": [], "result": None}
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, on_the_spot)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = text_of(console.case(browser.get(f"/cases/{CASE_ID}", as_=COORDINATOR), CASE_ID))

    assert "<dt>办结结果</dt><dd>当场化解</dd>" in page
    assert "现场办：登记时当场化解，无需交办。" in page and "尚未交办" not in page


def test_a_window_case_reopened_and_waiting_for_a_unit_reads_as_not_yet_referred(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    reopened = {**CASE, "mode": "on_the_spot", "status": "awaiting_manual_triage", "round": 2, "referrals": []}
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, reopened)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = text_of(console.case(browser.get(f"/cases/{CASE_ID}", as_=COORDINATOR), CASE_ID))

    assert "尚未交办。" in page and "无需交办" not in page and "当场化解" not in page
