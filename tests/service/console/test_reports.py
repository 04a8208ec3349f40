"""The report on the leaders' overview: this month by default, the rates with their definitions, downloads proxied."""

import html
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from services.supervision.reports import Level, Period, Scope, build_report, spot_check_section
from shared import wording
from shared.auth.principal import Principal, Role
from tests.service.console.visitors import STAFF, ZHOU, error_beside, text_of, token_of
from tests.unit.shared.test_downloads import saved_as
from tests.unit.supervision.test_reports import november

REPORT = build_report(
    november(),
    Period(date(2026, 11, 1), date(2026, 11, 30)),
    Scope(Level.COUNTY, "430426"),
    datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=8))),
)
OVERVIEW = {
    "as_of": "2026-11-23T09:30:00+08:00",
    "cases_total": 5,
    "referrals": {"on_time_rate": None, "on_time": 0, "finished": 0, "overdue": 0},
    "ratings": {"satisfaction_rate": None},
    "by_source": {},
    "by_status": {},
    "by_unit": [],
}


def scripted(apis, status: int = 200, body: object = None):
    apis.answer("coordinator", "GET", "/api/v1/overview", 200, OVERVIEW)
    apis.answer("supervision", "GET", "/api/v1/reports", status, REPORT if body is None else body)


def test_the_overview_shows_this_months_report_by_default(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)

    page = text_of(console.overview(browser.get("/overview", as_=ZHOU)))

    [call] = apis.calls_to("supervision")
    assert call.params == {"period": "month", "date": "2026-11-23"}
    assert call.token == token_of(ZHOU)
    assert "按期办结率（3/4）" in page and "75.0%" in page
    # Each rate's definition travels with it, as a tooltip and in the table of definitions.
    assert 'title="按期办结任务数 ÷ 单位办结任务数' in page
    assert "砖塘镇司法所" in page  # the ranking names units
    assert "排名规则" in page
    # The ranking's rates are over each unit's own tasks: each shows what it divides, and says so in words.
    ranking = page.split('id="report-ranking"')[1].split("</table>")[0]
    assert "化解率（化解/有结果）" in ranking
    assert 'title="本单位办结任务中结果为化解的任务数 ÷ 本单位办结任务中报送了办理结果的任务数' in ranking
    [justice] = [row for row in REPORT["ranking"] if row["unit"] == "justice:430426101"]
    rate = justice["on_time_rate"]
    assert f"{rate['value']:.1f}%（{rate['numerator']}/{rate['denominator']}）" in ranking
    assert "与上方按案件计算的化解率口径不同" in page
    assert 'href="/overview/report.csv?period=month&amp;date=2026-11-23"' in page
    assert 'id="report-chart-data"' in page
    charts = json.loads(html.unescape(page.split('id="report-chart-data">')[1].split("</script>")[0]))
    assert [series["label"] for series in charts["sources"]["series"]] == ["受理", "办结", "化解"]
    walk_in = charts["sources"]["labels"].index(wording.SOURCES["walk_in"])
    assert [series["values"][walk_in] for series in charts["sources"]["series"]] == [2, 2, 2]


def test_the_table_of_figures_writes_rates_as_percentages_and_counts_as_counts(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)

    page = text_of(console.overview(browser.get("/overview", as_=ZHOU)))

    assert "<tr><td>按期办结率</td><td>75.0%</td><td>3</td><td>4</td>" in page
    assert f"<tr><td>单位办结任务数</td><td>{REPORT['figures']['parts_ended']['value']}</td>" in page


def test_the_cases_waiting_for_manual_triage_stand_first_beside_the_cases_received(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    waiting = {"label": "期末待人工分流案件数", "value": 2}
    scripted(apis, body={**REPORT, "figures": {**REPORT["figures"], "cases_awaiting_triage_at_end": waiting}})

    page = text_of(console.overview(browser.get("/overview", as_=ZHOU)))

    counts = page.split('id="report-counts">')[1].split('id="report-rates"')[0]
    assert '<span class="value">2</span><span class="name">期末待人工分流案件数</span>' in counts
    assert "受理案件数" in counts and "尚待综合协调组人工分派单位" in counts
    assert "<tr><td>期末待人工分流案件数</td><td>2</td>" in page  # and in the table of figures


def test_a_report_from_an_older_supervision_without_the_waiting_cases_still_shows(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    figures = {k: v for k, v in REPORT["figures"].items() if k != "cases_awaiting_triage_at_end"}
    scripted(apis, body={**REPORT, "figures": figures})

    page = text_of(console.overview(browser.get("/overview", as_=ZHOU)))

    assert "受理案件数" in page.split('id="report-counts">')[1] and "期末待人工分流" not in page


def test_the_countys_spot_checks_stand_under_the_ranking(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    spot = {"closed": 40, "drawn": 4, "done": 3, "reopened": 1, "ratings": {"dissatisfied": 1}}
    scripted(apis, body={**REPORT, "spot_checks": spot_check_section(spot)})

    page = text_of(console.overview(browser.get("/overview", as_=ZHOU)))

    table = page.split('id="report-spot-checks"')[1].split("</table>")[0]
    assert re.findall(r"<td>([^<]*)</td>", table) == ["40", "4", "10.0%", "3", "0", "0", "1", "1"]


def test_a_quiet_period_says_what_is_missing_rather_than_no_data(console, apis, browser, staff):
    """A day with nothing received or handled, and no unit finished anything: each empty table says which."""
    staff.signed_in(ZHOU)
    quiet = build_report(
        november(),
        Period(date(2026, 10, 1), date(2026, 10, 1)),
        Scope(Level.COUNTY, "430426"),
        datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    )
    scripted(apis, body=quiet)

    page = text_of(console.overview(browser.get("/overview?period=day&date=2026-10-01", as_=ZHOU)))

    for table in ("table-report-sources", "table-report-categories"):
        assert "本期在所选范围内没有受理或办结的案件。" in page.split(f'id="{table}"')[1].split("</table>")[0]
    assert "本期没有单位办结交办任务" in page.split('id="report-ranking"')[1].split("</table>")[0]
    assert "暂无数据" not in page.split('id="report"')[1]


def test_the_range_and_scope_chosen_are_passed_on_and_a_refusal_shown_beside_its_field(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    refusal = {
        "error": "invalid_input",
        "fields": [{"field": "to", "message": "is before from", "type": "to_before_from"}],
    }
    scripted(apis, 400, refusal)

    query = "/overview?from=2026-11-30&to=2026-11-01&level=unit&unit=police:430426101&evil=1"
    page = text_of(console.overview(browser.get(query, as_=ZHOU)))

    [call] = apis.calls_to("supervision")
    assert call.params == {"from": "2026-11-30", "to": "2026-11-01", "level": "unit", "unit": "police:430426101"}
    assert error_beside(page, "to")
    assert "单位排名" not in page


def test_the_csv_download_is_fetched_with_the_visitors_token_and_opens_in_a_spreadsheet(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/reports", 200, "指标代码,指标,分子,分母,数值\n")

    response = console.report_csv(browser.get("/overview/report.csv?period=week&date=2026-11-23", as_=ZHOU))

    [call] = apis.calls
    assert call.params == {"period": "week", "date": "2026-11-23", "format": "csv"}
    assert call.token == token_of(ZHOU)
    assert response.mimetype == "text/csv"
    assert text_of(response).startswith("\ufeff指标代码,指标")
    # The CSV carries no period: the file is named by the week the date falls in, Monday to Sunday.
    assert saved_as(response.headers["Content-Disposition"]) == (
        "attachment",
        "五源共治报表_2026-11-23至2026-11-29.csv",
        "wuyuan-report-2026-11-23-2026-11-29.csv",
    )


def test_a_townships_csv_is_named_by_the_township_and_the_dates_chosen(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/reports", 200, "指标代码,指标,分子,分母,数值\n")

    query = "/overview/report.csv?from=2026-11-01&to=2026-11-15&level=township&division=430426101"
    response = console.report_csv(browser.get(query, as_=ZHOU))

    assert saved_as(response.headers["Content-Disposition"])[1] == "五源共治报表_砖塘镇_2026-11-01至2026-11-15.csv"


def test_the_json_download_is_the_apis_report(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    apis.answer("supervision", "GET", "/api/v1/reports", 200, REPORT)

    response = console.report_json(browser.get("/overview/report.json", as_=ZHOU))

    assert json.loads(text_of(response)) == json.loads(json.dumps(REPORT))
    assert saved_as(response.headers["Content-Disposition"]) == (
        "attachment",
        "五源共治报表_2026-11-01至2026-11-30.json",
        "wuyuan-report-2026-11-01-2026-11-30.json",
    )


def options_of(page: str, select_id: str) -> dict[str, str]:
    """A select's options: value -> the text shown."""
    select = page.split(f'<select id="{select_id}"')[1].split("</select>")[0]
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))


def test_the_scope_is_chosen_by_township_and_unit_names_not_typed_as_codes(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    scripted(apis)

    page = text_of(console.overview(browser.get("/overview?level=township&division=430426101", as_=ZHOU)))

    townships = options_of(page, "report-division")
    assert townships["430426101"] == "砖塘镇" and townships[""] == "不限"
    assert all(len(code) == 9 for code in townships if code)  # no county, no villages
    assert '<option value="430426101" selected>砖塘镇</option>' in page
    units = options_of(page, "report-unit")
    assert units["police:430426101"] == "砖塘镇派出所" and units["court:430426"] == "祁东县人民法院"
    assert "代码" not in page.split('id="report"')[1].split("</form>")[0]


@pytest.mark.parametrize(
    ("query", "field", "code", "sentence"),
    [
        ("level=unit&unit=police:430427101", "unit", "unit_outside_county", "请选择本县的单位"),
        ("level=unit", "unit", "unit_missing", "范围为“单位”时请选择单位"),
        ("level=township", "division", "township_missing", "范围为“乡镇”时请选择乡镇"),
        ("from=2026-11-30&to=2026-11-01", "to", "to_before_from", "截止日期不能早于起始日期"),
        ("from=2025-01-01&to=2026-11-01", "to", "period_too_long", "查询时段最长一年（366天）"),
    ],
)
def test_a_scope_or_period_supervision_refuses_reads_in_chinese_beside_its_field(
    console, apis, browser, staff, query, field, code, sentence
):
    """Worded from the refusal's code: supervision's English message may say anything."""
    staff.signed_in(ZHOU)
    scripted(apis, 400, {"error": "invalid_input", "fields": [{"field": field, "message": "reworded", "type": code}]})

    page = text_of(console.overview(browser.get(f"/overview?{query}", as_=ZHOU)))

    assert error_beside(page, field) == sentence


def test_a_unit_not_on_the_list_stays_chosen_beside_its_error(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    refusal = {"field": "unit", "message": "not a unit of county 430426", "type": "unit_outside_county"}
    scripted(apis, 400, {"error": "invalid_input", "fields": [refusal]})

    page = text_of(console.overview(browser.get("/overview?level=unit&unit=police:430427101", as_=ZHOU)))

    assert '<option value="police:430427101" selected>公安局（430427101）</option>' in page


def test_a_township_of_the_wrong_form_asks_for_a_township_and_is_not_offered_as_its_raw_code(
    console, apis, browser, staff
):
    staff.signed_in(ZHOU)
    refusal = {
        "field": "division",
        "message": "Value error, must be a statistical division code of 6, 9 or 12 digits",
        "type": "value_error",
    }
    scripted(apis, 400, {"error": "invalid_input", "fields": [refusal]})

    page = text_of(console.overview(browser.get("/overview?level=township&division=abc", as_=ZHOU)))

    assert error_beside(page, "division") == "请从列表中选择乡镇"
    assert "abc" not in options_of(page, "report-division")


def test_a_download_supervision_refuses_says_what_to_change_in_chinese(console, apis, browser, staff):
    staff.signed_in(ZHOU)
    refusal = {"field": "unit", "message": "not a unit of county 430426", "type": "unit_outside_county"}
    apis.answer("supervision", "GET", "/api/v1/reports", 400, {"error": "invalid_input", "fields": [refusal]})

    response = console.report_csv(browser.get("/overview/report.csv?level=unit&unit=police:430427101", as_=ZHOU))

    assert response.status_code == 400
    assert "单位：请选择本县的单位" in text_of(response)


def test_a_label_that_reads_as_markup_stays_inside_the_charts_data(console, apis, browser, staff):
    # The charts' data is a JSON block in the page: a code no vocabulary names is shown as it came, and whatever
    # it says, it cannot end the block and run as a script of the console's own origin.
    staff.signed_in(ZHOU)
    stray = "</script><script>alert(document.cookie)</script><!--"
    apis.answer("coordinator", "GET", "/api/v1/overview", 200, {**OVERVIEW, "by_source": {stray: 1}})
    tally = next(iter(REPORT["by_category"].values()))
    apis.answer("supervision", "GET", "/api/v1/reports", 200, {**REPORT, "by_category": {stray: tally}})

    page = console.overview(browser.get("/overview", as_=ZHOU)).get_data(as_text=True)

    assert "<script>alert" not in page and "<!--" not in page
    for block in ("chart-data", "report-chart-data"):
        data = json.loads(page.split(f'id="{block}">')[1].split("</script>")[0])
        assert stray in json.dumps(data, ensure_ascii=False)


@pytest.fixture
def zhuantang(monkeypatch) -> Principal:
    """砖塘镇综治中心's coordinator, known to the token checker the console is built with."""
    principal = Principal("tang.li", "唐莉", frozenset({Role.COORDINATOR}), frozenset({"centre:430426101"}))
    monkeypatch.setitem(STAFF, token_of(principal), principal)
    return principal


def test_a_township_centre_s_overview_opens_on_its_own_township_s_report(zhuantang, console, apis, browser, staff):
    """砖塘镇综治中心's staff read their township's figures first; choosing 全县 still shows the county's."""
    staff.signed_in(zhuantang)
    scripted(apis)
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [], "counts": {}, "total": 0})  # 提请领导督办

    page = text_of(console.overview(browser.get("/overview", as_=zhuantang)))
    console.overview(browser.get("/overview?level=county&period=month&date=2026-11-23", as_=zhuantang))
    console.report_csv(browser.get("/overview/report.csv?period=month&date=2026-11-23", as_=zhuantang))

    own, county, download = apis.calls_to("supervision")
    assert own.params == {"period": "month", "date": "2026-11-23", "level": "township", "division": "430426101"}
    assert county.params == {"level": "county", "period": "month", "date": "2026-11-23"}
    assert download.params["level"] == "township" and download.params["division"] == "430426101"
    assert "level=township&amp;division=430426101" in page  # its downloads are of the report shown
