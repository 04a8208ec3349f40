"""回访抽查 in the console: the inspection group lists the closed cases drawn for a second visit, draws a period,
records each visit's finding and reads the figures; supervision answers and refuses, in Chinese beside the fields."""

import pytest

from services.console.pages import PageNotFound, StaleForm
from services.supervision.periods import FinishedPeriod
from services.supervision.spot_checks_handlers import RecordFinding
from shared.auth.principal import Forbidden
from tests.service.console.visitors import (
    HE,
    LIU,
    LUO,
    WANG,
    ZHOU,
    answer_refusal,
    error_beside,
    form_key_of,
    text_of,
    token_of,
)

CASE_ID = "430426-20261102-00007"
PENDING = {
    "case_id": CASE_ID,
    "round": 1,
    "lead_unit": "justice:430426101",
    "closed_at": "2026-11-10T02:00:00+00:00",
    "drawn_at": "2026-11-20T01:00:00+00:00",
    "rating": None,
    "comment": None,
    "checked_by": None,
    "found_at": None,
    "reopened": False,
    "draw_id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
    "trigger": "on_demand",
    "found": False,
}
SUMMARY = {
    "from": "2026-11-01",
    "to": "2026-11-23",
    "closed": 40,
    "drawn": 4,
    "done": 1,
    "share_percent": 10.0,
    "findings": {"satisfied": 1, "basically_satisfied": 0, "dissatisfied": 0},
    "reopened": 0,
}
FINDING = f"/api/v1/spot-checks/{CASE_ID}/finding"


def scripted(apis, pending: list | None = None) -> None:
    apis.answer(
        "supervision", "GET", "/api/v1/spot-checks", 200, {"spot_checks": [PENDING] if pending is None else pending}
    )
    apis.answer("supervision", "GET", "/api/v1/spot-checks/summary", 200, SUMMARY)


def post(console, browser, path: str, form: dict, who=ZHOU):
    request = browser.post(path, {"csrf": form_key_of(who), "action_key": "b" * 32, **form}, as_=who)
    if path == "/spot-checks/draw":
        return console.draw_spot_checks(request)
    return console.record_spot_check_finding(request, path.split("/")[2])


def test_a_supervisor_sees_the_pending_checks_with_their_cases_the_forms_and_this_months_figures(
    console, apis, browser, staff
):
    staff.signed_in(ZHOU)
    scripted(apis)

    response = console.spot_checks(browser.get("/spot-checks", as_=ZHOU))

    assert response.status_code == 200
    page = text_of(response)
    assert '<a href="/spot-checks" aria-current="page">回访抽查</a>' in page
    listed, summary = apis.calls
    assert (listed.path, listed.params, listed.token) == ("/api/v1/spot-checks", {"pending": "true"}, token_of(ZHOU))
    assert summary.params == {"from": "2026-11-01", "to": "2026-11-23"}
    assert f'<a href="/cases/{CASE_ID}">{CASE_ID}</a>' in page
    assert "砖塘镇司法所" in page and "justice:430426101" not in page
    assert "2026-11-10 10:00" in page and "督导员即时抽取" in page
    assert f'action="/spot-checks/{CASE_ID}/finding"' in page
    for code, text in (("satisfied", "满意"), ("basically_satisfied", "基本满意"), ("dissatisfied", "不满意")):
        assert f'value="{code}" required> {text}</label>' in page
    assert 'action="/spot-checks/draw"' in page
    assert "<td>40件</td><td>4件</td><td>10.0%</td><td>1件</td>" in page


@pytest.mark.parametrize("reader", [HE, LUO], ids=["coordinator", "leader"])
def test_coordinators_and_leaders_read_the_checks_and_figures_but_have_no_forms(console, apis, browser, staff, reader):
    staff.signed_in(reader)
    scripted(apis)

    page = text_of(console.spot_checks(browser.get("/spot-checks", as_=reader)))

    assert CASE_ID in page and "<td>40件</td>" in page
    assert "/finding" not in page and 'action="/spot-checks/draw"' not in page
    with pytest.raises(Forbidden):
        post(console, browser, "/spot-checks/draw", {"draw_from": "2026-11-01", "draw_to": "2026-11-23"}, reader)
    with pytest.raises(Forbidden):
        post(console, browser, f"/spot-checks/{CASE_ID}/finding", {"rating": "satisfied"}, reader)
    assert apis.posts() == []


@pytest.mark.parametrize("visitor", [WANG, LIU], ids=["window", "officer"])
def test_window_staff_and_officers_have_no_spot_checks(console, apis, browser, staff, visitor):
    staff.signed_in(visitor)

    with pytest.raises(Forbidden):
        console.spot_checks(browser.get("/spot-checks", as_=visitor))

    assert apis.calls == []


def test_a_draw_sends_the_period_and_says_how_many_were_drawn_of_how_many(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    drawn = {
        "draw_id": "4c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
        "trigger": "on_demand",
        "from": "2026-11-01",
        "to": "2026-11-15",
        "share_percent": "10",
        "minimum": 1,
        "closed": 25,
        "seed": "0123456789abcdef0123456789abcdef",
        "drawn": [{"case_id": CASE_ID, "round": 1}, {"case_id": "430426-20261103-00002", "round": 1}],
    }
    apis.answer("supervision", "POST", "/api/v1/spot-checks/draw", 201, drawn)

    response = post(console, browser, "/spot-checks/draw", {"draw_from": "2026-11-01", "draw_to": "2026-11-15"})

    assert response.status_code == 303
    [call] = apis.posts()
    assert (call.token, call.body) == (token_of(ZHOU), {"from": "2026-11-01", "to": "2026-11-15"})
    scripted(apis)
    page = text_of(console.spot_checks(browser.get(response.headers["Location"], as_=ZHOU)))
    assert "已从2026-11-01至2026-11-15结案且未抽查过的25件案件中随机抽取2件" in page
    assert apis.calls[-1].params == {"from": "2026-11-01", "to": "2026-11-15"}  # the figures of the period drawn


def test_a_draw_ending_after_today_is_refused_beside_its_end_and_the_dates_are_kept(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    future = {"field": "to", "message": "is after today (2026-11-23)", "type": "date_future"}
    apis.answer("supervision", "POST", "/api/v1/spot-checks/draw", 400, {"error": "invalid_input", "fields": [future]})
    scripted(apis)

    response = post(console, browser, "/spot-checks/draw", {"draw_from": "2026-11-01", "draw_to": "2026-12-31"})

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "draw.to") == "不能晚于今天（2026-11-23）"
    assert 'value="2026-12-31" aria-invalid="true"' in page


def test_a_draw_without_its_start_or_over_a_reversed_period_is_said_beside_the_date(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)
    answer_refusal(apis, "supervision", "/api/v1/spot-checks/draw", FinishedPeriod, {"to": "2026-11-15"})

    page = text_of(post(console, browser, "/spot-checks/draw", {"draw_from": "", "draw_to": "2026-11-15"}))

    assert error_beside(page, "draw.from") == "请填写起始日期，如2026-11-01"

    answer_refusal(
        apis, "supervision", "/api/v1/spot-checks/draw", FinishedPeriod, {"from": "2026-11-15", "to": "2026-11-01"}
    )
    page = text_of(post(console, browser, "/spot-checks/draw", {"draw_from": "2026-11-15", "draw_to": "2026-11-01"}))

    assert error_beside(page, "draw.to") == "截止日期早于起始日期"


def test_a_finding_is_recorded_and_a_dissatisfied_one_says_the_case_is_handled_again(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    found = {"case_id": CASE_ID, "round": 1, "rating": "dissatisfied", "case_will": "reopen"}
    apis.answer("supervision", "POST", FINDING, 202, found)

    response = post(
        console, browser, f"/spot-checks/{CASE_ID}/finding", {"rating": "dissatisfied", "comment": "围墙仍未拆除。"}
    )

    assert response.status_code == 303
    [call] = apis.posts()
    assert (call.path, call.body) == (FINDING, {"rating": "dissatisfied", "comment": "围墙仍未拆除。"})
    RecordFinding.model_validate(call.body)  # as supervision takes it
    scripted(apis, pending=[])
    page = text_of(console.spot_checks(browser.get(response.headers["Location"], as_=ZHOU)))
    assert f"已录入案件 {CASE_ID} 的回访抽查结果：不满意，案件将重新交原牵头单位办理。" in page
    assert "没有待回访抽查的案件。" in page


def test_a_finding_without_a_rating_is_told_beside_the_choices_of_that_case_with_the_comment_kept(
    console, apis, browser, staff
):
    staff.signed_in(ZHOU)
    scripted(apis)
    answer_refusal(apis, "supervision", FINDING, RecordFinding, {"comment": "群众表示基本解决。"})

    response = post(console, browser, f"/spot-checks/{CASE_ID}/finding", {"comment": "群众表示基本解决。"})

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "finding.rating") == "请选择一项抽查结果"
    assert ">群众表示基本解决。</textarea>" in page


def test_a_finding_recorded_already_is_said_not_failed(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis, pending=[])
    refused = {"error": "conflict", "code": "already_found", "message": "already_found: …"}
    apis.answer("supervision", "POST", FINDING, 409, refused)

    response = post(console, browser, f"/spot-checks/{CASE_ID}/finding", {"rating": "satisfied"})

    assert response.status_code == 409
    assert f"案件 {CASE_ID} 的回访抽查结果已经录入，不能重复录入。" in text_of(response)


def test_a_form_without_the_session_key_or_with_no_case_number_reaches_no_supervision(console, apis, browser, staff):
    staff.signed_in(ZHOU)

    with pytest.raises(StaleForm):
        console.draw_spot_checks(browser.post("/spot-checks/draw", {"draw_to": "2026-11-15"}, as_=ZHOU))
    with pytest.raises(PageNotFound):
        post(console, browser, "/spot-checks/x/finding", {"rating": "satisfied"})

    assert apis.calls == []


def test_a_period_for_the_figures_that_supervision_refuses_is_said_beside_it(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/spot-checks", 200, {"spot_checks": []})
    bad = {"field": "to", "message": "is before from", "type": "value_error"}
    apis.answer("supervision", "GET", "/api/v1/spot-checks/summary", 400, {"error": "invalid_input", "fields": [bad]})

    response = console.spot_checks(browser.get("/spot-checks?from=2026-11-20&to=2026-11-01", as_=ZHOU))

    assert response.status_code == 200
    page = text_of(response)
    assert error_beside(page, "summary.to") == "截止日期早于起始日期"
    assert apis.calls[-1].params == {"from": "2026-11-20", "to": "2026-11-01"}
