"""Signing in and out: identity checks the password, the console keeps the token, the browser holds only a cookie."""

from dataclasses import replace
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest

from services.console.dependencies import console_settings
from services.console.domain import SESSION_COOKIE, opened_token, seal_token, session_digest
from services.console.pages import SignInNeeded, StaleForm
from shared.auth.principal import Forbidden, Principal, Role
from tests.service.console.visitors import (
    BROWSER_ADDRESS,
    CHEN,
    LIU,
    NOW,
    WANG,
    console_knowing,
    cookie_of,
    form_key_of,
    token_of,
)

SIGNED_IN_UNTIL = NOW + timedelta(hours=8)
REFERRAL_ID = "33333333-3333-4333-8333-333333333333"
IDENTITY_TOKEN = "eyJhbGciOiJFZERTQSJ9.wang-fang-claims.signature"


def identity_signs_in(apis, status: int = 201, body: dict | None = None) -> None:
    answer = body or {
        "token": IDENTITY_TOKEN,
        "token_type": "Bearer",
        "expires_at": SIGNED_IN_UNTIL.isoformat(),
        "account": {"subject": "wang.fang", "name": "王芳", "roles": ["intake_staff"], "units": []},
    }
    apis.answer("identity", "POST", "/api/v1/sessions", status, answer)


def set_cookie_of(response) -> tuple[str, SimpleCookie]:
    [header] = response.headers.getlist("Set-Cookie")
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(header)
    return header, cookie


# --- who must sign in -------------------------------------------------------------------------


def test_a_browser_without_a_session_is_sent_to_sign_in_and_back_to_the_same_page(console, browser):
    with pytest.raises(SignInNeeded) as sent:
        console.cases(browser.get("/cases?status=in_progress&overdue=true"))

    assert sent.value.next_path == "/cases?status=in_progress&overdue=true"


def test_a_session_that_has_expired_must_sign_in_again(console, browser, staff):
    staff.signed_in(WANG, expires_in=-timedelta(seconds=1))

    with pytest.raises(SignInNeeded) as sent:
        console.window(browser.get("/window", as_=WANG))

    assert sent.value.next_path == "/window"


def test_a_cookie_that_opens_no_session_must_sign_in(console, browser, staff):
    staff.signed_in(WANG)

    with pytest.raises(SignInNeeded):
        console.window(browser.get("/window", cookie=cookie_of(WANG) + "x"))


def test_a_session_whose_token_no_longer_verifies_must_sign_in(console, browser, staff, sessions):
    session = staff.signed_in(WANG)
    withdrawn = seal_token("token.signed.by.a.withdrawn.key", cookie_of(WANG), session.digest)
    sessions.sessions[session.digest] = replace(session, sealed_token=withdrawn)

    with pytest.raises(SignInNeeded):
        console.window(browser.get("/window", as_=WANG))


def test_a_session_kept_with_its_token_in_clear_must_sign_in(console, browser, staff, sessions):
    # As sessions were kept before their tokens were sealed: such a row is read as no session, never used.
    session = staff.signed_in(WANG)
    sessions.sessions[session.digest] = replace(session, sealed_token=token_of(WANG))

    with pytest.raises(SignInNeeded):
        console.window(browser.get("/window", as_=WANG))


def test_a_session_that_has_ended_signs_in_on_a_page_that_says_it_ended(console, browser, staff):
    staff.signed_in(WANG, expires_in=-timedelta(seconds=1))

    with pytest.raises(SignInNeeded) as sent:
        console.window(browser.get("/window", as_=WANG))
    address = sent.value.sign_in_address()
    page = console.sign_in_page(browser.get(address)).get_data(as_text=True)

    assert address == "/login?next=/window&ended=1"
    assert "登录已失效，请重新登录。" in page
    assert "没有办理" not in page


def test_a_form_posted_once_the_session_had_ended_is_said_not_to_have_been_acted_on(console, browser, staff):
    # Typed for minutes at the window, sent after the session ended: nothing was registered, and the page says so.
    # (One the sign-in page can hold comes back after signing in: test_held_forms.py. This one is past its bounds.)
    staff.signed_in(WANG, expires_in=-timedelta(seconds=1))
    posted = browser.post("/window", {"csrf": form_key_of(WANG), "summary": "邻里纠纷" * 2001}, as_=WANG)

    with pytest.raises(SignInNeeded) as sent:
        console.register(posted)
    assert sent.value.held is None
    address = sent.value.sign_in_address()
    page = console.sign_in_page(browser.get(address)).get_data(as_text=True)

    assert address == "/login?next=/window&ended=1&unsent=1"
    assert "登录已失效，请重新登录。" in page
    assert "刚才提交的内容没有办理。请登录后重新填写，再提交一次。" in page


def test_a_browser_that_never_signed_in_is_only_asked_to_sign_in(console, browser):
    with pytest.raises(SignInNeeded) as sent:
        console.cases(browser.get("/cases?status=closed"))
    address = sent.value.sign_in_address()
    page = console.sign_in_page(browser.get(address)).get_data(as_text=True)

    assert address == "/login?next=/cases%3Fstatus%3Dclosed"
    assert "已失效" not in page and "没有办理" not in page


def test_after_a_post_the_sign_in_leads_to_the_page_not_the_form(console, browser):
    with pytest.raises(SignInNeeded) as sent:
        console.register(browser.post("/window?draft=1", {"summary": "邻里纠纷"}))

    assert sent.value.next_path == "/window"


# --- signing in -----------------------------------------------------------------------------------


def test_signing_in_asks_identity_for_the_browsers_address_and_goes_to_the_page_asked_for(console, apis, browser):
    identity_signs_in(apis)

    response = console.sign_in(
        browser.post("/login", {"username": " wang.fang ", "password": "窗口-2026-春", "next": "/cases?q=张"})
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/cases?q=张"
    [call] = apis.calls
    assert (call.service, call.method, call.path) == ("identity", "POST", "/api/v1/sessions")
    assert call.body == {"username": "wang.fang", "password": "窗口-2026-春"}
    assert call.forwarded_for == BROWSER_ADDRESS
    assert call.token is None


def test_signing_in_keeps_the_token_on_the_server_and_gives_the_browser_a_strict_http_only_cookie(
    console, apis, browser, sessions
):
    identity_signs_in(apis)

    response = console.sign_in(browser.post("/login", {"username": "wang.fang", "password": "窗口-2026-春"}))

    header, cookie = set_cookie_of(response)
    value = cookie[SESSION_COOKIE].value
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
    [kept] = sessions.sessions.values()
    assert kept.digest == session_digest(value)
    assert (kept.username, kept.expires_at) == ("wang.fang", SIGNED_IN_UNTIL)
    assert IDENTITY_TOKEN not in repr(kept) and opened_token(kept, value) == IDENTITY_TOKEN
    assert kept.csrf and kept.csrf != value
    assert IDENTITY_TOKEN not in str(response.headers) + response.get_data(as_text=True)


def test_the_session_cookie_ends_when_the_token_does(console, apis, browser):
    identity_signs_in(apis)

    response = console.sign_in(browser.post("/login", {"username": "wang.fang", "password": "窗口-2026-春"}))

    _, cookie = set_cookie_of(response)
    assert "2026 09:30:00 GMT" in cookie[SESSION_COOKIE]["expires"]  # 17:30 in Beijing is 09:30 GMT


def test_the_session_cookie_is_marked_secure_when_the_console_is_served_over_https(console, apis, browser, monkeypatch):
    monkeypatch.setenv("WUYUAN_CONSOLE_SECURE_COOKIES", "true")
    console_settings.cache_clear()
    identity_signs_in(apis)

    response = console.sign_in(browser.post("/login", {"username": "wang.fang", "password": "窗口-2026-春"}))

    header, _ = set_cookie_of(response)
    assert "Secure" in header


@pytest.mark.parametrize("expires_in", [timedelta(hours=1), -timedelta(seconds=1)])
def test_over_https_signing_out_clears_the_cookie_as_secure_as_it_was_set(
    console, browser, staff, monkeypatch, expires_in
):
    monkeypatch.setenv("WUYUAN_CONSOLE_SECURE_COOKIES", "true")
    console_settings.cache_clear()
    staff.signed_in(WANG, expires_in=expires_in)

    response = console.sign_out(browser.post("/logout", {"csrf": form_key_of(WANG)}, as_=WANG))

    header, cookie = set_cookie_of(response)
    assert cookie[SESSION_COOKIE].value == "" and "Max-Age=0" in header and "Secure" in header


def test_signing_in_again_from_a_browser_ends_the_session_its_cookie_still_named(
    console, apis, browser, staff, sessions
):
    earlier = staff.signed_in(WANG)  # the browser's session of this morning, still open
    staff.signed_in(LIU)  # another person's, on another computer
    identity_signs_in(apis)

    response = console.sign_in(
        browser.post("/login", {"username": "wang.fang", "password": "窗口-2026-春"}, cookie=cookie_of(WANG))
    )

    _, cookie = set_cookie_of(response)
    assert earlier.digest not in sessions.sessions
    assert set(sessions.sessions) == {session_digest(cookie[SESSION_COOKIE].value), session_digest(cookie_of(LIU))}
    with pytest.raises(SignInNeeded):
        console.window(browser.get("/window", cookie=cookie_of(WANG)))


def test_a_refused_sign_in_leaves_the_browsers_session_as_it_was(console, apis, browser, staff, sessions):
    earlier = staff.signed_in(WANG)
    apis.answer("identity", "POST", "/api/v1/sessions", 401, {"detail": "wrong password"})

    console.sign_in(browser.post("/login", {"username": "wang.fang", "password": "错"}, cookie=cookie_of(WANG)))

    assert set(sessions.sessions) == {earlier.digest}


@pytest.mark.parametrize("target", ["//evil.example/phish", "https://evil.example/", "\\\\evil.example"])
def test_a_sign_in_never_leads_to_another_site(console, apis, browser, target):
    identity_signs_in(apis)

    response = console.sign_in(
        browser.post("/login", {"username": "wang.fang", "password": "窗口-2026-春", "next": target})
    )

    assert response.headers["Location"] == "/"


def test_a_wrong_password_says_so_in_chinese_and_keeps_nothing(console, apis, browser, sessions):
    identity_signs_in(apis, 401, {"error": "unauthenticated", "message": "sign-in refused"})

    response = console.sign_in(browser.post("/login", {"username": "wang.fang", "password": "wrong-guess"}))

    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "账号或密码不正确" in page
    assert 'value="wang.fang"' in page  # the username stays typed in; the password does not
    assert "wrong-guess" not in page
    assert "Set-Cookie" not in response.headers
    assert sessions.sessions == {}


def test_too_many_attempts_asks_to_wait(console, apis, browser, sessions):
    identity_signs_in(apis, 429, {"error": "too_many_attempts"})

    response = console.sign_in(browser.post("/login", {"username": "wang.fang", "password": "again"}))

    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)
    assert sessions.sessions == {}


def test_an_empty_form_is_refused_without_asking_identity(console, apis, browser):
    response = console.sign_in(browser.post("/login", {"username": "wang.fang", "password": ""}))

    assert response.status_code == 400
    assert "请输入账号和密码" in response.get_data(as_text=True)
    assert apis.calls == []


def test_the_sign_in_page_carries_only_a_safe_next_path(console, browser):
    page = console.sign_in_page(browser.get("/login?next=//evil.example")).get_data(as_text=True)

    assert 'name="next" value="/"' in page
    assert "evil.example" not in page


# --- signing out ------------------------------------------------------------------------------------


def test_signing_out_with_the_sessions_form_key_ends_the_session_and_clears_the_cookie(
    console, browser, staff, sessions
):
    staff.signed_in(WANG)

    response = console.sign_out(browser.post("/logout", {"csrf": form_key_of(WANG)}, as_=WANG))

    assert response.status_code == 303
    assert response.headers["Location"] == "/login?signed_out=1"
    assert sessions.sessions == {}
    header, cookie = set_cookie_of(response)
    assert cookie[SESSION_COOKIE].value == "" and "Max-Age=0" in header


def test_signing_out_after_the_session_expired_clears_the_cookie_and_says_signed_out(console, browser, staff, sessions):
    # Not sent to sign in only to land on the POST-only /logout, a 405, with the dead cookie still in the browser.
    staff.signed_in(WANG, expires_in=-timedelta(seconds=1))

    response = console.sign_out(browser.post("/logout", {"csrf": form_key_of(WANG)}, as_=WANG))

    assert (response.status_code, response.headers["Location"]) == (303, "/login?signed_out=1")
    assert sessions.sessions == {}
    header, cookie = set_cookie_of(response)
    assert cookie[SESSION_COOKIE].value == "" and "Max-Age=0" in header


def test_an_action_posted_after_the_session_expired_signs_in_back_to_the_page_it_was_posted_from(
    console, browser, staff
):
    # Not to the action's own address, which takes POST only: opened after signing in, it would be a 405.
    staff.signed_in(LIU, expires_in=-timedelta(seconds=1))
    page = f"/referrals/police/{REFERRAL_ID}"
    posted = browser.post(f"{page}/accept", {"csrf": form_key_of(LIU)}, as_=LIU)
    posted.environ["HTTP_REFERER"] = f"http://{posted.host}{page}?done=progress"

    with pytest.raises(SignInNeeded) as sent:
        console.act_on_referral(posted, "police", REFERRAL_ID, "accept")

    assert sent.value.next_path == f"{page}?done=progress"


@pytest.mark.parametrize("referer", [None, "https://evil.example/cases", "http://localhost/login?next=/cases"])
def test_a_form_posted_after_the_session_expired_from_no_page_of_ours_signs_in_to_its_address(
    console, browser, staff, referer
):
    staff.signed_in(WANG, expires_in=-timedelta(seconds=1))
    posted = browser.post("/window?draft=1", {"csrf": form_key_of(WANG), "summary": "邻里纠纷"}, as_=WANG)
    if referer is not None:
        posted.environ["HTTP_REFERER"] = referer

    with pytest.raises(SignInNeeded) as sent:
        console.register(posted)

    assert sent.value.next_path == "/window"


@pytest.mark.parametrize("form", [{"csrf": "form-key-of-liu.yang"}, {"csrf": ""}, {}])
def test_a_sign_out_posted_without_the_sessions_form_key_is_stale_and_the_session_stays(
    console, browser, staff, sessions, form
):
    session = staff.signed_in(WANG)

    with pytest.raises(StaleForm):
        console.sign_out(browser.post("/logout", form, as_=WANG))

    assert sessions.sessions == {session.digest: session}


# --- landing ----------------------------------------------------------------------------------------


def test_an_officer_lands_on_their_units_referrals(console, browser, staff):
    staff.signed_in(LIU)

    response = console.home(browser.get("/", as_=LIU))

    assert (response.status_code, response.headers["Location"]) == (303, "/referrals")


def test_a_township_coordinator_lands_on_the_cases_and_is_offered_no_agencys_referrals(
    uow, apis, console_platform, browser, staff
):
    # Identity binds units to officers only: the township's coordinator is an officer of its centre alone.
    township = Principal(
        "jiang.min", "蒋敏", frozenset({Role.COORDINATOR, Role.OFFICER}), frozenset({"centre:430426102"})
    )
    console = console_knowing(uow, apis, console_platform, township)
    staff.signed_in(township)

    response = console.home(browser.get("/", as_=township))

    assert (response.status_code, response.headers["Location"]) == (303, "/cases")
    with pytest.raises(Forbidden):
        console.referrals(browser.get("/referrals", as_=township))


def test_an_operator_is_told_the_console_is_not_for_them(console, browser, staff):
    staff.signed_in(CHEN)

    response = console.home(browser.get("/", as_=CHEN))

    assert response.status_code == 403
    assert "wuyuan 命令" in response.get_data(as_text=True)


def test_the_operators_page_leads_out_not_back_to_itself(console, browser, staff):
    """ "返回首页" would open this very page again: the way on is signing out, with the session's form key."""
    staff.signed_in(CHEN)

    page = console.home(browser.get("/", as_=CHEN)).get_data(as_text=True)

    assert 'href="/"' not in page.split("<main")[1] and "返回首页" not in page
    main = page.split("<main")[1]
    assert '<form method="post" action="/logout">' in main and f'value="{form_key_of(CHEN)}"' in main
    assert (
        '<span class="name">陈工</span> <span class="roles">运维</span>' in page
    )  # who is signed in, as on every page


def test_the_sign_in_page_says_whom_to_ask_for_an_account_and_names_no_command(console, browser):
    page = console.sign_in_page(browser.get("/login")).get_data(as_text=True)

    assert "没有账号、忘记密码或账号被锁定，请联系本中心的系统管理员。" in page
    assert "wuyuan" not in page.split("<main")[1] and "<code>" not in page


def test_the_header_names_the_roles_in_the_order_the_loop_runs(uow, apis, console_platform, browser, staff):
    everyone = Principal(
        "shiyong",
        "试用",
        frozenset({Role.LEADER, Role.SUPERVISOR, Role.OFFICER, Role.COORDINATOR, Role.INTAKE_STAFF}),
        frozenset({"court:430426"}),
    )
    console = console_knowing(uow, apis, console_platform, everyone)
    staff.signed_in(everyone)

    page = console.window(browser.get("/window", as_=everyone)).get_data(as_text=True)

    assert (
        '<span class="name">试用</span> <span class="roles">窗口登记、综合协调组、部门办理人、检查督导组、领导</span>'
        in page
    )


def test_a_page_shows_who_is_signed_in_and_carries_the_form_key_but_never_the_token(console, browser, staff):
    staff.signed_in(WANG)

    page = console.window(browser.get("/window", as_=WANG)).get_data(as_text=True)

    assert '<span class="name">王芳</span> <span class="roles">窗口登记</span>' in page
    assert f'name="csrf" value="{form_key_of(WANG)}"' in page
    assert token_of(WANG) not in page


# --- the hourly sweep ----------------------------------------------------------------------------


def test_the_hourly_sweep_forgets_ended_sessions_only(console, staff, sessions):
    staff.signed_in(WANG, expires_in=-timedelta(minutes=1))
    liu = staff.signed_in(LIU)

    console.forget_expired_sessions()

    assert list(sessions.sessions.values()) == [liu]


def test_after_signing_out_the_sign_in_page_says_so(console, browser):
    response = console.sign_in_page(browser.get("/login?signed_out=1"))

    assert "您已安全退出" in response.get_data(as_text=True)
