"""诉调对接 in real Chromium: the court's officer screens two filings, and takes the diverted one through 司法确认."""

import time
from collections.abc import Callable
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from services.court_link.domain.numbers import official
from shared.workdays import CHINA_TZ
from wuyuan.accounts import ensure_accounts, working_accounts

pytestmark = pytest.mark.browser

TOWNSHIP = "430426101"  # 砖塘镇
TERMS = "周海波于三个月内分三期归还借款五万元。"


@pytest.fixture(scope="module")
def passwords(platform) -> dict[str, str]:
    return ensure_accounts(platform, working_accounts(platform))


def today() -> str:
    """The court counts its days in Beijing."""
    return datetime.now(CHINA_TZ).date().isoformat()


def filing_number(serial: int) -> str:
    """As an officer types it, with ASCII brackets; the court keeps and shows it in the official form (（2026）…)."""
    return f"({today()[:4]})湘0426民初{serial}号"


def sign_in(page: Page, console_url: str, username: str, password: str) -> None:
    page.goto(f"{console_url}/login")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def reload_until(page: Page, check: Callable[[], bool], tries: int = 40) -> None:
    """The court hears of the case its filing became by message: the page shows it a moment later."""
    for _ in range(tries):
        if check():
            return
        page.wait_for_timeout(500)
        page.reload()
    assert check(), f"still not shown on {page.url}"


def register_filing(
    page: Page, number: str, summary: str, parties: tuple[str, str], *, facts_clear: bool = True
) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="诉调对接").click()
    page.get_by_role("link", name="登记立案审查").click()
    page.get_by_label("案号", exact=True).fill(number)
    page.get_by_label("案件类型").select_option("civil")
    page.get_by_label("纠纷类别").select_option("debt")
    page.get_by_label("纠纷发生地").select_option(TOWNSHIP)
    page.get_by_label("诉讼标的额（元，选填）").fill("50000")
    page.get_by_label("案情概要").fill(summary)
    applicant, respondent = parties
    page.locator('[name="parties.0.name"]').fill(applicant)
    page.locator('[name="parties.0.phone"]').fill("13807341234")
    page.locator('[name="parties.1.name"]').fill(respondent)
    for question, yes in (("法律关系是否明确", True), ("事实是否清楚", facts_clear), ("当事人是否同意调解", True)):
        page.get_by_role("group", name=question).get_by_label("是" if yes else "否", exact=True).check()
    page.get_by_role("button", name="登记并审查").click()
    expect(page.get_by_role("heading", name=f"案号 {official(number)}")).to_be_visible()


def test_a_court_officer_diverts_a_filing_files_another_and_sees_the_diverted_one_confirmed(
    page, console_url, passwords, shoot
):
    court = page()
    sign_in(court, console_url, "demo.court", passwords["demo.court"])
    expect(court.get_by_role("navigation", name="主导航")).to_contain_text("诉调对接")

    diverted = filing_number(9101)
    register_filing(court, diverted, "原告诉请被告归还借款五万元，经立案引导同意诉前调解。", ("陈立新", "周海波"))
    status = court.get_by_role("status")
    expect(status).to_contain_text("已登记：分流至综治中心诉前调解（期限至 ")
    expect(court.locator(".filing-status")).to_have_text("诉前调解中")
    expect(court.locator(".mediation-term")).to_contain_text("剩余")
    expect(court.locator("main")).to_contain_text("砖塘镇")
    shoot(court, "20-court-filing-diverted")

    filed = filing_number(9102)
    register_filing(court, filed, "原告主张合伙分红，被告否认合伙关系。", ("罗建平", "罗建安"), facts_clear=False)
    expect(court.get_by_role("status")).to_have_text("已登记：立案（事实不清楚）。")
    expect(court.locator(".filing-status")).to_have_text("立案")
    expect(court.locator("form.action")).to_have_count(0)

    court.get_by_role("link", name="← 返回诉调对接").click()
    expect(court.locator(".figures-table")).to_contain_text("2件")  # registered this year: these two
    court.get_by_role("link", name=official(diverted)).click()
    expect(court.get_by_role("heading", name=f"案号 {official(diverted)}")).to_be_visible()

    # The case the filing became reaches the court as a referral; accepted, the court's ruling reports on it.
    referrals = court.locator(".case-referrals a")
    reload_until(court, lambda: referrals.count() > 0)
    filing_url = court.url
    referrals.first.click()
    court.get_by_role("button", name="签收").click()
    expect(court.get_by_role("status")).to_have_text("已签收。")
    court.goto(filing_url)

    application = court.get_by_role("form", name="申请司法确认")
    application.get_by_label("签订日期", exact=True).fill(today())
    application.get_by_label("协议内容", exact=True).fill(TERMS)
    application.get_by_role("button", name="受理申请").click()
    expect(court.get_by_role("status")).to_have_text("已受理司法确认申请，审查期限见下。")
    expect(court.locator(".confirmation-status")).to_have_text("待裁定")
    expect(court.get_by_role("form", name="延长审查期限")).to_be_visible()

    ruling = court.get_by_role("form", name="作出裁定")
    ruling.get_by_label("确认调解协议有效").check()
    ruling.get_by_role("button", name="作出裁定").click()
    expect(court.get_by_role("status")).to_have_text(
        "已裁定确认调解协议有效。已自动向综治中心反馈本院交办单的办理结果（司法确认）。"
    )
    assert page.confirmations(court) == ["确认作出裁定？裁定作出后不能撤回。"]  # 受理申请 did not ask
    expect(court.locator(".confirmation-status")).to_contain_text("裁定确认有效")
    expect(court.locator(".agreement")).to_contain_text(TERMS)
    expect(court.locator(".case-referrals")).to_contain_text("已办结（司法确认）")
    expect(court.locator("form.action")).to_have_count(0)
    # Officers read names, days and labels, never codes.
    expect(court.locator("main")).not_to_contain_text("court:")
    expect(court.locator("main")).not_to_contain_text("in_mediation")
    shoot(court, "21-court-filing-confirmed")


def test_a_second_filing_of_the_same_loan_names_the_case_the_court_already_leads(page, console_url, passwords, shoot):
    """The same lender sues the same borrower again within 30 days: the centre joins the second filing to the case the
    first opened, which the court leads already, and sends no second referral; the filing's page says so."""
    court = page()
    sign_in(court, console_url, "demo.court", passwords["demo.court"])
    serial = 9200 + int(time.time()) % 700  # numbers of their own, should the platform be reused
    suffix = str(time.time_ns())[-6:]
    parties = (f"罗美华{suffix}", f"唐国强{suffix}")

    first = filing_number(serial)
    register_filing(court, first, "原告诉请被告归还借款三万元，经立案引导同意诉前调解。", parties)
    referrals = court.locator(".case-referrals a")
    reload_until(court, lambda: referrals.count() > 0)
    case_id = referrals.first.inner_text()

    second = filing_number(serial + 1)
    register_filing(court, second, "原告再次起诉，请求被告归还同一笔借款三万元。", parties)
    notice = court.locator(".joined-case")
    reload_until(court, lambda: notice.count() > 0)
    expect(notice).to_have_text(
        f"综治中心已将本案并入已有案件 {case_id}（30日内同一当事人、同类纠纷），未另立新案，该案件的交办件见下。"
    )
    # The court's own referral of that case, though none names the second filing.
    expect(referrals).to_have_count(1)
    expect(referrals.first).to_have_text(case_id)
    expect(court.locator(".case-referrals")).to_contain_text("祁东县人民法院（牵头单位，第1轮）")
    expect(court.locator("main")).not_to_contain_text("court:")
    shoot(court, "21b-court-filing-joined")


def test_a_police_officer_neither_sees_nor_opens_the_courts_filings(page, console_url, passwords):
    police = page(allow_errors=True)  # the refusal is a 403 page
    sign_in(police, console_url, "demo.police", passwords["demo.police"])

    navigation = police.get_by_role("navigation", name="主导航")
    expect(navigation).to_contain_text("本单位交办")
    expect(navigation).not_to_contain_text("诉调对接")
    response = police.goto(f"{console_url}/court/filings")
    assert response is not None and response.status == 403
    expect(police.get_by_role("heading", name="无权访问")).to_be_visible()
