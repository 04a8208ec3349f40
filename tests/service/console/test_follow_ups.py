"""回访 on the console: the supervisor enters the citizen's rating; a rating refused comes back as it was entered."""

import re

from services.supervision.handlers import RateFollowUp
from tests.service.console.visitors import ZHOU, answer_refusal, error_beside, form_key_of, text_of
from tests.unit.shared.test_downloads import saved_as

CASE_ID = "430426-20261123-00007"
CASE = {
    "case_id": CASE_ID,
    "status": "resolved",
    "category": "neighbour",
    "division_code": "430426101203",
    "lead_unit": "police:430426101",
    "rating": None,
}
LINK = {
    "url": "https://wuyuan.example/rate/Zq3vL8xN2pR7tY5wK9mB4cD6hJ1sF0aE",
    "expires_at": "2026-11-30T09:30:00+08:00",
}


def scripted(apis) -> None:
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, CASE)
    apis.answer("supervision", "GET", f"/api/v1/follow-ups/{CASE_ID}/rating-link", 200, {**LINK, "rated": False})


def radios_of(page: str) -> list[str]:
    return re.findall(r'<input type="radio" name="rating"[^>]*>', page)


def test_the_rating_form_asks_for_a_choice_before_it_is_sent(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)

    page = text_of(console.follow_up(browser.get(f"/follow-ups/{CASE_ID}", as_=ZHOU), CASE_ID))

    radios = radios_of(page)
    assert len(radios) == 3 and all(" required" in radio for radio in radios)
    assert '<label for="comment">群众意见（选填）</label>' in page


def test_a_rating_without_a_choice_asks_for_one_and_keeps_the_comment(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)
    path = f"/api/v1/follow-ups/{CASE_ID}/rating"
    answer_refusal(apis, "supervision", path, RateFollowUp, {"rating": "", "comment": "调解员很耐心，但赔偿还没到位"})
    form = {"csrf": form_key_of(ZHOU), "comment": "  调解员很耐心，但赔偿还没到位  "}

    response = console.rate_follow_up(browser.post(f"/follow-ups/{CASE_ID}/rating", form, as_=ZHOU), CASE_ID)

    assert response.status_code == 400
    page = text_of(response)
    assert error_beside(page, "rating") == "请选择一项评价"
    assert '<fieldset data-field="rating" data-missing="请选择一项评价" aria-describedby="rating-error">' in page
    assert ">调解员很耐心，但赔偿还没到位</textarea>" in page


def test_a_comment_refused_keeps_the_rating_chosen(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)
    path = f"/api/v1/follow-ups/{CASE_ID}/rating"
    answer_refusal(apis, "supervision", path, RateFollowUp, {"rating": "dissatisfied", "comment": "太" * 2001})
    form = {"csrf": form_key_of(ZHOU), "rating": "dissatisfied", "comment": "太" * 2001}

    page = text_of(console.rate_follow_up(browser.post(f"/follow-ups/{CASE_ID}/rating", form, as_=ZHOU), CASE_ID))

    assert error_beside(page, "comment") == "不能超过2000字"
    [chosen] = [radio for radio in radios_of(page) if " checked" in radio]
    assert 'value="dissatisfied"' in chosen


def test_a_case_settled_on_the_spot_says_so_rather_than_an_empty_lead(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer(
        "coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, {**CASE, "mode": "on_the_spot", "lead_unit": None}
    )
    apis.answer("supervision", "GET", f"/api/v1/follow-ups/{CASE_ID}/rating-link", 200, {**LINK, "rated": False})

    page = text_of(console.follow_up(browser.get(f"/follow-ups/{CASE_ID}", as_=ZHOU), CASE_ID))

    assert "邻里纠纷，砖塘镇新塘村，现场办，由综治中心当场办结。" in page
    assert "牵头单位 —" not in page


def test_a_case_back_for_staff_to_assign_does_not_read_as_referred_again(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    waiting = {**CASE, "status": "awaiting_manual_triage", "round": 2, "rating": "dissatisfied"}
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, waiting)

    page = text_of(console.follow_up(browser.get(f"/follow-ups/{CASE_ID}", as_=ZHOU), CASE_ID))

    assert "（案件重新办理，正等待综合协调组指派单位；本轮尚待评价）" in page and "已重新交办" not in page


def test_a_case_not_yet_resolved_explains_why_it_cannot_be_followed_up_and_links_to_it(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, {**CASE, "status": "assigned"})

    response = console.follow_up(browser.get(f"/follow-ups/{CASE_ID}", as_=ZHOU), CASE_ID)

    page = text_of(response)
    assert response.status_code == 200
    assert "尚不能回访" in page
    assert "此案件目前已派单，各单位仍在办理，尚未办结。" in page
    assert "案件办结（状态为“已办结，待回访”）后，才能请群众评价。" in page
    assert f'<a href="/cases/{CASE_ID}">查看案件办理情况</a>' in page
    assert radios_of(page) == [] and "qr.svg" not in page
    assert [call.service for call in apis.calls] == ["coordinator"]  # no rating link asked for a visit not open


def test_a_resolved_case_shows_no_such_explanation(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)

    page = text_of(console.follow_up(browser.get(f"/follow-ups/{CASE_ID}", as_=ZHOU), CASE_ID))

    assert "尚不能回访" not in page and "牵头单位 砖塘镇派出所" in page


def test_the_visitor_is_told_the_citizen_called_again_after_the_units_reported_it_resolved(
    console, apis, browser, staff
):
    staff.signed_in(ZHOU)
    timeline = [
        {"seq": 1, "kind": "case_resolved", "at": "2026-11-24T07:30:00+00:00", "detail": {"round": 1}},
        {
            "seq": 2,
            "kind": "repeat_linked",
            "at": "2026-11-25T01:05:00+00:00",
            "detail": {"source": "hotline", "source_record_id": "12345-20261125-0042", "reason": "same source record"},
        },
    ]
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, {**CASE, "timeline": timeline})
    apis.answer("supervision", "GET", f"/api/v1/follow-ups/{CASE_ID}/rating-link", 200, {**LINK, "rated": False})

    page = text_of(console.follow_up(browser.get(f"/follow-ups/{CASE_ID}", as_=ZHOU), CASE_ID))

    assert "办结后群众又反映了1次" in page
    assert "<li>2026-11-25 09:05，12345热线，记录 12345-20261125-0042，同一原始记录</li>" in page
    assert "请如实录入“不满意”" in page
    assert len(radios_of(page)) == 3  # the rating is still the visitor's to enter


def test_a_follow_up_with_no_report_since_the_settlement_shows_no_warning(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)

    page = text_of(console.follow_up(browser.get(f"/follow-ups/{CASE_ID}", as_=ZHOU), CASE_ID))

    assert "办结后群众又反映" not in page


def test_a_rating_for_a_visit_a_petition_called_off_says_so_rather_than_rated_already(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)
    refusal = {
        "error": "conflict",
        "message": f"visit_called_off: case {CASE_ID} round 1: the visit was called off",
        "code": "visit_called_off",
    }
    apis.answer("supervision", "POST", f"/api/v1/follow-ups/{CASE_ID}/rating", 409, refusal)
    form = {"csrf": form_key_of(ZHOU), "rating": "satisfied"}

    response = console.rate_follow_up(browser.post(f"/follow-ups/{CASE_ID}/rating", form, as_=ZHOU), CASE_ID)

    assert response.status_code == 409
    page = text_of(response)
    assert error_beside(page, "rating") == "群众再次信访，案件已重新办理，本轮回访已取消；新一轮办结后再回访。"
    assert "此次回访已评价" not in page


def test_the_rating_qr_code_saved_to_print_is_named_for_its_case(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    svg = '<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    apis.answer("supervision", "GET", f"/api/v1/follow-ups/{CASE_ID}/rating-link", 200, svg)

    response = console.rating_qr(browser.get(f"/follow-ups/{CASE_ID}/qr.svg", as_=ZHOU), CASE_ID)

    assert (response.mimetype, text_of(response)) == ("image/svg+xml", svg)
    assert saved_as(response.headers["Content-Disposition"])[:2] == ("inline", f"评价二维码_{CASE_ID}.svg")
    assert apis.calls[0].params == {"format": "svg"}
