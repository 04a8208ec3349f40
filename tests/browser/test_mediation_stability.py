"""人民调解 and 三色预警 in real Chromium: a justice officer assigns the proposed mediator to a neighbours' dispute
the window registered and records a session; a committee officer puts a person on file, records violence with
民转刑 risk, sees the person red and without a leader, and names one."""

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from shared.workdays import CHINA_TZ
from wuyuan.accounts import ensure_accounts, working_accounts

pytestmark = pytest.mark.browser

VILLAGE = "430426101203"  # 砖塘镇新塘村


@pytest.fixture(scope="module")
def passwords(platform) -> dict[str, str]:
    return ensure_accounts(platform, working_accounts(platform))


def sign_in(page: Page, console_url: str, username: str, password: str) -> None:
    page.goto(f"{console_url}/login")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def reload_until(page: Page, check: Callable[[], bool], tries: int = 40) -> None:
    for _ in range(tries):
        if check():
            return
        page.wait_for_timeout(500)
        page.reload()
    assert check(), f"still not shown on {page.url}"


def contrast(page: Page, selector: str) -> float:
    """WCAG contrast of an element's text against its own (or the nearest) background."""
    return page.evaluate(
        """selector => {
          const element = document.querySelector(selector);
          const rgb = text => text.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
          const luminance = ([r, g, b]) => {
            const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
            return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
          };
          let background = null;
          for (let node = element; node; node = node.parentElement) {
            const colour = getComputedStyle(node).backgroundColor;
            const seen = colour && !colour.startsWith('rgba(0, 0, 0, 0)') && colour !== 'transparent';
            if (seen) { background = colour; break; }
          }
          const fore = luminance(rgb(getComputedStyle(element).color));
          const back = luminance(rgb(background || 'rgb(255, 255, 255)'));
          return (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
        }""",
        selector,
    )


def test_a_justice_officer_assigns_the_proposed_mediator_and_records_a_session(page, console_url, passwords, shoot):
    window = page()
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    window.get_by_role("link", name="窗口登记").click()
    window.get_by_label("来源渠道").select_option("walk_in")
    window.get_by_label("纠纷类别").select_option("neighbour")
    window.get_by_label("发生地点").select_option(VILLAGE)
    window.get_by_label("纠纷概要").fill("两户因排水沟堵塞互相指责，申请调解。")
    window.locator('[name="parties.0.name"]').fill("李大山")
    window.locator('[name="parties.0.phone"]').fill("13700005555")
    window.locator('[name="parties.1.name"]').fill("王小河")
    window.get_by_role("button", name="登记并分流").click()
    expect(window.get_by_role("heading", name="登记成功")).to_be_visible()
    case_id = window.locator(".case-id").inner_text().strip()

    justice = page()
    sign_in(justice, console_url, "demo.justice", passwords["demo.justice"])
    expect(justice.get_by_role("navigation", name="主导航")).to_contain_text("人民调解")
    justice.goto(f"{console_url}/referrals?agency=justice&tab=received")
    reload_until(justice, lambda: justice.get_by_role("link", name=case_id).count() > 0)
    justice.get_by_role("link", name=case_id).click()
    justice.get_by_role("button", name="签收").click()
    expect(justice.get_by_role("status")).to_have_text("已签收。")
    justice.get_by_role("link", name="人民调解：指派调解员、调解记录、法律援助").click()

    expect(justice.locator(".proposal")).to_contain_text("砖塘镇新塘村人民调解委员会")
    assignment = justice.get_by_role("form", name="指派调解员")
    proposed = assignment.get_by_label("调解员").input_value()
    assert proposed, "the mediator select starts with the proposal"
    assignment.get_by_role("button", name="指派").click()
    expect(justice.get_by_role("status")).to_have_text("已指派调解组织和调解员。")
    expect(justice.locator(".assignment")).to_contain_text("按建议指派")

    record = justice.get_by_role("form", name="调解记录")
    record.get_by_label("调解日期").fill(datetime.now(CHINA_TZ).date().isoformat())
    record.get_by_label("参加人员（选填，用“、”分隔）").fill("李大山、王小河")
    record.get_by_label("调解情况").fill("双方同意共同清理排水沟，费用各半。")
    record.get_by_role("button", name="记录").click()
    expect(justice.get_by_role("status")).to_have_text("已记录本次调解情况。")
    expect(justice.locator(".sessions")).to_contain_text("李大山、王小河")
    expect(justice.locator("main")).not_to_contain_text("zt-")
    shoot(justice, "24-mediation")

    justice.get_by_role("navigation", name="主导航").get_by_role("link", name="人民调解").click()
    expect(justice.locator(".mediation-organisations")).to_contain_text("砖塘镇新塘村人民调解委员会")


def test_a_committee_officer_sees_a_person_turn_red_without_a_leader_and_names_one(page, console_url, passwords, shoot):
    plc = page()
    sign_in(plc, console_url, "demo.plc", passwords["demo.plc"])
    plc.get_by_role("navigation", name="主导航").get_by_role("link", name="三色预警").click()
    expect(plc.get_by_role("heading", name="三色预警")).to_be_visible()
    plc.get_by_role("link", name="稳控对象档案（一人一档）").click()

    name = f"赵{datetime.now(CHINA_TZ).strftime('%H%M%S')}"
    adding = plc.get_by_role("form", name="建档")
    adding.get_by_label("姓名").fill(name)
    adding.get_by_label("所在地").select_option(VILLAGE)
    adding.get_by_role("button", name="建档").click()
    expect(plc.get_by_role("heading", name=re.compile(f"稳控对象：{name}"))).to_be_visible()
    expect(plc.locator(".person-colour")).to_have_text("绿色")

    event = plc.get_by_role("form", name="记录情况")
    event.get_by_label("情况类型").select_option("violence")
    event.get_by_label("发生时间").fill(datetime.now(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"))
    event.get_by_label("具体情况").fill("扬言持刀报复邻居。")
    event.get_by_label("存在民转刑风险（暴力倾向时勾选）").check()
    event.get_by_role("button", name="记录").click()
    expect(plc.get_by_role("status")).to_contain_text("已记录")
    expect(plc.locator(".person-colour")).to_have_text("红色")
    expect(plc.locator("#missing-leader")).to_contain_text("缺包案领导")
    for selector in (".person-colour", "#missing-leader", ".reasons .colour"):
        assert contrast(plc, selector) >= 4.5, selector

    leader = plc.get_by_role("form", name="包案领导")
    leader.get_by_label("领导姓名").fill("刘建国")
    leader.get_by_label("职务").fill("砖塘镇党委副书记")
    leader.get_by_label("稳控方案").fill("每周走访一次，联合派出所落实稳控措施。")
    leader.get_by_role("button", name="明确包案领导").click()
    expect(plc.get_by_role("status")).to_have_text("已明确包案领导和稳控方案。")
    expect(plc.locator("#missing-leader")).to_have_count(0)
    expect(plc.locator(".leader")).to_contain_text("刘建国（砖塘镇党委副书记）")
    shoot(plc, "25-stability-person")

    plc.goto(f"{console_url}/stability/register")
    for selector in (".colour-red", ".colour-yellow", ".colour-green"):
        assert contrast(plc, selector) >= 4.5, selector
