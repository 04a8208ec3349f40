"""A form typed while the session ended, in real Chromium: held through signing in, shown on a page a reload shows
again, sent once on 提交, or given up with 放弃 back to the page it was typed on."""

import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.browser.test_console import passwords, reload_until, sign_in, type_joint_dispute

pytestmark = pytest.mark.browser
__all__ = ["passwords"]  # the accounts fixture, shared with the console's own tests


def session_ends(page: Page) -> None:
    """As when the session's time runs out: the browser drops the cookie, which expires with the session."""
    page.context.clear_cookies()


def sign_in_again(page: Page, username: str, password: str) -> None:
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


# The form posted without a session is answered 401 with the sign-in page, which Chromium logs as an error; any other
# error the page saw still fails the test.
UNSENT_LOGGED = "the server responded with a status of 401"


def only_the_unsent_form_logged(page, tab: Page) -> None:
    assert [error for error in page.errors(tab) if UNSENT_LOGGED not in error] == []


def posts_while(tab: Page, action) -> list[str]:
    """The paths the tab posted to while `action` ran."""
    posted: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "POST":
            posted.append(urlsplit(request.url).path)

    tab.on("request", seen)
    action()
    tab.remove_listener("request", seen)
    return posted


def cases_found(page: Page, console_url: str, text: str) -> int:
    page.goto(f"{console_url}/cases?q={text}")
    return page.locator("table.list tbody a[href^='/cases/']").count()


def test_a_registration_sent_after_the_session_ended_is_shown_after_signing_in_and_registered_once(
    page, console_url, passwords, shoot
):
    window = page(allow_errors=True)
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    marker = uuid.uuid4().hex[:8]
    summary = f"两家为共用水井的使用时间争吵，多次调解未果（{marker}）"
    type_joint_dispute(window, summary, "钱七", "13700007777", "孙八")

    session_ends(window)
    window.get_by_role("button", name="登记并分流").click()
    expect(window.get_by_role("heading", name="登录工作台")).to_be_visible()
    expect(window.get_by_role("alert")).to_contain_text("刚才提交的内容还没有办理")
    shoot(window, "60-held-form-sign-in")

    sign_in_again(window, "demo.window", passwords["demo.window"])
    expect(window.get_by_role("heading", name="表单尚未提交")).to_be_visible()
    expect(window).to_have_url(f"{console_url}/held-form")
    posted = posts_while(window, window.reload)
    expect(window.get_by_role("heading", name="表单尚未提交")).to_be_visible()
    assert posted == []  # the reload fetched the page again: no sign-in, and no password, was sent twice
    held = window.locator("table.held-summary")
    for said in (summary, "钱七", "13700007777", "孙八", "有暴力倾向", "邻里纠纷"):
        expect(held).to_contain_text(said)
    expect(window.get_by_role("note")).to_contain_text("系统无法确认这份表单由谁填写")
    shoot(window, "61-held-form-shown")

    window.get_by_role("button", name="提交").click()
    expect(window.get_by_role("heading", name="登记成功")).to_be_visible()
    case_id = window.locator(".case-id").inner_text().strip()

    reload_until(window, lambda: cases_found(window, console_url, marker) > 0)
    assert cases_found(window, console_url, marker) == 1
    expect(window.get_by_role("link", name=case_id)).to_be_visible()
    only_the_unsent_form_logged(page, window)


def test_without_scripts_another_account_is_warned_and_放弃_sends_nothing(page, console_url, passwords, shoot):
    window = page(javascript=False, allow_errors=True)
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    marker = uuid.uuid4().hex[:8]
    type_joint_dispute(window, f"邻居在楼道堆放杂物，影响通行（{marker}）", "周九", "13700008888", "吴十")

    session_ends(window)
    window.get_by_role("button", name="登记并分流").click()
    sign_in_again(window, "demo.coordinator", passwords["demo.coordinator"])
    expect(window.get_by_role("heading", name="表单尚未提交")).to_be_visible()
    expect(window.locator("main")).to_contain_text("demo.coordinator")
    expect(window.get_by_role("note")).to_contain_text("如不是本人填写或内容有误，请点“放弃”")

    window.get_by_role("button", name="放弃").click()
    expect(window.get_by_role("heading", name="窗口登记（一站式受理）")).to_be_visible()
    expect(window.get_by_label("纠纷概要")).to_have_value("")
    window.wait_for_timeout(2000)  # what a registration would take to reach the case list
    assert cases_found(window, console_url, marker) == 0
    only_the_unsent_form_logged(page, window)


def without_referer(route: Route) -> None:
    """As a browser that names no page it posts from (a privacy setting, an extension): the Origin stays. Sent by
    Playwright itself, as Chromium puts a Referer back on a request it continues."""
    headers = {name: value for name, value in route.request.all_headers().items() if name.lower() != "referer"}
    route.fulfill(response=route.fetch(headers=headers, max_redirects=0))


def test_a_form_posted_without_referer_is_kept_for_its_session_alone_and_放弃_returns_to_its_page(
    page, console_url, passwords, shoot
):
    supervisor = page(javascript=False, allow_errors=True)
    sign_in(supervisor, console_url, "demo.supervisor", passwords["demo.supervisor"])
    supervisor.goto(f"{console_url}/documents")
    supervisor.route(re.compile(r".*/documents/notices$"), without_referer)

    session_ends(supervisor)
    supervisor.get_by_role("button", name="发出通报").click()
    expect(supervisor.get_by_role("alert")).to_contain_text("刚才提交的内容还没有办理")
    # The browser said nothing of the page the form was on: the sign-in knows only the form's POST-only address.
    expect(supervisor.locator("input[name=next]")).to_have_value("/documents/notices")
    sign_in_again(supervisor, "demo.supervisor", passwords["demo.supervisor"])
    expect(supervisor.get_by_role("heading", name="表单尚未提交")).to_be_visible()

    # The same account in another browser: a session of its own, which holds nothing.
    elsewhere = page()
    sign_in(elsewhere, console_url, "demo.supervisor", passwords["demo.supervisor"])
    elsewhere.goto(f"{console_url}/held-form")
    expect(elsewhere.get_by_role("heading", name="督办看板")).to_be_visible()
    expect(elsewhere.locator("main")).not_to_contain_text("表单尚未提交")

    assert posts_while(supervisor, supervisor.reload) == []
    expect(supervisor.get_by_role("heading", name="表单尚未提交")).to_be_visible()
    shoot(supervisor, "62-held-form-without-referer")

    supervisor.get_by_role("button", name="放弃").click()
    expect(supervisor.get_by_role("heading", name="督办文书")).to_be_visible()
    expect(supervisor).to_have_url(f"{console_url}/documents")
    supervisor.goto(f"{console_url}/held-form")  # given up: the session holds it no more
    expect(supervisor.get_by_role("heading", name="督办看板")).to_be_visible()
    only_the_unsent_form_logged(page, supervisor)
