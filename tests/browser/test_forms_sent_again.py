"""A form sent again after 后退 (back) in real Chromium: the same action, made once; changed first, a new one."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_console import (
    filed_and_listed_at_the_station,
    open_referral,
    passwords,
    register_joint_dispute,
    sign_in,
)

pytestmark = pytest.mark.browser
__all__ = ["passwords"]  # the accounts fixture, shared with the console's own tests

REGISTER = "登记并分流"


def test_a_registration_sent_again_after_going_back_is_the_case_it_made(page, console_url, passwords, shoot):
    window = page()
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    case_id = register_joint_dispute(window, "两家共用晒谷坪，为占用时间争吵", "钟一", "13700005555", "谭二")

    # 后退: the form is fetched anew, with what was typed restored and a new key of its own; the browser keeps no
    # 手机号 or 身份证号 (autocomplete="off"), which the clerk types again.
    window.go_back()
    expect(window.get_by_label("纠纷概要")).to_have_value("两家共用晒谷坪，为占用时间争吵")
    expect(window.locator('[name="parties.0.name"]')).to_have_value("钟一")
    window.locator('[name="parties.0.phone"]').fill("13700005555")
    window.get_by_role("button", name=REGISTER).click()
    # The first registration's answer again: not a second report of the same parties, linked as a repeat.
    expect(window.get_by_role("heading", name="登记成功")).to_be_visible()
    expect(window.locator(".case-id")).to_have_text(case_id)
    shoot(window, "50-window-sent-again-after-back")

    # Changed after 后退, the form is a report of its own (the same parties and matter: linked to the case).
    window.go_back()
    window.locator('[name="parties.0.phone"]').fill("13700005555")
    window.get_by_label("纠纷概要").fill("两家共用晒谷坪，为占用时间争吵，今天又发生口角")
    window.get_by_role("button", name=REGISTER).click()
    expect(window.get_by_role("heading", name="重复反映，已关联")).to_be_visible()
    expect(window.get_by_role("status")).to_contain_text(case_id)


def test_a_progress_report_sent_again_after_going_back_is_logged_once(page, console_url, passwords, shoot):
    police, case_id = filed_and_listed_at_the_station(
        page, console_url, passwords, ("邻居装修噪音扰民，多次沟通无果", "汤三", "13700006666", "龚四")
    )
    open_referral(police, console_url, "police", case_id)
    police.get_by_role("button", name="签收").click()
    expect(police.locator(".referral-status")).to_have_text("办理中")
    note = "已约双方下周一到所协商"
    police.get_by_label("进展情况").fill(note)
    police.get_by_role("button", name="报告进展").click()
    expect(police.get_by_role("status")).to_have_text("进展已报告。")

    police.go_back()
    expect(police.get_by_label("进展情况")).to_have_value(note)
    police.get_by_role("button", name="报告进展").click()
    expect(police.get_by_role("status")).to_have_text("进展已报告。")
    expect(police.locator("li", has_text=f"报告进展：{note}")).to_have_count(1)
    shoot(police, "51-progress-sent-again-after-back")
