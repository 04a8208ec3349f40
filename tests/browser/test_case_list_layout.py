"""The case list at a staff desk's 1366x768 in real Chromium: a deadline and its 暂定 mark each stay on one line."""

import psycopg
import pytest
from playwright.sync_api import expect

from tests.browser.test_court import filing_number, passwords, reload_until, sign_in

pytestmark = pytest.mark.browser
__all__ = ["passwords"]  # the accounts fixture, shared with the court's own tests

STAFF_DESK = (1366, 768)
SUMMARY = "原告诉请被告归还货款八万元，被告称货物质量有问题"
# A filing from 归阳镇归阳社区 that the court diverts: the row's source, place and court fill the line.
COMMUNITY = "430426103001"


def make_provisional(platform, case_id: str) -> None:
    """Every deadline runs into a year whose calendar is unknown in December only: the case's referrals are marked as
    such, as the coordinator marks them then."""
    with psycopg.connect(platform.database_url("coordinator"), autocommit=True) as conn:
        changed = conn.execute(
            "UPDATE cases SET state = jsonb_set(state, '{referrals}', (SELECT jsonb_agg(r || %s::jsonb)"
            " FROM jsonb_array_elements(state->'referrals') AS r)) WHERE case_id = %s",
            ('{"due_provisional": true}', case_id),
        ).rowcount
    assert changed == 1


def case_of(platform, summary: str) -> str | None:
    with psycopg.connect(platform.database_url("coordinator"), autocommit=True) as conn:
        row = conn.execute("SELECT case_id FROM cases WHERE summary = %s", (summary,)).fetchone()
    return row[0] if row else None


def test_a_provisional_deadline_stays_whole_in_the_case_list_at_a_staff_desk(page, console_url, passwords, platform):
    court = page(STAFF_DESK)
    sign_in(court, console_url, "demo.court", passwords["demo.court"])
    court.goto(f"{console_url}/court/filings/new")
    court.get_by_label("案号", exact=True).fill(filing_number(9301))
    court.get_by_label("纠纷类别").select_option("contract")
    court.get_by_label("纠纷发生地").select_option(COMMUNITY)
    court.get_by_label("案情概要").fill(SUMMARY)
    court.locator('[name="parties.0.name"]').fill("归阳镇湘江农资经营部")
    court.locator('[name="parties.0.kind"]').select_option("organisation")
    court.locator('[name="parties.1.name"]').fill("邹建新")
    for question in ("法律关系是否明确", "事实是否清楚", "当事人是否同意调解"):
        court.get_by_role("group", name=question).get_by_label("是", exact=True).check()
    court.get_by_role("button", name="登记并审查").click()
    expect(court.get_by_role("status")).to_contain_text("分流至综治中心诉前调解")

    coordinator = page(STAFF_DESK)
    sign_in(coordinator, console_url, "demo.coordinator", passwords["demo.coordinator"])
    reload_until(coordinator, lambda: case_of(platform, SUMMARY) is not None)
    case_id = case_of(platform, SUMMARY)
    assert case_id is not None
    make_provisional(platform, case_id)

    coordinator.goto(f"{console_url}/cases?q={case_id}")
    row = coordinator.locator("table.list tbody tr", has_text=case_id)
    expect(row.locator(".provisional")).to_have_text("暂定")
    for mark in (row.locator(".due"), row.locator(".provisional")):
        lines = mark.evaluate("element => element.getClientRects().length")
        assert lines == 1, f"{mark.inner_text()!r} is broken over {lines} lines"
