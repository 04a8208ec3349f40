"""警调对接 and 访调对接 in real Chromium: a police officer records a call handed to mediation, and a petition officer
registers a petition and accepts it to mediation; neither sees the other's pages."""

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from wuyuan.accounts import ensure_accounts, working_accounts

pytestmark = pytest.mark.browser

TOWNSHIP = "430426101"  # 砖塘镇


@pytest.fixture(scope="module")
def passwords(platform) -> dict[str, str]:
    return ensure_accounts(platform, working_accounts(platform))


def serial() -> str:
    """Numbers unique to this run, so that a rerun against the same platform registers anew."""
    return str(int(time.time() * 1000))[-9:]


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


def test_a_police_officer_records_a_call_that_is_handed_to_mediation(page, console_url, passwords, shoot):
    police = page()
    sign_in(police, console_url, "demo.police", passwords["demo.police"])
    navigation = police.get_by_role("navigation", name="主导航")
    expect(navigation).to_contain_text("警情调解")
    expect(navigation).not_to_contain_text("信访事项")

    navigation.get_by_role("link", name="警情调解").click()
    police.get_by_role("link", name="登记纠纷警情").click()
    number = f"JQ430426{serial()}"
    police.get_by_label("警情编号").fill(number)
    police.get_by_label("接警单位").select_option(f"police:{TOWNSHIP}")
    police.get_by_label("警情类别").select_option("neighbour")
    police.get_by_label("纠纷发生地").select_option(TOWNSHIP)
    police.get_by_label("警情概要").fill("两户因宅基地界址发生推搡，民警到场制止后移交调解。")
    police.locator('[name="parties.0.name"]').fill("刘桂兰")
    police.locator('[name="parties.0.phone"]').fill("13907345678")
    police.locator('[name="parties.1.name"]').fill("何建军")
    police.get_by_label("有暴力行为（殴打、推搡、毁物）").check()
    police.get_by_role("group", name="是否适宜调解").get_by_label("是", exact=True).check()
    police.get_by_role("button", name="登记并处置").click()

    expect(police.get_by_role("heading", name=f"警情 {number}")).to_be_visible()
    expect(police.get_by_role("status")).to_have_text("已登记警情。")
    expect(police.locator(".call-decision")).to_have_text("转调解（警调对接）")
    # Violence alone: the flag says so, and 民转刑 only where the officer judged that risk (here: not).
    expect(police.locator(".call-flags")).to_have_text("有暴力倾向")
    expect(police.locator(".screening-facts")).to_contain_text("民转刑风险否")
    expect(police.locator(".mediation-result")).to_have_text("尚未办结")
    expect(police.locator("main")).to_contain_text("砖塘镇")
    # The case the call became comes back to the station as a referral.
    referrals = police.locator(".case-referrals a")
    reload_until(police, lambda: referrals.count() > 0)
    expect(police.locator(".case-referrals")).to_contain_text("牵头单位")
    expect(police.locator("main")).not_to_contain_text("police:")
    shoot(police, "22-police-call")

    police.get_by_role("link", name="← 返回警情调解").click()
    expect(police.get_by_role("link", name=number)).to_be_visible()
    expect(police.locator(".figures-table")).to_contain_text("起")

    # The same list on a phone: the page does not scroll sideways, the table scrolls in its own box.
    phone = page("phone")
    sign_in(phone, console_url, "demo.police", passwords["demo.police"])
    phone.goto(f"{console_url}/police/calls")
    expect(phone.get_by_role("link", name=number)).to_be_visible()
    assert_fits_the_phone(phone)
    shoot(phone, "23-police-calls-phone")


def record_handed_call(page: Page, number: str, summary: str, applicant: str, respondent: str) -> None:
    """A neighbours' quarrel the officer hands to mediation, recorded on the console's form."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="警情调解").click()
    page.get_by_role("link", name="登记纠纷警情").click()
    page.get_by_label("警情编号").fill(number)
    page.get_by_label("接警单位").select_option(f"police:{TOWNSHIP}")
    page.get_by_label("警情类别").select_option("neighbour")
    page.get_by_label("纠纷发生地").select_option(TOWNSHIP)
    page.get_by_label("警情概要").fill(summary)
    page.locator('[name="parties.0.name"]').fill(applicant)
    page.locator('[name="parties.0.phone"]').fill("13907340021")
    page.locator('[name="parties.1.name"]').fill(respondent)
    page.get_by_role("group", name="是否适宜调解").get_by_label("是", exact=True).check()
    page.get_by_role("button", name="登记并处置").click()
    expect(page.get_by_role("heading", name=f"警情 {number}")).to_be_visible()


def test_a_second_call_about_one_dispute_joins_its_case_and_shows_how_the_station_settled_it(
    page, console_url, passwords, shoot
):
    """The same neighbours call again: the centre joins the second call to the case the first opened, which the
    station leads; once the station reports its result on that case, the second call's page says how it ended."""
    police = page()
    sign_in(police, console_url, "demo.police", passwords["demo.police"])
    base, suffix = serial(), serial()[-4:]
    applicant, respondent = f"邓秀英{suffix}", f"罗国平{suffix}"
    first, second = f"JQ430426{base}1", f"JQ430426{base}2"

    record_handed_call(police, first, "两户因排水沟堵塞争吵，民警到场劝开后移交调解。", applicant, respondent)
    referrals = police.locator(".case-referrals a")
    reload_until(police, lambda: referrals.count() > 0)
    case_id = referrals.first.inner_text()

    record_handed_call(police, second, "同一排水沟纠纷再次报警，双方又起争执。", applicant, respondent)
    second_url = police.url
    notice = police.locator(".joined-case")
    reload_until(police, lambda: notice.count() > 0)
    expect(notice).to_contain_text(f"综治中心已将本警情并入已有案件 {case_id}（30日内同一当事人、同类纠纷）")
    expect(police.locator(".joined-case-id")).to_have_text(case_id)
    expect(police.locator(".mediation-result")).to_have_text("尚未办结")
    expect(police.locator(".joined-figures")).to_contain_text("不重复计入调解数")

    # The station settles its part of that case, on its referral.
    referrals.first.click()
    police.get_by_role("button", name="签收").click()
    expect(police.get_by_role("status")).to_have_text("已签收。")
    police.get_by_label("依职能办结", exact=True).check()
    police.get_by_label("办理情况", exact=True).fill("已疏通排水沟，双方握手言和。")
    police.get_by_role("button", name="反馈结果").click()
    expect(police.get_by_role("status")).to_have_text("结果已反馈综合协调组。")

    police.goto(second_url)
    expect(police.locator(".mediation-result")).to_have_text(
        "依职能办结（化解成功；砖塘镇派出所作为牵头单位第1轮办结）"
    )
    expect(police.locator(".case-referrals")).to_contain_text("已办结（依职能办结）")
    expect(police.locator("main")).not_to_contain_text("police:")
    shoot(police, "22b-police-call-joined")


def assert_fits_the_phone(page: Page) -> None:
    """No sideways scrolling of the page at a phone's width, and no list table folded to a character a column: each
    column at least as wide as its heading, a wide table scrolling inside its own box."""
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for table in page.locator("table.list").all():
        assert table.evaluate("t => t.parentElement.classList.contains('table-scroll')")
        folded = table.evaluate(
            "t => Array.from(t.querySelectorAll('thead th'))"
            ".filter(th => th.scrollWidth > th.clientWidth || th.getClientRects().length > 1"
            " || th.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(th).lineHeight))"
            ".map(th => th.textContent)"
        )
        assert folded == [], f"headings folded on {page.url}: {folded}"


def test_a_petition_officer_registers_a_petition_and_accepts_it_to_mediation(page, console_url, passwords, shoot):
    bureau = page()
    sign_in(bureau, console_url, "demo.petition", passwords["demo.petition"])
    navigation = bureau.get_by_role("navigation", name="主导航")
    expect(navigation).to_contain_text("信访事项")
    expect(navigation).not_to_contain_text("警情调解")

    navigation.get_by_role("link", name="信访事项").click()
    bureau.get_by_role("link", name="登记信访事项").click()
    number = f"XF430426-{serial()}"
    bureau.get_by_label("信访事项编号").fill(number)
    bureau.get_by_label("信访形式").select_option("visit")
    bureau.get_by_label("人数（人次，选填，默认为列出的信访人数）").fill("6")
    bureau.get_by_label("纠纷类别").select_option("wages")
    bureau.get_by_label("纠纷发生地").select_option(TOWNSHIP)
    bureau.get_by_label("反映的问题").fill("六名务工人员集体来访，反映某建筑公司拖欠工资共计十二万元。")
    bureau.locator('[name="petitioners.0.name"]').fill("邓小勇")
    bureau.locator('[name="petitioners.0.phone"]').fill("13786543210")
    bureau.locator('[name="respondents.0.kind"]').select_option("organisation")
    bureau.locator('[name="respondents.0.name"]').fill("祁东县某建筑有限公司")
    bureau.get_by_role("button", name="登记", exact=True).click()

    expect(bureau.get_by_role("heading", name=f"信访事项 {number}")).to_be_visible()
    expect(bureau.get_by_role("status")).to_have_text("已登记。")
    expect(bureau.locator(".petition-status")).to_have_text("待决定是否受理")
    expect(bureau.locator(".acceptance-term")).to_contain_text("剩余15天")

    decision = bureau.get_by_role("form", name="受理决定")
    decision.get_by_label("受理", exact=True).check()
    decision.get_by_label("理由（告知信访人）").fill("予以受理，转人民调解。")
    decision.get_by_label("受理并转综治中心调解（访调对接）").check()
    decision.get_by_role("button", name="作出决定").click()

    expect(bureau.get_by_role("status")).to_have_text("已受理，并转综治中心调解（访调对接）。")
    assert page.confirmations(bureau) == ["确认作出受理决定？决定将告知信访人，不能修改。"]
    expect(bureau.locator(".petition-status")).to_have_text("已受理，办理中")
    expect(bureau.locator(".handling-term")).to_contain_text("剩余60天")
    expect(bureau.locator(".fed")).to_have_text("已转综治中心调解")
    expect(bureau.get_by_role("form", name="答复信访人")).to_be_visible()
    expect(bureau.get_by_role("form", name="延长办理期限")).to_be_visible()
    expect(bureau.locator("main")).not_to_contain_text("petition:")
    shoot(bureau, "23-petition")

    bureau.get_by_role("link", name="← 返回信访事项").click()
    bureau.get_by_label("信访事项编号").fill(number)
    bureau.get_by_role("button", name="查找").click()
    expect(bureau.get_by_role("heading", name=f"信访事项 {number}")).to_be_visible()
