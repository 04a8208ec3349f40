"""A form posted after the session ended: held by the browser through signing in, shown, and sent only on a click."""

import hashlib
import logging
from datetime import timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie

import pytest

from services.console import domain
from services.console.api_client import key_for
from services.console.domain import SESSION_COOKIE
from services.console.pages import PageHandler, SignInNeeded, StaleForm
from shared.auth.principal import Forbidden, Principal
from tests.service.console.visitors import HE, LIU, NOW, WANG, ZHOU, cookie_of, form_key_of, text_of, token_of

CASE_ID = "430426-20261123-00007"
ACTION_KEY = "5e1d0c3b2a4f49e8a7b6c5d4e3f2a1b0"
TYPED = {
    "csrf": form_key_of(WANG),
    "action_key": ACTION_KEY,
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",
    "summary": '邻居翻修房屋，占用了共用通道\n双方争执"不下"<b>',
    "flags": ["group", "violence_risk"],
    "parties.0.role": "applicant",
    "parties.0.kind": "person",
    "parties.0.name": "张秀英",
    "parties.0.id_number": "430426198503120023",
    "parties.0.phone": "13907341234",
    "parties.1.role": "respondent",
    "parties.1.kind": "person",
    "parties.1.name": "李建国",
    # A row the clerk left blank: only the form's defaults, which are never registered.
    "parties.2.role": "third_party",
    "parties.2.kind": "person",
}


class Forms(HTMLParser):
    """The forms of a page as a browser would post them: action -> [(name, value)], values unescaped."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._action: str | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._action = found.get("action", "")
            self.forms.setdefault(self._action, [])
        elif tag == "input" and self._action is not None and found.get("type") == "hidden":
            self.forms[self._action].append((found["name"], found.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None


def as_posted(pairs: list[tuple[str, str]], **more: str) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in [*pairs, *more.items()]:
        form.setdefault(name, []).append(value)
    return form


def identity_signs_in(apis, who: Principal) -> None:
    apis.answer(
        "identity",
        "POST",
        "/api/v1/sessions",
        201,
        {
            "token": token_of(who),
            "token_type": "Bearer",
            "expires_at": (NOW + timedelta(hours=8)).isoformat(),
            "account": {"subject": who.subject, "name": who.name, "roles": sorted(who.roles), "units": []},
        },
    )


def posted_after_the_session_ended(console, browser, staff, form=TYPED, path="/window"):
    """The sign-in page a form posted once its session had ended is answered with, as the page handler renders it."""
    staff.signed_in(WANG, expires_in=-timedelta(seconds=1))
    posted = browser.post(path, form, as_=WANG)
    posted.environ["HTTP_REFERER"] = f"http://{posted.host}/window"
    with pytest.raises(SignInNeeded) as sent:
        console.register(posted) if path == "/window" else console.change_password(posted)
    return sent.value, PageHandler("POST", path).response_from_exception(sent.value)


def signed_in_with(console, apis, browser, sign_in_form, who=WANG):
    identity_signs_in(apis, who)
    return console.sign_in(browser.post("/login", as_posted(sign_in_form, username=who.subject, password="密码-2026")))


def new_cookie(response) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(response.headers["Set-Cookie"])
    return cookie[SESSION_COOKIE].value


def held_page(console, browser, signed_in):
    """The page the sign-in sends the browser on to, as the browser then asks for it: a GET under the new cookie."""
    assert (signed_in.status_code, signed_in.headers["Location"]) == (303, "/held-form")
    return console.held_form(browser.get("/held-form", cookie=new_cookie(signed_in)))


def test_the_form_comes_back_as_the_sign_in_page_holding_what_was_typed_but_not_the_form_key(console, browser, staff):
    _, response = posted_after_the_session_ended(console, browser, staff)
    page = text_of(response)
    carried = Forms(page).forms["/login"]

    assert response.status_code == 401 and response.headers["Cache-Control"] == "no-store"
    assert "刚才提交的内容还没有办理" in page and "无需重新填写" in page
    assert ("held_target", "/window") in carried and ("next", "/window") in carried
    assert ("held:action_key", ACTION_KEY) in carried
    assert ("held:summary", TYPED["summary"]) in carried  # unescaped by the browser to exactly what was typed
    assert [v for n, v in carried if n == "held:flags"] == ["group", "violence_risk"]
    assert not any(name == "held:csrf" for name, _ in carried) and form_key_of(WANG) not in page
    assert "<b>" not in page  # what was typed is text in an attribute, never markup


def test_after_signing_in_the_form_is_shown_unsent_and_goes_to_intake_once_on_提交_under_its_action_key(
    console, apis, browser, staff, sessions
):
    _, held = posted_after_the_session_ended(console, browser, staff)

    signed_in = signed_in_with(console, apis, browser, Forms(text_of(held)).forms["/login"])
    shown = held_page(console, browser, signed_in)
    page = text_of(shown)

    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert [call.service for call in apis.calls] == ["identity"]  # signed in; nothing sent
    assert "表单尚未提交" in page and "系统无法确认这份表单由谁填写" in page
    for said in ("纠纷概要", "邻居翻修房屋", "第1位当事人的身份证号", "430426198503120023", "群体性纠纷", "邻里纠纷"):
        assert said in page
    assert "另有1行当事人只有默认的身份和类型" in page and "第3位当事人" not in page
    [session] = [s for s in sessions.sessions.values() if s.username == WANG.subject and s.expires_at > NOW]
    resend = Forms(page).forms["/window"]
    assert ("csrf", session.csrf) in resend and ("csrf", form_key_of(WANG)) not in resend
    assert ("action_key", ACTION_KEY) in resend
    assert Forms(page).forms["/held-form/discard"] == [("csrf", session.csrf)]  # 放弃 sends nothing of the form

    apis.answer("intake", "POST", "/api/v1/disputes", 201, {"case_id": CASE_ID, "linked": False})
    sent = console.register(browser.post("/window", as_posted(resend), cookie=new_cookie(signed_in)))
    used_key = key_for("POST", "/api/v1/disputes")

    assert (sent.status_code, sent.headers["Location"]) == (303, f"/window/cases/{CASE_ID}?linked=0")
    [registered] = apis.calls_to("intake")
    assert registered.token == token_of(WANG) and registered.body is not None
    assert [party["name"] for party in registered.body["parties"]] == ["张秀英", "李建国"]
    assert used_key == hashlib.sha256(f"{ACTION_KEY}\nPOST\n/api/v1/disputes".encode()).hexdigest()[:48]


def test_another_person_signing_in_is_warned_and_sends_only_under_their_own_account(
    console, apis, browser, staff, sessions
):
    _, held = posted_after_the_session_ended(console, browser, staff)

    signed_in = signed_in_with(console, apis, browser, Forms(text_of(held)).forms["/login"], who=LIU)
    page = text_of(held_page(console, browser, signed_in))

    assert "系统无法确认这份表单由谁填写" in page and "刘洋" in page and LIU.subject in page
    with pytest.raises(Forbidden):  # 刘洋 is a police officer: the window is not theirs, nothing reaches intake
        console.register(browser.post("/window", as_posted(Forms(page).forms["/window"]), cookie=new_cookie(signed_in)))
    assert apis.calls_to("intake") == []


def test_a_wrong_password_keeps_the_form_for_the_next_try(console, apis, browser, staff):
    _, held = posted_after_the_session_ended(console, browser, staff)
    carried = Forms(text_of(held)).forms["/login"]
    apis.answer("identity", "POST", "/api/v1/sessions", 401, {"error": "unauthorized"})

    again = console.sign_in(browser.post("/login", as_posted(carried, username="wang.fang", password="错的")))

    assert again.status_code == 401 and "账号或密码不正确" in text_of(again)
    assert Forms(text_of(again)).forms["/login"] == carried


def test_a_token_that_does_not_verify_yet_opens_no_session_and_keeps_the_form(console, apis, browser, staff, sessions):
    _, held = posted_after_the_session_ended(console, browser, staff)
    carried = Forms(text_of(held)).forms["/login"]
    identity_signs_in(apis, Principal("new.clerk", "新来的", frozenset()))  # a token the console cannot verify

    again = console.sign_in(browser.post("/login", as_posted(carried, username="new.clerk", password="密码-2026")))

    assert again.status_code == 503 and "暂时无法登录，请稍后再试。" in text_of(again)
    assert Forms(text_of(again)).forms["/login"] == carried
    assert not any(session.username == "new.clerk" for session in sessions.sessions.values())


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("https://evil.example/window", "原表单的提交地址不是本工作台的地址"),
        ("//evil.example/window", "原表单的提交地址不是本工作台的地址"),
        ("/cases", "原表单的提交地址不是本工作台可提交的表单"),
        ("/password", "原表单的提交地址不是本工作台可提交的表单"),
        ("/rate/abcdef", "原表单的提交地址不是本工作台可提交的表单"),
        ("/nowhere", "原表单的提交地址不是本工作台可提交的表单"),
    ],
)
def test_a_held_form_to_no_console_form_is_refused_in_chinese_and_nothing_is_sent(
    console, apis, browser, sessions, target, said
):
    carried = [("next", "/window"), ("held_target", target), ("held:summary", "邻里纠纷")]

    refused = signed_in_with(console, apis, browser, carried)
    page = text_of(refused)

    assert refused.status_code == 400
    assert f"{said}，未提交任何内容。请登录后重新填写。" in page
    assert apis.calls == [] and sessions.sessions == {}
    assert not any(name.startswith("held") for name, _ in Forms(page).forms["/login"])


def test_a_form_too_large_to_hold_is_said_to_be_unsent_as_before(console, browser, staff):
    sent, response = posted_after_the_session_ended(console, browser, staff, form={**TYPED, "summary": "长" * 8001})

    assert sent.held is None
    assert (response.status_code, response.headers["Location"]) == (303, "/login?next=/window&ended=1&unsent=1")


def test_a_change_of_password_is_never_held(console, browser, staff):
    form = {"csrf": form_key_of(WANG), "current": "旧密码-2026", "new": "新密码-2026", "again": "新密码-2026"}

    sent, response = posted_after_the_session_ended(console, browser, staff, form=form, path="/password")

    assert sent.held is None and response.status_code == 303
    assert "旧密码" not in text_of(response)


# --- kept by the session that signed in, shown by a GET page (Post/Redirect/Get) -------------------------------------


def signed_in_holding(console, apis, browser, staff, who=WANG):
    _, held = posted_after_the_session_ended(console, browser, staff)
    return signed_in_with(console, apis, browser, Forms(text_of(held)).forms["/login"], who=who)


def the_session_of(sessions, cookie: str):
    return sessions.sessions[domain.session_digest(cookie)]


def test_the_sign_in_answers_303_to_a_page_that_shows_the_form_again_on_every_reload(
    console, apis, browser, staff, sessions
):
    signed_in = signed_in_holding(console, apis, browser, staff)

    assert "张秀英" not in text_of(signed_in)  # the answer to the sign-in itself is only the redirect
    first, again = held_page(console, browser, signed_in), held_page(console, browser, signed_in)

    assert again.status_code == 200 and "表单尚未提交" in text_of(again)
    assert Forms(text_of(again)).forms["/window"] == Forms(text_of(first)).forms["/window"]
    assert "430426198503120023" in text_of(again)
    assert [call.service for call in apis.calls] == ["identity"]  # one sign-in; a reload asks identity nothing


def test_the_session_keeps_the_form_sealed_without_password_or_old_form_key_and_for_an_hour_at_most(
    console, apis, browser, staff, sessions
):
    signed_in = signed_in_holding(console, apis, browser, staff)
    cookie = new_cookie(signed_in)
    session = the_session_of(sessions, cookie)

    kept = domain.opened_held(session, cookie, NOW)
    assert kept is not None and "430426198503120023" in kept
    for secret in ("430426198503120023", "13907341234", "张秀英"):
        assert secret not in repr(session)  # a copy of the sessions (a backup, a replica) reads none of it
    assert "密码-2026" not in kept and form_key_of(WANG) not in kept and '"csrf"' not in kept
    assert session.held_until == NOW + timedelta(hours=1) and session.expires_at == NOW + timedelta(hours=8)
    assert domain.opened_held(session, cookie, NOW + timedelta(hours=1)) is None

    sessions.remove_expired(NOW + timedelta(hours=1))
    assert the_session_of(sessions, cookie).sealed_held == ""  # swept; the session itself goes on
    gone = console.held_form(browser.get("/held-form", cookie=cookie))
    assert (gone.status_code, gone.headers["Location"]) == (303, "/")


def test_another_session_cannot_read_the_form_a_session_holds(console, apis, browser, staff, sessions):
    signed_in = signed_in_holding(console, apis, browser, staff)
    session = the_session_of(sessions, new_cookie(signed_in))
    staff.signed_in(HE)

    elsewhere = console.held_form(browser.get("/held-form", as_=HE))

    assert (elsewhere.status_code, elsewhere.headers["Location"]) == (303, "/")
    assert domain.opened_held(session, cookie_of(HE), NOW) is None  # nor would its row open with another cookie
    with pytest.raises(SignInNeeded):  # nor without a session at all
        console.held_form(browser.get("/held-form"))


def test_提交_makes_the_session_forget_the_form(console, apis, browser, staff, sessions):
    signed_in = signed_in_holding(console, apis, browser, staff)
    cookie = new_cookie(signed_in)
    resend = Forms(text_of(held_page(console, browser, signed_in))).forms["/window"]
    apis.answer("intake", "POST", "/api/v1/disputes", 201, {"case_id": CASE_ID, "linked": False})

    console.register(browser.post("/window", as_posted(resend), cookie=cookie))

    assert the_session_of(sessions, cookie).sealed_held == ""
    assert console.held_form(browser.get("/held-form", cookie=cookie)).headers["Location"] == "/"


def test_another_form_of_the_session_leaves_the_held_form_kept(console, apis, browser, staff, sessions):
    signed_in = signed_in_holding(console, apis, browser, staff)
    cookie = new_cookie(signed_in)
    session = the_session_of(sessions, cookie)
    apis.answer("intake", "POST", "/api/v1/disputes", 201, {"case_id": CASE_ID, "linked": False})
    other = {**TYPED, "csrf": session.csrf, "action_key": "a-registration-typed-anew-0000000"}

    console.register(browser.post("/window", other, cookie=cookie))

    assert the_session_of(sessions, cookie).sealed_held == session.sealed_held


def test_放弃_forgets_the_form_sends_nothing_and_returns_to_the_page_it_was_typed_on(
    console, apis, browser, staff, sessions
):
    signed_in = signed_in_holding(console, apis, browser, staff)
    cookie = new_cookie(signed_in)
    session = the_session_of(sessions, cookie)

    given_up = console.discard_held_form(browser.post("/held-form/discard", {"csrf": session.csrf}, cookie=cookie))

    assert (given_up.status_code, given_up.headers["Location"]) == (303, "/window")
    assert the_session_of(sessions, cookie).sealed_held == "" and apis.calls_to("intake") == []
    assert console.held_form(browser.get("/held-form", cookie=cookie)).headers["Location"] == "/"


def test_放弃_from_another_site_is_refused_and_the_form_kept(console, apis, browser, staff, sessions):
    signed_in = signed_in_holding(console, apis, browser, staff)
    cookie = new_cookie(signed_in)

    with pytest.raises(StaleForm):
        console.discard_held_form(browser.post("/held-form/discard", {"csrf": "guessed"}, cookie=cookie))

    assert the_session_of(sessions, cookie).sealed_held != ""


ASSIGN_PATH = f"/cases/{CASE_ID}/assign"


@pytest.mark.parametrize(
    ("referer", "back"),
    [
        (None, f"/cases/{CASE_ID}"),  # no Referer: the page nearest the action's POST-only address
        ("https://evil.example/cases", f"/cases/{CASE_ID}"),  # another site's: never followed
        (f"http://localhost/cases/{CASE_ID}/assign", f"/cases/{CASE_ID}"),  # the action's own: POST only
        ("http://localhost/triage?page=2", "/triage?page=2"),  # the page of ours it was typed on
    ],
)
def test_放弃_leads_to_a_page_of_the_console_however_the_form_was_posted(
    console, apis, browser, staff, sessions, referer, back
):
    staff.signed_in(HE, expires_in=-timedelta(seconds=1))
    posted = browser.post(
        ASSIGN_PATH, {"csrf": form_key_of(HE), "action_key": ACTION_KEY, "unit": "court:430426"}, as_=HE
    )
    if referer is not None:
        posted.environ["HTTP_REFERER"] = referer
    with pytest.raises(SignInNeeded) as sent:
        console.assign(posted, CASE_ID)
    carried = Forms(text_of(PageHandler("POST", ASSIGN_PATH).response_from_exception(sent.value))).forms["/login"]
    signed_in = signed_in_with(console, apis, browser, carried, who=HE)
    cookie = new_cookie(signed_in)

    csrf = the_session_of(sessions, cookie).csrf
    given_up = console.discard_held_form(browser.post("/held-form/discard", {"csrf": csrf}, cookie=cookie))

    assert (given_up.status_code, given_up.headers["Location"]) == (303, back)


@pytest.mark.parametrize("offered", ["https://evil.example/", "//evil.example/window", "/\\evil.example", "/rate/abc"])
def test_a_next_address_changed_on_the_sign_in_page_never_leads_away(console, apis, browser, sessions, offered):
    carried = [("next", offered), ("held_target", "/documents/notices"), ("held:notice_from", "2026-11-01")]

    signed_in = signed_in_with(console, apis, browser, carried, who=ZHOU)
    cookie = new_cookie(signed_in)
    session = the_session_of(sessions, cookie)
    given_up = console.discard_held_form(browser.post("/held-form/discard", {"csrf": session.csrf}, cookie=cookie))

    assert given_up.headers["Location"] == "/documents"


def test_a_sign_in_without_a_held_form_goes_on_to_the_page_asked_for_and_keeps_nothing(
    console, apis, browser, sessions
):
    signed_in = signed_in_with(console, apis, browser, [("next", "/cases?status=open")])

    assert (signed_in.status_code, signed_in.headers["Location"]) == (303, "/cases?status=open")
    session = the_session_of(sessions, new_cookie(signed_in))
    assert session.sealed_held == "" and session.held_until is None


def test_a_sign_in_whose_next_is_a_form_s_own_address_goes_on_to_the_page_nearest_it(console, apis, browser, sessions):
    # What a form too large to hold leaves when the browser sent no Referer: the address it was posted to.
    signed_in = signed_in_with(console, apis, browser, [("next", "/cases/430426-20261204-00001/assign")])

    assert (signed_in.status_code, signed_in.headers["Location"]) == (303, "/cases/430426-20261204-00001")


def test_nothing_typed_reaches_a_log_line(console, apis, browser, staff, sessions, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    signed_in = signed_in_holding(console, apis, browser, staff)
    cookie = new_cookie(signed_in)
    held_page(console, browser, signed_in)
    session = the_session_of(sessions, cookie)
    console.discard_held_form(browser.post("/held-form/discard", {"csrf": session.csrf}, cookie=cookie))

    logged = caplog.text + "".join(capsys.readouterr())
    for typed in ("430426198503120023", "13907341234", "张秀英", "密码-2026"):
        assert typed not in logged


def test_the_console_knows_which_of_its_pages_放弃_may_lead_to_and_which_forms_a_held_form_goes_to():
    from services.console.service import FORM_PATHS, PAGE_PATHS

    assert PAGE_PATHS(f"/cases/{CASE_ID}") and PAGE_PATHS("/documents") and PAGE_PATHS("/window")
    assert not PAGE_PATHS(ASSIGN_PATH) and not PAGE_PATHS("/held-form") and not PAGE_PATHS("/login")
    assert not PAGE_PATHS("/rate/abcdef") and not PAGE_PATHS("/overview/report.csv")
    assert FORM_PATHS(ASSIGN_PATH) and not FORM_PATHS("/held-form/discard")
