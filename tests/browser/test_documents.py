"""督办文书 in real Chromium: a referral goes overdue, its numbered 督办函 is listed, printed and downloaded as PDF,
shown on the case page, and read by the county police bureau's officer, the station's superior."""

import re
from datetime import timedelta

import psycopg
import pytest
from playwright.sync_api import Page, expect

from shared import clock
from tests.browser.test_console import passwords, register_joint_dispute, reload_until, sign_in
from tests.browser.test_police_petitions import assert_fits_the_phone
from tests.unit.shared.test_downloads import saved_as

pytestmark = pytest.mark.browser
__all__ = ["passwords"]  # the accounts fixture, shared with the console's own tests

NUMBER = re.compile(r"祁东综治〔\d{4}〕督办第\d+号")


def make_overdue(platform, case_id: str, wait: Page) -> None:
    """A term cannot be waited out in a test: the lead's watch is moved back, as if issued twelve days ago;
    supervision's timer then issues the 督办函 within seconds."""
    now = clock.now()
    for _ in range(40):
        with psycopg.connect(platform.database_url("supervision"), autocommit=True) as conn:
            moved = conn.execute(
                "UPDATE watches SET issued_at = %s, reminder_at = %s, due_at = %s"
                " WHERE case_id = %s AND role = 'lead' AND closed_at IS NULL",
                (now - timedelta(days=12), now - timedelta(days=4), now - timedelta(days=2), case_id),
            ).rowcount
        if moved:
            return
        wait.wait_for_timeout(500)
    raise AssertionError(f"no open lead watch for {case_id}")


def test_a_numbered_supervision_letter_is_listed_printed_and_downloaded(page, console_url, passwords, platform, shoot):
    window = page()
    sign_in(window, console_url, "demo.window", passwords["demo.window"])
    case_id = register_joint_dispute(window, "村民共用水渠被堵久拖未决", "邱八", "13700004444", "田九")

    supervisor = page()
    sign_in(supervisor, console_url, "demo.supervisor", passwords["demo.supervisor"])
    make_overdue(platform, case_id, supervisor)

    supervisor.goto(f"{console_url}/documents?kind=overdue")
    expect(supervisor.get_by_role("heading", name="督办文书")).to_be_visible()
    row = supervisor.locator("#documents tr", has_text=case_id)
    reload_until(supervisor, lambda: row.count() == 1)
    expect(row).to_contain_text("督办函")
    expect(row).to_contain_text("砖塘镇派出所（抄送祁东县公安局）")
    number = NUMBER.search(row.inner_text())
    assert number is not None, row.inner_text()
    shoot(supervisor, "40-documents-list")

    pdf = supervisor.request.get(console_url + row.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert saved_as(pdf.headers["content-disposition"])[:2] == ("inline", f"督办函_{number.group()}.pdf")

    supervisor.goto(console_url + row.get_by_role("link", name="打印").get_attribute("href"))
    expect(supervisor.get_by_role("heading", name="督办函")).to_be_visible()
    expect(supervisor.locator("body")).to_contain_text(number.group())
    expect(supervisor.locator("body")).to_contain_text("抄送：祁东县公安局")
    shoot(supervisor, "41-supervision-letter-print-view")

    supervisor.goto(f"{console_url}/cases/{case_id}")
    expect(supervisor.locator("#case-documents")).to_contain_text(number.group())

    phone = page("phone")
    sign_in(phone, console_url, "demo.supervisor", passwords["demo.supervisor"])
    phone.goto(f"{console_url}/documents")
    expect(phone.locator("#documents tr", has_text=case_id)).to_contain_text(number.group())
    assert_fits_the_phone(phone)

    bureau = page()
    sign_in(bureau, console_url, "demo.police", passwords["demo.police"])
    bureau.get_by_role("link", name="督办文书").click()
    expect(bureau.locator("#documents tr", has_text=case_id)).to_contain_text(number.group())
