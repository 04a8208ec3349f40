"""The inspection group's 回访抽查 and 发出通报, and the leaders' 三色预警 and 提请领导督办, in real Chromium: pages
reached from the menu, forms that work, refusals beside their fields, and a leader's view that fits a phone."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from shared.workdays import CHINA_TZ
from tests.browser.test_console import passwords, sign_in
from tests.browser.test_police_petitions import assert_fits_the_phone

pytestmark = pytest.mark.browser
__all__ = ["passwords"]  # the accounts fixture, shared with the console's own tests


def test_a_supervisor_draws_spot_checks_and_issues_a_notice(page, console_url, passwords, shoot):
    supervisor = page()
    sign_in(supervisor, console_url, "demo.supervisor", passwords["demo.supervisor"])
    supervisor.get_by_role("navigation", name="主导航").get_by_role("link", name="回访抽查").click()
    expect(supervisor.get_by_role("heading", name="回访抽查", exact=True)).to_be_visible()
    expect(supervisor.locator("#spot-check-summary")).to_contain_text("结案的案件")

    drawing = supervisor.get_by_role("form", name="即时抽取")
    drawing.get_by_role("button", name="抽取").click()  # this month so far, as the form starts
    expect(supervisor.get_by_role("status")).to_contain_text(re.compile("随机抽取|本次未抽到案件"))
    expect(supervisor.locator("main")).not_to_contain_text("justice:")  # units by name, never codes
    shoot(supervisor, "42-spot-checks")

    supervisor.get_by_role("navigation", name="主导航").get_by_role("link", name="督办文书").click()
    notice = supervisor.get_by_role("form", name="发出通报")
    notice.get_by_role("button", name="发出通报").click()
    expect(supervisor.get_by_role("status")).to_contain_text(re.compile(r"已发出通报 祁东综治〔\d{4}〕通报第\d+号"))
    expect(supervisor.locator("#documents")).to_contain_text("通报")

    # A period that ends tomorrow, or starts nowhere, is said beside its dates before anything asks or is sent.
    refused = page()
    sign_in(refused, console_url, "demo.supervisor", passwords["demo.supervisor"])
    refused.goto(f"{console_url}/documents")
    today = datetime.now(CHINA_TZ).date()
    form = refused.get_by_role("form", name="发出通报")
    form.get_by_label("期间自").fill("")
    form.get_by_label("至（含）").fill((today + timedelta(days=1)).isoformat())
    form.get_by_role("button", name="发出通报").click()
    expect(refused.locator("#form-errors")).to_have_text("未能发出通报：有 2 处需要修改，已在对应栏目旁标出。")
    expect(refused.locator('[id="notice.from-error"]')).to_have_text("请填写起始日期，如2026-11-01")
    expect(refused.locator('[id="notice.to-error"]')).to_have_text(f"不能晚于今天（{today.isoformat()}）")
    expect(refused.get_by_label("至（含）")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("期间自").fill(today.isoformat())
    form.get_by_label("至（含）").fill((today - timedelta(days=1)).isoformat())
    form.get_by_role("button", name="发出通报").click()
    expect(refused.locator('[id="notice.to-error"]')).to_have_text("截止日期早于起始日期")
    assert page.confirmations(refused) == []


def test_a_leader_reads_the_risk_register_and_the_cases_flagged_for_the_leaders(page, console_url, passwords):
    leader = page("phone")
    sign_in(leader, console_url, "demo.leader", passwords["demo.leader"])
    expect(leader.get_by_role("heading", name=re.compile("提请领导督办"))).to_be_visible()
    assert_fits_the_phone(leader)

    leader.get_by_role("navigation", name="主导航").get_by_role("link", name="三色预警").click()
    expect(leader.get_by_role("heading", name="三色预警")).to_be_visible()
    expect(leader.get_by_role("link", name="稳控对象档案（一人一档）")).to_have_count(0)
    assert_fits_the_phone(leader)

    leader.get_by_role("link", name=re.compile(r"^红色 \d+件$")).click()
    expect(leader.get_by_role("table").locator("caption")).to_contain_text("红色预警共")
    expect(leader.get_by_role("link", name="显示全部颜色")).to_be_visible()
