"""修改密码 in real Chromium: the person goes on signed in with the new password, and a session elsewhere ends."""

from playwright.sync_api import expect

from shared.auth.principal import Role
from tests.browser.test_console import sign_in
from wuyuan.accounts import AccountSpec, ensure_accounts

NEW_PASSWORD = "砖塘所-2026-新密码-换过"


def test_a_changed_password_keeps_this_session_and_ends_the_one_on_another_computer(page, console_url, platform):
    username = "browser.pw.change"
    spec = AccountSpec("换密码民警", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
    password = ensure_accounts(platform, {username: spec})[username]
    at_desk, at_home = page(), page()
    sign_in(at_home, console_url, username, password)
    sign_in(at_desk, console_url, username, password)

    at_desk.get_by_role("link", name="修改密码").click()
    at_desk.get_by_label("当前密码").fill(password)
    at_desk.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    at_desk.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    at_desk.get_by_role("button", name="修改密码").click()

    expect(at_desk.get_by_role("status")).to_contain_text("密码已修改，已用新密码重新登录")
    at_desk.get_by_role("link", name="本单位交办").click()
    expect(at_desk.get_by_role("button", name="退出登录")).to_be_visible()
    # The session at home held a token of the old password: once the services read the withdrawal, it signs in again.
    at_home.wait_for_timeout(3000)  # the e2e platform reads it every 2 s
    at_home.goto(f"{console_url}/referrals")
    expect(at_home.get_by_role("button", name="登录")).to_be_visible()
    expect(at_home.get_by_role("status")).to_have_text("登录已失效，请重新登录。")
