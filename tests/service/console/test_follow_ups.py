"""回访 on the console: the supervisor enters the citizen's rating; a rating refused comes back as it was entered."""

import re

from services.supervision.handlers import RateFollowUp
from tests.service.console.visitors import ZHOU, answer_refusal, error_beside, form_key_of, text_of

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
    assert '<fieldset aria-describedby="rating-error">' in page
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
