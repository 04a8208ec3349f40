"""受理回执 in real Chromium: the window prints the citizen's receipt, one A4 page, without the page's own buttons."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_console import passwords, register_joint_dispute, sign_in, type_joint_dispute

pytestmark = pytest.mark.browser
__all__ = ["passwords"]  # the module's fixture, used by name


def test_the_window_prints_the_receipt_of_a_registered_case_on_one_a4_page(page, console_url, passwords):
    window = page()
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    case_id = register_joint_dispute(window, "两家因排水沟堵塞互相指责，要求疏通", "王秀兰", "13800002468", "赵建军")

    window.get_by_role("link", name="打印回执").click()

    expect(window.get_by_role("heading", name="矛盾纠纷受理回执")).to_be_visible()
    expect(window.locator(".case-id")).to_have_text(case_id)
    expect(window.locator(".visitors")).to_have_text("王秀兰")
    expect(window.get_by_role("button", name="打印回执")).to_be_visible()  # console.js, served by the console, ran
    assert "13800002468" not in window.content()
    window.emulate_media(media="print")
    expect(window.locator(".receipt-actions")).to_be_hidden()
    pdf = window.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1  # one sheet of A4


def test_a_repeat_report_prints_a_receipt_of_its_own_that_says_it_joined_the_case(page, console_url, passwords):
    window = page()
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    summary = "两家因院墙滴水互相指责，要求改建"
    case_id = register_joint_dispute(window, summary, "邓桂芳", "13800003579", "邹国强")

    # The same parties about the same matter again: linked to the case, and the receipt is this visit's.
    window.goto(f"{console_url}/window")
    type_joint_dispute(window, summary + "，今天又来反映", "邓桂芳", "13800003579", "邹国强")
    window.get_by_role("button", name="登记并分流").click()
    expect(window.get_by_role("heading", name="重复反映，已关联")).to_be_visible()
    window.get_by_role("link", name="打印回执").click()

    expect(window.locator(".case-id")).to_have_text(case_id)
    expect(window.locator(".reported-at")).to_have_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}"))
    expect(window.locator(".follow-up")).to_contain_text("已并入该案件一并办理，不另立新案")
    window.get_by_role("link", name="返回登记结果").click()
    expect(window.get_by_role("heading", name="重复反映，已关联")).to_be_visible()
