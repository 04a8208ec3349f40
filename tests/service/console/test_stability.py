"""三色预警 in the console: a committee officer reads the risk register in colours, keeps the person file (一人一档),
records facts and names the leader a red person needs; the committee's API answers, its refusals read in
Chinese beside the fields, and no officer of another agency opens the pages."""

import re

import pytest

from services.console.handlers.stability import action_body, person_from_form
from services.console.pages import PageNotFound, StaleForm
from services.stability.commands import AddEvent, AddPerson
from shared.auth.principal import Forbidden, Principal, Role
from tests.service.console.visitors import (
    HE,
    LIU,
    LUO,
    ZHOU,
    answer_refusal,
    console_knowing,
    error_beside,
    form_key_of,
    text_of,
    token_of,
)

XIA = Principal("xia.lin", "夏琳", frozenset({Role.OFFICER}), frozenset({"plc:430426"}))
PLC = "stability"
PID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
LINK = f"/stability/persons/{PID}"
VIOLENCE = {
    "event_id": "11111111-2222-4333-8444-555555555555",
    "kind": "violence",
    "case_id": None,
    "at": "2026-11-22T12:00:00+00:00",
    "detail": "扬言持刀报复邻居。",
    "size": None,
    "criminal_risk": True,
    "recorded_by": "xia.lin",
}
RED = {
    "person_id": PID,
    "name": "赵大勇",
    "division_code": "430426101203",
    "case_ids": ["430426-20261120-00003"],
    "record_ids": [],
    "leader": None,
    "created_by": "xia.lin",
    "created_at": "2026-11-22T01:00:00+00:00",
    "updated_at": "2026-11-22T12:00:00+00:00",
    "events": [VIOLENCE],
    "colour": "red",
    "reasons": [{"colour": "red", "code": "criminal_risk", "text": "有暴力倾向且存在民转刑风险"}],
    "missing_leader": True,
}
LED = {
    **RED,
    "leader": {
        "name": "刘建国",
        "post": "砖塘镇党委副书记",
        "plan": "每周走访",
        "named_by": "xia.lin",
        "named_at": "2026-11-23",
    },
    "missing_leader": False,
}
GREEN = {
    **RED,
    "person_id": "0a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "name": "钱小明",
    "events": [],
    "colour": "green",
    "reasons": [],
    "missing_leader": False,
}


@pytest.fixture
def console(uow, apis, console_platform):
    return console_knowing(uow, apis, console_platform, XIA)


@pytest.fixture
def xia(staff) -> Principal:
    staff.signed_in(XIA)
    return XIA


def post_action(console, browser, action: str, form: dict):
    request = browser.post(f"{LINK}/{action}", {"csrf": form_key_of(XIA), **form}, as_=XIA)
    return console.act_on_stability_person(request, PID, action)


def test_the_register_shows_each_case_in_its_colour_with_the_lead_unit_and_place_by_name(console, apis, browser, xia):
    case = {
        "case_id": "430426-20261120-00003",
        "colour": "red",
        "flags": ["high_risk"],
        "category": "land",
        "division_code": "430426101203",
        "lead_unit": "plc:430426",
        "noted_at": "2026-11-20T02:00:00+00:00",
        "record_id": "WY-2026-0042",
    }
    apis.answer(
        PLC,
        "GET",
        "/api/v1/risk-register",
        200,
        {
            "cases": [case, {**case, "colour": "yellow"}],
            "counts": {"red": 1, "yellow": 1, "green": 0},
            "total": 2,
            "offset": 0,
            "limit": 100,
        },
    )

    page = text_of(console.risk_register(browser.get("/stability/register", as_=xia)))

    assert '<a href="/stability/register" aria-current="page">三色预警</a>' in page
    assert apis.calls[0].token == token_of(XIA)
    assert '<td><span class="colour colour-red">红色</span></td>' in page
    assert '<td><span class="colour colour-yellow">黄色</span></td>' in page
    assert "新塘村" in page and "plc:430426" not in page
    assert '<span class="colour colour-red">红色</span> 1件' in page


def test_the_register_counts_the_whole_register_and_pages_through_one_colour(console, apis, browser, xia):
    case = {
        "case_id": "430426-20261120-00003",
        "colour": "yellow",
        "flags": ["group"],
        "category": "wages",
        "division_code": "430426101203",
        "lead_unit": "plc:430426",
        "noted_at": "2026-11-20T02:00:00+00:00",
        "record_id": None,
    }
    apis.answer(
        PLC,
        "GET",
        "/api/v1/risk-register",
        200,
        {"cases": [case], "counts": {"red": 12, "yellow": 640, "green": 3}, "total": 640, "offset": 100, "limit": 100},
    )

    page = text_of(console.risk_register(browser.get("/stability/register?colour=yellow&offset=100", as_=xia)))

    assert apis.calls[0].params == {"colour": "yellow", "limit": "100", "offset": "100"}
    assert "台账共 655 件" in page and '<span class="colour colour-red">红色</span> 12件' in page
    assert "黄色预警共 640 件，显示第 101–101 件" in page
    assert '<a href="/stability/register?colour=yellow">上一页</a>' in page
    assert '<a href="/stability/register?colour=yellow&amp;offset=200">下一页</a>' in page


def test_the_register_shows_which_cases_are_still_open_and_when_each_closed_with_the_citizen_s_rating(
    console, apis, browser, xia
):
    case = {
        "case_id": "430426-20261120-00003",
        "colour": "red",
        "flags": ["high_risk"],
        "category": "land",
        "division_code": "430426101203",
        "lead_unit": "plc:430426",
        "noted_at": "2026-11-20T02:00:00+00:00",
        "record_id": None,
        "status": "closed",
        "closed_at": "2026-11-28T07:30:00+00:00",
        "closed_rating": "basically_satisfied",
    }
    apis.answer(
        PLC,
        "GET",
        "/api/v1/risk-register",
        200,
        {
            "cases": [case],
            "counts": {"red": 3, "yellow": 5, "green": 0},
            "status_counts": {
                "open": {"red": 2, "yellow": 1, "green": 0},
                "closed": {"red": 1, "yellow": 4, "green": 0},
                "unknown": {"red": 0, "yellow": 0, "green": 0},
            },
            "total": 1,
            "offset": 0,
            "limit": 100,
        },
    )

    page = text_of(console.risk_register(browser.get("/stability/register?colour=red&status=closed", as_=xia)))

    assert apis.calls[0].params == {"colour": "red", "status": "closed", "limit": "100", "offset": "0"}
    assert "红色预警已结案的共 1 件" in page
    assert '已结案<br><span class="when">2026-11-28 15:30，群众评价基本满意</span>' in page  # Beijing time
    assert '<a href="/stability/register?colour=red&amp;status=open">在办 2件</a>' in page
    assert 'status=closed" aria-current="true">已结案 1件</a>' in page
    assert '<a href="/stability/register?colour=yellow&amp;status=closed">' in page  # another colour, still closed
    assert "状态不明" not in page  # none of unknown state: no word of it


def test_cases_entered_before_the_register_heard_of_closings_are_counted_and_marked_of_unknown_state(
    console, apis, browser, xia
):
    case = {
        "case_id": "430426-20261020-00007",
        "colour": "yellow",
        "flags": ["group"],
        "category": "wages",
        "division_code": "430426101203",
        "lead_unit": "plc:430426",
        "noted_at": "2026-10-20T02:00:00+00:00",
        "record_id": None,
        "status": "unknown",
        "closed_at": None,
        "closed_rating": None,
    }
    apis.answer(
        PLC,
        "GET",
        "/api/v1/risk-register",
        200,
        {
            "cases": [case],
            "counts": {"red": 0, "yellow": 4, "green": 0},
            "status_counts": {
                "open": {"red": 0, "yellow": 1, "green": 0},
                "closed": {"red": 0, "yellow": 0, "green": 0},
                "unknown": {"red": 0, "yellow": 3, "green": 0},
            },
            "total": 4,
        },
    )

    page = text_of(console.risk_register(browser.get("/stability/register", as_=xia)))

    assert '<a href="/stability/register?status=unknown">状态不明 3件</a>' in page
    assert "<td>状态不明</td>" in page
    assert "是否结案请查看案件详情" in page


def test_a_register_from_a_committee_service_not_told_of_closings_shows_no_state(console, apis, browser, xia):
    apis.answer(PLC, "GET", "/api/v1/risk-register", 200, {"cases": [], "counts": {"red": 1}, "total": 1, "offset": 0})

    page = text_of(console.risk_register(browser.get("/stability/register", as_=xia)))

    assert "在办" not in page and "状态" not in page


def test_a_register_from_a_committee_service_that_does_not_count_it_yet_counts_what_it_listed(
    console, apis, browser, xia
):
    listed = {
        "case_id": "430426-20261120-00003",
        "colour": "red",
        "flags": ["high_risk"],
        "category": "land",
        "division_code": "430426101203",
        "lead_unit": "plc:430426",
        "noted_at": "2026-11-20T02:00:00+00:00",
    }
    apis.answer(PLC, "GET", "/api/v1/risk-register", 200, {"cases": [listed, {**listed, "colour": "yellow"}]})

    page = text_of(console.risk_register(browser.get("/stability/register", as_=xia)))

    assert "已列出最近列入的 2 件" in page and '<span class="colour colour-red">红色</span> 1件' in page
    assert "台账共" not in page


@pytest.mark.parametrize("query", ["colour=blue&offset=%EF%BC%95", "offset=-3", "offset=99999999999"])
def test_a_register_address_with_an_unknown_colour_or_page_shows_the_first_page_of_all(
    console, apis, browser, xia, query
):
    apis.answer(PLC, "GET", "/api/v1/risk-register", 200, {"cases": [], "counts": {}, "total": 0})

    page = text_of(console.risk_register(browser.get(f"/stability/register?{query}", as_=xia)))

    assert apis.calls[0].params == {"limit": "100", "offset": "0"}
    assert "台账中暂无案件。" in page


@pytest.mark.parametrize(
    "visit",
    [
        lambda console, browser: console.risk_register(browser.get("/stability/register", as_=LIU)),
        lambda console, browser: console.stability_persons(browser.get("/stability/persons", as_=LIU)),
        lambda console, browser: console.stability_person(browser.get(LINK, as_=LIU), PID),
        lambda console, browser: console.add_stability_person(
            browser.post("/stability/persons", {"csrf": form_key_of(LIU), "name": "赵大勇"}, as_=LIU)
        ),
        lambda console, browser: console.act_on_stability_person(
            browser.post(f"{LINK}/leader", {"csrf": form_key_of(LIU), "leader_name": "刘建国"}, as_=LIU), PID, "leader"
        ),
    ],
    ids=["register", "persons", "person", "add", "leader"],
)
def test_a_police_officer_is_forbidden_every_stability_page_and_the_committee_is_never_asked(
    console, apis, browser, staff, visit
):
    staff.signed_in(LIU)

    with pytest.raises(Forbidden):
        visit(console, browser)

    assert apis.calls == []


def test_a_path_that_is_no_person_or_action_is_not_found_without_asking(console, apis, browser, xia):
    with pytest.raises(PageNotFound):
        console.stability_person(browser.get("/stability/persons/x", as_=xia), "../admin")
    with pytest.raises(PageNotFound):
        post_action(console, browser, "delete", {})

    assert apis.calls == []


def test_the_file_lists_persons_by_colour_and_marks_a_red_one_without_a_leader(console, apis, browser, xia):
    apis.answer(PLC, "GET", "/api/v1/persons", 200, {"persons": [RED, GREEN]})

    page = text_of(console.stability_persons(browser.get("/stability/persons?colour=red&missing_leader=true", as_=xia)))

    assert apis.calls[0].params == {"colour": "red", "missing_leader": "true", "limit": "100"}
    assert f'<a href="{LINK}">赵大勇</a>' in page
    assert '<span class="gap">缺包案领导</span>' in page
    assert "有暴力倾向且存在民转刑风险" in page
    assert '<option value="red" selected>红色</option>' in page


def test_a_person_is_put_on_file_and_the_page_says_so(console, apis, browser, xia):
    apis.answer(PLC, "POST", "/api/v1/persons", 201, {"person_id": PID, "first_time": True})
    form = {
        "name": "赵大勇",
        "id_number": "",
        "mobile": "13700006666",
        "division_code": "430426101203",
        "case_ids": "430426-20261120-00003、430426-20261121-00001",
    }

    response = console.add_stability_person(
        browser.post("/stability/persons", {"csrf": form_key_of(XIA), **form}, as_=xia)
    )

    assert (response.status_code, response.headers["Location"]) == (303, f"{LINK}?done=added")
    assert apis.calls[0].body == {
        "name": "赵大勇",
        "mobile": "13700006666",
        "division_code": "430426101203",
        "case_ids": ["430426-20261120-00003", "430426-20261121-00001"],
    }


def test_a_refused_person_is_shown_with_errors_beside_the_fields(console, apis, browser, xia):
    form = {"name": "", "mobile": "1370000", "division_code": "", "case_ids": "x1"}
    answer_refusal(apis, PLC, "/api/v1/persons", AddPerson, person_from_form({k: [v] for k, v in form.items()}))
    apis.answer(PLC, "GET", "/api/v1/persons", 200, {"persons": []})

    response = console.add_stability_person(
        browser.post("/stability/persons", {"csrf": form_key_of(XIA), **form}, as_=xia)
    )

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "name") == "请填写姓名"
    assert error_beside(page, "mobile") == "手机号应为11位，以13至19开头"
    assert error_beside(page, "division_code") == "请选择所在地"
    assert "case_ids" in re.findall(r'id="([^"]+)-error"', page)
    assert 'value="1370000" aria-invalid="true"' in page


def test_a_red_person_shows_the_reason_the_event_and_the_missing_leader_in_red(console, apis, browser, xia):
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, RED)

    page = text_of(console.stability_person(browser.get(LINK, as_=xia), PID))

    assert '<span class="colour colour-red person-colour">红色</span>' in page
    assert '<p class="gap" id="missing-leader">缺包案领导' in page
    assert '<td>暴力倾向<br><span class="gap">民转刑风险</span></td>' in page


def test_the_facts_drawn_from_the_persons_cases_stand_in_the_history_by_time_marked_as_the_platforms(
    console, apis, browser, xia
):
    petition = {
        "kind": "petition",
        "case_id": "430426-20261101-00009",
        "at": "2026-11-01T02:00:00+00:00",
        "detail": "信访案件",
        "from_case": True,
    }
    overdue = {
        "kind": "overdue",
        "case_id": "430426-20261120-00003",
        "at": "2026-11-27T09:30:00+00:00",
        "detail": "承办单位逾期",
        "from_case": True,
        "unit": "police:430426101",
    }
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, {**RED, "case_facts": [petition, overdue]})

    page = text_of(console.stability_person(browser.get(LINK, as_=xia), PID))

    rows = re.findall(r"<tr(?: class=\"from-case\")?>\s*<td>([^<]+)</td>", page)
    assert rows == ["2026-11-01 10:00", "2026-11-22 20:00", "2026-11-27 17:30"]
    assert "承办单位逾期：砖塘镇派出所" in page
    assert page.count("案件信息（平台）") == 2


def test_a_violence_event_is_posted_with_its_moment_in_beijing_and_the_criminal_risk(console, apis, browser, xia):
    apis.answer(PLC, "POST", f"/api/v1/persons/{PID}/events", 201, {"event_id": "e", **RED})
    form = {
        "kind": "violence",
        "at": "2026-11-22T20:00",
        "detail": "扬言持刀报复邻居。",
        "size": "",
        "criminal_risk": "true",
    }

    response = post_action(console, browser, "events", form)

    assert response.headers["Location"] == f"{LINK}?done=events"
    body = apis.calls[0].body
    assert body == {
        "kind": "violence",
        "at": "2026-11-22T20:00:00+08:00",
        "detail": "扬言持刀报复邻居。",
        "criminal_risk": True,
    }
    AddEvent.model_validate(body)  # as the committee takes it


def test_a_group_without_its_size_is_told_beside_the_size(console, apis, browser, xia):
    form = {"kind": "group", "at": "2026-11-22T20:00", "detail": "聚集。"}
    answer_refusal(
        apis, PLC, f"/api/v1/persons/{PID}/events", AddEvent, action_body("events", {k: [v] for k, v in form.items()})
    )
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, RED)

    response = post_action(console, browser, "events", form)

    assert response.status_code == 400
    assert error_beside(text_of(response), "events.size") == "群体性纠纷须填写人数（2人以上）"


@pytest.mark.parametrize("size", ["⑤", "²", "５"])
def test_a_size_in_other_digits_than_0_to_9_is_told_beside_the_size_and_the_entry_is_kept(
    console, apis, browser, xia, size
):
    form = {"kind": "group", "at": "2026-11-22T20:00", "detail": "三十余人聚集村委会。", "size": size}
    body = action_body("events", {k: [v] for k, v in form.items()})
    assert body["size"] == size  # sent as typed, for the committee to refuse, never turned into a number here
    answer_refusal(apis, PLC, f"/api/v1/persons/{PID}/events", AddEvent, body)
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, RED)

    response = post_action(console, browser, "events", form)

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "events.size") == "人数请填写阿拉伯数字，如 12"
    assert f'value="{size}" aria-invalid="true"' in page
    assert "三十余人聚集村委会。" in page


@pytest.mark.parametrize("size", ["1000000", "9" * 5000])
def test_a_size_too_large_is_told_beside_the_size_never_a_server_error(console, apis, browser, xia, size):
    form = {"kind": "group", "at": "2026-11-22T20:00", "detail": "三十余人聚集村委会。", "size": size}
    answer_refusal(
        apis, PLC, f"/api/v1/persons/{PID}/events", AddEvent, action_body("events", {k: [v] for k, v in form.items()})
    )
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, RED)

    response = post_action(console, browser, "events", form)

    assert response.status_code == 400
    assert error_beside(text_of(response), "events.size") == "人数不能超过100000"


def test_a_leader_is_named_and_the_gap_closes(console, apis, browser, xia):
    apis.answer(PLC, "POST", f"/api/v1/persons/{PID}/leader", 200, LED)
    form = {"leader_name": "刘建国", "leader_post": "砖塘镇党委副书记", "leader_plan": "每周走访"}

    response = post_action(console, browser, "leader", form)

    assert response.headers["Location"] == f"{LINK}?done=leader"
    assert apis.calls[0].body == {"name": "刘建国", "post": "砖塘镇党委副书记", "plan": "每周走访"}
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, LED)
    page = text_of(console.stability_person(browser.get(f"{LINK}?done=leader", as_=xia), PID))
    assert "已明确包案领导和稳控方案。" in page and "缺包案领导" not in page
    assert "刘建国（砖塘镇党委副书记）" in page


def test_a_leader_without_a_plan_asks_for_one(console, apis, browser, xia):
    missing = {"field": "plan", "message": "Field required", "type": "missing"}
    apis.answer(PLC, "POST", f"/api/v1/persons/{PID}/leader", 400, {"error": "invalid_input", "fields": [missing]})
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, RED)

    page = text_of(post_action(console, browser, "leader", {"leader_name": "刘建国", "leader_post": "副书记"}))

    assert error_beside(page, "leader.plan") == "请填写稳控方案"
    assert 'value="刘建国"' in page


def test_a_form_without_the_session_key_reaches_no_committee(console, apis, browser, xia):
    with pytest.raises(StaleForm):
        console.act_on_stability_person(browser.post(f"{LINK}/leader", {"leader_name": "刘"}, as_=xia), PID, "leader")

    assert apis.calls == []


def test_a_case_number_the_committee_has_no_case_of_is_said_beside_the_cases_on_the_file(console, apis, browser, xia):
    typo = "430426-20261123-99999"
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, {**RED, "case_ids": [typo], "unknown_case_ids": [typo]})

    page = text_of(console.stability_person(browser.get(LINK, as_=xia), PID))

    assert f"其中 {typo} 本委尚无此案件的记录：编号有误，或案件尚未分派" in page


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("datetime_future", "发生时间不能晚于现在"),
        ("date_out_of_range", "请填写1900年至2100年之间的时间"),
        ("datetime_from_date_parsing", "请填写日期和时间，如2026-11-23 09:30"),
    ],
)
def test_a_refused_time_of_a_fact_says_why_beside_it(kind, says):
    from services.console.handlers.stability import _clearer

    assert _clearer("events.at", {"field": "at", "type": kind, "message": "…"}) == says


# --- the register for the centre's coordinators and leaders; the person file stays the committee's -------------

REGISTERED = {
    "case_id": "430426-20261120-00003",
    "colour": "red",
    "flags": ["high_risk"],
    "category": "land",
    "division_code": "430426101203",
    "lead_unit": "plc:430426",
    "noted_at": "2026-11-20T02:00:00+00:00",
    "record_id": None,
}


@pytest.mark.parametrize("reader", [HE, LUO], ids=["coordinator", "leader"])
def test_coordinators_and_leaders_read_the_register_from_their_menu_with_their_own_token(
    console, apis, browser, staff, reader
):
    staff.signed_in(reader)
    apis.answer(PLC, "GET", "/api/v1/risk-register", 200, {"cases": [REGISTERED], "counts": {"red": 1}, "total": 1})

    response = console.risk_register(browser.get("/stability/register", as_=reader))

    assert response.status_code == 200
    page = text_of(response)
    assert '<a href="/stability/register" aria-current="page">三色预警</a>' in page  # in the menu
    assert apis.calls[0].token == token_of(reader)
    assert '<span class="colour colour-red">红色</span> 1件' in page
    # They may open the case; the committee's person file is not theirs, and not offered.
    assert '<a href="/cases/430426-20261120-00003">430426-20261120-00003</a>' in page
    assert 'href="/stability/persons"' not in page


def test_a_committee_officer_sees_case_numbers_on_the_register_as_text_and_the_person_file_offered(
    console, apis, browser, xia
):
    apis.answer(PLC, "GET", "/api/v1/risk-register", 200, {"cases": [REGISTERED]})

    page = text_of(console.risk_register(browser.get("/stability/register", as_=xia)))

    assert 'href="/cases/' not in page
    assert '<a href="/stability/persons">稳控对象档案（一人一档）</a>' in page


def test_a_supervisor_has_no_register_as_stability_reads_it_to_no_supervisor(console, apis, browser, staff):
    staff.signed_in(ZHOU)

    with pytest.raises(Forbidden):
        console.risk_register(browser.get("/stability/register", as_=ZHOU))

    assert apis.calls == []
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    page = text_of(console.documents(browser.get("/documents", as_=ZHOU)))
    assert 'href="/stability/register"' not in page


@pytest.mark.parametrize("reader", [HE, LUO], ids=["coordinator", "leader"])
@pytest.mark.parametrize(
    "visit",
    [
        lambda console, browser, who: console.stability_persons(browser.get("/stability/persons", as_=who)),
        lambda console, browser, who: console.stability_person(browser.get(LINK, as_=who), PID),
        lambda console, browser, who: console.add_stability_person(
            browser.post("/stability/persons", {"csrf": form_key_of(who), "name": "赵大勇"}, as_=who)
        ),
    ],
    ids=["persons", "person", "add"],
)
def test_the_person_file_stays_the_committee_officers_and_the_committee_is_never_asked(
    console, apis, browser, staff, reader, visit
):
    staff.signed_in(reader)

    with pytest.raises(Forbidden):
        visit(console, browser, reader)

    assert apis.calls == []


def test_a_list_cut_at_its_limit_says_how_many_match_and_how_many_are_shown(console, apis, browser, xia):
    listing = {"persons": [RED, GREEN], "total": 250, "truncated": True}
    apis.answer(PLC, "GET", "/api/v1/persons", 200, listing)

    page = text_of(console.stability_persons(browser.get("/stability/persons", as_=xia)))

    assert "共250人，显示前2人" in page


def test_a_whole_list_says_how_many_match(console, apis, browser, xia):
    apis.answer(PLC, "GET", "/api/v1/persons", 200, {"persons": [RED, GREEN], "total": 2, "truncated": False})

    page = text_of(console.stability_persons(browser.get("/stability/persons", as_=xia)))

    assert "<caption>共 2 人</caption>" in page and "显示前" not in page


PETITION_FACT = {
    "kind": "petition",
    "case_id": "430426-20261101-00009",
    "at": "2026-11-01T02:00:00+00:00",
    "detail": "信访案件",
    "from_case": True,
}


def test_an_officer_reads_the_case_numbers_of_a_persons_history_as_text_not_links_he_may_not_open(
    console, apis, browser, xia
):
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, {**RED, "case_facts": [PETITION_FACT]})

    page = text_of(console.stability_person(browser.get(LINK, as_=xia), PID))

    assert "<td>430426-20261101-00009</td>" in page
    assert 'href="/cases/' not in page


def test_an_officer_who_also_coordinates_keeps_the_link_to_the_case(uow, apis, console_platform, staff, browser):
    both = Principal("xia.he", "夏和", frozenset({Role.OFFICER, Role.COORDINATOR}), frozenset({"plc:430426"}))
    console = console_knowing(uow, apis, console_platform, both)
    staff.signed_in(both)
    apis.answer(PLC, "GET", f"/api/v1/persons/{PID}", 200, {**RED, "case_facts": [PETITION_FACT]})

    page = text_of(console.stability_person(browser.get(LINK, as_=both), PID))

    assert '<a href="/cases/430426-20261101-00009">430426-20261101-00009</a>' in page
