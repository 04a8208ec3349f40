"""修改密码: a signed-in person changes their own password at identity, with their own token; refusals in Chinese."""

import pytest

from services.console.domain import opened_token
from services.console.pages import SignInNeeded, StaleForm
from tests.service.console.test_referrals import text_of
from tests.service.console.visitors import BROWSER_ADDRESS, CHEN, LIU, form_key_of, token_of

CURRENT, NEW = "wuyuan-刘洋-2026-correct", "wuyuan-刘洋-2027-changed"
PATH = "/api/v1/me/password"


def posted(browser, current: str = CURRENT, new: str = NEW, again: str | None = None, as_=LIU):
    form = {"csrf": form_key_of(as_), "current_password": current, "new_password": new, "new_password_again": again}
    return browser.post("/password", {**form, "new_password_again": new if again is None else again}, as_=as_)


def test_every_page_links_to_it_and_it_asks_for_the_current_password_and_the_new_one_twice(console, browser, staff):
    staff.signed_in(LIU)

    page = text_of(console.password_page(browser.get("/password", as_=LIU)))

    assert '<a href="/password" aria-current="page">修改密码</a>' in page
    for name in ("current_password", "new_password", "new_password_again"):
        assert f'name="{name}" type="password"' in page
    assert "至少12个字符，不能与当前密码相同" in page


def identity_signs_in_anew(apis, subject: str = "liu.yang") -> None:
    apis.answer(
        "identity",
        "POST",
        "/api/v1/sessions",
        201,
        {
            "token": "the-token-of-the-new-password",
            "token_type": "Bearer",
            "expires_at": "2026-12-06T10:00:00+00:00",
            "account": {"subject": subject, "name": "刘洋", "roles": ["officer"], "units": ["police:430426101"]},
        },
    )


def test_the_change_goes_to_identity_with_the_persons_own_token_and_says_it_is_done(console, browser, staff, apis):
    staff.signed_in(LIU)
    apis.answer("identity", "POST", PATH, 200, {"changed_at": "2026-12-06T02:00:00+00:00", "sign_in_again": True})
    identity_signs_in_anew(apis)

    response = console.change_password(posted(browser))

    assert (response.status_code, response.headers["Location"]) == (303, "/password?done=1")
    change, sign_in = apis.posts()
    assert (change.service, change.path, change.token) == ("identity", PATH, token_of(LIU))
    assert change.forwarded_for == BROWSER_ADDRESS  # logged, and a wrong password counted, under the browser's address
    assert change.body == {"current_password": CURRENT, "new_password": NEW}
    # Identity withdrew every token of the old password, this session's too: the person goes on signed in anew.
    assert (sign_in.path, sign_in.body, sign_in.token) == (
        "/api/v1/sessions",
        {"username": "liu.yang", "password": NEW},
        None,
    )
    assert sign_in.forwarded_for == BROWSER_ADDRESS


def test_the_person_goes_on_in_a_new_session_with_the_new_token_and_the_old_session_ends(
    console, browser, staff, apis, sessions
):
    staff.signed_in(LIU)
    [old] = sessions.sessions
    apis.answer("identity", "POST", PATH, 200, {"changed_at": "2026-12-06T02:00:00+00:00", "sign_in_again": True})
    identity_signs_in_anew(apis)

    response = console.change_password(posted(browser))

    [session] = sessions.sessions.values()
    cookie = response.headers["Set-Cookie"].partition("wuyuan_session=")[2].partition(";")[0]
    assert session.digest != old and opened_token(session, cookie) == "the-token-of-the-new-password"
    assert "wuyuan_session=" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]


def test_a_change_whose_new_sign_in_fails_ends_the_session_and_says_to_sign_in_with_the_new_password(
    console, browser, staff, apis, sessions
):
    staff.signed_in(LIU)
    apis.answer("identity", "POST", PATH, 200, {"changed_at": "2026-12-06T02:00:00+00:00", "sign_in_again": True})
    apis.down("identity", "POST", "/api/v1/sessions")

    response = console.change_password(posted(browser))

    assert (response.status_code, response.headers["Location"]) == (303, "/login?password_changed=1")
    assert sessions.sessions == {}
    page = text_of(console.sign_in_page(browser.get("/login?password_changed=1")))
    assert "密码已修改，原来的登录将在约30秒内失效。请用新密码登录。" in page


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "says"),
    [
        ("", NEW, None, "current_password", "请输入当前密码。"),
        (CURRENT, "", None, "new_password", "请输入新密码。"),
        (CURRENT, "short-1", None, "new_password", "新密码至少12个字符。"),
        (CURRENT, NEW, "wuyuan-刘洋-2027-chanegd", "new_password_again", "两次输入的新密码不一致。"),
    ],
)
def test_what_the_form_can_tell_by_itself_is_said_beside_the_input_and_nothing_is_sent(
    console, browser, staff, apis, current, new, again, field, says
):
    staff.signed_in(LIU)

    response = console.change_password(posted(browser, current, new, again))

    assert response.status_code == 400
    assert f'<p class="error" id="{field}-error">{says}</p>' in text_of(response)
    assert apis.posts() == []


@pytest.mark.parametrize(
    ("status", "body", "field", "says"),
    [
        (400, {"fields": [{"field": "current_password", "type": "wrong"}]}, "current_password", "当前密码不正确"),
        (400, {"fields": [{"field": "new_password", "type": "password_policy"}]}, "new_password", "不能与当前密码相同"),
        (429, {"error": "too_many_attempts"}, "current_password", "账号已暂时锁定"),
        (404, {"error": "not_found"}, "current_password", "由单位统一身份认证管理"),
    ],
)
def test_what_identity_refuses_is_said_in_chinese_beside_the_input_it_concerns(
    console, browser, staff, apis, status, body, field, says
):
    staff.signed_in(LIU)
    apis.answer("identity", "POST", PATH, status, body)

    response = console.change_password(posted(browser))

    assert response.status_code >= 400
    page = text_of(response)
    assert f'id="{field}-error">' in page and says in page
    assert CURRENT not in page and NEW not in page  # a password typed is never shown back


def test_an_operator_may_change_their_password_here_though_they_use_no_other_page(console, browser, staff, apis):
    staff.signed_in(CHEN)
    apis.answer("identity", "POST", PATH, 200, {"changed_at": "2026-12-06T02:00:00+00:00"})
    identity_signs_in_anew(apis, "chen.ops")

    assert console.change_password(posted(browser, as_=CHEN)).status_code == 303


def test_it_needs_a_signed_in_person_and_the_sessions_own_form(console, browser, staff, apis):
    with pytest.raises(SignInNeeded):
        console.password_page(browser.get("/password"))
    staff.signed_in(LIU)
    with pytest.raises(StaleForm):
        console.change_password(browser.post("/password", {"csrf": "forged", "current_password": CURRENT}, as_=LIU))
    assert apis.posts() == []
