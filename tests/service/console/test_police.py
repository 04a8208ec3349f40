"""警调对接 in the console: a police officer records dispute calls, reads the year's figures, and sees what mediation
made of each handed call; the police's own API answers, its errors read in Chinese, and no one else opens the pages."""

import json
import re

import pytest
from pydantic import ValidationError

from services.console.handlers.police import call_from_form
from services.console.pages import PageNotFound, StaleForm
from services.police_link.commands import RecordCall
from shared.auth.principal import Forbidden, Principal, Role
from shared.http import field_errors
from shared.refusal import NumberTaken
from tests.http_answers import answered
from tests.service.console.visitors import LIU, console_knowing, error_beside, form_key_of, text_of, token_of

ZHAO = Principal("zhao.li", "赵丽", frozenset({Role.OFFICER}), frozenset({"court:430426"}))
TANG = Principal("tang.jun", "唐军", frozenset({Role.OFFICER}), frozenset({"police:430426"}))
POLICE = "police_link"
NUMBER = "JQ4304262026112300017"
LINK = f"/police/calls/{NUMBER}"
API = f"/api/v1/calls/{NUMBER}"
HANDED = {
    "call_number": NUMBER,
    "unit": "police:430426101",
    "received_at": "2026-11-22T13:40:00+00:00",
    "received_on": "2026-11-22",
    "classification": "neighbour",
    "category": "neighbour",
    "division_code": "430426101",
    "summary": "两户因宅基地界址发生推搡，民警到场制止后移交调解。",
    "parties": [
        {"role": "applicant", "kind": "person", "name": "刘桂兰"},
        {"role": "respondent", "kind": "person", "name": "何建军"},
    ],
    "flags": ["violence_risk"],
    "decision": "mediation",
    "procedure": None,
    "reasons": [],
    "message_id": "7d3f0c1e-2b4a-4f6d-9e8c-1a2b3c4d5e6f",
    "recorded_by": "liu.yang",
    "recorded_at": "2026-11-23T01:30:00+00:00",
    "scene": {
        "violence": True,
        "injury": False,
        "weapon_or_threat": False,
        "repeat_calls": 1,
        "civil_to_criminal_risk": False,
        "suitable_for_mediation": True,
        "offence": "none",
    },
    "mediation": {
        "case_id": "C-20261123-0001",
        "result": "mediated",
        "outcome": "resolved",
        "mediated": True,
        "round": 1,
        "resolved_at": "2026-11-23T01:00:00+00:00",
        "mediators": {
            "unit": "justice:430426101",
            "result": "mediated",
            "mediated": True,
            "reported_at": "2026-11-22T23:00:00+00:00",
        },
    },
    "referrals": [
        {
            "referral_id": "5b0c6a5e-8f2e-4c55-9a5e-0c1f0d7a9b11",
            "case_id": "C-20261123-0001",
            "unit": "police:430426101",
            "role": "lead",
            "round": 1,
            "status": "reported",
            "result": "handled",
            "received_at": "2026-11-22T14:00:00+00:00",
        }
    ],
}
KEPT = {
    **HANDED,
    "call_number": "JQ4304262026112300018",
    "flags": ["violence_risk", "high_risk"],
    "decision": "police",
    "procedure": "criminal",
    "reasons": ["crime_suspected", "not_suitable_for_mediation"],
    "message_id": None,
    "mediation": None,
    "referrals": [],
}
FORM = {
    "call_number": NUMBER,
    "received_at": "2026-11-22T21:40",
    "unit": "police:430426101",
    "classification": "neighbour",
    "category": "",
    "division_code": "430426101",
    "summary": "两户因宅基地界址发生推搡，民警到场制止后移交调解。",
    "parties.0.role": "applicant",
    "parties.0.kind": "person",
    "parties.0.name": "刘桂兰",
    "parties.0.phone": "13907345678",
    "parties.1.role": "respondent",
    "parties.1.kind": "person",
    "parties.1.name": "何建军",
    "parties.2.role": "applicant",
    "parties.2.kind": "person",
    "parties.2.name": "",
    "violence": "yes",
    "repeat_calls": "1",
    "offence": "none",
    "suitable_for_mediation": "yes",
}


@pytest.fixture
def console(uow, apis, console_platform):
    return console_knowing(uow, apis, console_platform, ZHAO, TANG)


@pytest.fixture
def liu(staff) -> Principal:
    staff.signed_in(LIU)
    return LIU


def figures(**mediation) -> dict:
    return {
        "from": "2026-01-01",
        "to": "2026-11-23",
        "calls": {
            "recorded": 578,
            "by_classification": {},
            "handed_to_mediation": 500,
            "kept_by_police": 78,
            "handover_rate": 0.865,
            "kept_because": {},
            "kept_in_procedure": {},
        },
        "mediation": {
            "with_result": 480,
            "awaiting_result": 20,
            "resolved": 458,
            "mediated": 430,
            "by_result": {},
            "resolution_rate": 0.916,
            "success_rate": 0.86,
            **mediation,
        },
        "risk": {
            "violence_or_injury": 120,
            "violence": 100,
            "injury": 40,
            "weapon_or_threat": 12,
            "repeat_calls": 30,
            "civil_to_criminal_risk": 9,
            "civil_to_criminal_risk_handed_to_mediation": 4,
        },
    }


# --- who sees and opens 警情调解 -------------------------------------------------------------------------


def test_a_police_officer_lists_the_calls_with_the_years_figures(console, apis, browser, liu):
    apis.answer(POLICE, "GET", "/api/v1/calls", 200, {"calls": [HANDED, KEPT]})
    apis.answer(POLICE, "GET", "/api/v1/calls/figures", 200, figures())

    page = text_of(console.police_calls(browser.get("/police/calls?decision=mediation", as_=liu)))

    assert '<a href="/police/calls" aria-current="page">警情调解</a>' in page
    listing, year = apis.calls
    assert (listing.token, listing.params) == (token_of(LIU), {"decision": "mediation", "limit": "100"})
    assert year.params == {"from": "2026-01-01", "to": "2026-11-23"}
    assert f'<a href="{LINK}">{NUMBER}</a>' in page
    assert "<td>转调解（警调对接）</td>" in page
    assert "<td>公安处置：刑事案件程序（涉嫌犯罪、民警判断不宜调解）</td>" in page
    assert "<td>砖塘镇派出所</td>" in page
    assert "<td>调解成功</td>" in page
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page))
    assert rows["登记纠纷警情"] == "578起"
    assert rows["转调解"] == "500起"
    assert rows["公安处置"] == "78起"
    assert rows["化解率"] == "91.6%"
    assert rows["调解成功率"] == "86.0%"
    assert rows["有暴力或伤害"] == "120起"
    assert rows["有民转刑风险"] == "9起"


def test_a_rate_with_nothing_to_divide_reads_as_a_dash(console, apis, browser, liu):
    apis.answer(POLICE, "GET", "/api/v1/calls", 200, {"calls": []})
    apis.answer(POLICE, "GET", "/api/v1/calls/figures", 200, figures(success_rate=None))

    page = text_of(console.police_calls(browser.get("/police/calls", as_=liu)))

    assert '<th scope="row">调解成功率</th><td>—</td>' in page


@pytest.mark.parametrize(
    "visit",
    [
        lambda console, browser: console.police_calls(browser.get("/police/calls", as_=ZHAO)),
        lambda console, browser: console.new_police_call(browser.get("/police/calls/new", as_=ZHAO)),
        lambda console, browser: console.police_call(browser.get(LINK, as_=ZHAO), NUMBER),
        lambda console, browser: console.record_police_call(
            browser.post("/police/calls/new", {"csrf": form_key_of(ZHAO), **FORM}, as_=ZHAO)
        ),
    ],
    ids=["list", "form", "call", "record"],
)
def test_a_court_officer_is_forbidden_every_police_page_and_the_police_are_never_asked(
    console, apis, browser, staff, visit
):
    staff.signed_in(ZHAO)

    with pytest.raises(Forbidden):
        visit(console, browser)

    assert apis.calls == []


def test_a_path_that_is_no_call_number_is_not_found_without_asking(console, apis, browser, liu):
    with pytest.raises(PageNotFound):
        console.police_call(browser.get("/police/calls/..%2Fadmin", as_=liu), "../admin")

    assert apis.calls == []


# --- recording a call --------------------------------------------------------------------------------------


def test_the_form_offers_the_officers_own_station_and_a_bureau_officer_every_station(console, apis, browser, staff):
    staff.signed_in(LIU)
    staff.signed_in(TANG)

    station = text_of(console.new_police_call(browser.get("/police/calls/new", as_=LIU)))
    bureau = text_of(console.new_police_call(browser.get("/police/calls/new", as_=TANG)))

    assert re.findall(r'<option value="(police:[0-9]+)"', station) == ["police:430426101"]
    units = re.findall(r'<option value="(police:[0-9]+)"', bureau)
    assert units[0] == "police:430426" and "police:430426101" in units and len(units) > 2
    assert all(len(unit) == len("police:430426101") for unit in units[1:])
    assert re.search(
        r'<input id="received_at" name="received_at" type="datetime-local" max="2026-11-23T09:30"', station
    )
    assert 'name="parties.5.phone"' in station
    assert apis.calls == []


def test_a_call_is_posted_as_the_police_api_takes_it_in_beijing_time(console, apis, browser, liu):
    apis.answer(POLICE, "POST", "/api/v1/calls", 201, {**HANDED, "first_time": True})

    request = browser.post("/police/calls/new", {"csrf": form_key_of(LIU), **FORM}, as_=liu)
    response = console.record_police_call(request)

    assert (response.status_code, response.headers["Location"]) == (303, f"{LINK}?done=recorded")
    [call] = apis.posts()
    assert (call.service, call.token) == (POLICE, token_of(LIU))
    assert call.body == {
        "call_number": NUMBER,
        "received_at": "2026-11-22T21:40:00+08:00",
        "unit": "police:430426101",
        "classification": "neighbour",
        "division_code": "430426101",
        "summary": "两户因宅基地界址发生推搡，民警到场制止后移交调解。",
        "offence": "none",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "刘桂兰", "phone": "13907345678"},
            {"role": "respondent", "kind": "person", "name": "何建军"},
        ],
        "violence": True,
        "injury": False,
        "weapon_or_threat": False,
        "civil_to_criminal_risk": False,
        "repeat_calls": 1,
        "suitable_for_mediation": True,
    }
    # The police's own command takes exactly this body.
    assert RecordCall.model_validate(call.body).scene().risk.violence is True


def test_a_call_recorded_before_says_so(console, apis, browser, liu):
    apis.answer(POLICE, "POST", "/api/v1/calls", 200, {**HANDED, "first_time": False})

    response = console.record_police_call(
        browser.post("/police/calls/new", {"csrf": form_key_of(LIU), **FORM}, as_=liu)
    )

    assert response.headers["Location"] == f"{LINK}?done=repeat"


def test_a_form_without_the_session_key_reaches_no_police(console, apis, browser, liu):
    with pytest.raises(StaleForm):
        console.record_police_call(browser.post("/police/calls/new", FORM, as_=liu))

    assert apis.calls == []


def test_the_polices_refusal_is_shown_in_chinese_beside_each_field_and_the_form_kept(console, apis, browser, liu):
    form = {
        **FORM,
        "classification": "economic",
        "category": "neighbour",
        "parties.0.name": "",
        "parties.0.phone": "",
        "parties.2.name": "刘桂兰",
        "parties.2.phone": "1390734",
        "suitable_for_mediation": "",
    }
    with pytest.raises(ValidationError) as refused:
        RecordCall.model_validate(call_from_form({key: [value] for key, value in form.items()}))
    apis.answer(POLICE, "POST", "/api/v1/calls", 400, {"error": "invalid_input", "fields": field_errors(refused.value)})

    response = console.record_police_call(
        browser.post("/police/calls/new", {"csrf": form_key_of(LIU), **form}, as_=liu)
    )

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "category") == "所选纠纷类别与警情类别不符"
    assert error_beside(page, "suitable_for_mediation") == "请选择是或否"
    assert "parties.2.phone-error" in page  # beside the row it was typed in, not the second one sent
    assert 'value="1390734"' in page
    assert "登记未成功" in page


def test_a_call_number_another_station_registered_is_shown_taken_beside_the_number_and_the_form_kept(
    console, apis, browser, liu
):
    # The police's own answer, as its HTTP layer sends it: taken, naming the input and nothing of the holder.
    status, body = answered(NumberTaken("call_number"))
    apis.answer(POLICE, "POST", "/api/v1/calls", status, json.loads(body))

    response = console.record_police_call(
        browser.post("/police/calls/new", {"csrf": form_key_of(LIU), **FORM}, as_=liu)
    )

    assert response.status_code == 409
    page = text_of(response)
    assert error_beside(page, "call_number") == "该警情编号已被登记，请核对"
    assert f'value="{FORM["call_number"]}"' in page
    assert "登记未成功" in page


# --- a call ------------------------------------------------------------------------------------------------


def test_a_handed_call_shows_its_scene_its_mediation_and_its_referrals(console, apis, browser, liu):
    apis.answer(POLICE, "GET", API, 200, HANDED)

    page = text_of(console.police_call(browser.get(f"{LINK}?done=recorded", as_=liu), NUMBER))

    assert '<p class="notice" role="status">已登记警情。</p>' in page
    assert '<dd class="call-decision">转调解（警调对接）</dd>' in page
    assert '<dd class="call-flags"><span class="badge badge-flag">有暴力倾向</span> </dd>' in page
    assert "<dt>重复报警</dt><dd>1次</dd>" in page
    assert '<dd class="mediation-result">调解成功（第1轮，' in page
    assert "砖塘镇司法所：调解成功" in page
    assert '<a href="/referrals/police/5b0c6a5e-8f2e-4c55-9a5e-0c1f0d7a9b11">C-20261123-0001</a>' in page
    assert "police:" not in page.split("<main")[1]


def test_a_call_that_joined_a_case_the_station_holds_no_referral_of_names_that_case_in_chinese(
    console, apis, browser, liu
):
    joined = {
        **HANDED,
        "referrals": [],
        "joined_case": {
            "case_id": "430426-20261120-00004",
            "reason": "same source record",
            "linked_at": "2026-11-23T01:31:00+00:00",
        },
    }
    apis.answer(POLICE, "GET", API, 200, joined)

    page = text_of(console.police_call(browser.get(LINK, as_=liu), NUMBER))

    assert "综治中心已将本警情并入已有案件 430426-20261120-00004（同一原始记录），未另立新案" in page
    assert "本单位未收到该案件的交办件" in page
    assert "交办单会列在这里" not in page


JOINED_REFERRAL = {
    "referral_id": "5b0c6a5e-8f2e-4c55-9a5e-0c1f0d7a9b12",
    "case_id": "430426-20261120-00004",
    "unit": "police:430426101",
    "role": "lead",
    "round": 1,
    "status": "reported",
    "result": "mediated",
    "outcome": "resolved",
    "received_at": "2026-11-20T02:00:00+00:00",
}


def joined_call(**joined_case) -> dict:
    """The second call about the boundary, which the centre joined to the case the first call opened."""
    return {
        **HANDED,
        "mediation": {
            **HANDED["mediation"],
            "case_id": None,
            "result": None,
            "outcome": None,
            "mediated": None,
            "round": None,
            "resolved_at": None,
            "mediators": None,
        },
        "referrals": [JOINED_REFERRAL],
        "joined_case": {
            "case_id": "430426-20261120-00004",
            "reason": "same parties and category within 30 days",
            "linked_at": "2026-11-23T01:31:00+00:00",
            "result": None,
            "outcome": None,
            "mediated": None,
            "result_by": None,
            "referral_held": True,
            **joined_case,
        },
    }


def test_a_call_that_joined_another_case_shows_how_the_stations_referral_of_that_case_ended(
    console, apis, browser, liu
):
    ended = joined_call(
        result="mediated",
        outcome="resolved",
        mediated=True,
        result_by={
            "referral_id": JOINED_REFERRAL["referral_id"],
            "unit": "police:430426101",
            "role": "lead",
            "round": 1,
        },
    )
    apis.answer(POLICE, "GET", API, 200, ended)

    page = text_of(console.police_call(browser.get(LINK, as_=liu), NUMBER))

    assert '<dd class="joined-case-id">430426-20261120-00004</dd>' in page
    assert '<dd class="mediation-result">调解成功（化解成功；砖塘镇派出所作为牵头单位第1轮办结）</dd>' in page
    assert "尚未办结" not in page and "尚未反馈" not in page
    assert "本警情计入转调解警情数，不重复计入调解数" in page
    told = "综治中心已将本警情并入已有案件 430426-20261120-00004（30日内同一当事人、同类纠纷），未另立新案"
    assert f"{told}，该案件的交办件见下。" in page


def test_a_call_that_joined_a_case_not_yet_settled_says_so(console, apis, browser, liu):
    pending = joined_call()
    pending["referrals"] = [{**JOINED_REFERRAL, "status": "accepted", "result": None, "outcome": None}]
    apis.answer(POLICE, "GET", API, 200, pending)

    page = text_of(console.police_call(browser.get(LINK, as_=liu), NUMBER))

    assert '<dd class="mediation-result">尚未办结</dd>' in page


def test_a_call_that_joined_a_case_the_station_has_no_part_in_says_the_centre_holds_its_result(
    console, apis, browser, liu
):
    elsewhere = {**joined_call(referral_held=False), "referrals": []}
    apis.answer(POLICE, "GET", API, 200, elsewhere)

    page = text_of(console.police_call(browser.get(LINK, as_=liu), NUMBER))

    assert '<dd class="mediation-result">本单位未收到该案件的交办件，办理结果由综治中心掌握</dd>' in page


def test_the_years_figures_say_how_many_handed_calls_joined_a_case_already_at_the_centre(console, apis, browser, liu):
    apis.answer(POLICE, "GET", "/api/v1/calls", 200, {"calls": []})
    apis.answer(POLICE, "GET", "/api/v1/calls/figures", 200, figures(handed_to_mediation=488, joined_existing_case=12))

    page = text_of(console.police_calls(browser.get("/police/calls", as_=liu)))

    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page))
    assert (rows["转调解"], rows["其中并入已有案件"]) == ("500起", "12起")


def test_a_kept_call_says_why_and_has_no_mediation(console, apis, browser, liu):
    apis.answer(POLICE, "GET", "/api/v1/calls/JQ4304262026112300018", 200, KEPT)

    page = text_of(
        console.police_call(browser.get("/police/calls/JQ4304262026112300018", as_=liu), KEPT["call_number"])
    )

    assert '<dd class="call-decision">公安处置：刑事案件程序（涉嫌犯罪、民警判断不宜调解）</dd>' in page
    assert "调解情况" not in page


def test_violence_alone_is_not_called_a_civil_to_criminal_risk(console, apis, browser, liu):
    """Only 有暴力行为 ticked: the flag says violence, and 民转刑 is said only by the officer's own judgement (否)."""
    apis.answer(POLICE, "GET", API, 200, HANDED)

    page = text_of(console.police_call(browser.get(LINK, as_=liu), NUMBER))

    assert "<dt>暴力行为</dt><dd>是</dd>" in page and "<dt>民转刑风险</dt><dd>否</dd>" in page
    assert page.count("民转刑") == 1  # the judgement's own line, nowhere else


def test_a_judged_civil_to_criminal_risk_reads_as_such_beside_its_flags(console, apis, browser, liu):
    judged = {
        **HANDED,
        "flags": ["violence_risk", "high_risk"],
        "scene": {**HANDED["scene"], "civil_to_criminal_risk": True},
    }
    apis.answer(POLICE, "GET", API, 200, judged)

    page = text_of(console.police_call(browser.get(LINK, as_=liu), NUMBER))

    flags = page.split('<dd class="call-flags">')[1].split("</dd>")[0]
    assert re.findall(r'<span class="badge badge-flag">([^<]*)</span>', flags) == ["有暴力倾向", "命案风险"]
    assert "<dt>民转刑风险</dt><dd>是</dd>" in page


def test_the_calls_list_names_the_violence_flag_alone(console, apis, browser, liu):
    apis.answer(POLICE, "GET", "/api/v1/calls", 200, {"calls": [HANDED]})
    apis.answer(POLICE, "GET", "/api/v1/calls/figures", 200, figures())

    page = text_of(console.police_calls(browser.get("/police/calls", as_=liu)))

    assert '<span class="badge badge-flag">有暴力倾向</span>' in page and "倾向（民转刑" not in page


def test_a_listed_call_that_joined_another_case_names_that_case_and_its_result_not_a_wait(console, apis, browser, liu):
    ended = joined_call(result="mediated", outcome="resolved", mediated=True)
    pending = {**joined_call(), "call_number": "JQ4304262026112300021"}
    not_ours = {**joined_call(referral_held=False), "call_number": "JQ4304262026112300023"}
    waiting = {**HANDED, "call_number": "JQ4304262026112300022", "mediation": {**pending["mediation"]}}
    listed = [{k: v for k, v in call.items() if k != "referrals"} for call in (ended, pending, not_ours, waiting)]
    apis.answer(POLICE, "GET", "/api/v1/calls", 200, {"calls": listed})
    apis.answer(POLICE, "GET", "/api/v1/calls/figures", 200, figures())

    page = text_of(console.police_calls(browser.get("/police/calls", as_=liu)))

    last_cells = re.findall(r"<td>([^<]*)</td>\s*</tr>", page.split("<h2>警情</h2>")[1])
    assert last_cells == [
        "并入已有案件 430426-20261120-00004：调解成功",
        # Not finished, and no part of the station's: the call's page says the same of each.
        "并入已有案件 430426-20261120-00004：尚未办结",
        "并入已有案件 430426-20261120-00004：本单位未收到该案件的交办件，办理结果由综治中心掌握",
        "等待调解结果",
    ]
