"""Every page of the staff console asks who is calling, as its declaration and the APIs behind it say."""

import inspect

import pytest
import requests

from services.console import domain
from services.console.pages import PageHandler
from services.console.service import Console
from wuyuan.accounts import ensure_accounts, working_accounts

pytestmark = pytest.mark.e2e

# Pages anyone may open: the sign-in page, the citizen's rating and progress pages (the link is the credential),
# the console's own assets.
PUBLIC_PAGES = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/rate/<token>"),
    ("POST", "/rate/<token>"),
    ("GET", "/track/<token>"),
    ("GET", "/favicon.ico"),  # asked for by every browser before anyone signs in; an asset, no page
}
PATH_VALUES = {
    "case_id": "430426-20261204-00001",
    "agency": "police",
    "referral_id": "00000000-0000-4000-8000-000000000001",
    "action": "accept",
    "token": "not-a-link-at-all",
    "path:name": "console.css",
    "filing_number": "(2026)湘0426民初1号",
    "number": "XF430426-2026-0001",
    "call_number": "JQ430426-2026-0001",
    "person_id": "00000000-0000-4000-8000-000000000000",
    "document_id": "00000000-0000-4000-8000-000000000000",
    "alert_id": "00000000-0000-4000-8000-000000000000",
}


def pages() -> list[tuple[str, str]]:
    found = set()
    for _, function in inspect.getmembers(Console, inspect.isfunction):
        for entrypoint in getattr(function, "nameko_entrypoints", ()):
            if isinstance(entrypoint, PageHandler):
                found.add((entrypoint.method, entrypoint.url))
    return sorted(found)


def filled(url: str) -> str:
    for name, value in PATH_VALUES.items():
        url = url.replace(f"<{name}>", value)
    assert "<" not in url, f"{url}: give its path parameter a value"
    return url


SIGNED_IN_PAGES = [p for p in pages() if p not in PUBLIC_PAGES and not p[1].startswith("/static")]


def test_the_console_declares_its_pages():
    assert ("GET", "/window") in SIGNED_IN_PAGES
    assert len(SIGNED_IN_PAGES) >= 15


@pytest.mark.parametrize(("method", "url"), SIGNED_IN_PAGES, ids=lambda v: str(v))
def test_without_a_session_every_staff_page_sends_to_sign_in(platform, method, url):
    response = requests.request(
        method, platform.http_base_url("console") + filled(url), allow_redirects=False, timeout=15
    )

    assert response.status_code == 303
    # 退出 with no session has nothing to end: it says 已退出, as signing out does.
    expected = "/login?signed_out=1" if (method, url) == ("POST", "/logout") else "/login?next="
    assert response.headers["Location"].startswith(expected)
    assert "Content-Security-Policy" in response.headers


def session_of(platform, username: str) -> requests.Session:
    password = ensure_accounts(platform, working_accounts(platform))[username]
    browser = requests.Session()
    answer = browser.post(
        platform.http_base_url("console") + "/login",
        data={"username": username, "password": password},
        allow_redirects=False,
        timeout=15,
    )
    assert answer.status_code == 303, answer.text[:300]
    return browser


# (page, roles that may open it): each role not listed gets the Chinese 403 page, whatever it knows.
ROLE_PAGES = [(path, roles) for path, _, roles in domain.PAGES]
ACCOUNT_OF_ROLE = {
    "intake_staff": "demo.window",
    "coordinator": "demo.coordinator",
    "supervisor": "demo.supervisor",
    "leader": "demo.leader",
    "officer": "demo.police",
}


@pytest.mark.parametrize(("path", "roles"), ROLE_PAGES, ids=lambda v: str(v))
def test_a_role_without_the_page_gets_403_and_one_with_it_gets_the_page(platform, path, roles):
    for role, username in ACCOUNT_OF_ROLE.items():
        response = session_of(platform, username).get(
            platform.http_base_url("console") + path, allow_redirects=False, timeout=15
        )
        if role in roles:
            assert response.status_code == 200, f"{username} on {path}: {response.status_code}"
        else:
            assert response.status_code == 403, f"{username} on {path}: {response.status_code}"
            assert "无权访问" in response.text


def test_a_form_posted_without_the_sessions_key_changes_nothing(platform):
    window = session_of(platform, "demo.window")
    response = window.post(
        platform.http_base_url("console") + "/window",
        data={"source": "walk_in", "category": "neighbour", "summary": "跨站提交"},
        allow_redirects=False,
        timeout=15,
    )

    assert response.status_code == 403
    assert "表单已失效" in response.text


def test_signing_out_ends_the_session_on_the_server(platform):
    window = session_of(platform, "demo.window")
    page = window.get(platform.http_base_url("console") + "/window", timeout=15).text
    key = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    cookie = window.cookies.get(domain.SESSION_COOKIE)

    window.post(platform.http_base_url("console") + "/logout", data={"csrf": key}, timeout=15)
    # The old cookie, replayed by someone who copied it, opens nothing any more.
    replay = requests.get(
        platform.http_base_url("console") + "/window",
        cookies={domain.SESSION_COOKIE: cookie},
        allow_redirects=False,
        timeout=15,
    )
    assert replay.status_code == 303
    assert replay.headers["Location"].startswith("/login")


def test_a_wrong_password_is_refused_in_chinese_and_opens_no_session(platform):
    response = requests.post(
        platform.http_base_url("console") + "/login",
        data={"username": "demo.window", "password": "不是这个密码"},
        allow_redirects=False,
        timeout=15,
    )

    assert response.status_code == 401
    assert "账号或密码不正确" in response.text
    assert domain.SESSION_COOKIE not in response.cookies
