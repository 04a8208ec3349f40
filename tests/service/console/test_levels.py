"""三级 on the console: the decline form's 超出本级处置能力, the case's level and steps up, and the 吹哨报到 form."""

import re

import pytest

from services.console.handlers.referrals import body_of
from services.coordinator.handlers import CallIn
from shared.agency.commands import DeclineReferral
from shared.auth.principal import Principal, Role
from tests.service.console.test_referrals import ACCEPTED, REFERRAL_ID, open_page, text_of
from tests.service.console.visitors import (
    COUNTY_CENTRE,
    LIU,
    LUO,
    STAFF,
    ZHOU,
    agency_shows,
    answer_refusal,
    error_beside,
    form_key_of,
    token_of,
)

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
    assert re.findall(r'<span class="part">([^<]*)</span>', line) == ["拒收祁东县人民法院的反馈结果：该交办件已结束"]


# --- 吹哨报到: the units offered, and a refusal read in Chinese with the form as it was ----------------------

CALL_IN_PATH = f"/api/v1/cases/{CASE_ID}/call-in"
TOWNSHIP_CASE = {
    **CASE,
    "centre": "430426101",  # 砖塘镇综治中心, which may call in police and justice only (config/centres.toml)
    "level": "township",
    "escalations": [],
    "timeline": [],
    "referrals": [
        {"unit": "police:430426101", "role": "lead", "round": 1, "status": "accepted"},
        {"unit": "justice:430426102", "role": "co_unit", "round": 1, "status": "declined"},
    ],
}


def units_offered(page: str) -> dict[str, bool]:
    """The 吹哨报到 form's unit checkboxes: value -> whether it is checked."""
    group = page.split('<fieldset id="call-in-units"')[1].split("<textarea")[0]
    boxes = re.findall(r'<input type="checkbox" name="units" value="([^"]*)"( checked)?', group)
    return {value: bool(checked) for value, checked in boxes}


def refused_call_in(console, browser, staff, apis, status: int, body: dict, case: dict = CASE):
    staff.signed_in(COORDINATOR)
    apis.answer("coordinator", "POST", CALL_IN_PATH, status, body)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    form = {
        "csrf": form_key_of(COORDINATOR),
        "units": ["justice:430426101", "police:430426102"],
        "note": "请司法所、派出所到场调处",
    }
    return console.call_in(browser.post(f"/cases/{CASE_ID}/call-in", form, as_=COORDINATOR), CASE_ID)


def test_the_call_in_list_offers_only_units_the_holding_centre_may_call_that_are_not_on_the_case(
    console, browser, staff, apis, monkeypatch
):
    monkeypatch.setitem(CASE, "referrals", TOWNSHIP_CASE["referrals"])
    monkeypatch.setitem(CASE, "centre", TOWNSHIP_CASE["centre"])

    offered = units_offered(case_page(console, browser, staff, apis))

    assert "police:430426101" not in offered  # the lead, still handling it
    assert "justice:430426102" in offered  # declined: no longer on the case
    assert "police:430426102" in offered and "justice:430426101" in offered
    assert {unit.partition(":")[0] for unit in offered} == {"police", "justice"}  # no court, petition or plc


def test_the_units_to_call_in_are_checkboxes_in_a_fieldset_grouped_by_agency_not_a_list_box(
    console, browser, staff, apis, monkeypatch
):
    """A list box needs Ctrl-click to choose two; checkboxes take a click or the space bar each."""
    monkeypatch.setitem(CASE, "referrals", TOWNSHIP_CASE["referrals"])
    monkeypatch.setitem(CASE, "centre", TOWNSHIP_CASE["centre"])

    page = case_page(console, browser, staff, apis)

    assert "<select" not in page.split("<h2>吹哨报到</h2>")[1].split("</form>")[0]
    form = page.split('<fieldset id="call-in-units"')[1].split("<textarea")[0]
    assert "<legend>报到单位（可多选）</legend>" in form
    groups = re.findall(r'<fieldset class="call-in-group">\s*<legend>([^<]*)</legend>(.*?)</fieldset>', form, re.S)
    assert [agency for agency, _ in groups] == ["公安局", "司法局"]
    police = dict(re.findall(r'value="([^"]*)"> ([^<]*)</label>', groups[0][1]))
    assert police["police:430426102"] == "蒋家桥镇派出所" and "police:430426101" not in police


def test_a_call_in_with_no_unit_ticked_asks_for_one_beside_the_units_and_keeps_the_note(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    answer_refusal(apis, "coordinator", CALL_IN_PATH, CallIn, {"units": [], "note": "请到场调处"})
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, CASE)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    form = {"csrf": form_key_of(COORDINATOR), "note": "请到场调处"}

    page = text_of(console.call_in(browser.post(f"/cases/{CASE_ID}/call-in", form, as_=COORDINATOR), CASE_ID))

    assert error_beside(page, "call_in.units") == "请至少选择一个单位"
    assert '<fieldset id="call-in-units" class="call-in-units" aria-describedby="call_in.units-error">' in page
    assert all(not checked for checked in units_offered(page).values())
    assert page.count('aria-invalid="true"') == len(units_offered(page))  # each box, and nothing else
    assert ">请到场调处</textarea>" in page
    [call] = apis.posts()
    assert call.body == {"units": [], "note": "请到场调处"}  # the coordinator's API decides


def test_the_county_centre_may_call_in_every_agency_but_not_a_unit_already_on_the_case(
    console, browser, staff, apis, monkeypatch
):
    monkeypatch.setitem(
        CASE, "referrals", [{"unit": "court:430426", "role": "co_unit", "round": 1, "status": "issued"}]
    )

    page = case_page(console, browser, staff, apis)

    offered = units_offered(page)
    assert "court:430426" not in offered
    assert {"petition:430426", "plc:430426", "police:430426101", "justice:430426101"} <= offered.keys()
    assert '<input type="checkbox" name="units" value="petition:430426"> 祁东县信访局</label>' in page  # by name


def test_a_unit_already_on_the_case_is_refused_in_chinese_and_the_form_keeps_what_was_chosen(
    console, browser, staff, apis
):
    conflict = {
        "error": "conflict",
        "message": "unit_already_on_case: police:430426102 already holds an open referral",
        "code": "unit_already_on_case",
        "detail": {"unit": "police:430426102"},
    }

    response = refused_call_in(console, browser, staff, apis, 409, conflict)

    page = text_of(response)
    assert response.status_code == 400
    assert error_beside(page, "call_in.units") == "蒋家桥镇派出所已在办理此案，不需要再吹哨报到。"
    assert "unit_already_on_case" not in page and "already holds" not in page
    chosen = units_offered(page)
    assert chosen["justice:430426101"] and chosen["police:430426102"]
    assert not chosen["police:430426103"]
    assert ">请司法所、派出所到场调处</textarea>" in page
    assert 'aria-describedby="call_in.units-error"' in page


def test_an_agency_the_centre_may_not_call_in_is_refused_naming_what_it_may_call(console, browser, staff, apis):
    conflict = {
        "error": "conflict",
        "message": "not_callable: 砖塘镇综治中心 (centre:430426101) may call in police, justice, not court",
        "code": "not_callable",
        "detail": {
            "centre": "centre:430426101",
            "callable": ["police", "justice"],
            "agency": "court",
            "unit": "court:430426",
        },
    }

    page = text_of(refused_call_in(console, browser, staff, apis, 409, conflict, TOWNSHIP_CASE))

    assert error_beside(page, "call_in.units") == "砖塘镇综治中心只能向公安局、司法局吹哨，不能向法院吹哨。"
    assert ">请司法所、派出所到场调处</textarea>" in page


def test_another_centres_case_is_refused_naming_the_centre_that_holds_it(console, browser, staff, apis):
    forbidden = {
        "error": "forbidden",
        "message": f"not_this_centre: case {CASE_ID} is held by centre:430426101; the caller acts for 430426102",
    }

    page = text_of(refused_call_in(console, browser, staff, apis, 403, forbidden, TOWNSHIP_CASE))

    assert error_beside(page, "call_in") == "此案件由砖塘镇综治中心办理，只有该中心或其上级中心的工作人员可以吹哨报到。"
    assert units_offered(page)["justice:430426101"]


def test_a_case_closed_meanwhile_still_says_why_the_call_in_was_refused(console, browser, staff, apis):
    conflict = {"error": "conflict", "message": "wrong_status: case 430426-20261123-00007 is closed; nothing to call"}

    page = text_of(refused_call_in(console, browser, staff, apis, 409, conflict, {**CASE, "status": "closed"}))

    assert error_beside(page, "call_in") == "此案件已办结、已结案或尚未分流，不能吹哨报到。"
    assert 'id="call-in-units"' not in page  # no form for a closed case, but the reason stays


def test_a_call_in_without_its_note_asks_for_one_beside_the_note_and_keeps_the_units(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    answer_refusal(apis, "coordinator", CALL_IN_PATH, CallIn, {"units": ["justice:430426101"], "note": ""})
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, CASE)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    form = {"csrf": form_key_of(COORDINATOR), "units": "justice:430426101", "note": "  "}

    page = text_of(console.call_in(browser.post(f"/cases/{CASE_ID}/call-in", form, as_=COORDINATOR), CASE_ID))

    assert error_beside(page, "call_in.note") == "请填写请报到单位办理的事项"
    assert units_offered(page)["justice:430426101"]


# --- 超出本级处置能力 only where a level above exists ----------------------------------------------------------


def decline_choices(page: str) -> dict[str, str]:
    """The decline form's types: code → what the officer reads."""
    return dict(re.findall(r'<input type="radio" name="reason_code" value="([a-z_]+)"[^>]*> ([^<]*)</label>', page))


def referral_page(console, browser, staff, apis, referral: dict, above: dict | None = COUNTY_CENTRE, done: str = ""):
    staff.signed_in(LIU)
    agency_shows(apis, "police_link", referral, above)
    query = f"?done={done}" if done else ""
    return text_of(
        console.referral(browser.get(f"/referrals/police/{REFERRAL_ID}{query}", as_=LIU), "police", REFERRAL_ID)
    )


def test_a_township_station_may_send_the_case_up_to_the_county_centre_named(console, browser, staff, apis):
    page = referral_page(console, browser, staff, apis, {**ACCEPTED, "status": "received"})

    assert decline_choices(page) == {
        "not_competent": "不属于本单位职责",
        "beyond_level": "超出本级处置能力（上报祁东县综治中心）",
    }
    [asked] = apis.calls_to("coordinator")  # where the case is held is the coordinator's to say, for this officer
    assert (asked.path, asked.token) == (f"/api/v1/cases/{CASE_ID}/referrals/{REFERRAL_ID}", token_of(LIU))


@pytest.mark.parametrize(
    "unit",
    [
        "police:430426",  # the county bureau leading a case the county centre holds: the top
        "police:430426101",  # a township station helping on a case that went up to the county: its own place has a
        # centre above, but the case's holding centre has none
    ],
)
def test_a_referral_whose_case_the_county_centre_holds_is_not_offered_a_level_above(
    console, browser, staff, apis, unit
):
    page = referral_page(console, browser, staff, apis, {**ACCEPTED, "unit": unit, "status": "received"}, above=None)

    assert decline_choices(page) == {"not_competent": "不属于本单位职责"}
    assert (
        "没有更上一级的综治中心可以上报。超出本单位处置能力的，请在退回理由中说明，退回后由综合协调组重新分派。" in page
    )


def test_a_county_bureau_helping_on_a_township_centres_case_may_send_it_up(console, browser, staff, apis):
    county_bureau = {**ACCEPTED, "unit": "police:430426", "role": "co_unit", "status": "received"}

    page = referral_page(console, browser, staff, apis, county_bureau)

    assert decline_choices(page)["beyond_level"] == "超出本级处置能力（上报祁东县综治中心）"


def test_while_the_coordinator_cannot_say_the_decline_up_is_offered_and_the_coordinator_decides(
    console, browser, staff, apis
):
    staff.signed_in(LIU)
    agency_shows(apis, "police_link", {**ACCEPTED, "status": "received"})
    apis.down("coordinator", "GET", f"/api/v1/cases/{CASE_ID}/referrals/{REFERRAL_ID}")

    page = text_of(console.referral(browser.get(f"/referrals/police/{REFERRAL_ID}", as_=LIU), "police", REFERRAL_ID))

    assert decline_choices(page)["beyond_level"] == "超出本级处置能力（上报上一级综治中心）"


def why_shown(page: str) -> str:
    found = re.search(
        r'<p class="notice issued-because" role="note"><strong>为何交由本单位：</strong>([^<]*)</p>', page
    )
    return found.group(1) if found else ""


def test_a_first_designation_says_nothing_of_why(console, browser, staff, apis):
    assert why_shown(referral_page(console, browser, staff, apis, ACCEPTED)) == ""


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        (
            {"cause": "escalated", "escalation_cause": "beyond_level", "from_unit": "police:430426101",
             "reason": "涉及两个乡镇的土地权属"},
            "砖塘镇派出所以超出本级处置能力退回，案件上报后由本单位接办（2026-11-24 10:00）。"
            "退回理由：涉及两个乡镇的土地权属。",
        ),
        (
            {"cause": "escalated", "escalation_cause": "overdue", "from_unit": "police:430426101",
             "overdue_working_days": 4},
            "砖塘镇派出所逾期4个工作日仍未办结，案件提级由本单位接办（2026-11-24 10:00）。",
        ),
        (
            {"cause": "reopened", "reopen_cause": "dissatisfied", "comment": "他还是天天骂人"},
            "群众对上一轮办理结果不满意，案件重新交办（2026-11-24 10:00）。群众意见：他还是天天骂人。",
        ),
        (
            {"cause": "reopened", "reopen_cause": "repeat_report", "comment": "李国华未按协议拆除围墙"},
            "案件办结后群众再次反映，重新交办（2026-11-24 10:00）。再次反映的内容：李国华未按协议拆除围墙。",
        ),
        (
            {"cause": "declined", "from_unit": "justice:430426101", "reason": "不属于司法所职责"},
            "砖塘镇司法所退回此案，改由本单位办理（2026-11-24 10:00）。退回理由：不属于司法所职责。",
        ),
        (
            {"cause": "called_in", "note": "请派出所到场维护秩序"},
            "综治中心吹哨，请本单位报到协办（2026-11-24 10:00）。中心要求：请派出所到场维护秩序。",
        ),
    ],
)  # fmt: skip
def test_a_unit_handed_a_case_reads_why_before_it_acts(console, browser, staff, apis, reason, shown):
    staff.signed_in(LIU)
    agency_shows(apis, "police_link", ACCEPTED, issued_because={**reason, "at": "2026-11-24T02:00:00+00:00"})

    page = text_of(console.referral(browser.get(f"/referrals/police/{REFERRAL_ID}", as_=LIU), "police", REFERRAL_ID))

    assert why_shown(page) == shown


def decline_beyond_the_level(console, browser, staff, apis, referral: dict, above: dict | None = COUNTY_CENTRE):
    """The officer sends the decline as beyond the level; where it goes is asked of the coordinator first."""
    staff.signed_in(LIU)
    agency_shows(apis, "police_link", referral, above)
    apis.answer("police_link", "POST", f"/api/v1/referrals/{REFERRAL_ID}/decline", 200, referral)
    form = {"csrf": form_key_of(LIU), "reason": "跨乡镇土地权属", "reason_code": "beyond_level"}
    request = browser.post(f"/referrals/police/{REFERRAL_ID}/decline", form, as_=LIU)
    return console.act_on_referral(request, "police", REFERRAL_ID, "decline").headers["Location"]


def test_the_confirmation_names_the_centre_the_case_went_up_to_as_asked_before_the_decline(
    console, browser, staff, apis
):
    sent_to = decline_beyond_the_level(console, browser, staff, apis, {**ACCEPTED, "status": "accepted"})
    # Once the coordinator took the decline, the case is held at the county: nothing is above it any more.
    apis.answer("police_link", "GET", f"/api/v1/referrals/{REFERRAL_ID}", 200, {**ACCEPTED, "status": "declined"})
    agency_shows(apis, "police_link", {**ACCEPTED, "status": "declined"}, above=None)

    page = text_of(console.referral(browser.get(sent_to, as_=LIU), "police", REFERRAL_ID))

    assert sent_to == f"/referrals/police/{REFERRAL_ID}?done=decline_up&up=430426"
    assert '<p class="notice" role="status">已退回，案件将上报祁东县综治中心处理。</p>' in page


def test_at_the_county_a_decline_as_beyond_the_level_is_confirmed_as_what_it_is(console, browser, staff, apis):
    """A form shown before the case went up, sent as beyond the level: the coordinator routes it again."""
    county = {**ACCEPTED, "unit": "police:430426", "status": "accepted"}

    sent_to = decline_beyond_the_level(console, browser, staff, apis, county, above=None)
    agency_shows(apis, "police_link", {**county, "status": "declined"}, above=None)
    page = text_of(console.referral(browser.get(sent_to, as_=LIU), "police", REFERRAL_ID))

    assert sent_to == f"/referrals/police/{REFERRAL_ID}?done=decline"
    assert '<p class="notice" role="status">已退回，由综合协调组重新分派。</p>' in page
    assert "上一级" not in page.split("<dl")[0]


def test_a_decline_as_beyond_the_level_sent_while_the_agency_cannot_be_asked_says_it_goes_up(
    console, browser, staff, apis
):
    staff.signed_in(LIU)
    apis.down("police_link", "GET", f"/api/v1/referrals/{REFERRAL_ID}")
    apis.answer("police_link", "POST", f"/api/v1/referrals/{REFERRAL_ID}/decline", 200, ACCEPTED)
    form = {"csrf": form_key_of(LIU), "reason": "跨乡镇土地权属", "reason_code": "beyond_level"}

    response = console.act_on_referral(
        browser.post(f"/referrals/police/{REFERRAL_ID}/decline", form, as_=LIU), "police", REFERRAL_ID, "decline"
    )

    assert response.headers["Location"] == f"/referrals/police/{REFERRAL_ID}?done=decline_up"


@pytest.mark.parametrize("up", ["", "430426<b>", "999999"])
def test_a_centre_the_address_names_wrongly_is_said_as_the_centre_above(console, browser, staff, apis, up):
    page = referral_page(console, browser, staff, apis, {**ACCEPTED, "status": "declined"}, done=f"decline_up&up={up}")

    assert '<p class="notice" role="status">已退回，案件将上报上一级综治中心处理。</p>' in page


# --- a decline's confirmation: what the coordinator will do with it --------------------------------------------


def test_a_co_units_decline_is_confirmed_without_promising_a_new_unit(console, browser, staff, apis):
    """The coordinator replaces no co-unit that declines after the lead settled the case; the agency's referral
    cannot say whether it did, so the confirmation promises nothing."""
    court = {**ACCEPTED, "unit": "police:430426", "role": "co_unit", "status": "declined"}

    page = referral_page(console, browser, staff, apis, court, above=None, done="decline")

    confirmation = re.search(r'<p class="notice" role="status">([^<]*)</p>', page)
    assert confirmation is not None
    assert confirmation.group(1).startswith("已退回综合协调组。")
    assert "重新分派" not in confirmation.group(1)


def test_a_co_units_decline_form_promises_no_new_assignment_either(console, browser, staff, apis):
    co_unit = {**ACCEPTED, "unit": "police:430426", "role": "co_unit", "status": "received"}

    page = referral_page(console, browser, staff, apis, co_unit, above=None)

    assert "退回后由综合协调组根据案件办理情况处理。" in page
    assert "重新分派" not in page


def test_a_leads_decline_is_still_confirmed_as_reassigned(console, browser, staff, apis):
    page = referral_page(console, browser, staff, apis, {**ACCEPTED, "status": "declined"}, done="decline")

    assert '<p class="notice" role="status">已退回，由综合协调组重新分派。</p>' in page


# --- 提请领导督办 on the overview --------------------------------------------------------------------------------

FLAGGED = {
    "case_id": CASE_ID,
    "status": "in_progress",
    "mode": "joint",
    "category": "neighbour",
    "division_code": "430426101203",
    "lead_unit": "court:430426",
    "co_units": ["justice:430426101"],
    "gaps": [],
    "next_due_at": "2026-11-16T09:30:00+00:00",
    "overdue": True,
}
OVERVIEW = {
    "as_of": "2026-11-23T09:30:00+08:00",
    "cases_total": 5,
    "referrals": {"on_time_rate": None, "on_time": 0, "finished": 0, "overdue": 1},
    "ratings": {"satisfaction_rate": None},
    "by_source": {},
    "by_status": {},
    "by_unit": [],
}


def overview_of(console, browser, staff, apis, who, listing: dict | None = None):
    staff.signed_in(who)
    apis.answer("coordinator", "GET", "/api/v1/overview", 200, OVERVIEW)
    apis.answer("supervision", "GET", "/api/v1/reports", 400, {"error": "invalid_input", "fields": []})
    if listing is not None:
        apis.answer("coordinator", "GET", "/api/v1/cases", 200, listing)
    return text_of(console.overview(browser.get("/overview", as_=who)))


@pytest.mark.parametrize("reader", [COORDINATOR, LUO], ids=["coordinator", "leader"])
def test_the_overview_lists_the_cases_flagged_for_the_leaders(console, browser, staff, apis, reader):
    page = overview_of(console, browser, staff, apis, reader, {"cases": [FLAGGED], "counts": {}, "total": 12})

    [listed] = [call for call in apis.calls_to("coordinator") if call.path == "/api/v1/cases"]
    assert (listed.params, listed.token) == ({"leaders": "true", "limit": "10"}, token_of(reader))
    section = page.split('<section id="leaders-alerted"')[1].split("</section>")[0]
    assert "提请领导督办（12件）" in section
    assert f'<a href="/cases/{CASE_ID}">{CASE_ID}</a>' in section
    assert "<td>祁东县人民法院</td>" in section and "<td>砖塘镇司法所</td>" in section
    assert "已超期7天" in section
    assert '<a href="/cases?leaders=true">查看全部12件</a>' in section


def test_the_leaders_list_names_whose_deadline_it_counts_down_to_or_that_the_clocks_stand_still(
    console, browser, staff, apis
):
    running = {
        **FLAGGED,
        "deadline": {
            "due_at": "2026-11-16T09:30:00+00:00",
            "unit": "justice:430426101",
            "provisional": False,
            "paused": False,
            "pause_reasons": [],
        },
    }
    paused = {
        **FLAGGED,
        "case_id": "430426-20261110-00002",
        "deadline": {
            "due_at": None,
            "unit": None,
            "provisional": False,
            "paused": True,
            "pause_reasons": ["appraisal"],
        },
    }

    page = overview_of(console, browser, staff, apis, LUO, {"cases": [running, paused], "counts": {}, "total": 2})

    section = page.split('<section id="leaders-alerted"')[1].split("</section>")[0]
    assert "已超期7天" in section and '<span class="hint">砖塘镇司法所</span>' in section
    assert "计时已暂停（鉴定）" in section


def test_a_supervisor_reads_the_overview_without_the_leaders_list(console, browser, staff, apis):
    page = overview_of(console, browser, staff, apis, ZHOU)

    assert 'id="leaders-alerted"' not in page
    assert [call.path for call in apis.calls_to("coordinator")] == ["/api/v1/overview"]


def test_no_case_flagged_for_the_leaders_is_said(console, browser, staff, apis):
    page = overview_of(console, browser, staff, apis, LUO, {"cases": [], "counts": {}, "total": 0})

    assert "当前没有提请领导督办的案件。" in page


def test_a_reason_typed_with_its_own_full_stop_ends_with_one(console, browser, staff, apis):
    staff.signed_in(LIU)
    reason = {"cause": "declined", "from_unit": "justice:430426101", "reason": "不属于司法所职责。"}
    agency_shows(apis, "police_link", ACCEPTED, issued_because=reason)

    page = text_of(console.referral(browser.get(f"/referrals/police/{REFERRAL_ID}", as_=LIU), "police", REFERRAL_ID))

    assert why_shown(page).endswith("退回理由：不属于司法所职责。") and "。。" not in why_shown(page)


def test_the_overviews_satisfaction_tile_says_whose_ratings_it_counts_and_shows_them(console, browser, staff, apis):
    ratings = {"satisfied": 4, "basically_satisfied": 2, "dissatisfied": 1, "satisfaction_rate": 0.8571}
    staff.signed_in(LUO)
    apis.answer("coordinator", "GET", "/api/v1/overview", 200, {**OVERVIEW, "ratings": ratings})
    apis.answer("supervision", "GET", "/api/v1/reports", 400, {"error": "invalid_input", "fields": []})
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [], "counts": {}, "total": 0})

    page = text_of(console.overview(browser.get("/overview", as_=LUO)))

    assert "85.7%" in page and "群众满意率（全部案件最近一次评价，6/7）" in page
