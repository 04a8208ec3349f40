"""A leader reads the report on the overview in Chromium: this month, the rates with their definitions, charts with
their tables, the unit ranking, a wrong range refused beside its field, and the CSV download through the console."""

from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from shared.report_periods import period_dates
from shared.workdays import CHINA_TZ
from tests.browser.test_console import passwords, sign_in  # noqa: F401 (passwords is a fixture)
from tests.e2e.test_reports import drive_police

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_a_leader_reads_this_months_report_and_downloads_it(page, console_url, passwords, client, shoot):  # noqa: F811
    drive_police(client)  # one mediated police call: a source, two units to rank

    leader = page()
    sign_in(leader, console_url, "demo.leader", passwords["demo.leader"])
    expect(leader.get_by_role("heading", name="报表（日小结・周调度・月总结）")).to_be_visible()
    rates = leader.locator("#report-rates")
    expect(rates).to_contain_text("警调调解成功率")
    # The definition is the rate's tooltip, in Chinese.
    police_rate = rates.locator(".figure", has_text="警调调解成功率")
    expect(police_rate).to_have_attribute(
        "title",
        "警调调解成功数 ÷ 警调对接移交数 ×100%，保留一位小数（四舍五入）；分母为0时不计算（页面显示“—”，CSV留空）",
    )
    expect(leader.locator("#table-report-sources")).to_contain_text("案源（警情）")
    ranking = leader.locator("#report-ranking")
    expect(ranking).to_contain_text("砖塘镇司法所")
    expect(leader.locator("main")).not_to_contain_text("justice:430426101")  # units by name, never codes
    assert leader.evaluate("() => Chart.getChart('chart-report-sources') !== undefined")
    shoot(leader, "14-leader-report")

    leader.get_by_role("link", name="本周").click()
    expect(leader.locator("#report-scope")).to_contain_text("共7天")

    with leader.expect_download() as download:
        leader.get_by_role("link", name="CSV").click()
    monday, sunday = period_dates("week", datetime.now(CHINA_TZ).date())
    assert download.value.suggested_filename == f"五源共治报表_{monday}至{sunday}.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")  # the BOM is for spreadsheets
    assert text.splitlines()[0] == "指标代码,指标,分子,分母,数值"
    assert any(line.startswith("police_referred,警调对接移交数") for line in text.splitlines())

    refused = page(allow_errors=True)
    sign_in(refused, console_url, "demo.leader", passwords["demo.leader"])
    refused.goto(f"{console_url}/overview?from=2026-11-30&to=2026-11-01#report")
    expect(refused.locator("#to-error")).to_be_visible()
    expect(refused.get_by_label("截止日期（含）")).to_have_attribute("aria-invalid", "true")
    shoot(refused, "15-leader-report-refused")


# Every bar chart of the overview, redrawn by the page's own Chart.js options with one bar at each maximum: a count
# of cases has no halves, however few there are.
REDRAWN_TICKS = """([ids, maxima]) => ids.flatMap((id) => {
  const chart = Chart.getChart(id);
  return maxima.map((max) => {
    chart.data.labels = ["甲", "乙"];
    chart.data.datasets.forEach((dataset, i) => { dataset.data = i === 0 ? [max, 0] : [0, 0]; });
    chart.update();
    return { id, max, ticks: chart.scales.y.ticks.map((tick) => tick.value) };
  });
})"""


def test_the_overviews_counts_tick_at_whole_numbers_whatever_the_maximum(page, console_url, passwords):  # noqa: F811
    leader = page()
    sign_in(leader, console_url, "demo.leader", passwords["demo.leader"])
    expect(leader.locator("#chart-report-categories")).to_be_visible()
    bars = ["chart-sources", "chart-results", "chart-report-sources", "chart-report-categories"]

    drawn = leader.evaluate(REDRAWN_TICKS, [bars, [0, 1, 2, 3, 7, 23, 1000]])

    assert len(drawn) == 4 * 7
    for axis in drawn:
        ticks = axis["ticks"]
        assert ticks and all(float(tick).is_integer() for tick in ticks), axis
        assert ticks[0] == 0 and ticks[-1] >= axis["max"], axis
        assert len(set(ticks)) == len(ticks), axis
