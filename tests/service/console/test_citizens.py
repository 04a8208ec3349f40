"""The citizen's rating page: opened from a QR code with no account, the link alone is the credential."""

import re

import pytest

from shared.runtime.metrics import span_log_fields
from tests.service.console.visitors import ZHOU
from tests.spans import recording_provider

LINK = "Zq3vL8xN2pR7tY5wK9mB4cD6hJ1sF0aE"
VISIT = {"case_id": "430426-20261123-00007", "lead_unit": "police:430426101", "rated": False}


def test_the_rating_page_names_the_case_and_the_unit_that_handled_it(console, apis, browser):
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 200, VISIT)

    response = console.rating_page(browser.get(f"/rate/{LINK}"), LINK)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "430426-20261123-00007" in page and "砖塘镇派出所" in page
    assert [call.token for call in apis.calls] == [None]


def test_a_rating_is_posted_to_supervisions_public_api_without_any_token(console, apis, browser, staff):
    staff.signed_in(ZHOU)  # a supervisor's browser, signed in to the console, opens the link too
    apis.answer("supervision", "POST", f"/api/v1/ratings/{LINK}", 202, {"rated": True})

    form = {"rating": "basically_satisfied", "comment": "  调解员很耐心  "}
    response = console.rate(browser.post(f"/rate/{LINK}", form, as_=ZHOU), LINK)

    assert (response.status_code, response.headers["Location"]) == (303, f"/rate/{LINK}?done=1")
    [call] = apis.calls
    assert (call.service, call.method, call.path) == ("supervision", "POST", f"/api/v1/ratings/{LINK}")
    assert call.token is None
    assert call.body == {"rating": "basically_satisfied", "comment": "调解员很耐心"}


def test_a_rating_without_a_choice_asks_for_one(console, apis, browser):
    apis.answer(
        "supervision", "POST", f"/api/v1/ratings/{LINK}", 400, {"fields": [{"field": "rating", "type": "enum"}]}
    )
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 200, VISIT)

    response = console.rate(browser.post(f"/rate/{LINK}", {}), LINK)

    assert response.status_code == 400
    assert "请选择一项评价" in response.get_data(as_text=True)


def test_a_rating_without_a_choice_keeps_the_comment_the_citizen_typed(console, apis, browser):
    apis.answer(
        "supervision", "POST", f"/api/v1/ratings/{LINK}", 400, {"fields": [{"field": "rating", "type": "enum"}]}
    )
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 200, VISIT)

    response = console.rate(browser.post(f"/rate/{LINK}", {"comment": "民警来了两次，问题解决了"}), LINK)

    assert ">民警来了两次，问题解决了</textarea>" in response.get_data(as_text=True)


@pytest.mark.parametrize(("status", "shown"), [(403, "链接无效"), (409, "此评价链接已不能使用")])
def test_a_link_supervision_refuses_says_why(console, apis, browser, status, shown):
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", status, {"error": "refused"})

    response = console.rating_page(browser.get(f"/rate/{LINK}"), LINK)

    assert response.status_code == status
    assert shown in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("rating_link_expired", "此评价链接已过期，不能再评价。"),
        ("rating_link_superseded", "您反映的纠纷正在重新办理，此评价链接已停用；重新办结后，会请您再次评价。"),
        ("already_rated", "此次回访已经评价过了，感谢您的参与。"),
    ],
    ids=["expired", "superseded", "already_rated"],
)
def test_a_dead_link_says_in_one_plain_sentence_why_and_does_not_look_like_success(console, apis, browser, code, said):
    refused = {"error": "conflict", "code": code, "message": f"{code}: case 430426-20261123-00007", "detail": {}}
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 409, refused)

    page = console.rating_page(browser.get(f"/rate/{LINK}"), LINK).get_data(as_text=True)

    assert f'<p class="banner-warning" role="status">{said}' in page
    assert 'class="notice"' not in page  # the green box is the thank-you's
    assert code not in page and "已评价、已过期或" not in page
    assert "如有疑问，请联系祁东县综治中心（电话 12345）。" in page


def test_done_in_the_address_shows_no_thanks_for_a_visit_not_rated(console, apis, browser):
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 200, VISIT)

    page = console.rating_page(browser.get(f"/rate/{LINK}?done=1"), LINK).get_data(as_text=True)

    assert "感谢您的评价" not in page
    assert "<legend>您对办理结果是否满意？</legend>" in page


@pytest.mark.parametrize("link", ["short", "has spaces in it!", "x" * 301])
def test_a_link_that_cannot_be_one_is_invalid_without_asking_supervision(console, apis, browser, link):
    response = console.rating_page(browser.get("/rate/x"), link)

    assert response.status_code == 403
    assert "链接无效" in response.get_data(as_text=True)
    assert apis.calls == []


def test_the_thanks_page_follows_a_rating(console, apis, browser):
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 200, {**VISIT, "rated": True})

    response = console.rating_page(browser.get(f"/rate/{LINK}?done=1"), LINK)

    assert "感谢您的评价" in response.get_data(as_text=True)


def test_a_case_settled_on_the_spot_names_the_centre_that_settled_it(console, apis, browser):
    """现场办: the follow-up has no lead unit (supervision's visit carries none), so no unit is named as lead."""
    on_the_spot = {**VISIT, "case_id": "430426-20261206-00004", "lead_unit": None}
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 200, on_the_spot)

    page = console.rating_page(browser.get(f"/rate/{LINK}"), LINK).get_data(as_text=True)

    assert "已由 <strong>祁东县综治中心</strong> 当场办结" in page
    assert "已由  牵头" not in page and "牵头办理" not in page


def test_the_page_asks_what_its_choices_answer(console, apis, browser):
    """The rating API takes a satisfaction level: the page asks for one, and says what 不满意 leads to."""
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 200, VISIT)

    page = console.rating_page(browser.get(f"/rate/{LINK}"), LINK).get_data(as_text=True)

    assert "问题真正解决了吗" not in page
    assert "<legend>您对办理结果是否满意？</legend>" in page
    choices = re.findall(r'<input type="radio" name="rating" value="([a-z_]+)"', page)
    assert choices == ["satisfied", "basically_satisfied", "dissatisfied"]
    assert "问题没有真正解决的，请选“不满意”：综治中心将重新办理。" in page


def test_a_dispute_taken_to_court_is_said_so_and_the_page_promises_no_new_round(console, apis, browser):
    taken_to_court = {**VISIT, "lead_unit": "court:430426", "result": "referred_to_litigation", "onward": True}
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 200, taken_to_court)

    page = console.rating_page(browser.get(f"/rate/{LINK}"), LINK).get_data(as_text=True)

    assert "已导入诉讼，今后由有关机关依法处理" in page and "祁东县人民法院" in page
    assert "综治中心不再重新交办" in page and "综治中心将重新办理" not in page


def test_the_rating_page_names_the_case_supervision_found_on_the_span_its_access_line_reads(console, apis, browser):
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 200, VISIT)
    provider, _ = recording_provider()
    with provider.get_tracer("test").start_as_current_span("console.rating_page") as span:
        console.rating_page(browser.get(f"/rate/{LINK}"), LINK)
        fields = span_log_fields(span)
    provider.shutdown()

    assert fields["case_id"] == VISIT["case_id"]


def test_a_link_supervision_refuses_names_no_case(console, apis, browser):
    apis.answer("supervision", "GET", f"/api/v1/ratings/{LINK}", 403, {"error": "forbidden"})
    provider, _ = recording_provider()
    with provider.get_tracer("test").start_as_current_span("console.rating_page") as span:
        response = console.rating_page(browser.get(f"/rate/{LINK}"), LINK)
        fields = span_log_fields(span)
    provider.shutdown()

    assert response.status_code == 403
    assert "case_id" not in fields
