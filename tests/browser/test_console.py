"""The staff console in real Chromium: a joint dispute from the window to 已结案, through everyone who handles it."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from playwright.sync_api import Page, expect

from shared import clock
from shared.auth.principal import Role
from wuyuan.accounts import AccountSpec, ensure_accounts, working_accounts

pytestmark = pytest.mark.browser

# 砖塘镇新塘村: a neighbours' dispute with a violence risk goes to the police station (lead) and the
# justice office (co-unit) of 砖塘镇 — 共同办.
VILLAGE = "430426101203"
NEIGHBOURS = "neighbour"
# An officer of another police station of the county, who must see none of 砖塘镇派出所's referrals.
OTHER_STATION_OFFICER = "demo.police102"


@pytest.fixture(scope="module")
def passwords(platform) -> dict[str, str]:
    specs = dict(working_accounts(platform))
    specs[OTHER_STATION_OFFICER] = AccountSpec(
        "蒋家桥镇派出所民警", frozenset({Role.OFFICER}), frozenset({"police:430426102"})
    )
    return ensure_accounts(platform, specs)


def sign_in(page: Page, console_url: str, username: str, password: str) -> None:
    page.goto(f"{console_url}/login")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def type_joint_dispute(page: Page, summary: str, applicant: str, applicant_phone: str, respondent: str) -> None:
    """A walk-in's dispute that triage makes 共同办 (a neighbours' quarrel at risk of violence), typed at the window
    and not yet sent."""
    page.get_by_role("link", name="窗口登记").click()
    page.get_by_label("来源渠道").select_option("walk_in")
    page.get_by_label("纠纷类别").select_option(NEIGHBOURS)
    page.get_by_label("发生地点").select_option(VILLAGE)
    page.get_by_label("纠纷概要").fill(summary)
    page.get_by_label("有暴力倾向", exact=True).check()
    page.locator('[name="parties.0.name"]').fill(applicant)
    page.locator('[name="parties.0.phone"]').fill(applicant_phone)
    page.locator('[name="parties.1.name"]').fill(respondent)


def register_joint_dispute(page: Page, summary: str, applicant: str, applicant_phone: str, respondent: str) -> str:
    """Each test's parties are its own: the same parties about the same matter would be linked as a repeat."""
    type_joint_dispute(page, summary, applicant, applicant_phone, respondent)
    page.get_by_role("button", name="登记并分流").click()
    expect(page.get_by_role("heading", name="登记成功")).to_be_visible()
    case_id = page.locator(".case-id").inner_text().strip()
    assert re.fullmatch(r"430426-\d{8}-\d{5}", case_id)
    return case_id


def open_referral(page: Page, console_url: str, agency: str, case_id: str) -> None:
    page.goto(f"{console_url}/referrals?agency={agency}&tab=received")
    page.get_by_role("link", name=case_id).click()
    expect(page.get_by_role("heading", name=f"交办单：案件 {case_id}")).to_be_visible()


AGREEMENT_TERMS = "双方同意按协议履行，互不追究。"
RESULT_CONFIRMATION = "确认反馈办理结果？反馈后不能修改，结果将报送综治中心。"


def accept_and_resolve(page: Page, console_url: str, agency: str, case_id: str, summary: str) -> None:
    """The police settle their part by their own procedure (依职能办结); any other unit mediates, and the
    parties sign an agreement (调解成功), which the page then shows with the result."""
    open_referral(page, console_url, agency, case_id)
    page.get_by_role("button", name="签收").click()
    expect(page.get_by_role("status")).to_have_text("已签收。")
    expect(page.locator(".referral-status")).to_have_text("办理中")
    mediated = agency != "police"
    result = "调解成功" if mediated else "依职能办结"
    if agency == "justice":
        # A justice office's agreement is made under a mediator: it assigns the one proposed first.
        page.get_by_role("link", name="人民调解：指派调解员、调解记录、法律援助").click()
        page.get_by_role("button", name="指派", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("已指派调解组织和调解员。")
        page.get_by_role("link", name="← 返回交办单").click()
    page.get_by_label(result, exact=True).check()
    page.get_by_label("办理情况", exact=True).fill(summary)
    # The day the parties sign: the case's own day or later (an earlier one is refused), so today in Beijing.
    signed_on = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    if mediated:
        page.get_by_label("签订日期", exact=True).fill(signed_on)
        page.get_by_label("协议内容", exact=True).fill(AGREEMENT_TERMS)
    page.get_by_role("button", name="反馈结果").click()
    expect(page.get_by_role("status")).to_have_text("结果已反馈综合协调组。")
    expect(page.locator(".referral-status")).to_have_text(f"已办结（{result}）")
    expect(page.locator(".result-code")).to_have_text(result)
    if mediated:
        agreement = page.locator(".agreement")
        expect(agreement).to_contain_text(signed_on)
        expect(agreement).to_contain_text(AGREEMENT_TERMS)
    else:
        expect(page.locator(".agreement")).to_have_count(0)


def reload_until(page: Page, check, tries: int = 40) -> None:
    """The hand-offs travel as messages: a page shows them a moment after the click that sent them."""
    for _ in range(tries):
        if check():
            return
        page.wait_for_timeout(500)
        page.reload()
    assert check(), f"still not shown on {page.url}"


def filed_and_listed_at_the_station(page, console_url: str, passwords, dispute: tuple[str, str, str, str]):
    """A joint dispute registered at the window (summary, applicant, phone, respondent), and the police station's
    officer signed in with it listed among the unit's referrals: (the officer's page, the case id)."""
    window = page()
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    case_id = register_joint_dispute(window, *dispute)
    police = page()
    sign_in(police, console_url, "demo.police", passwords["demo.police"])
    police.goto(f"{console_url}/referrals")
    reload_until(police, lambda: police.get_by_role("link", name=case_id).count() > 0)
    return police, case_id


def test_a_joint_dispute_goes_from_the_window_to_closed_in_the_console(page, console_url, passwords, shoot):
    window = page()
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    window.get_by_role("link", name="窗口登记").click()
    shoot(window, "01-window-registration-form")
    case_id = register_joint_dispute(window, "两家因宅基地边界砌墙发生争执，曾有推搡", "张三", "13800001234", "李四")
    # Triage happens when the coordinator receives the case; the page looks again by itself.
    expect(window.locator(".mode")).to_have_text("共同办", timeout=20_000)
    expect(window.locator(".facts")).to_contain_text("砖塘镇派出所")
    expect(window.locator(".facts")).to_contain_text("砖塘镇司法所")
    shoot(window, "02-window-registered-joint")

    police = page()
    sign_in(police, console_url, "demo.police", passwords["demo.police"])
    police.goto(f"{console_url}/referrals")
    reload_until(police, lambda: police.get_by_role("link", name=case_id).count() > 0)
    shoot(police, "03-officer-referrals-to-sign")
    open_referral(police, console_url, "police", case_id)
    shoot(police, "04-officer-referral")
    accept_and_resolve(police, console_url, "police", case_id, "已组织双方现场勘界，达成调解协议")
    # A result cannot be taken back, so the page asked once more before sending it.
    assert page.confirmations(police) == [RESULT_CONFIRMATION]
    shoot(police, "05-officer-result-reported")
    police.goto(f"{console_url}/referrals?agency=police&tab=finished")
    expect(police.get_by_role("link", name=case_id)).to_be_visible()
    shoot(police, "05-officer-finished-tab")

    justice = page()
    sign_in(justice, console_url, "demo.justice", passwords["demo.justice"])
    justice.goto(f"{console_url}/referrals")
    reload_until(justice, lambda: justice.get_by_role("link", name=case_id).count() > 0)
    accept_and_resolve(justice, console_url, "justice", case_id, "人民调解员参与调解，协议已签订")

    supervisor = page()
    sign_in(supervisor, console_url, "demo.supervisor", passwords["demo.supervisor"])
    supervisor.goto(f"{console_url}/board")
    follow_ups = supervisor.locator("#follow-ups")
    reload_until(supervisor, lambda: follow_ups.get_by_role("link", name=case_id).count() > 0)
    shoot(supervisor, "06-supervision-board")
    supervisor.goto(f"{console_url}/follow-ups/{case_id}")
    expect(supervisor.get_by_role("img", name=re.compile("评价二维码"))).to_be_visible()
    shoot(supervisor, "07-follow-up-with-qr")
    rating_link = supervisor.locator("#rating-link").get_attribute("href")
    assert rating_link and rating_link.startswith(f"{console_url}/rate/")

    citizen = page("phone")
    citizen.goto(rating_link)
    expect(citizen.locator(".plain")).to_contain_text(case_id)
    expect(citizen.locator(".plain")).to_contain_text("砖塘镇派出所")
    shoot(citizen, "08-citizen-rating-phone")
    citizen.get_by_label("满意", exact=True).check()
    citizen.get_by_label("您的意见（选填）").fill("调解很及时，谢谢")
    citizen.get_by_role("button", name="提交评价").click()
    expect(citizen.get_by_role("status")).to_contain_text("感谢您的评价")
    assert page.confirmations(citizen) == ["确认提交评价？提交后不能修改。"]
    shoot(citizen, "09-citizen-thanks-phone")

    coordinator = page()
    sign_in(coordinator, console_url, "demo.coordinator", passwords["demo.coordinator"])
    coordinator.goto(f"{console_url}/cases/{case_id}")
    reload_until(coordinator, lambda: "已结案" in coordinator.locator("h1").inner_text())
    timeline = coordinator.locator(".timeline")
    expect(timeline).to_contain_text("结案")
    expect(timeline).to_contain_text("评价：满意")
    expect(timeline).to_contain_text("群众（扫码评价）")
    # Who acted, by name with the account (identity's directory, asked by the console with the visitor's token).
    expect(coordinator.locator("dl.facts")).to_contain_text("窗口登记员（demo.window）")
    # Staff read units and times, never codes or UTC.
    expect(coordinator.locator("main")).not_to_contain_text("police:")
    expect(coordinator.locator("main")).not_to_contain_text("+00:00")
    shoot(coordinator, "10-case-closed")

    coordinator.goto(f"{console_url}/triage")
    expect(coordinator.get_by_role("heading", name="待人工分派")).to_be_visible()
    shoot(coordinator, "11-manual-triage-queue")
    coordinator.goto(f"{console_url}/cases?status=closed&place={VILLAGE}")
    expect(coordinator.get_by_role("link", name=case_id)).to_be_visible()
    shoot(coordinator, "11-case-list-filtered")

    leader = page()
    sign_in(leader, console_url, "demo.leader", passwords["demo.leader"])
    expect(leader.get_by_role("heading", name="总览")).to_be_visible()
    expect(leader.locator("#chart-sources")).to_be_visible()
    # Chart.js, served by the console itself, has drawn on the canvas.
    assert leader.evaluate("() => Chart.getChart('chart-sources') !== undefined")
    shoot(leader, "12-leader-overview")


def test_an_irreversible_action_asks_first_and_cancelling_sends_nothing(page, console_url, passwords, shoot):
    police, case_id = filed_and_listed_at_the_station(
        page, console_url, passwords, ("两户共用排水沟被堵，雨天倒灌", "周九", "13900003333", "吴十")
    )
    open_referral(police, console_url, "police", case_id)
    police.get_by_role("button", name="签收").click()
    expect(police.locator(".referral-status")).to_have_text("办理中")
    assert page.confirmations(police) == []  # signing for a referral is not final: no dialog

    police.get_by_label("依职能办结", exact=True).check()
    police.get_by_label("办理情况", exact=True).fill("已疏通排水沟")
    page.cancel_confirmations(police)
    with police.expect_event("dialog") as asked:
        police.get_by_role("button", name="反馈结果").click()
    assert asked.value.message == RESULT_CONFIRMATION
    # 取消: the form stays as filled in and nothing was reported.
    expect(police.get_by_label("办理情况", exact=True)).to_have_value("已疏通排水沟")
    police.reload()
    expect(police.locator(".referral-status")).to_have_text("办理中")
    shoot(police, "05b-officer-result-cancelled")

    page.cancel_confirmations(police, cancel=False)
    police.get_by_label("依职能办结", exact=True).check()
    police.get_by_label("办理情况", exact=True).fill("已疏通排水沟")
    police.get_by_role("button", name="反馈结果").click()
    expect(police.get_by_role("status")).to_have_text("结果已反馈综合协调组。")
    expect(police.locator(".referral-status")).to_have_text("已办结（依职能办结）")


def test_an_invalid_form_shows_its_errors_and_never_asks_for_confirmation(page, console_url, passwords, shoot):
    """The browser's checks and the form's own come before the dialog: a form with an empty required field, or an
    agreement missing from a 调解成功, says so beside each field and in a summary, sends nothing and asks nothing."""
    police, case_id = filed_and_listed_at_the_station(
        page, console_url, passwords, ("两户共用院墙开裂，互相推诿修缮", "郑三", "13900006666", "王四")
    )
    open_referral(police, console_url, "police", case_id)
    posted: list[str] = []
    police.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    summary = police.locator("#form-errors")

    police.get_by_role("button", name="退回").click()
    expect(summary).to_have_text("未能办理：有 1 处需要修改，已在对应栏目旁标出。")
    expect(summary).to_be_focused()
    expect(police.locator('[id="decline.reason-error"]')).to_have_text("请填写退回理由")
    expect(police.get_by_label("退回理由（不属于本单位职责的，请说明）")).to_have_attribute("aria-invalid", "true")
    assert page.confirmations(police) == [] and posted == []

    police.get_by_role("button", name="签收").click()
    expect(police.locator(".referral-status")).to_have_text("办理中")
    posted.clear()
    police.get_by_role("button", name="反馈结果").click()
    expect(summary).to_have_text("未能办理：有 2 处需要修改，已在对应栏目旁标出。")
    expect(summary).to_be_focused()
    expect(police.locator('[id="result.result-error"]')).to_have_text("请选择办理结果")
    expect(police.locator('[id="result.summary-error"]')).to_have_text("请填写办理情况")
    shoot(police, "05c-officer-result-checked-before-asking")

    police.get_by_label("调解成功", exact=True).check()
    police.get_by_label("办理情况", exact=True).fill("经调解双方同意共同修缮院墙")
    police.get_by_role("button", name="反馈结果").click()
    expect(summary).to_have_text("未能办理：有 2 处需要修改，已在对应栏目旁标出。")
    expect(police.locator('[id="result.agreement.signed_on-error"]')).to_have_text(
        "调解成功、司法确认须填写协议的签订日期"
    )
    expect(police.locator('[id="result.agreement.terms-error"]')).to_have_text("调解成功、司法确认须填写协议内容")
    expect(police.get_by_label("协议内容", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(police.locator('[id="result.result-error"]')).to_have_count(0)
    assert page.confirmations(police) == [] and posted == []

    # Once the form is right, and only then, the dialog asks; 取消 still sends nothing.
    police.get_by_label("依职能办结", exact=True).check()
    page.cancel_confirmations(police)
    with police.expect_event("dialog") as asked:
        police.get_by_role("button", name="反馈结果").click()
    assert asked.value.message == RESULT_CONFIRMATION
    assert page.confirmations(police) == [RESULT_CONFIRMATION] and posted == []


def test_a_validation_error_appears_in_chinese_beside_its_field(page, console_url, passwords, shoot):
    window = page(allow_errors=True)  # the refused form comes back as a 400 page, which Chromium logs
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    window.get_by_role("link", name="窗口登记").click()
    window.get_by_label("纠纷类别").select_option(NEIGHBOURS)
    window.get_by_label("发生地点").select_option(VILLAGE)
    window.get_by_label("纠纷概要").fill("楼上漏水")
    window.locator('[name="parties.0.name"]').fill("王五")
    window.locator('[name="parties.1.name"]').fill("赵六")
    window.locator('[name="parties.1.phone"]').fill("1380000")
    window.get_by_role("button", name="登记并分流").click()

    error = window.locator('[id="parties.1.phone-error"]')
    expect(error).to_have_text("手机号应为11位，以13至19开头")
    phone = window.locator('[name="parties.1.phone"]')
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_value("1380000")  # what was typed is kept
    expect(window.locator('[name="parties.0.name"]')).to_have_value("王五")
    # The page says so at its top, where the keyboard and a screen reader start again.
    expect(window.locator("#form-errors")).to_be_focused()
    shoot(window, "13-window-validation-error")


def test_an_officer_can_neither_see_nor_open_another_units_referral(page, console_url, passwords, shoot):
    owner, case_id = filed_and_listed_at_the_station(
        page, console_url, passwords, ("村道占用纠纷", "钱七", "13900002222", "孙八")
    )
    referral_url = owner.get_by_role("link", name=case_id).get_attribute("href")

    other_station = page(allow_errors=True)  # the refusal is a 404 page: another unit's referral is as none
    sign_in(other_station, console_url, OTHER_STATION_OFFICER, passwords[OTHER_STATION_OFFICER])
    other_station.goto(f"{console_url}/referrals")
    expect(other_station.get_by_role("heading", name="本单位交办")).to_be_visible()
    expect(other_station.get_by_role("link", name=case_id)).to_have_count(0)
    response = other_station.goto(f"{console_url}{referral_url}")
    assert response is not None and response.status == 404
    expect(other_station.get_by_role("heading", name="未找到")).to_be_visible()
    expect(other_station.locator("main")).not_to_contain_text("13900002222")
    shoot(other_station, "14-officer-refused-other-unit")

    another_agency = page(allow_errors=True)
    sign_in(another_agency, console_url, "demo.justice", passwords["demo.justice"])
    response = another_agency.goto(f"{console_url}{referral_url}")
    assert response is not None and response.status == 403


def test_the_board_shows_an_overdue_referral_in_red(page, console_url, passwords, platform, shoot):
    window = page()
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    case_id = register_joint_dispute(window, "邻里用水纠纷久拖未决", "周九", "13700003333", "吴十")

    supervisor = page()
    sign_in(supervisor, console_url, "demo.supervisor", passwords["demo.supervisor"])
    supervisor.goto(f"{console_url}/board")
    # A term cannot be waited out in a test: the watch is moved back, as if issued twelve days ago.
    now = clock.now()
    for _ in range(40):
        with psycopg.connect(platform.database_url("supervision"), autocommit=True) as conn:
            moved = conn.execute(
                "UPDATE watches SET issued_at = %s, reminder_at = %s, due_at = %s"
                " WHERE case_id = %s AND role = 'lead' AND closed_at IS NULL",
                (now - timedelta(days=12), now - timedelta(days=4), now - timedelta(days=2), case_id),
            ).rowcount
        if moved:
            break
        supervisor.wait_for_timeout(500)
    assert moved == 1
    supervisor.reload()
    row = supervisor.locator("#watches tr", has_text=case_id)
    expect(row).to_have_class(re.compile("watch-overdue"))
    overdue = row.locator(".due")
    expect(overdue).to_contain_text("已超期")
    colour = overdue.evaluate("element => getComputedStyle(element).color")
    assert colour == "rgb(161, 22, 15)"  # --overdue
    shoot(supervisor, "15-board-overdue-in-red")


def contrast(page: Page, selector: str) -> float:
    """WCAG contrast of an element's text against its own (or the page's) background."""
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


def test_every_field_has_a_label_the_keyboard_reaches_everything_and_text_has_contrast(
    page, console_url, passwords, shoot
):
    keyboard = page()
    keyboard.goto(f"{console_url}/login")
    shoot(keyboard, "00-sign-in")
    expect(keyboard.get_by_label("账号")).to_be_focused()  # signing in needs no mouse at all
    keyboard.keyboard.type("demo.window")
    keyboard.keyboard.press("Tab")
    keyboard.keyboard.type(passwords["demo.window"])
    keyboard.keyboard.press("Enter")
    expect(keyboard.get_by_role("heading", name="窗口登记（一站式受理）")).to_be_visible()
    keyboard.keyboard.press("Tab")  # the skip link comes first, then the navigation
    expect(keyboard.locator(".skip")).to_be_focused()
    keyboard.keyboard.press("Enter")
    # Following the link moves focus to the page's content; the next Tab starts from there, once it has.
    expect(keyboard.locator("main")).to_be_focused()
    keyboard.keyboard.press("Tab")
    expect(keyboard.get_by_label("来源渠道")).to_be_focused()

    for path in ("/window", "/cases"):
        keyboard.goto(f"{console_url}{path}")
        unlabelled = keyboard.evaluate(
            """() => Array.from(document.querySelectorAll('input, select, textarea'))
                 .filter(e => e.type !== 'hidden' && !e.labels.length && !e.getAttribute('aria-label'))
                 .map(e => e.name)"""
        )
        assert unlabelled == [], f"{path}: fields without a label: {unlabelled}"

    keyboard.goto(f"{console_url}/window")
    for selector in ("main h1", "main label", ".top .brand", ".top nav a", ".bottom"):
        assert contrast(keyboard, selector) >= 4.5, selector
    # The focus ring: yellow for the blue top bar, a dark ring inside it for white pages (3:1 on each).
    for selector in (".top nav a", "main select"):
        keyboard.locator(selector).first.focus()
        ring = keyboard.locator(selector).first.evaluate(
            "e => [getComputedStyle(e).outlineColor, getComputedStyle(e).boxShadow]"
        )
        assert ring[0] == "rgb(245, 180, 0)" and "rgb(27, 27, 27)" in ring[1], (selector, ring)
        shoot(keyboard, f"00-focus-ring-{'top-bar' if selector.startswith('.top') else 'page'}")
    keyboard.goto(f"{console_url}/cases")
    for selector in (".due-ok", ".due-near", ".due-overdue", ".error"):
        if keyboard.locator(selector).count():
            assert contrast(keyboard, selector) >= 4.5, selector


# Each part of the top bar a person reads or clicks: the brand, every page of the navigation, who is signed in (their
# name, their roles under it), 修改密码 and 退出登录; with its text and whether that text fits its box.
TOP_BAR_PARTS = """() => Array.from(document.querySelectorAll(
    '.top .brand, .top nav a, .top .who .person, .top .who a, .top .who button'
  )).map((element) => {
    const box = element.getBoundingClientRect();
    return {
      text: element.innerText.trim(), left: box.left, right: box.right, top: box.top, bottom: box.bottom,
      clipped: element.scrollWidth > Math.ceil(box.width) + 1,
    };
  })"""
# How many lines each text of the bar takes (a Range's rectangles: one per line box it spans).
TOP_BAR_LINES = """() => Object.fromEntries(Array.from(document.querySelectorAll(
    '.top .brand, .top nav a, .top .who .name, .top .who .roles, .top .who a, .top .who button'
  )).map((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    return [element.innerText.trim(), tops.size];
  }))"""
TOWNSHIP_COORDINATOR = "demo.jiangjiaqiao"
# A township centre's coordinator who is also an officer of the centre's own unit: two roles, every page of both.
TOWNSHIP_ACCOUNT = AccountSpec(
    "蒋家桥镇综治中心综合协调组", frozenset({Role.COORDINATOR, Role.OFFICER}), frozenset({"centre:430426102"})
)


def overlapping(parts: list[dict]) -> list[tuple[str, str]]:
    def meet(a: dict, b: dict) -> bool:
        return (
            a["left"] < b["right"] - 1
            and b["left"] < a["right"] - 1
            and a["top"] < b["bottom"] - 1
            and b["top"] < a["bottom"] - 1
        )

    return [(a["text"], b["text"]) for i, a in enumerate(parts) for b in parts[i + 1 :] if meet(a, b)]


def test_a_township_coordinators_top_bar_is_one_line_at_1280_and_stays_whole_when_narrower(
    page, console_url, platform, shoot
):
    """A township centre's coordinator has nine pages, two roles and a long name; at 1280 px (an office's screen)
    the whole bar stands on one line, and narrower it wraps in whole parts: none hidden, cut or overlapping."""
    password = ensure_accounts(platform, {TOWNSHIP_COORDINATOR: TOWNSHIP_ACCOUNT})[TOWNSHIP_COORDINATOR]
    town = page()
    town.goto(f"{console_url}/login?next=/cases")  # the case list: 本单位交办 has no agency's referrals to list
    town.get_by_label("账号").fill(TOWNSHIP_COORDINATOR)
    town.get_by_label("密码").fill(password)
    town.get_by_role("button", name="登录").click()
    expect(town.get_by_role("heading", name="案件", exact=True)).to_be_visible()
    expect(town.locator(".top .who .name")).to_have_text("蒋家桥镇综治中心综合协调组")
    expect(town.locator(".top .who .roles")).to_have_text("综合协调组、部门办理人")

    parts = town.evaluate(TOP_BAR_PARTS)
    pages = [part["text"] for part in parts[1:-3]]
    assert {"窗口登记", "案件", "待人工分派", "督办看板", "回访抽查", "督办文书", "总览", "三色预警"} <= set(pages), (
        pages
    )
    # One line: every part crosses the same horizontal line, in the order the page has them, left to right.
    assert max(part["top"] for part in parts) < min(part["bottom"] for part in parts), parts
    assert sorted(parts, key=lambda part: part["left"]) == parts
    assert overlapping(parts) == []
    assert not any(part["clipped"] for part in parts), parts
    # Every text on a single line of its own, the roles under the name in small type.
    assert set(town.evaluate(TOP_BAR_LINES).values()) == {1}
    assert town.evaluate("document.documentElement.scrollWidth") <= 1280
    shoot(town, "00b-township-coordinator-top-bar")

    for width, height in ((1024, 768), (800, 600), (390, 844)):
        town.set_viewport_size({"width": width, "height": height})
        parts = town.evaluate(TOP_BAR_PARTS)
        assert overlapping(parts) == [], width
        assert all(part["left"] >= 0 and part["right"] <= width for part in parts), (width, parts)
        assert not any(part["clipped"] for part in parts), (width, parts)
        # A page's name, the person's name or a button never breaks in the middle at these widths.
        assert set(town.evaluate(TOP_BAR_LINES).values()) == {1}, width
        assert town.evaluate("document.documentElement.scrollWidth") <= width
        assert town.get_by_role("button", name="退出登录").is_visible()
    shoot(town, "00c-township-coordinator-top-bar-phone")


def test_the_readmes_trial_account_carries_a_case_to_closed_alone(page, console_url, platform, shoot):
    """As README's 第一次使用 says: one account made with `wuyuan account add`, every step in the browser."""
    from click.testing import CliRunner

    from wuyuan.cli import main

    readme_command = (
        "account add shiyong --name 试用 --role intake_staff --role coordinator --role supervisor --role leader"
        " --role officer --unit court:430426 --unit police:430426 --unit justice:430426 --unit petition:430426"
        " --unit plc:430426"
    )
    environment = {
        "WUYUAN_VHOST": platform.vhost,
        "WUYUAN_DB_PREFIX": platform.db_prefix,
        "WUYUAN_STATE_DIR": str(platform.state_dir),
        "WUYUAN_HTTP_PORT_BASE": str(platform.http_port_base),
    }
    made = CliRunner().invoke(main, readme_command.split(), env=environment)
    assert made.exit_code == 0, made.output
    password = made.output.split("初始密码（只显示这一次）：", 1)[1].strip()

    trial = page()
    sign_in(trial, console_url, "shiyong", password)
    case_id = register_joint_dispute(trial, "果园灌溉用水分配纠纷", "郑一", "13600004444", "冯二")
    expect(trial.locator(".mode")).to_have_text("共同办", timeout=20_000)
    for agency in ("police", "justice"):
        trial.goto(f"{console_url}/referrals?agency={agency}")
        reload_until(trial, lambda: trial.get_by_role("link", name=case_id).count() > 0)
        accept_and_resolve(trial, console_url, agency, case_id, "双方已达成用水轮灌协议")
    trial.goto(f"{console_url}/board")
    reload_until(trial, lambda: trial.locator("#follow-ups").get_by_role("link", name=case_id).count() > 0)
    trial.goto(f"{console_url}/follow-ups/{case_id}")
    trial.goto(trial.locator("#rating-link").get_attribute("href") or "")
    trial.get_by_label("基本满意").check()
    trial.get_by_role("button", name="提交评价").click()
    expect(trial.get_by_role("status")).to_contain_text("感谢您的评价")
    trial.goto(f"{console_url}/cases/{case_id}")
    reload_until(trial, lambda: "已结案" in trial.locator("h1").inner_text())
    shoot(trial, "16-trial-account-case-closed")


def test_a_coordinator_calls_units_in_by_ticking_their_boxes_with_the_keyboard(page, console_url, passwords, shoot):
    """吹哨报到 offers the units as checkboxes, each agency's under its name: two are ticked with Tab and the space
    bar, no Ctrl-click; a whistle with none ticked is refused beside the units, the note kept."""
    window = page()
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    case_id = register_joint_dispute(
        window, "两户宅基地界址争执，需派出所、司法所共同调处", "钱一", "13600005555", "孙二"
    )

    # The refusal is a 400, which the browser logs as an error: this page alone may log it.
    refused = page(allow_errors=True)
    sign_in(refused, console_url, "demo.coordinator", passwords["demo.coordinator"])
    refused.goto(f"{console_url}/cases/{case_id}")
    reload_until(refused, lambda: refused.get_by_role("heading", name="吹哨报到").count() > 0)
    refused.get_by_label("请报到单位办理的事项").fill("请到现场共同勘界调处")
    refused.get_by_role("button", name="吹哨").click()
    expect(refused.locator("#call_in\\.units-error")).to_have_text("请至少选择一个单位")
    expect(refused.get_by_role("group", name="报到单位（可多选）")).to_have_attribute(
        "aria-describedby", "call_in.units-error"
    )
    expect(refused.get_by_label("请报到单位办理的事项")).to_have_value("请到现场共同勘界调处")

    coordinator = page()
    sign_in(coordinator, console_url, "demo.coordinator", passwords["demo.coordinator"])
    coordinator.goto(f"{console_url}/cases/{case_id}")
    units = coordinator.get_by_role("group", name="报到单位（可多选）")
    expect(units.get_by_role("group", name="公安局")).to_be_visible()
    expect(units.get_by_role("group", name="司法局")).to_be_visible()
    expect(coordinator.locator("select[multiple]")).to_have_count(0)
    # 砖塘镇's station and 司法所 hold the case already; the county bureau and 蒋家桥镇's station may be called.
    expect(units.get_by_role("checkbox", name="砖塘镇派出所")).to_have_count(0)
    coordinator.get_by_label("请报到单位办理的事项").fill("请到现场共同勘界调处")

    first = units.get_by_role("checkbox", name="祁东县公安局")
    first.focus()
    coordinator.keyboard.press("Space")
    coordinator.keyboard.press("Tab")
    expect(units.get_by_role("checkbox", name="蒋家桥镇派出所")).to_be_focused()
    coordinator.keyboard.press("Space")
    expect(first).to_be_checked()
    expect(units.get_by_role("checkbox", name="蒋家桥镇派出所")).to_be_checked()
    expect(units.get_by_role("checkbox", name="蒋家桥镇司法所")).not_to_be_checked()
    shoot(coordinator, "11b-call-in-checkboxes")
    coordinator.get_by_role("button", name="吹哨").click()

    expect(coordinator.get_by_role("status")).to_have_text("已吹哨，交办单已发给所选单位。")
    reload_until(coordinator, lambda: "蒋家桥镇派出所" in coordinator.locator(".co-units").inner_text())
    expect(coordinator.locator(".co-units")).to_contain_text("祁东县公安局")
